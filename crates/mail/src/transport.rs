//! Where messages go, chosen by `RESKILL_SMTP_URL`:
//!
//! - `smtp://[user:password@]host[:port][?tls=opportunistic|required|none&pool_max=N&timeout_secs=N]`:
//!   SMTP submission (port 587 by default) through lettre's pooled async client. `tls` defaults
//!   to `opportunistic` (STARTTLS when the server offers it); use `required` in production and
//!   `none` for a local test server.
//! - `smtps://[user:password@]host[:port][?pool_max=N&timeout_secs=N]`: SMTP over TLS from the
//!   first byte (port 465 by default).
//! - `file://DIR`: each message written to `DIR/<message-id>.eml` (the default, under
//!   `DATA_DIR/mail`, so a first run needs no mail server). A resend of the same outbox row
//!   overwrites the same file.
//! - `none`: messages are dropped (and counted as sent).
//!
//! `Memory` keeps messages in a vector, for unit tests; integration tests use a real server.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::Message;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::smtp_client::{SmtpClient, StartTls};
use crate::{MailError, SendError};

/// Which kind of transport is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// SMTP or SMTPS.
    Smtp,
    /// `.eml` files.
    File,
    /// Dropped.
    None,
    /// Kept in memory.
    Memory,
}

/// A message the memory transport kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The formatted message.
    pub raw: Vec<u8>,
}

