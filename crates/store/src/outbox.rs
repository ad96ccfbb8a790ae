//! The email outbox as the sender sees it: claiming due rows under a lease, marking them sent,
//! retried or dead with an attempt record each time, and the per-person mail state (one-click
//! unsubscriptions, digest watermarks).
//!
//! A claim turns due `pending` rows (and `sending` rows whose lease ran out: a sender died
//! holding them) into `sending` with a fresh `claim_token` and `lease_until`, in one statement.
//! On PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED`, so concurrent senders take
//! disjoint rows without waiting for each other; SQLite has one writer at a time, so the single
//! `UPDATE … RETURNING` is already exclusive. Every later mark is conditional on the claim
//! token, so a sender whose lease expired cannot overwrite what the new holder recorded.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionSession, TransactionTrait, TryInsertResult,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::accounts::NewEmail;
use crate::entities::{email_attempt, email_digest_state, email_outbox, email_unsubscribe};

/// An outbox row claimed for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedEmail {
    /// Key.
    pub id: i64,
    /// Unique key of the email.
    pub dedupe_key: String,
    /// Recipient.
    pub to: String,
    /// Template name.
    pub template: String,
    /// Template data.
    pub payload: serde_json::Value,
    /// Attempts including this one.
    pub attempts: i32,
    /// The claim's token, needed to mark the row.
    pub claim_token: String,
}

/// What happened to one attempt, as `email_attempts.outcome` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Accepted by the server (or written to its file).
    Sent,
    /// Failed for now; the row is due again later.
    TemporaryFailure,
    /// Failed for good; the row is dead.
    PermanentFailure,
}

impl AttemptOutcome {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::TemporaryFailure => "temporary_failure",
            Self::PermanentFailure => "permanent_failure",
        }
    }
}

/// Puts an email in the outbox unless its dedupe key is already there (also when another
/// transaction inserts the same key concurrently); returns whether this call inserted it.
pub async fn enqueue_once(
    db: &impl ConnectionTrait,
    email: NewEmail,
) -> Result<bool, StorageError> {
    let now = Utc::now();
    let model = email_outbox::ActiveModel {
        dedupe_key: Set(email.dedupe_key),
        to_address: Set(email.to),
        template: Set(email.template),
        payload: Set(email.payload),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    };
    let result = email_outbox::Entity::insert(model)
        .on_conflict_do_nothing_on([email_outbox::Column::DedupeKey])
        .exec(db)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(_)))
}

/// Claims up to `limit` due rows for `lease` under `claim_token`: first `sending` rows whose
/// lease expired (a sender died holding them; they are the oldest work), then `pending` rows
/// whose `next_attempt_at` has come, oldest due first. Each claim counts as an attempt.
///
/// Two statements, each served by its own index (`(status, lease_until)` and
/// `(status, next_attempt_at, id)`), in one write transaction: a single query with an `OR`
/// over both kinds cannot use either index and slows down as the table grows.
pub async fn claim_due<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    claim_token: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<ClaimedEmail>, StorageError> {
    let txn = crate::db::begin_write(db).await?;
    let mut models = claim_where(
        &txn,
        "status = 'sending' AND lease_until < {due} ORDER BY lease_until, id",
        claim_token,
        now,
        lease,
        limit,
    )
    .await?;
    let left = limit.saturating_sub(models.len() as u64);
    if left > 0 {
        models.extend(
            claim_where(
                &txn,
                "status = 'pending' AND next_attempt_at <= {due} ORDER BY next_attempt_at, id",
                claim_token,
                now,
                lease,
                left,
            )
            .await?,
        );
    }
    txn.commit().await?;
    Ok(models
        .into_iter()
        .map(|m| ClaimedEmail {
            id: m.id,
            dedupe_key: m.dedupe_key,
            to: m.to_address,
            template: m.template,
            payload: m.payload,
            attempts: m.attempts,
            claim_token: claim_token.to_owned(),
        })
        .collect())
}

