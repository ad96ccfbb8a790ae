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
    /// Whether `DATABASE_URL` (or `--database-url`, or the settings file) named the database;
    /// otherwise it is the embedded default, the SQLite file in the data folder.
    pub database_named: bool,
    /// Access-token signing secret; `None` uses the key file in the data folder.
    pub jwt_secret: Option<String>,
    /// Base URL for emailed links.
    pub public_url: String,
    /// Whether `public_url` was derived from the listening address because
    /// `RESKILL_PUBLIC_URL` is unset.
    pub public_url_derived: bool,
    /// The address `serve` listens on (`--bind`, `RESKILL_BIND`, the settings file or the
    /// default), which the derived `public_url` names.
    pub bind: String,
    /// Whether session cookies are `Secure`.
    pub cookie_secure: bool,
    /// Mail-sending requests per client address per hour (`None`: no limit).
    pub mail_requests_per_hour: Option<f64>,
    /// Email settings.
    pub mail: MailSettings,
    /// HTTP limits and headers of `serve`.
    pub http: reskill_server::middleware::HttpConfig,
    /// Folder of the sentence-embedding model.
    pub model_dir: PathBuf,
    /// The pip command that fetches the model, split into words.
    pub pip: Vec<String>,
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

/// Base URL used in emailed links when none is configured and `serve` listens on the default
/// address.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Returns the base URL that reaches a server listening on `bind`: its host when it is a
/// concrete address, `localhost` for an unspecified one (0.0.0.0, [::]), which then reaches
/// only this machine.
pub fn public_url_for_bind(bind: &str) -> String {
    let bind = bind.trim();
    if let Ok(address) = bind.parse::<std::net::SocketAddr>() {
        let host = match address.ip() {
            ip if ip.is_unspecified() => "localhost".to_owned(),
            std::net::IpAddr::V4(ip) => ip.to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        };
        return format!("http://{host}:{}", address.port());
    }
    // A host name with a port (`example.org:8080`) is taken as it is.
    format!("http://{bind}")
}

/// Parses `RESKILL_TRUSTED_PROXIES`: addresses (a single host) or CIDR ranges.
pub fn parse_trusted_proxies(entries: &[String]) -> anyhow::Result<Vec<ipnet::IpNet>> {
    entries
        .iter()
        .map(|entry| entry.trim())
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    anyhow::anyhow!(
                        "RESKILL_TRUSTED_PROXIES: {entry:?} is not an IP address or CIDR range \
                         (such as 10.0.0.5 or 10.0.0.0/8)"
                    )
                })
        })
        .collect()
}

