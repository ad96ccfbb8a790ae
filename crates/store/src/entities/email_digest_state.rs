//! Entity for `email_digest_state`: when a person's last digest (or summary) was enqueued.

use sea_orm::entity::prelude::*;

/// When a person's last digest (or summary) of one list was enqueued.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_digest_state")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// `digest` or `caseload_summary`.
    #[sea_orm(column_type = "Text")]
    pub list: String,
    /// When the last one was enqueued: the next covers what is newer.
    pub last_enqueued_at: DateTimeUtc,
    /// Its period, such as `2026-W49`.
    #[sea_orm(column_type = "Text")]
    pub last_period: String,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
