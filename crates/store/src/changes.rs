//! The ordered change log (`changes`) that search indexes tail to stay current.
//!
//! Every write of a searchable document appends `(kind, entity id, op)` in the same transaction,
//! so a committed write always has its log entry. Bulk imports append one `rebuild` entry per
//! index instead of one per row. Readers remember the last id they applied and
//! ask for what follows. On PostgreSQL, ids are handed out at insert time but become visible at
//! commit, so a reader may see id 12 before a slower transaction's id 11 commits; readers
//! should re-read a short window behind their cursor (upserts are idempotent).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::change;
use crate::upsert::Upsert;

/// The kind of document a change is about; stored as the search index's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An occupation.
    Occupation,
    /// A skill.
    Skill,
    /// A course.
    Course,
    /// An opening.
    Opening,
}

impl ChangeKind {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Occupation => "occupations",
            Self::Skill => "skills",
            Self::Course => "courses",
            Self::Opening => "openings",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "occupations" => Some(Self::Occupation),
            "skills" => Some(Self::Skill),
            "courses" => Some(Self::Course),
            "openings" => Some(Self::Opening),
            _ => None,
        }
    }
}

/// What happened to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Created or updated: (re)index it.
    Upsert,
    /// Deleted: remove it from the index.
    Delete,
    /// Many rows changed at once: rebuild the whole index (`entity_id` is 0).
    Rebuild,
}

impl ChangeOp {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upsert => "upsert",
            Self::Delete => "delete",
            Self::Rebuild => "rebuild",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "upsert" => Some(Self::Upsert),
            "delete" => Some(Self::Delete),
            "rebuild" => Some(Self::Rebuild),
            _ => None,
        }
    }
}

impl PartialEq<&str> for ChangeOp {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the log.
    pub id: i64,
    /// Document kind.
    pub kind: ChangeKind,
    /// Key of the changed row in its table.
    pub entity_id: i64,
    /// What happened.
    pub op: ChangeOp,
    /// When.
    pub at: DateTime<Utc>,
}

/// Appends one change per id, in a few statements. Call it inside the write's transaction.
pub async fn record_changes(
    db: &impl ConnectionTrait,
    kind: ChangeKind,
    op: ChangeOp,
    entity_ids: &[i64],
) -> Result<(), StorageError> {
    let now = Utc::now();
    let rows = entity_ids
        .iter()
        .map(|id| {
            vec![
                kind.as_str().to_owned().into(),
                (*id).into(),
                op.as_str().to_owned().into(),
                now.into(),
            ]
        })
        .collect();
    use change::Column as C;
    Upsert::<change::Entity> {
        columns: &[C::Kind, C::EntityId, C::Op, C::At],
        conflict: &[],
        update: &[],
    }
    .run(db, rows, "changes", &|_, _, _| {})
    .await
}

/// Appends an upsert change per id.
pub(crate) async fn record_upserts(
    db: &impl ConnectionTrait,
    kind: ChangeKind,
    entity_ids: &[i64],
) -> Result<(), StorageError> {
    record_changes(db, kind, ChangeOp::Upsert, entity_ids).await
}

/// Appends one `rebuild` change for a whole index.
pub async fn record_rebuild(
    db: &impl ConnectionTrait,
    kind: ChangeKind,
) -> Result<(), StorageError> {
    record_changes(db, kind, ChangeOp::Rebuild, &[0]).await
}

/// Returns up to `limit` changes with ids above `after`, oldest first.
pub async fn changes_after(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<Change>, StorageError> {
    let models = change::Entity::find()
        .filter(change::Column::Id.gt(after))
        .order_by_asc(change::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    models
        .into_iter()
        .map(|model| {
            let kind = ChangeKind::parse(&model.kind).ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "change {}: unknown kind {:?}",
                    model.id, model.kind
                ))
            })?;
            let op = ChangeOp::parse(&model.op).ok_or_else(|| {
                StorageError::Corrupt(format!("change {}: unknown op {:?}", model.id, model.op))
            })?;
            Ok(Change {
                id: model.id,
                kind,
                entity_id: model.entity_id,
                op,
                at: model.at,
            })
        })
        .collect()
}

/// Returns the id of the newest change, or `None` when the log is empty.
pub async fn last_change_id(db: &impl ConnectionTrait) -> Result<Option<i64>, StorageError> {
    let last: Option<i64> = change::Entity::find()
        .select_only()
        .column_as(change::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(last)
}
