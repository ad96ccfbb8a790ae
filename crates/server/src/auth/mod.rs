//! Authentication: the signing key, argon2id passwords, access tokens (JWT, HS256 pinned) and
//! opaque refresh tokens, the cookie and Bearer carriers with CSRF protection, and login rate
//! limiting. Who may do what once authenticated is `crate::policy`'s business.

pub mod cookies;
pub mod extract;
pub mod keys;
pub mod password;
pub mod rate_limit;
pub mod refresh;
pub mod tokens;

use std::time::Duration;

pub use extract::{ClientIp, CurrentUser};
pub use keys::SigningKey;
pub use rate_limit::{LoginLimiter, MailLimiter};
pub use tokens::{AccessClaims, TokenError};

/// Longest access-token lifetime allowed: the issue caps it at 15 minutes.
pub const MAX_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);

/// Settings of authentication.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `iss` of issued tokens, checked on every request.
    pub issuer: String,
    /// `aud` of issued tokens, checked on every request.
    pub audience: String,
    /// Access-token lifetime (at most [`MAX_ACCESS_TTL`]).
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// Lifetime of an email-verification link.
    pub verify_email_ttl: Duration,
    /// Lifetime of a password-reset link.
    pub reset_password_ttl: Duration,
    /// Whether cookies carry the `Secure` attribute (true behind HTTPS).
    pub cookie_secure: bool,
    /// Base URL put in emailed links.
    pub public_url: String,
    /// Requests that send email one client address may make per hour (`None`: no limit).
    pub mail_requests_per_hour: Option<f64>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "reskill".to_owned(),
            audience: "reskill-api".to_owned(),
            access_ttl: MAX_ACCESS_TTL,
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            verify_email_ttl: Duration::from_secs(48 * 3600),
            reset_password_ttl: Duration::from_secs(3600),
            cookie_secure: false,
            public_url: "http://127.0.0.1:8080".to_owned(),
            mail_requests_per_hour: Some(rate_limit::MAIL_REQUESTS_PER_ADDRESS_PER_HOUR),
        }
    }
}

/// Everything authentication keeps in the application state.
pub struct Auth {
    /// Settings.
    pub config: AuthConfig,
    /// Signs and verifies access tokens.
    pub tokens: tokens::TokenKeys,
    /// Login attempts per address and per account.
    pub limiter: LoginLimiter,
    /// Requests that send email, per address and per recipient.
    pub mail_limiter: MailLimiter,
    /// Signs one-click unsubscribe links (derived from the same secret, for another purpose).
    pub unsubscribe: reskill_mail::UnsubscribeKey,
}

impl Auth {
    /// Builds authentication from a signing key and settings; the access-token lifetime is
    /// capped at 15 minutes.
    pub fn new(key: &SigningKey, mut config: AuthConfig) -> Self {
        config.access_ttl = config.access_ttl.min(MAX_ACCESS_TTL);
        Self {
            tokens: tokens::TokenKeys::new(key, &config),
            mail_limiter: MailLimiter::new(
                config.mail_requests_per_hour,
                rate_limit::MAILS_PER_RECIPIENT_PER_HOUR,
            ),
            config,
            limiter: LoginLimiter::default(),
            unsubscribe: reskill_mail::UnsubscribeKey::derive(key.bytes()),
        }
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