/// Address `serve` listens on by default.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Settings {
    /// Builds settings from the parsed command line (which already folded in the environment).
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let named_url = cli
            .database_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty());
        let database_url = match named_url {
            Some(url) => url.to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                cli.data_dir.join("reskill.db").display()
            ),
        };
        let bind = match &cli.command {
            Some(crate::Command::Serve(args)) => args.bind.clone(),
            _ => env_or_file("RESKILL_BIND", cli.settings_file.as_ref())
                .unwrap_or_else(|| DEFAULT_BIND.to_owned()),
        };
        let configured_url = cli
            .public_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim().trim_end_matches('/').to_owned());
        let settings = Self {
            model_dir: reskill_server::services::semantic::model_dir(
                cli.model_dir
                    .as_deref()
                    .filter(|p| !p.as_os_str().is_empty()),
                &cli.data_dir,
            ),
            pip: cli.pip.split_whitespace().map(str::to_owned).collect(),
            data_dir: cli.data_dir.clone(),
            database_url,
            database_named: named_url.is_some(),
            jwt_secret: cli.jwt_secret.clone().filter(|s| !s.trim().is_empty()),
            public_url: configured_url
                .clone()
                .unwrap_or_else(|| public_url_for_bind(&bind)),
            public_url_derived: configured_url.is_none(),
            bind,
            cookie_secure: cli.cookie_secure,
            mail_requests_per_hour: (cli.mail_requests_per_hour > 0.0)
                .then_some(cli.mail_requests_per_hour),
            http: reskill_server::middleware::HttpConfig {
                max_body_bytes: cli.max_body_bytes.max(1024),
                request_timeout: std::time::Duration::from_secs(cli.request_timeout_secs.max(1)),
                // HSTS only makes sense when the service is reached over HTTPS.
                hsts: cli.cookie_secure,
                search_per_second: (cli.search_rate > 0.0).then_some(cli.search_rate),
                search_burst: cli.search_burst,
                trusted_proxies: parse_trusted_proxies(&cli.trusted_proxies)?,
                metrics_token: cli
                    .metrics_token
                    .as_deref()
                    .and_then(reskill_server::middleware::MetricsToken::new),
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
        let database_named = database_url.is_some();
        let database_url = database_url.unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("reskill.db").display()
            )
        });
        Self {
            model_dir: data_dir.join("model"),
            pip: vec!["python3".to_owned(), "-m".to_owned(), "pip".to_owned()],
            data_dir,
            database_url,
            database_named,
            jwt_secret: None,
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
            public_url_derived: true,
            bind: DEFAULT_BIND.to_owned(),
            cookie_secure: false,
            mail_requests_per_hour: Some(
                reskill_server::auth::rate_limit::MAIL_REQUESTS_PER_ADDRESS_PER_HOUR,
            ),
            mail: MailSettings::default(),
            http: Default::default(),
        }
    }

    /// Whether this is the embedded default set-up: no database named, so the SQLite file in
    /// the data folder. A named database, even that same file, is someone's real one.
    pub fn is_embedded_default(&self) -> bool {
        !self.database_named
    }

    /// Returns the warning to log at start when emailed links name an address derived from
    /// the listening one (`RESKILL_PUBLIC_URL` unset): always outside the embedded demo
    /// default, and on it when the address is unspecified (the links then say `localhost`).
    pub fn public_url_warning(&self) -> Option<String> {
        let unspecified = self
            .bind
            .trim()
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_unspecified());
        if !self.public_url_derived || (self.is_embedded_default() && !unspecified) {
            return None;
        }
        let reach = if unspecified {
            format!(
                "; {} listens on every interface, so the links say localhost and work only on this machine",
                self.bind
            )
        } else {
            String::new()
        };
        Some(format!(
            "RESKILL_PUBLIC_URL is not set: emailed links use {}, derived from the listening \
             address{reach}; set RESKILL_PUBLIC_URL to the address people reach the service at",
            self.public_url
        ))
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
            mail_requests_per_hour: self.mail_requests_per_hour,
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

/// Settings read from the environment outside clap (tracing starts before anything else).
const OTHER_SETTINGS: [&str; 2] = ["RESKILL_LOG", "RESKILL_LOG_FORMAT"];

/// The optional settings file (`--config FILE` or `RESKILL_CONFIG`): one `NAME=VALUE` per line,
/// named like the environment variables (`RESKILL_BIND=0.0.0.0:8080`), `#` starts a comment, a
/// value may be quoted. A flag wins over the environment, which wins over the file, which wins
/// over the built-in default.
#[derive(Debug, Clone, Default)]
pub struct SettingsFile {
    path: PathBuf,
    values: std::collections::BTreeMap<String, String>,
}

