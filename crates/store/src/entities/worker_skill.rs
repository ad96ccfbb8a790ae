//! Entity for `worker_skills`: a skill a worker has.

use sea_orm::entity::prelude::*;

/// A skill a worker has.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "worker_skills")]
pub struct Model {
    /// The worker.
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: i64,
    /// The skill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: i64,
    /// `inferred`, `declared` or `gained`.
    #[sea_orm(column_type = "Text")]
    pub origin: String,
    /// When it was added.
    pub added_at: DateTimeUtc,
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
    /// `skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::SkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    Skill,
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl Related<super::skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Skill.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
