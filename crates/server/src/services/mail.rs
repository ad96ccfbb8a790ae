//! The outbox sender: claims due rows, renders and sends each through the configured
//! transport, and records the outcome — sent, retried later with exponential backoff and
//! jitter, or dead with the reason.
//!
//! Delivery guarantee (docs/MAIL.md has the long form): every outbox row is delivered at least
//! once unless it is dead, and a dedupe key is one row, so it is never sent twice by design.
//! The one window for a second copy is a crash (or a lost lease) after the server accepted a
//! message and before its row was marked `sent`; the row's lease then expires and it is sent
//! again, with the same Message-ID (derived from the row), so the copy is identifiable. Sent
//! rows are marked in groups (one transaction per `mark_group` rows or `mark_interval`,
//! whichever comes first), and a send may only start while fewer than [`SenderConfig::window`]
//! messages are unmarked, so the window holds at most `concurrency + 2 · mark_group` messages
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
    /// Most rows marked in one transaction.
    pub mark_group: usize,
    /// Longest a finished row waits for its group's transaction.
    pub mark_interval: Duration,
}

impl SenderConfig {
    /// The most messages started but not yet marked: those in flight, the group being
    /// committed and the next one filling meanwhile. It bounds the copies a crash can cause.
    pub fn window(&self) -> usize {
        self.concurrency.max(1) + 2 * self.mark_group.max(1)
    }
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
            mark_group: 50,
            mark_interval: Duration::from_millis(20),
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

/// A finished row on its way to the marker, with its place in the window.
struct Finished {
    email: ClaimedEmail,
    mark: Mark,
    delivered: Delivered,
    _window: tokio::sync::OwnedSemaphorePermit,
}

/// Claims one batch of due rows and sends it; returns what happened.
///
/// Sends run `concurrency` at a time; each finished row goes to one marker task that commits
/// the outcomes in groups, because a write transaction per row (an fsync and the SQLite write
/// lock each) limited the sender to under 200 messages/s.
#[tracing::instrument(skip_all, fields(batch.size = mailer.config.batch_size))]
pub async fn send_batch(
    db: &DatabaseConnection,
    mailer: &Arc<Mailer>,
) -> Result<BatchReport, reskill_store::StorageError> {
    let config = &mailer.config;
    let lease = chrono::Duration::from_std(config.lease).unwrap_or(chrono::Duration::minutes(5));
    let claimed =
        outbox::claim_due(db, &claim_token(), Utc::now(), lease, config.batch_size).await?;
    let claimed_count = claimed.len();
    if claimed.is_empty() {
        return Ok(BatchReport::default());
    }
    let (finished_tx, finished_rx) = tokio::sync::mpsc::unbounded_channel();
    let marker = tokio::spawn(mark_groups(
        db.clone(),
        finished_rx,
        config.mark_group.max(1),
        config.mark_interval,
    ));
    let window = Arc::new(tokio::sync::Semaphore::new(config.window()));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut result = Ok(());
    for email in claimed {
        // Neither semaphore is ever closed.
        let (Ok(slot), Ok(permit)) = (
            window.clone().acquire_owned().await,
            in_flight.clone().acquire_owned().await,
        ) else {
            break;
        };
        if marker.is_finished() {
            // The marker failed; sending more would only widen the duplicate window.
            break;
        }
        let db = db.clone();
        let mailer = mailer.clone();
        let finished_tx = finished_tx.clone();
        tasks.spawn(async move {
            let (mark, delivered) = deliver(&db, &mailer, &email).await?;
            drop(permit);
            // A closed channel means the marker failed; the row stays claimed and its lease
            // expires.
            let _ = finished_tx.send(Finished {
                email,
                mark,
                delivered,
                _window: slot,
            });
            Ok::<_, reskill_store::StorageError>(())
        });
    }
    drop(finished_tx);
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined
            .map_err(|e| reskill_store::StorageError::Invalid(format!("a send task failed: {e}")))
            .and_then(|r| r);
        if result.is_ok() {
            result = outcome;
        }
    }
    let report = marker
        .await
        .map_err(|e| reskill_store::StorageError::Invalid(format!("the marker failed: {e}")))??;
    result?;
    let report = BatchReport {
        claimed: claimed_count,
        ..report
    };
    tracing::info!("mail batch: {report}");
    Ok(report)
}

/// Marks finished rows in groups of up to `group`, each within `interval` of its first row.
async fn mark_groups(
    db: DatabaseConnection,
    mut finished: tokio::sync::mpsc::UnboundedReceiver<Finished>,
    group: usize,
    interval: Duration,
) -> Result<BatchReport, reskill_store::StorageError> {
    let mut report = BatchReport::default();
    let mut buffer: Vec<Finished> = Vec::with_capacity(group);
    while let Some(first) = finished.recv().await {
        buffer.push(first);
        let deadline = tokio::time::Instant::now() + interval;
        while buffer.len() < group {
            match tokio::time::timeout_at(deadline, finished.recv()).await {
                Ok(Some(next)) => buffer.push(next),
                Ok(None) | Err(_) => break,
            }
        }
        let marks: Vec<(&ClaimedEmail, &Mark)> =
            buffer.iter().map(|f| (&f.email, &f.mark)).collect();
        let changed = outbox::mark_many(&db, &marks).await?;
        for (done, changed) in buffer.drain(..).zip(changed) {
            if !changed {
                tracing::warn!(
                    outbox.id = done.email.id,
                    "email {} was claimed by another sender while this one held it",
                    done.email.id
                );
                report.lost_claims += 1;
                continue;
            }
            match done.delivered {
                Delivered::Sent => report.sent += 1,
                Delivered::Retried => report.retried += 1,
                Delivered::Dead => report.dead += 1,
            }
        }
    }
    Ok(report)
}

enum Delivered {
    Sent,
    Retried,
    Dead,
}

/// Sends one claimed row; returns how to mark it.
async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    email: &ClaimedEmail,
) -> Result<(Mark, Delivered), reskill_store::StorageError> {
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
        return Ok((mark, Delivered::Dead));
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
    Ok((mark, delivered))
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
