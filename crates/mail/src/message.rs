//! Turns an outbox row into a MIME message: rendered parts, addressing, a deterministic
//! Message-ID, Date, and for list mail the RFC 8058 one-click unsubscribe headers.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::MailError;
use crate::render::{Rendered, Renderer};
use crate::unsubscribe::{List, UnsubscribeKey};

/// An email as the outbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    /// The outbox row's key.
    pub outbox_id: i64,
    /// The row's dedupe key.
    pub dedupe_key: String,
    /// Recipient address.
    pub to: String,
    /// Template name.
    pub template: String,
    /// Template data; an `unsubscribe` object (`user_id`, `list`) makes it list mail.
    pub payload: Value,
}

/// Returns the Message-ID of an outbox email: derived from its row id and dedupe key only, so
/// every attempt at the same row (a retry, or a resend after a crash between sending and
/// marking) carries the same Message-ID and a receiver can drop the copy.
pub fn message_id_for(outbox_id: i64, dedupe_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(dedupe_key.as_bytes());
    let mut short = String::with_capacity(16);
    for byte in &digest[..8] {
        short.push_str(&format!("{byte:02x}"));
    }
    format!("<outbox.{outbox_id}.{short}@{domain}>")
}

/// Renders and addresses outbox emails.
#[derive(Debug)]
pub struct Composer {
    renderer: Renderer,
    from: Mailbox,
    public_url: String,
    domain: String,
    key: UnsubscribeKey,
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// `List-Id: <digest.reskill.example>` (RFC 2919), so clients can group and filter list mail.
#[derive(Debug, Clone)]
struct ListId(String);

impl Header for ListId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

impl Composer {
    /// Builds a composer sending as `from` (`Name <address>`), linking to `public_url`, with
    /// unsubscribe links signed by `key`.
    pub fn new(from: &str, public_url: &str, key: UnsubscribeKey) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("RESKILL_MAIL_FROM {from:?}: {e}")))?;
        let public_url = public_url.trim_end_matches('/').to_owned();
        let domain = url::Url::parse(&public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| from.email.domain().to_owned());
        Ok(Self {
            renderer: Renderer::new(),
            from,
            public_url,
            domain,
            key,
        })
    }

    /// Returns the base URL links point to.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Returns the unsubscribe key.
    pub fn key(&self) -> &UnsubscribeKey {
        &self.key
    }

    /// Returns the Message-ID `email` is sent with.
    pub fn message_id(&self, email: &OutgoingEmail) -> String {
        message_id_for(email.outbox_id, &email.dedupe_key, &self.domain)
    }

    /// Returns the list `email` belongs to and the user it is for, if it is list mail.
    pub fn list_of(email: &OutgoingEmail) -> Option<(i64, List)> {
        let unsubscribe = email.payload.get("unsubscribe")?;
        let user = unsubscribe.get("user_id")?.as_i64()?;
        let list = List::parse(unsubscribe.get("list")?.as_str()?)?;
        Some((user, list))
    }

    /// Renders `email` without addressing it.
    pub fn render(&self, email: &OutgoingEmail) -> Result<Rendered, MailError> {
        let mut extra = Map::new();
        extra.insert("public_url".into(), Value::from(self.public_url.clone()));
        if let Some((user, list)) = Self::list_of(email) {
            extra.insert(
                "unsubscribe_url".into(),
                Value::from(self.key.link(&self.public_url, user, list)),
            );
            extra.insert("list_title".into(), Value::from(list.title()));
        }
        self.renderer.render(&email.template, &email.payload, extra)
    }

    /// Builds the message for `email`, dated `date`.
    pub fn compose(&self, email: &OutgoingEmail, date: SystemTime) -> Result<Message, MailError> {
        let rendered = self.render(email)?;
        let build_error = |detail: String| MailError::Build {
            to: email.to.clone(),
            detail,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| build_error(format!("bad recipient address: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .date(date)
            .message_id(Some(self.message_id(email)));
        if let Some((user, list)) = Self::list_of(email) {
            builder = builder
                .header(ListId(format!(
                    "{}.{}",
                    list.as_str().replace('_', "-"),
                    self.domain
                )))
                .header(ListUnsubscribe(self.key.link(&self.public_url, user, list)))
                .header(ListUnsubscribePost);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| build_error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn composer() -> Composer {
        Composer::new(
            "Reskill <noreply@reskill.test>",
            "https://reskill.example/",
            UnsubscribeKey::derive(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap()
    }

    fn digest() -> OutgoingEmail {
        OutgoingEmail {
            outbox_id: 42,
            dedupe_key: "digest:7:2026-W49".into(),
            to: "ana@example.org".into(),
            template: "weekly_digest".into(),
            payload: json!({
                "display_name": "Ana <b>",
                "week": "2026-W49",
                "headline": "2 new openings",
                "openings": [{"title": "Care assistant", "organisation": "Lewisham Care",
                    "place": "London", "link": "https://reskill.example/search?q=care"}],
                "next_course": {"title": "Care Certificate", "provider": "NHS", "weeks": 4,
                    "link": "https://reskill.example/search?kind=courses&q=care"},
                "plan_progress": ["You completed “Food hygiene”."],
                "risk_change": null,
                "unsubscribe": {"user_id": 7, "list": "digest"},
            }),
        }
    }

    #[test]
    fn every_template_renders_with_its_sample_payload() {
        let composer = composer();
        for (name, ..) in crate::TEMPLATES {
            let email = OutgoingEmail {
                template: (*name).to_owned(),
                payload: sample_payload(name),
                ..digest()
            };
            let rendered = composer.render(&email).unwrap();
            assert!(!rendered.subject.is_empty(), "{name}");
            assert!(!rendered.subject.contains('\n'), "{name}");
            assert!(
                rendered.text.contains("Hello Ana"),
                "{name}: {}",
                rendered.text
            );
            assert!(rendered.html.contains("Hello Ana"), "{name}");
            assert!(rendered.html.contains("style=\""), "{name}: inline styles");
        }
    }

    fn sample_payload(name: &str) -> Value {
        let mut payload = match name {
            "weekly_digest" => digest().payload,
            "caseload_summary" => json!({
                "week": "2026-W49", "total": 3, "high_risk": 1, "active_plans": 2,
                "contact_days": 30, "no_recent_contact": [{"name": "Bo", "since": "never"}],
                "plan_changes": ["Bo completed a step"],
                "unsubscribe": {"user_id": 9, "list": "caseload_summary"},
            }),
            _ => json!({
                "link": "https://reskill.example/verify-email?token=t",
                "expires_in_hours": 48, "expires_in_minutes": 60,
                "plan_id": 5, "target_occupation": "care assistant",
                "opening_title": "Care assistant", "interest_id": 3,
            }),
        };
        payload["display_name"] = json!("Ana");
        payload
    }

    #[test]
    fn html_escapes_and_text_does_not() {
        let rendered = composer().render(&digest()).unwrap();
        assert!(rendered.html.contains("Hello Ana &lt;b&gt;"));
        assert!(rendered.text.contains("Hello Ana <b>"));
        assert!(
            rendered
                .text
                .contains("https://reskill.example/unsubscribe?user=7&list=digest&token=")
        );
    }

    #[test]
    fn list_mail_carries_one_click_unsubscribe_headers_and_a_stable_message_id() {
        let composer = composer();
        let message = composer.compose(&digest(), SystemTime::now()).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains(
            "List-Unsubscribe: <https://reskill.example/unsubscribe?user=7&list=digest&token="
        ));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("Content-Type: multipart/alternative"));
        assert!(raw.contains("Content-Type: text/plain"));
        assert!(raw.contains("Content-Type: text/html"));
        let id = composer.message_id(&digest());
        assert!(raw.contains(&format!("Message-ID: {id}")), "{raw}");
        assert!(id.ends_with("@reskill.example>"));
        assert_eq!(
            id,
            message_id_for(42, "digest:7:2026-W49", "reskill.example")
        );
        assert_ne!(
            id,
            message_id_for(43, "digest:7:2026-W49", "reskill.example")
        );
    }

    #[test]
    fn transactional_mail_has_no_unsubscribe_header() {
        let email = OutgoingEmail {
            template: "password_changed".into(),
            payload: json!({"display_name": "Ana"}),
            ..digest()
        };
        let raw = String::from_utf8(
            composer()
                .compose(&email, SystemTime::now())
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(!raw.contains("List-Unsubscribe"));
    }

    #[test]
    fn a_bad_address_or_template_is_an_error() {
        let composer = composer();
        let bad_to = OutgoingEmail {
            to: "not an address".into(),
            ..digest()
        };
        assert!(matches!(
            composer.compose(&bad_to, SystemTime::now()),
            Err(MailError::Build { .. })
        ));
        let bad_template = OutgoingEmail {
            template: "nope".into(),
            ..digest()
        };
        assert!(matches!(
            composer.render(&bad_template),
            Err(MailError::Render { .. })
        ));
    }
}
