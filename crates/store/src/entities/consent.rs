//! Entity for `consents`: a consent a worker gave (and may have withdrawn).

use sea_orm::entity::prelude::*;

/// A consent a worker gave (and may have withdrawn).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// What was consented to.
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    /// Version of the wording shown.
    #[sea_orm(column_type = "Text")]
    pub text_version: String,
    /// When it was given.
    pub granted_at: DateTimeUtc,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTimeUtc>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `worker_id` → `workers`.
    #[sea_orm(
        belongs_to = "super::worker::Entity",
        from = "Column::WorkerId",
        to = "super::worker::Column::Id",
        on_delete = "Cascade"
    )]
    Worker,
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
