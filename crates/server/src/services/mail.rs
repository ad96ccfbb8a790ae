//! The outbox sender: claims due rows, renders and sends each through the configured
//! transport, and records the outcome — sent, retried later with exponential backoff and
//! jitter, or dead with the reason.
//!
//! Delivery guarantee (docs/MAIL.md has the long form): every outbox row is delivered at least
//! once unless it is dead, and a dedupe key is one row, so it is never sent twice by design.
//! The one window for a second copy is a crash (or a lost lease) after the server accepted a
//! message and before its row was marked `sent`; the row's lease then expires and it is sent
//! again, with the same Message-ID (derived from the row), so the copy is identifiable. Each
//! row is marked right after its own send, so the window holds at most `concurrency` messages
//! per sender process.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use rand::Rng;
use reskill_mail::{Composer, OutgoingEmail, SendError, Transport};
use reskill_store::outbox::{self, ClaimedEmail, Mark};
use sea_orm::DatabaseConnection;

/// How the sender behaves.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Rows claimed per batch.
    pub batch_size: u64,
    /// Messages in flight at once (at most the SMTP pool size is useful).
    pub concurrency: usize,
    /// How long a claim holds a row before another sender may take it over.
    pub lease: Duration,
    /// Delay before the first retry; doubled for each further attempt.
    pub retry_base: Duration,
    /// Longest delay between attempts.
    pub retry_max: Duration,
    /// Attempts before a temporarily failing row is given up as dead.
    pub max_attempts: i32,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            batch_size: 100,
            concurrency: 8,
            lease: Duration::from_secs(300),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(6 * 3600),
            max_attempts: 10,
        }
    }
}

/// Everything needed to send: rendering, a transport, the policy.
#[derive(Debug)]
pub struct Mailer {
    /// Renders and addresses messages.
    pub composer: Composer,
    /// Delivers them.
    pub transport: Transport,
    /// Batch, lease and retry settings.
    pub config: SenderConfig,
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Delivered and marked sent.
    pub sent: usize,
    /// Failed temporarily, due again later.
    pub retried: usize,
    /// Failed permanently (or too often).
    pub dead: usize,
    /// Sent or failed, but the claim had meanwhile passed to another sender.
    pub lost_claims: usize,
}

impl std::ops::AddAssign for BatchReport {
    fn add_assign(&mut self, other: Self) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.dead += other.dead;
        self.lost_claims += other.lost_claims;
    }
}

impl std::fmt::Display for BatchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} claimed, {} sent, {} to retry, {} dead",
            self.claimed, self.sent, self.retried, self.dead
        )?;
        if self.lost_claims > 0 {
            write!(f, ", {} claims lost to another sender", self.lost_claims)?;
        }
        Ok(())
    }
}

/// Returns the delay before attempt `attempts + 1`: `retry_base · 2^(attempts-1)`, capped at
/// `retry_max`, then scaled by a random factor in [0.5, 1] so rows that failed together do not
/// retry together.
pub fn backoff(config: &SenderConfig, attempts: i32) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let delay = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(config.retry_max);
    delay.mul_f64(rand::rng().random_range(0.5..=1.0))
}

