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
