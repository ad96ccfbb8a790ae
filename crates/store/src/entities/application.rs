//! Entity for `applications`: a seeker's interest in an opening.

use sea_orm::entity::prelude::*;

/// A seeker's interest in an opening.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// The opening.
    pub opening_id: i64,
    /// A note to the employer.
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// When it was sent.
    pub created_at: DateTimeUtc,
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
    /// `opening_id` → `openings`.
    #[sea_orm(
        belongs_to = "super::opening::Entity",
        from = "Column::OpeningId",
        to = "super::opening::Column::Id",
        on_delete = "Cascade"
    )]
    Opening,
}

impl ActiveModelBehavior for ActiveModel {}
