//! Access tokens (JWT, HS256 only, `iss`/`aud`/`exp`/`nbf`/`iat` checked) and opaque
//! refresh and single-use tokens (random, stored as SHA-256 hashes).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use reskill_core::UserId;
use reskill_core::accounts::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AuthConfig, SigningKey};

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's key, as a string (RFC 7519).
    pub sub: String,
    /// The role when issued (the server re-reads it from the database on every request).
    pub role: Role,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expiry.
    pub exp: u64,
    /// Token id.
    pub jti: String,
}

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past its `exp`.
    #[error("the access token has expired")]
    Expired,
    /// Anything else: bad signature, wrong algorithm, wrong audience, malformed.
    #[error("the access token is not valid")]
    Invalid,
}

/// The signing and verifying halves of the key, and the pinned validation rules.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenKeys {
    /// Builds keys and validation from the signing key and settings.
    pub fn new(key: &SigningKey, config: &AuthConfig) -> Self {
        // Only HS256: a token naming any other algorithm (or "none") is refused before its
        // signature is even looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(key.bytes()),
            decoding: DecodingKey::from_secret(key.bytes()),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl_secs: config.access_ttl.as_secs(),
        }
    }

    /// Returns the claims an access token for `user` issued now would carry.
    pub fn claims_for(&self, user: UserId, role: Role) -> AccessClaims {
        let now = jsonwebtoken::get_current_timestamp();
        AccessClaims {
            sub: user.0.to_string(),
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: random_token(),
        }
    }

    /// Signs claims into a compact JWT.
    pub fn sign(&self, claims: &AccessClaims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Issues an access token for `user`; returns it and its lifetime in seconds.
    pub fn issue(&self, user: UserId, role: Role) -> anyhow::Result<(String, u64)> {
        let token = self.sign(&self.claims_for(user, role))?;
        Ok((token, self.ttl_secs))
    }

    /// Verifies a token: algorithm, signature, issuer, audience, `exp`, `nbf` and `iat`.
    pub fn verify(&self, token: &str) -> Result<(UserId, AccessClaims), TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        let now = jsonwebtoken::get_current_timestamp();
        // jsonwebtoken does not check `iat`; a token "issued" in the future is forged or
        // from a badly wrong clock.
        if claims.iat > now + LEEWAY_SECS || claims.iat > claims.exp {
            return Err(TokenError::Invalid);
        }
        let user = claims
            .sub
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(UserId)
            .ok_or(TokenError::Invalid)?;
        Ok((user, claims))
    }
}

/// Returns 32 random bytes, URL-safe base64: refresh, single-use and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Returns the SHA-256 of a token, hex: what the database stores. (A fast hash suffices: the
/// tokens are 256 random bits, not guessable passwords.)
pub fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&SigningKey::random(), &AuthConfig::default())
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let (token, ttl) = keys.issue(UserId(7), Role::Seeker).unwrap();
        assert!(ttl <= 15 * 60);
        let (user, claims) = keys.verify(&token).unwrap();
        assert_eq!(user, UserId(7));
        assert_eq!(claims.role, Role::Seeker);
    }

    #[test]
    fn forged_and_stale_tokens_fail() {
        let keys = keys();
        let other = self::keys();
        let (token, _) = other.issue(UserId(7), Role::Admin).unwrap();
        assert_eq!(keys.verify(&token), Err(TokenError::Invalid));

        let mut claims = keys.claims_for(UserId(7), Role::Seeker);
        claims.exp = claims.iat - 3600;
        claims.nbf = claims.exp - 60;
        claims.iat = claims.nbf;
        assert_eq!(
            keys.verify(&keys.sign(&claims).unwrap()),
            Err(TokenError::Expired)
        );

        let mut claims = keys.claims_for(UserId(7), Role::Seeker);
        claims.nbf += 3600;
        assert_eq!(
            keys.verify(&keys.sign(&claims).unwrap()),
            Err(TokenError::Invalid)
        );

        let mut claims = keys.claims_for(UserId(7), Role::Seeker);
        claims.aud = "someone-else".into();
        assert_eq!(
            keys.verify(&keys.sign(&claims).unwrap()),
            Err(TokenError::Invalid)
        );

        // alg "none" with no signature.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&keys.claims_for(UserId(7), Role::Admin)).unwrap());
        assert_eq!(
            keys.verify(&format!("{header}.{body}.")),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn token_hashes_are_stable_and_comparison_is_exact() {
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_ne!(hash_token("abc"), hash_token("abd"));
        assert_eq!(hash_token("abc").len(), 64);
        assert!(constant_time_eq("same", "same"));
        assert!(!constant_time_eq("same", "sane"));
        assert!(!constant_time_eq("same", "same!"));
    }
}
