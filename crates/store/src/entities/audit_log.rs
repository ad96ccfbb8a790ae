//! Entity for `audit_log`: who read or changed which record, when.

use sea_orm::entity::prelude::*;

/// Who read or changed which record, when.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who (no foreign key: the log outlives accounts).
    pub actor_id: Option<i64>,
    /// What was done.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// Kind of record.
    #[sea_orm(column_type = "Text")]
    pub subject_kind: String,
    /// The record.
    pub subject_id: Option<i64>,
    /// The worker concerned.
    pub worker_id: Option<i64>,
    /// When.
    pub at: DateTimeUtc,
    /// Detail.
    #[sea_orm(column_type = "JsonBinary")]
    pub detail: Json,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