/// A configured way of delivering messages.
#[derive(Clone)]
pub enum Transport {
    /// `smtp://`: SMTP on sockets with `TCP_NODELAY`, pooled or one connection per message.
    Direct {
        /// The client.
        client: Arc<SmtpClient>,
        /// The URL without its password, for logs.
        description: String,
    },
    /// `smtps://`: SMTP over TLS through lettre's connection pool.
    Smtp {
        /// The pooled client.
        client: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL without its password, for logs.
        description: String,
    },
    /// `smtps://` with a new connection for every message (`?pool=false`), for relays that
    /// want it and for the benchmark's comparison.
    SmtpPerMessage {
        /// The URL without `pool=false`.
        url: String,
        /// The URL without its password, for logs.
        description: String,
    },
    /// `.eml` files in a folder.
    File(PathBuf),
    /// Nowhere.
    None,
    /// A shared vector.
    Memory(Arc<Mutex<Vec<SentMessage>>>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// SMTP options from the URL's query.
struct SmtpOptions {
    pooled: bool,
    tls: String,
    pool_max: u32,
    timeout: Duration,
}

impl Transport {
    /// Builds the transport `url` names; `file://` without a folder means `DATA_DIR/mail`.
    pub fn from_url(url: &str, data_dir: &Path) -> Result<Self, MailError> {
        let url = url.trim();
        if url.is_empty() || url == "file://" {
            return Ok(Self::File(data_dir.join("mail")));
        }
        if url == "none" {
            return Ok(Self::None);
        }
        if let Some(dir) = url.strip_prefix("file://") {
            return Ok(Self::File(PathBuf::from(dir)));
        }
        if url.starts_with("smtp://") || url.starts_with("smtps://") {
            return Self::smtp(url);
        }
        Err(MailError::Config(
            "RESKILL_SMTP_URL must be smtp://…, smtps://…, file://DIR or none".to_owned(),
        ))
    }

    /// Returns a memory transport and the vector it fills.
    pub fn memory() -> (Self, Arc<Mutex<Vec<SentMessage>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        (Self::Memory(sent.clone()), sent)
    }

    fn smtp(raw: &str) -> Result<Self, MailError> {
        let config = |detail: String| MailError::Config(format!("RESKILL_SMTP_URL: {detail}"));
        let url = url::Url::parse(raw).map_err(|e| config(e.to_string()))?;
        let wrapped = url.scheme() == "smtps";
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| config("no host".to_owned()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port().unwrap_or(if wrapped { 465 } else { 587 });
        let mut options = SmtpOptions {
            pooled: true,
            tls: if wrapped { "wrapper" } else { "opportunistic" }.to_owned(),
            pool_max: 8,
            timeout: Duration::from_secs(30),
        };
        for (name, value) in url.query_pairs() {
            match name.as_ref() {
                "tls" if !wrapped => match value.as_ref() {
                    "opportunistic" | "required" | "none" => options.tls = value.into_owned(),
                    other => return Err(config(format!("unknown tls={other}"))),
                },
                "pool" => match value.as_ref() {
                    "true" => options.pooled = true,
                    "false" => options.pooled = false,
                    other => return Err(config(format!("pool={other} (true or false)"))),
                },
                "pool_max" => {
                    options.pool_max = value
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| config("pool_max must be a positive integer".into()))?
                }
                "timeout_secs" => {
                    options.timeout =
                        Duration::from_secs(value.parse().ok().filter(|n| *n >= 1).ok_or_else(
                            || config("timeout_secs must be a positive integer".into()),
                        )?)
                }
                other => return Err(config(format!("unknown option {other}"))),
            }
        }
        let tls_parameters = || TlsParameters::new(host.clone()).map_err(|e| config(e.to_string()));
        let tls = match options.tls.as_str() {
            "wrapper" => Tls::Wrapper(tls_parameters()?),
            "required" => Tls::Required(tls_parameters()?),
            "opportunistic" => Tls::Opportunistic(tls_parameters()?),
            _ => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(options.timeout))
            .pool_config(PoolConfig::new().max_size(options.pool_max));
        let user = percent_decode(url.username());
        if !user.is_empty() {
            let password = percent_decode(url.password().unwrap_or(""));
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let description = format!(
            "{}://{}{host}:{port} (tls {}, pool {})",
            url.scheme(),
            if user.is_empty() {
                String::new()
            } else {
                format!("{user}@")
            },
            options.tls,
            if options.pooled {
                options.pool_max.to_string()
            } else {
                "off: one connection per message".to_owned()
            }
        );
        if !wrapped {
            let tls = match options.tls.as_str() {
                "required" => StartTls::Required(tls_parameters()?),
                "opportunistic" => StartTls::Opportunistic(tls_parameters()?),
                _ => StartTls::Never,
            };
            let credentials = (!user.is_empty()).then(|| {
                Credentials::new(user.clone(), percent_decode(url.password().unwrap_or("")))
            });
            return Ok(Self::Direct {
                client: Arc::new(SmtpClient::new(
                    host,
                    port,
                    tls,
                    credentials,
                    options.timeout,
                    options.pool_max,
                    options.pooled,
                )),
                description,
            });
        }
        if !options.pooled {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(name, _)| name != "pool")
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            let mut pooled = url.clone();
            pooled.set_query(None);
            if !pairs.is_empty() {
                pooled.query_pairs_mut().extend_pairs(pairs);
            }
            return Ok(Self::SmtpPerMessage {
                url: pooled.to_string(),
                description,
            });
        }
        Ok(Self::Smtp {
            client: builder.build(),
            description,
        })
    }

    /// Returns which kind this is.
    pub fn kind(&self) -> TransportKind {
        match self {
            Self::Direct { .. } | Self::Smtp { .. } | Self::SmtpPerMessage { .. } => {
                TransportKind::Smtp
            }
            Self::File(_) => TransportKind::File,
            Self::None => TransportKind::None,
            Self::Memory(_) => TransportKind::Memory,
        }
    }

    /// Describes the transport for logs, without secrets.
    pub fn describe(&self) -> String {
        match self {
            Self::Direct { description, .. }
            | Self::Smtp { description, .. }
            | Self::SmtpPerMessage { description, .. } => description.clone(),
            Self::File(dir) => format!("file://{}", dir.display()),
            Self::None => "none".to_owned(),
            Self::Memory(_) => "memory".to_owned(),
        }
    }

    /// Delivers `message`; the error says whether trying again may help.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
            Self::Direct { client, .. } => {
                client.send(message.envelope(), &message.formatted()).await
            }
            Self::Smtp { client, .. } => {
                let raw = message.formatted();
                client
                    .send_raw(message.envelope(), &raw)
                    .await
                    .map(|_| ())
                    .map_err(classify)
            }
            Self::SmtpPerMessage { url, .. } => {
                // A fresh pool of one, dropped (and its connection closed) after the message.
                let Self::Smtp { client, .. } = Self::smtp(url).map_err(SendError::from)? else {
                    unreachable!("the URL has no pool=false any more")
                };
                let raw = message.formatted();
                client
                    .send_raw(message.envelope(), &raw)
                    .await
                    .map(|_| ())
                    .map_err(classify)
            }
            Self::File(dir) => write_eml(dir, message).await,
            Self::None => Ok(()),
            Self::Memory(sent) => {
                sent.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(SentMessage {
                        to: message
                            .envelope()
                            .to()
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                        raw: message.formatted(),
                    });
                Ok(())
            }
        }
    }
}

