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
}

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
        Ok(())
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