impl SettingsFile {
    /// Reads and checks `path`; `known` are the names it may set.
    pub fn read(
        path: &std::path::Path,
        known: &std::collections::BTreeSet<String>,
    ) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the settings file {}", path.display()))?;
        Self::parse(path, &text, known)
    }

    /// Parses the text of a settings file; errors name the file, the line and the reason.
    pub fn parse(
        path: &std::path::Path,
        text: &str,
        known: &std::collections::BTreeSet<String>,
    ) -> anyhow::Result<Self> {
        let mut values = std::collections::BTreeMap::new();
        let mut lines_of = std::collections::BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let at = || format!("{}:{number}", path.display());
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                anyhow::bail!("{}: expected NAME=VALUE, found {line:?}", at());
            };
            let name = name.trim();
            if name == "RESKILL_CONFIG" {
                anyhow::bail!("{}: a settings file cannot name another one", at());
            }
            if !known.contains(name) && !OTHER_SETTINGS.contains(&name) {
                anyhow::bail!(
                    "{}: unknown setting {name:?}; the names are the environment variables in the \
                     README's settings table, such as RESKILL_BIND or DATABASE_URL",
                    at()
                );
            }
            if let Some(first) = lines_of.insert(name.to_owned(), number) {
                anyhow::bail!("{}: {name} is already set on line {first}", at());
            }
            values.insert(name.to_owned(), unquote(value.trim()).to_owned());
        }
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }

    /// The file's value for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Where the file was read from.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Makes every value in the file the default of the argument reading that environment
    /// variable, so flags and the environment still win.
    pub fn apply(&self, mut command: clap::Command) -> clap::Command {
        let with_default = |arg: clap::Arg, value: &str| {
            let takes_values = arg.get_action().takes_values();
            let arg = arg.default_value(value.to_owned());
            // Hidden: secrets such as DATABASE_URL must not show up in --help. Clap refuses
            // the setting on a flag such as --cookie-secure, whose help shows no value anyway.
            if takes_values {
                arg.hide_default_value(true)
            } else {
                arg
            }
        };
        for (id, value) in self.targets(&command) {
            command = command.mut_arg(id, |arg| with_default(arg, value));
        }
        let subcommands: Vec<String> = command
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in subcommands {
            command = command.mut_subcommand(name, |mut sub| {
                for (id, value) in self.targets(&sub) {
                    sub = sub.mut_arg(id, |arg| with_default(arg, value));
                }
                sub
            });
        }
        command
    }

    /// The ids of `command`'s own arguments that this file sets, with their values.
    fn targets(&self, command: &clap::Command) -> Vec<(String, &str)> {
        command
            .get_arguments()
            .filter_map(|arg| {
                let value = self.get(arg.get_env()?.to_str()?)?;
                Some((arg.get_id().as_str().to_owned(), value))
            })
            .collect()
    }
}

/// The environment variable names of every argument of `command` and its subcommands.
pub fn setting_names(command: &clap::Command) -> std::collections::BTreeSet<String> {
    let mut names: std::collections::BTreeSet<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env()?.to_str().map(str::to_owned))
        .collect();
    for sub in command.get_subcommands() {
        names.extend(setting_names(sub));
    }
    names
}