/// Claims up to `limit` rows matching `filter` (a `WHERE … ORDER BY …` tail naming `{due}`)
/// and returns them, in the filter's order.
async fn claim_where(
    db: &impl ConnectionTrait,
    filter: &str,
    claim_token: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<email_outbox::Model>, StorageError> {
    let backend = db.get_database_backend();
    let (lock, [token, lease_until, due, max]) = match backend {
        DbBackend::Postgres => (" FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4"]),
        _ => ("", ["?", "?", "?", "?"]),
    };
    let filter = filter.replace("{due}", due);
    let sql = format!(
        "UPDATE email_outbox SET status = 'sending', claim_token = {token}, \
         lease_until = {lease_until}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM email_outbox WHERE {filter} LIMIT {max}{lock}) \
         RETURNING *"
    );
    let values: Vec<sea_orm::Value> = vec![
        claim_token.into(),
        (now + lease).into(),
        now.into(),
        (limit as i64).into(),
    ];
    let mut models = email_outbox::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    // RETURNING gives no order; the filter's order is the claim's.
    models.sort_by_key(|m| (m.next_attempt_at, m.id));
    Ok(models)
}

/// How a claimed row ends its attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Sent with this Message-ID.
    Sent {
        /// The Message-ID header.
        message_id: String,
    },
    /// Try again at `next_attempt_at`.
    Retry {
        /// The failure.
        error: String,
        /// When the row is due again.
        next_attempt_at: DateTime<Utc>,
    },
    /// Give up.
    Dead {
        /// The failure.
        error: String,
    },
}

/// Records the attempt of `email` and moves the row on, in one transaction; returns `false`
/// (and changes nothing) when the claim was lost to another sender after its lease expired.
pub async fn mark<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    email: &ClaimedEmail,
    mark: Mark,
) -> Result<bool, StorageError> {
    let changed = mark_many(db, &[(email, &mark)]).await?;
    Ok(changed.first().copied().unwrap_or(false))
}

/// Sent rows per `UPDATE` in [`mark_many`] (three parameters each).
const SENT_PER_STATEMENT: usize = 500;

