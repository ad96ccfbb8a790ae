//! Settings: one typed struct, from the command line and environment, validated at start.

use std::path::PathBuf;

use anyhow::Context;

use crate::Cli;

/// Everything the process needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Folder for the SQLite file, indexes, keys and mail files.
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: String,
    /// Access-token signing secret; `None` uses the key file in the data folder.
    pub jwt_secret: Option<String>,
    /// Base URL for emailed links.
    pub public_url: String,
    /// Whether session cookies are `Secure`.
    pub cookie_secure: bool,
    /// Email settings.
    pub mail: MailSettings,
    /// HTTP limits and headers of `serve`.
    pub http: reskill_server::middleware::HttpConfig,
}

/// Email settings: transport, sender address, schedule and retry policy.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `RESKILL_SMTP_URL`; empty means `.eml` files in `DATA_DIR/mail`.
    pub smtp_url: String,
    /// `From:` of every email.
    pub from: String,
    /// Pause between outbox polls inside `serve`.
    pub interval: std::time::Duration,
    /// Pause between runs of the weekly schedule inside `serve` (`None`: off).
    pub digest_interval: Option<std::time::Duration>,
    /// Batch, concurrency, lease and retry policy of the sender.
    pub sender: reskill_server::services::mail::SenderConfig,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: String::new(),
            from: "Reskill <noreply@localhost>".to_owned(),
            interval: std::time::Duration::from_secs(5),
            digest_interval: Some(std::time::Duration::from_secs(3600)),
            sender: Default::default(),
        }
    }
}

/// Base URL used in emailed links when none is configured.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

impl Settings {
    /// Builds settings from the parsed command line (which already folded in the environment).
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let database_url = match &cli.database_url {
            Some(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                cli.data_dir.join("reskill.db").display()
            ),
        };
        let settings = Self {
            data_dir: cli.data_dir.clone(),
            database_url,
            jwt_secret: cli.jwt_secret.clone().filter(|s| !s.trim().is_empty()),
            public_url: cli
                .public_url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned()),
            cookie_secure: cli.cookie_secure,
            http: reskill_server::middleware::HttpConfig {
                max_body_bytes: cli.max_body_bytes.max(1024),
                request_timeout: std::time::Duration::from_secs(cli.request_timeout_secs.max(1)),
                // HSTS only makes sense when the service is reached over HTTPS.
                hsts: cli.cookie_secure,
                search_per_second: (cli.search_rate > 0.0).then_some(cli.search_rate),
                search_burst: cli.search_burst,
            },
            mail: MailSettings {
                smtp_url: cli.smtp_url.clone().unwrap_or_default().trim().to_owned(),
                from: cli.mail_from.trim().to_owned(),
                interval: std::time::Duration::from_secs(cli.mail_interval_secs.max(1)),
                digest_interval: (cli.digest_interval_secs > 0)
                    .then(|| std::time::Duration::from_secs(cli.digest_interval_secs)),
                sender: reskill_server::services::mail::SenderConfig {
                    batch_size: cli.mail_batch.clamp(1, 10_000),
                    concurrency: cli.mail_concurrency.clamp(1, 256),
                    lease: std::time::Duration::from_secs(cli.mail_lease_secs.max(1)),
                    retry_base: std::time::Duration::from_secs(cli.mail_retry_base_secs.max(1)),
                    max_attempts: cli.mail_max_attempts.max(1),
                    mark_group: cli.mail_mark_group.clamp(1, 1_000),
                    mark_interval: std::time::Duration::from_millis(
                        cli.mail_mark_interval_ms.clamp(1, 10_000),
                    ),
                    ..Default::default()
                },
            },
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Builds settings for a data folder with the default SQLite database (tests use this).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>, database_url: Option<String>) -> Self {
        let data_dir = data_dir.into();
        let database_url = database_url.unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("reskill.db").display()
            )
        });
        Self {
            data_dir,
            database_url,
            jwt_secret: None,
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
            cookie_secure: false,
            mail: MailSettings::default(),
            http: Default::default(),
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        let scheme_ok = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|prefix| self.database_url.starts_with(prefix));
        anyhow::ensure!(
            scheme_ok,
            "DATABASE_URL must start with sqlite: or postgres:// (got a URL with another scheme)"
        );
        if let Some(secret) = &self.jwt_secret {
            reskill_server::auth::SigningKey::from_secret(secret)?;
        }
        anyhow::ensure!(
            self.public_url.starts_with("http://") || self.public_url.starts_with("https://"),
            "RESKILL_PUBLIC_URL must start with http:// or https://"
        );
        let smtp_url = self.mail.smtp_url.as_str();
        anyhow::ensure!(
            smtp_url.is_empty()
                || smtp_url == "none"
                || ["smtp://", "smtps://", "file://"]
                    .iter()
                    .any(|prefix| smtp_url.starts_with(prefix)),
            "RESKILL_SMTP_URL must be smtp://…, smtps://…, file://DIR or none"
        );
        reskill_mail::Composer::new(
            &self.mail.from,
            &self.public_url,
            reskill_mail::UnsubscribeKey::derive(b"validation only"),
        )?;
        Ok(())
    }

    /// Returns the authentication settings.
    pub fn auth_config(&self) -> reskill_server::auth::AuthConfig {
        reskill_server::auth::AuthConfig {
            cookie_secure: self.cookie_secure,
            public_url: self.public_url.clone(),
            ..Default::default()
        }
    }

    /// Builds authentication: the configured secret, or the data folder's key file, generated
    /// (mode 0600) on first run.
    pub fn auth(&self) -> anyhow::Result<reskill_server::auth::Auth> {
        let key = match &self.jwt_secret {
            Some(secret) => reskill_server::auth::SigningKey::from_secret(secret)?,
            None => {
                self.ensure_data_dir()?;
                let (key, created) =
                    reskill_server::auth::SigningKey::load_or_generate(&self.data_dir)?;
                if created {
                    tracing::warn!(
                        "generated a development signing key in {}; set RESKILL_JWT_SECRET in production",
                        self.data_dir
                            .join(reskill_server::auth::keys::KEY_FILE)
                            .display()
                    );
                }
                key
            }
        };
        Ok(reskill_server::auth::Auth::new(&key, self.auth_config()))
    }

    /// Builds the mail sender: the configured transport, templates linking to the public URL,
    /// unsubscribe links signed with a key derived from the token secret. Needs a Tokio
    /// runtime (the SMTP pool starts a task).
    pub fn mailer(
        &self,
        auth: &reskill_server::auth::Auth,
    ) -> anyhow::Result<reskill_server::services::mail::Mailer> {
        let transport = reskill_mail::Transport::from_url(&self.mail.smtp_url, &self.data_dir)?;
        let composer = reskill_mail::Composer::new(
            &self.mail.from,
            &self.public_url,
            auth.unsubscribe.clone(),
        )?;
        Ok(reskill_server::services::mail::Mailer {
            composer,
            transport,
            config: self.mail.sender.clone(),
        })
    }

    /// Returns the folder of the search indexes.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// Creates the data folder if needed.
    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("failed to create data folder {}", self.data_dir.display()))
    }
}
