//! Entity for `email_attempts`: one attempt to send an outbox email.

use sea_orm::entity::prelude::*;

/// One attempt to send an outbox email.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_attempts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The email.
    pub outbox_id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// Outcome.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// Detail.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `outbox_id` → `email_outbox`.
    #[sea_orm(
        belongs_to = "super::email_outbox::Entity",
        from = "Column::OutboxId",
        to = "super::email_outbox::Column::Id",
        on_delete = "Cascade"
    )]
    Outbox,
}

impl Related<super::email_outbox::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Outbox.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