/// Records the attempts of a group of rows and moves each on, all in one write transaction:
/// one `UPDATE` per claim token for the sent rows, one per failed row, and one multi-row insert
/// of the attempts. Returns, in order, whether each row was still held under its claim token
/// (a row whose claim was lost is left as the new holder has it, with no attempt recorded).
pub async fn mark_many<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    marks: &[(&ClaimedEmail, &Mark)],
) -> Result<Vec<bool>, StorageError> {
    let mut changed = vec![false; marks.len()];
    if marks.is_empty() {
        return Ok(changed);
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let mut sent: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (email, mark)) in marks.iter().enumerate() {
        if matches!(mark, Mark::Sent { .. }) {
            sent.entry(email.claim_token.as_str()).or_default().push(i);
        } else {
            changed[i] = mark_failed(&txn, email, mark).await?;
        }
    }
    for (token, indices) in sent {
        for chunk in indices.chunks(SENT_PER_STATEMENT) {
            let by_id: BTreeMap<i64, usize> = chunk.iter().map(|&i| (marks[i].0.id, i)).collect();
            for id in mark_sent(&txn, token, chunk.iter().map(|&i| &marks[i]), now).await? {
                if let Some(&i) = by_id.get(&id) {
                    changed[i] = true;
                }
            }
        }
    }
    let attempts: Vec<email_attempt::ActiveModel> = marks
        .iter()
        .zip(&changed)
        .filter(|(_, changed)| **changed)
        .map(|((email, mark), _)| {
            let (outcome, detail) = match mark {
                Mark::Sent { message_id } => (AttemptOutcome::Sent, message_id),
                Mark::Retry { error, .. } => (AttemptOutcome::TemporaryFailure, error),
                Mark::Dead { error } => (AttemptOutcome::PermanentFailure, error),
            };
            email_attempt::ActiveModel {
                outbox_id: Set(email.id),
                at: Set(now),
                outcome: Set(outcome.as_str().to_owned()),
                detail: Set(detail.clone()),
                ..Default::default()
            }
        })
        .collect();
    let per_statement = crate::db::rows_per_statement(db, 4);
    let mut attempts = attempts.into_iter().peekable();
    while attempts.peek().is_some() {
        let chunk: Vec<_> = attempts.by_ref().take(per_statement).collect();
        email_attempt::Entity::insert_many(chunk).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Marks the rows of `emails` that `claim_token` still holds `sent`, with their Message-IDs,
/// in one statement; returns the ids it changed.
async fn mark_sent<'a>(
    db: &impl ConnectionTrait,
    claim_token: &str,
    emails: impl Iterator<Item = &'a (&'a ClaimedEmail, &'a Mark)>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StorageError> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = Vec::new();
    // SQLite's `?` are positional, so placeholders are written in the order they are bound.
    let mut bind = |value: sea_orm::Value| {
        values.push(value);
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_owned(),
        }
    };
    let sent_at = bind(now.into());
    let mut cases = String::new();
    let mut ids = Vec::new();
    for (email, mark) in emails {
        if let Mark::Sent { message_id } = mark {
            let id = bind(email.id.into());
            let message_id = bind(message_id.as_str().into());
            cases.push_str(&format!(" WHEN {id} THEN {message_id}"));
            ids.push(email.id);
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let token = bind(claim_token.into());
    let in_list: Vec<String> = ids.iter().map(|&id| bind(id.into())).collect();
    let sql = format!(
        "UPDATE email_outbox SET status = 'sent', sent_at = {sent_at}, claim_token = NULL, \
         lease_until = NULL, message_id = CASE id{cases} END \
         WHERE status = 'sending' AND claim_token = {token} AND id IN ({}) RETURNING id",
        in_list.join(", ")
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<i64>("", "id").map_err(StorageError::from))
        .collect()
}

/// Moves one row that failed on: `pending` again later, or `dead`; returns whether its claim
/// still held.
async fn mark_failed(
    db: &impl ConnectionTrait,
    email: &ClaimedEmail,
    mark: &Mark,
) -> Result<bool, StorageError> {
    let update = email_outbox::Entity::update_many()
        .filter(email_outbox::Column::Id.eq(email.id))
        .filter(email_outbox::Column::Status.eq("sending"))
        .filter(email_outbox::Column::ClaimToken.eq(email.claim_token.as_str()))
        .col_expr(
            email_outbox::Column::ClaimToken,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            email_outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let update = match mark {
        Mark::Sent { .. } => return Ok(false),
        Mark::Retry {
            error,
            next_attempt_at,
        } => update
            .col_expr(email_outbox::Column::Status, Expr::value("pending"))
            .col_expr(
                email_outbox::Column::NextAttemptAt,
                Expr::value(*next_attempt_at),
            )
            .col_expr(email_outbox::Column::LastError, Expr::value(error.clone())),
        Mark::Dead { error } => update
            .col_expr(email_outbox::Column::Status, Expr::value("dead"))
            .col_expr(email_outbox::Column::LastError, Expr::value(error.clone())),
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// An outbox row with its state, for tests, the admin and the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    /// Key.
    pub id: i64,
    /// Dedupe key.
    pub dedupe_key: String,
    /// Recipient.
    pub to: String,
    /// Template.
    pub template: String,
    /// `pending`, `sending`, `sent` or `dead`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Last failure.
    pub last_error: Option<String>,
    /// Message-ID once sent.
    pub message_id: Option<String>,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
}

/// Returns every outbox row, oldest first (tests and small installations).
pub async fn rows(db: &impl ConnectionTrait) -> Result<Vec<OutboxRow>, StorageError> {
    Ok(email_outbox::Entity::find()
        .order_by_asc(email_outbox::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| OutboxRow {
            id: m.id,
            dedupe_key: m.dedupe_key,
            to: m.to_address,
            template: m.template,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            message_id: m.message_id,
            next_attempt_at: m.next_attempt_at,
        })
        .collect())
}

/// Returns how many rows are in each status.
pub async fn counts(db: &impl ConnectionTrait) -> Result<BTreeMap<String, u64>, StorageError> {
    let rows: Vec<(String, i64)> = email_outbox::Entity::find()
        .select_only()
        .column(email_outbox::Column::Status)
        .column_as(email_outbox::Column::Id.count(), "n")
        .group_by(email_outbox::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, n.max(0) as u64))
        .collect())
}

/// Returns when the oldest row not yet sent or dead was written, if any: the outbox's age.
pub async fn oldest_unsent(
    db: &impl ConnectionTrait,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    let oldest: Option<Option<DateTime<Utc>>> = email_outbox::Entity::find()
        .select_only()
        .column_as(email_outbox::Column::CreatedAt.min(), "oldest")
        .filter(email_outbox::Column::Status.is_in(["pending", "sending"]))
        .into_tuple()
        .one(db)
        .await?;
    Ok(oldest.flatten())
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The outbox row.
    pub outbox_id: i64,
    /// `sent`, `temporary_failure` or `permanent_failure`.
    pub outcome: String,
    /// The Message-ID or the failure.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Returns the attempts of `outbox_id`, oldest first.
pub async fn attempts(
    db: &impl ConnectionTrait,
    outbox_id: i64,
) -> Result<Vec<Attempt>, StorageError> {
    Ok(email_attempt::Entity::find()
        .filter(email_attempt::Column::OutboxId.eq(outbox_id))
        .order_by_asc(email_attempt::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Attempt {
            outbox_id: m.outbox_id,
            outcome: m.outcome,
            detail: m.detail,
            at: m.at,
        })
        .collect())
}

/// Records that `user_id` left `list`; returns whether they were still on it.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    user_id: i64,
    list: &str,
) -> Result<bool, StorageError> {
    let result = email_unsubscribe::Entity::insert(email_unsubscribe::ActiveModel {
        user_id: Set(user_id),
        list: Set(list.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        email_unsubscribe::Column::UserId,
        email_unsubscribe::Column::List,
    ])
    .exec(db)
    .await?;
    Ok(matches!(result, TryInsertResult::Inserted(_)))
}

/// Returns whether `user_id` left `list`.
pub async fn is_unsubscribed(
    db: &impl ConnectionTrait,
    user_id: i64,
    list: &str,
) -> Result<bool, StorageError> {
    Ok(email_unsubscribe::Entity::find()
        .filter(email_unsubscribe::Column::UserId.eq(user_id))
        .filter(email_unsubscribe::Column::List.eq(list))
        .one(db)
        .await?
        .is_some())
}

/// Returns the users who left `list`.
pub async fn unsubscribed(
    db: &impl ConnectionTrait,
    list: &str,
) -> Result<HashSet<i64>, StorageError> {
    let ids: Vec<i64> = email_unsubscribe::Entity::find()
        .select_only()
        .column(email_unsubscribe::Column::UserId)
        .filter(email_unsubscribe::Column::List.eq(list))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// When `user_id`'s last `list` email was enqueued, and for which period.
#[derive(Debug, Clone, PartialEq)]
pub struct Watermark {
    /// Enqueue time: the next email covers what is newer.
    pub at: DateTime<Utc>,
    /// Its period, such as `2026-W49`.
    pub period: String,
}

/// Returns the watermark of `user_id` on `list`.
pub async fn watermark(
    db: &impl ConnectionTrait,
    user_id: i64,
    list: &str,
) -> Result<Option<Watermark>, StorageError> {
    Ok(email_digest_state::Entity::find()
        .filter(email_digest_state::Column::UserId.eq(user_id))
        .filter(email_digest_state::Column::List.eq(list))
        .one(db)
        .await?
        .map(|m| Watermark {
            at: m.last_enqueued_at,
            period: m.last_period,
        }))
}

/// Moves the watermark of `user_id` on `list` (call it in the transaction that enqueues).
pub async fn set_watermark(
    db: &impl ConnectionTrait,
    user_id: i64,
    list: &str,
    mark: &Watermark,
) -> Result<(), StorageError> {
    email_digest_state::Entity::insert(email_digest_state::ActiveModel {
        user_id: Set(user_id),
        list: Set(list.to_owned()),
        last_enqueued_at: Set(mark.at),
        last_period: Set(mark.period.clone()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            email_digest_state::Column::UserId,
            email_digest_state::Column::List,
        ])
        .update_columns([
            email_digest_state::Column::LastEnqueuedAt,
            email_digest_state::Column::LastPeriod,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