/// The environment's value of `name`, else the settings file's.
pub fn env_or_file(name: &str, file: Option<&SettingsFile>) -> Option<String> {
    std::env::var(name)
        .ok()
        .or_else(|| file.and_then(|f| f.get(name)).map(str::to_owned))
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::{Cli, Command};

    fn known() -> std::collections::BTreeSet<String> {
        setting_names(&Cli::command())
    }

    fn file(text: &str) -> anyhow::Result<SettingsFile> {
        SettingsFile::parse(Path::new("reskill.env"), text, &known())
    }

    #[test]
    fn reads_names_values_comments_and_quotes() -> anyhow::Result<()> {
        let f = file(
            "# production\n\nRESKILL_BIND = 0.0.0.0:9000\nDATABASE_URL=\"postgres://a:b@h/db?x=1\"\n\
             RESKILL_MAIL_FROM='Reskill <jobs@example.org>'\nRESKILL_LOG=warn\n",
        )?;
        assert_eq!(f.get("RESKILL_BIND"), Some("0.0.0.0:9000"));
        assert_eq!(f.get("DATABASE_URL"), Some("postgres://a:b@h/db?x=1"));
        assert_eq!(
            f.get("RESKILL_MAIL_FROM"),
            Some("Reskill <jobs@example.org>")
        );
        assert_eq!(f.get("RESKILL_LOG"), Some("warn"));
        assert_eq!(f.get("RESKILL_SEARCH_RATE"), None);
        Ok(())
    }

    #[test]
    fn bad_lines_name_the_file_the_line_and_the_reason() {
        let error = |text: &str| file(text).map(|_| ()).unwrap_err().to_string();
        let e = error("RESKILL_BIND=1.2.3.4:1\n\nRESKILL_NOPE=1\n");
        assert!(
            e.starts_with("reskill.env:3: unknown setting \"RESKILL_NOPE\""),
            "{e}"
        );
        let e = error("# ok\nRESKILL_BIND\n");
        assert!(e.starts_with("reskill.env:2: expected NAME=VALUE"), "{e}");
        let e = error("RESKILL_BIND=a\nRESKILL_BIND=b\n");
        assert!(
            e.contains("reskill.env:2: RESKILL_BIND is already set on line 1"),
            "{e}"
        );
        let e = error("RESKILL_CONFIG=other.env\n");
        assert!(e.starts_with("reskill.env:1:"), "{e}");
        let e = error("reskill_bind=a\n");
        assert!(e.contains("unknown setting"), "{e}");
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() -> anyhow::Result<()> {
        let f = file("RESKILL_SEARCH_BURST=7\nRESKILL_MAIL_BATCH=33\nRESKILL_BIND=127.0.0.1:9\n")?;
        let parse = |args: &[&str]| -> anyhow::Result<Cli> {
            let matches = f.apply(Cli::command()).try_get_matches_from(args)?;
            Ok(<Cli as clap::FromArgMatches>::from_arg_matches(&matches)?)
        };
        let cli = parse(&["reskill", "serve"])?;
        assert_eq!(cli.search_burst, 7.0);
        assert_eq!(cli.mail_batch, 33);
        assert!(matches!(cli.command, Some(Command::Serve(ref s)) if s.bind == "127.0.0.1:9"));
        let cli = parse(&[
            "reskill",
            "--search-burst",
            "9",
            "serve",
            "--bind",
            "127.0.0.1:1",
        ])?;
        assert_eq!(cli.search_burst, 9.0);
        assert!(matches!(cli.command, Some(Command::Serve(ref s)) if s.bind == "127.0.0.1:1"));
        // Without the file, the built-in defaults.
        let matches = Cli::command().try_get_matches_from(["reskill", "stats"])?;
        let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches)?;
        assert_eq!(cli.mail_batch, 100);
        Ok(())
    }

    #[test]
    fn file_values_stay_out_of_help() -> anyhow::Result<()> {
        let f = file("DATABASE_URL=postgres://user:hunter2@db/reskill\n")?;
        let help = f.apply(Cli::command()).render_long_help().to_string();
        assert!(!help.contains("hunter2"), "{help}");
        Ok(())
    }

    /// The sample in deploy/, which deployers copy.
    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/reskill.example.env"
    );

    /// `# NAME=VALUE` lines: the settings the sample leaves at their documented defaults.
    fn commented_defaults(text: &str) -> Vec<(&str, &str)> {
        text.lines()
            .filter_map(|line| line.strip_prefix("# ")?.split_once('='))
            .filter(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
            .collect()
    }

    #[test]
    fn the_sample_settings_file_loads_and_validates() -> anyhow::Result<()> {
        let cli = crate::parse_from(["reskill", "--config", SAMPLE, "serve"])?;
        let settings = Settings::from_cli(&cli)?;
        assert_eq!(settings.public_url, "https://reskill.example.org");
        assert!(settings.database_named && settings.cookie_secure);
        assert_eq!(settings.mail.from, "Reskill <noreply@reskill.example.org>");
        assert!(matches!(cli.command, Some(Command::Serve(ref s)) if s.bind == "127.0.0.1:8080"));
        Ok(())
    }

    #[test]
    fn the_sample_names_every_setting() -> anyhow::Result<()> {
        let text = std::fs::read_to_string(SAMPLE)?;
        let mut missing: Vec<String> = known()
            .into_iter()
            .chain(OTHER_SETTINGS.map(str::to_owned))
            .filter(|name| name != "RESKILL_CONFIG")
            .filter(|name| !text.contains(&format!("{name}=")))
            .collect();
        missing.sort();
        assert!(missing.is_empty(), "not in {SAMPLE}: {missing:?}");
        Ok(())
    }

    #[test]
    fn the_sample_documents_the_real_defaults() -> anyhow::Result<()> {
        let text = std::fs::read_to_string(SAMPLE)?;
        let defaults = commented_defaults(&text);
        assert!(defaults.len() >= 15, "{defaults:?}");
        // Uncommented, the documented defaults must parse to what no file at all gives.
        let uncommented: String = defaults
            .iter()
            .filter(|(name, _)| !OTHER_SETTINGS.contains(name))
            .map(|(name, value)| format!("{name}={value}\n"))
            .collect();
        let f = file(&uncommented)?;
        let args = ["reskill", "serve"];
        let with_file =
            Cli::from_arg_matches(&f.apply(Cli::command()).try_get_matches_from(args)?)?;
        let without = Cli::from_arg_matches(&Cli::command().try_get_matches_from(args)?)?;
        assert_eq!(format!("{with_file:?}"), format!("{without:?}"));
        assert!(defaults.contains(&("RESKILL_LOG", "info")));
        Ok(())
    }
}
