//! The audit log: who read or changed which worker record, when. Rows are never updated or
//! deleted, and have no foreign keys, so they outlive the accounts they name.

use chrono::{DateTime, Utc};
use reskill_core::{UserId, WorkerId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::audit_log;

/// One audit entry to write.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// Who acted (`None` for the system).
    pub actor: Option<UserId>,
    /// What was done, such as `worker.read` or `plan.update`.
    pub action: String,
    /// The kind of record, such as `worker` or `plan`.
    pub subject_kind: String,
    /// The record's key.
    pub subject_id: Option<i64>,
    /// The worker concerned.
    pub worker: Option<WorkerId>,
    /// Anything else worth keeping (the actor's role, the route).
    pub detail: serde_json::Value,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Key, increasing with time.
    pub id: i64,
    /// Who acted.
    pub actor: Option<UserId>,
    /// What was done.
    pub action: String,
    /// Kind of record.
    pub subject_kind: String,
    /// The record.
    pub subject_id: Option<i64>,
    /// The worker concerned.
    pub worker: Option<WorkerId>,
    /// When.
    pub at: DateTime<Utc>,
    /// Detail.
    pub detail: serde_json::Value,
}

/// Appends an entry.
pub async fn record(db: &impl ConnectionTrait, entry: NewAuditEntry) -> Result<(), StorageError> {
    audit_log::ActiveModel {
        actor_id: Set(entry.actor.map(|a| a.0)),
        action: Set(entry.action),
        subject_kind: Set(entry.subject_kind),
        subject_id: Set(entry.subject_id),
        worker_id: Set(entry.worker.map(|w| w.0)),
        at: Set(Utc::now()),
        detail: Set(entry.detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Returns up to `limit` entries with keys below `before` (newest first), optionally about one
/// worker or by one actor.
pub async fn list(
    db: &impl ConnectionTrait,
    worker: Option<WorkerId>,
    actor: Option<UserId>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEntry>, StorageError> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(worker) = worker {
        query = query.filter(audit_log::Column::WorkerId.eq(worker.0));
    }
    if let Some(actor) = actor {
        query = query.filter(audit_log::Column::ActorId.eq(actor.0));
    }
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| AuditEntry {
            id: m.id,
            actor: m.actor_id.map(UserId),
            action: m.action,
            subject_kind: m.subject_kind,
            subject_id: m.subject_id,
            worker: m.worker_id.map(WorkerId),
            at: m.at,
            detail: m.detail,
        })
        .collect())
}
