//! Signed one-click unsubscribe tokens: HMAC-SHA256 over the user id and the list name, with a
//! key derived from the server secret, so a link cannot be forged for another user or list and
//! needs no stored state.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The mailing lists a person can leave; transactional emails (verification, reset, a plan
/// assigned, an employer's interest) belong to none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    /// The weekly digest to seekers.
    Digest,
    /// The weekly caseload summary to caseworkers.
    CaseloadSummary,
}

impl List {
    /// Every list.
    pub const ALL: [List; 2] = [List::Digest, List::CaseloadSummary];

    /// Returns the stored and linked name.
    pub fn as_str(self) -> &'static str {
        match self {
            List::Digest => "digest",
            List::CaseloadSummary => "caseload_summary",
        }
    }

    /// Parses a stored or linked name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|list| list.as_str() == name)
    }

    /// Returns the name shown to people.
    pub fn title(self) -> &'static str {
        match self {
            List::Digest => "the weekly Reskill digest",
            List::CaseloadSummary => "the weekly caseload summary",
        }
    }
}

/// The key unsubscribe tokens are signed with.
#[derive(Clone)]
pub struct UnsubscribeKey([u8; 32]);

impl std::fmt::Debug for UnsubscribeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsubscribeKey(***)")
    }
}

impl UnsubscribeKey {
    /// Derives the key from the server secret (HMAC-SHA256 of a fixed label under the secret),
    /// so it differs from the token-signing key itself and rotating the secret voids old links.
    pub fn derive(server_secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(b"reskill unsubscribe v1");
        Self(mac.finalize().into_bytes().into())
    }

    fn mac(&self, user_id: i64, list: List) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(format!("{user_id}\n{}", list.as_str()).as_bytes());
        mac
    }

    /// Returns the token for `user_id` leaving `list` (URL-safe base64, 43 characters).
    pub fn token(&self, user_id: i64, list: List) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(user_id, list).finalize().into_bytes())
    }

    /// Returns whether `token` was issued for `user_id` and `list` (compared in constant time).
    pub fn verify(&self, user_id: i64, list: List, token: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(token.trim()) {
            Ok(bytes) => self.mac(user_id, list).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    /// Returns the one-click link for `user_id` leaving `list` under `public_url`.
    pub fn link(&self, public_url: &str, user_id: i64, list: List) -> String {
        format!(
            "{}/unsubscribe?user={user_id}&list={}&token={}",
            public_url.trim_end_matches('/'),
            list.as_str(),
            self.token(user_id, list)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_user_and_list() {
        let key = UnsubscribeKey::derive(b"0123456789abcdef0123456789abcdef");
        let token = key.token(7, List::Digest);
        assert!(key.verify(7, List::Digest, &token));
        assert!(!key.verify(8, List::Digest, &token));
        assert!(!key.verify(7, List::CaseloadSummary, &token));
        assert!(!key.verify(7, List::Digest, "not-a-token"));
        let other = UnsubscribeKey::derive(b"another secret of at least 32 bytes!");
        assert!(!other.verify(7, List::Digest, &token));
    }

    #[test]
    fn list_names_round_trip() {
        for list in List::ALL {
            assert_eq!(List::parse(list.as_str()), Some(list));
        }
        assert_eq!(List::parse("everything"), None);
    }
}
