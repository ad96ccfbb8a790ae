//! Entity for `interests`: an employer's interest in a worker for an opening.

use sea_orm::entity::prelude::*;

/// An employer's interest in a worker for an opening.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "interests")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The opening.
    pub opening_id: i64,
    /// The worker.
    pub worker_id: i64,
    /// Who expressed it.
    pub employer_user_id: i64,
    /// Status.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Message to the worker.
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// When the worker answered.
    pub answered_at: Option<DateTimeUtc>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `opening_id` → `openings`.
    #[sea_orm(
        belongs_to = "super::opening::Entity",
        from = "Column::OpeningId",
        to = "super::opening::Column::Id",
        on_delete = "Cascade"
    )]
    Opening,
    /// `worker_id` → `workers`.
    #[sea_orm(
        belongs_to = "super::worker::Entity",
        from = "Column::WorkerId",
        to = "super::worker::Column::Id",
        on_delete = "Cascade"
    )]
    Worker,
    /// `employer_user_id` → `users`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::EmployerUserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    EmployerUser,
}

impl Related<super::opening::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Opening.def()
    }
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EmployerUser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