/// 5xx answers are permanent; 4xx, refused connections, TLS trouble and timeouts are worth a
/// retry.
pub(crate) fn classify(error: lettre::transport::smtp::Error) -> SendError {
    // lettre's message names the code: "permanent error (550): …".
    let detail = error.to_string();
    if error.is_permanent() {
        SendError::permanent(detail)
    } else {
        SendError::temporary(detail)
    }
}

/// Writes `DIR/<message-id>.eml` through a temporary file and a rename, so a reader never sees
/// half a message and a resend of the same row replaces its file.
async fn write_eml(dir: &Path, message: &Message) -> Result<(), SendError> {
    let id = message
        .headers()
        .get_raw("Message-ID")
        .unwrap_or("message")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
        .collect::<String>();
    let io = |e: std::io::Error| {
        SendError::temporary(format!("failed to write to {}: {e}", dir.display()))
    };
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let path = dir.join(format!("{id}.eml"));
    let temporary = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&temporary, message.formatted())
        .await
        .map_err(io)?;
    tokio::fs::rename(&temporary, &path).await.map_err(io)?;
    Ok(())
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urls_choose_the_transport() {
        let data = Path::new("/data");
        assert_eq!(
            Transport::from_url("", data).unwrap().describe(),
            "file:///data/mail"
        );
        assert_eq!(
            Transport::from_url("none", data).unwrap().kind(),
            TransportKind::None
        );
        assert_eq!(
            Transport::from_url("file:///tmp/out", data)
                .unwrap()
                .describe(),
            "file:///tmp/out"
        );
        let smtp = Transport::from_url(
            "smtp://ana:p%40ss@mail.example:2525?tls=none&pool_max=4",
            data,
        )
        .unwrap();
        assert_eq!(
            smtp.describe(),
            "smtp://ana@mail.example:2525 (tls none, pool 4)"
        );
        let smtps = Transport::from_url("smtps://mail.example", data).unwrap();
        assert_eq!(
            smtps.describe(),
            "smtps://mail.example:465 (tls wrapper, pool 8)"
        );
        let default = Transport::from_url("smtp://mail.example", data).unwrap();
        assert_eq!(
            default.describe(),
            "smtp://mail.example:587 (tls opportunistic, pool 8)"
        );
        let single =
            Transport::from_url("smtp://mail.example:25?pool=false&tls=none", data).unwrap();
        assert_eq!(
            single.describe(),
            "smtp://mail.example:25 (tls none, pool off: one connection per message)"
        );
        assert!(Transport::from_url("smtp://mail.example?tls=maybe", data).is_err());
        assert!(Transport::from_url("smtp://mail.example?colour=red", data).is_err());
        assert!(Transport::from_url("http://mail.example", data).is_err());
    }

    #[test]
    fn passwords_are_percent_decoded() {
        assert_eq!(percent_decode("p%40ss%2Fw+rd"), "p@ss/w+rd");
    }
}
