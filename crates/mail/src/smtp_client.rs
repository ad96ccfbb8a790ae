//! SMTP connections with `TCP_NODELAY`, pooled or one per message, for `smtp://` URLs.
//!
//! lettre's own transport leaves Nagle's algorithm on, and it writes a message's body and its
//! closing `\r\n.\r\n` separately: the small second write then waits for the server's delayed
//! ACK (40 ms on Linux), which held every connection to about 25 messages/s whatever the
//! server's speed. The SMTP dialogue itself (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) is still
//! lettre's, run on a socket opened here.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::SendError;

/// How the connection is secured.
#[derive(Clone)]
pub(crate) enum StartTls {
    /// Plain text.
    Never,
    /// STARTTLS when the server offers it.
    Opportunistic(TlsParameters),
    /// STARTTLS or fail.
    Required(TlsParameters),
}

/// A pooled connection reused after this long idle is checked with NOOP first (servers close
/// idle sessions); one idle longer is closed.
const CHECK_AFTER: Duration = Duration::from_secs(1);
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// Opens SMTP sessions to one server and keeps up to `pool_max` of them for reuse.
pub struct SmtpClient {
    host: String,
    port: u16,
    tls: StartTls,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    pooled: bool,
    slots: tokio::sync::Semaphore,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpClient {
    pub(crate) fn new(
        host: String,
        port: u16,
        tls: StartTls,
        credentials: Option<Credentials>,
        timeout: Duration,
        pool_max: u32,
        pooled: bool,
    ) -> Self {
        Self {
            host,
            port,
            tls,
            credentials,
            timeout,
            hello: ClientId::default(),
            pooled,
            slots: tokio::sync::Semaphore::new(pool_max.max(1) as usize),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message; the error says whether a retry may help.
    pub(crate) async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), SendError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| SendError::temporary("the SMTP client is shut down".to_owned()))?;
        let mut conn = match self.reusable().await {
            Some(conn) => conn,
            None => self.within(self.connect()).await?,
        };
        match self
            .within(async { Ok(conn.send(envelope, raw).await?) })
            .await
        {
            Ok(_) if self.pooled && !conn.has_broken() => {
                self.lock_idle().push((conn, Instant::now()));
                Ok(())
            }
            Ok(_) => {
                let _ = conn.quit().await;
                Ok(())
            }
            Err(error) => {
                conn.abort().await;
                Err(error)
            }
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<(AsyncSmtpConnection, Instant)>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns an idle connection that still answers, if there is one.
    async fn reusable(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.lock_idle().pop()?;
            let idle = since.elapsed();
            if idle < CHECK_AFTER {
                return Some(conn);
            }
            if idle < IDLE_LIMIT
                && tokio::time::timeout(self.timeout, conn.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Some(conn);
            }
            conn.abort().await;
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| {
                SendError::temporary(format!(
                    "failed to connect to {}:{}: {e}",
                    self.host, self.port
                ))
            })?;
        // The point of this client: see the module docs.
        tcp.set_nodelay(true)
            .map_err(|e| SendError::temporary(format!("failed to set TCP_NODELAY: {e}")))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
            .await
            .map_err(crate::transport::classify)?;
        match &self.tls {
            StartTls::Never => {}
            StartTls::Opportunistic(parameters) => {
                if conn.can_starttls() {
                    conn.starttls(parameters.clone(), &self.hello)
                        .await
                        .map_err(crate::transport::classify)?;
                }
            }
            StartTls::Required(parameters) => conn
                .starttls(parameters.clone(), &self.hello)
                .await
                .map_err(crate::transport::classify)?,
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(crate::transport::classify)?;
        }
        Ok(conn)
    }

    /// Runs `step` under the configured timeout.
    async fn within<T>(
        &self,
        step: impl std::future::Future<Output = Result<T, SendError>>,
    ) -> Result<T, SendError> {
        tokio::time::timeout(self.timeout, step)
            .await
            .unwrap_or_else(|_| {
                Err(SendError::temporary(format!(
                    "no answer from {}:{} within {} s",
                    self.host,
                    self.port,
                    self.timeout.as_secs()
                )))
            })
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(error: lettre::transport::smtp::Error) -> Self {
        crate::transport::classify(error)
    }
}