fn claim_token() -> String {
    let mut rng = rand::rng();
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// Claims one batch of due rows and sends it; returns what happened.
#[tracing::instrument(skip_all, fields(batch.size = mailer.config.batch_size))]
pub async fn send_batch(
    db: &DatabaseConnection,
    mailer: &Arc<Mailer>,
) -> Result<BatchReport, reskill_store::StorageError> {
    let config = &mailer.config;
    let lease = chrono::Duration::from_std(config.lease).unwrap_or(chrono::Duration::minutes(5));
    let claimed =
        outbox::claim_due(db, &claim_token(), Utc::now(), lease, config.batch_size).await?;
    let mut report = BatchReport {
        claimed: claimed.len(),
        ..BatchReport::default()
    };
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for email in claimed {
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let db = db.clone();
        let mailer = mailer.clone();
        tasks.spawn(async move {
            let outcome = deliver(&db, &mailer, email).await;
            drop(permit);
            outcome
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.map_err(|e| {
            reskill_store::StorageError::Invalid(format!("a send task failed: {e}"))
        })??;
        match outcome {
            Delivered::Sent => report.sent += 1,
            Delivered::Retried => report.retried += 1,
            Delivered::Dead => report.dead += 1,
            Delivered::LostClaim => report.lost_claims += 1,
        }
    }
    if report.claimed > 0 {
        tracing::info!("mail batch: {report}");
    }
    Ok(report)
}

enum Delivered {
    Sent,
    Retried,
    Dead,
    LostClaim,
}

/// Sends one claimed row and marks it.
async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    email: ClaimedEmail,
) -> Result<Delivered, reskill_store::StorageError> {
    let outgoing = OutgoingEmail {
        outbox_id: email.id,
        dedupe_key: email.dedupe_key.clone(),
        to: email.to.clone(),
        template: email.template.clone(),
        payload: email.payload.clone(),
    };
    // List mail to someone who left the list since it was queued is not sent.
    if let Some((user, list)) = Composer::list_of(&outgoing)
        && outbox::is_unsubscribed(db, user, list.as_str()).await?
    {
        let mark = Mark::Dead {
            error: format!(
                "not sent: the recipient unsubscribed from {}",
                list.as_str()
            ),
        };
        return finish(db, &email, mark, Delivered::Dead).await;
    }
    let result = match mailer.composer.compose(&outgoing, SystemTime::now()) {
        Ok(message) => mailer.transport.send(&message).await,
        Err(error) => Err(SendError::from(error)),
    };
    let (mark, delivered) = match result {
        Ok(()) => (
            Mark::Sent {
                message_id: mailer.composer.message_id(&outgoing),
            },
            Delivered::Sent,
        ),
        Err(error) if error.is_temporary() && email.attempts < mailer.config.max_attempts => {
            let delay = backoff(&mailer.config, email.attempts);
            tracing::warn!(
                outbox.id = email.id,
                attempts = email.attempts,
                retry_in_ms = delay.as_millis() as u64,
                "email {} failed temporarily: {}",
                email.id,
                error.detail
            );
            (
                Mark::Retry {
                    error: error.detail,
                    next_attempt_at: Utc::now()
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(6)),
                },
                Delivered::Retried,
            )
        }
        Err(error) => {
            let reason = if error.is_temporary() {
                format!(
                    "gave up after {} attempts: {}",
                    email.attempts, error.detail
                )
            } else {
                error.detail
            };
            tracing::warn!(outbox.id = email.id, "email {} is dead: {reason}", email.id);
            (Mark::Dead { error: reason }, Delivered::Dead)
        }
    };
    finish(db, &email, mark, delivered).await
}

async fn finish(
    db: &DatabaseConnection,
    email: &ClaimedEmail,
    mark: Mark,
    delivered: Delivered,
) -> Result<Delivered, reskill_store::StorageError> {
    if outbox::mark(db, email, mark).await? {
        Ok(delivered)
    } else {
        tracing::warn!(
            outbox.id = email.id,
            "email {} was claimed by another sender while this one held it",
            email.id
        );
        Ok(Delivered::LostClaim)
    }
}

/// Sends batches until a batch comes back short (nothing more is due now).
pub async fn drain(
    db: &DatabaseConnection,
    mailer: &Arc<Mailer>,
) -> Result<BatchReport, reskill_store::StorageError> {
    let mut total = BatchReport::default();
    loop {
        let report = send_batch(db, mailer).await?;
        total += report;
        if (report.claimed as u64) < mailer.config.batch_size {
            return Ok(total);
        }
    }
}

/// Runs the sender until `shutdown` resolves: drains what is due, then waits `interval`.
pub async fn run_sender(
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    interval: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tracing::info!(
        "mail sender started: {} every {} ms",
        mailer.transport.describe(),
        interval.as_millis()
    );
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = drain(&db, &mailer).await {
            tracing::error!(%error, "mail sender batch failed");
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("mail sender stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let config = SenderConfig {
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(100),
            ..SenderConfig::default()
        };
        for _ in 0..50 {
            let first = backoff(&config, 1);
            assert!(first >= Duration::from_secs(5) && first <= Duration::from_secs(10));
            let third = backoff(&config, 3);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            let late = backoff(&config, 40);
            assert!(late >= Duration::from_secs(50) && late <= Duration::from_secs(100));
        }
    }
}
