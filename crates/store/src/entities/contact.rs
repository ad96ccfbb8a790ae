//! Entity for `contacts`: a caseworker's contact with a worker.

use sea_orm::entity::prelude::*;

/// A caseworker's contact with a worker.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// The caseworker.
    pub caseworker_id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// Phone, email, meeting…
    #[sea_orm(column_type = "Text")]
    pub channel: String,
    /// Note.
    #[sea_orm(column_type = "Text")]
    pub note: String,
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
    /// `caseworker_id` → `users`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CaseworkerId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    Caseworker,
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Caseworker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
