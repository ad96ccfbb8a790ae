//! Entity for `plans`: a reskilling plan.

use sea_orm::entity::prelude::*;

/// A reskilling plan.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// The caseworker who built it.
    pub caseworker_id: Option<i64>,
    /// The target occupation.
    pub target_occupation_id: i64,
    /// Lifecycle status.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Notes.
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
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
        on_delete = "SetNull"
    )]
    Caseworker,
    /// `target_occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::TargetOccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "Restrict"
    )]
    TargetOccupation,
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

impl Related<super::occupation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TargetOccupation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
