//! Entity for `plan_steps`: one ordered step of a plan.

use sea_orm::entity::prelude::*;

/// One ordered step of a plan.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_steps")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// Order within the plan.
    pub position: i32,
    /// `course`, `milestone` or `opening`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The course, for course steps.
    pub course_id: Option<i64>,
    /// The opening, for opening steps.
    pub opening_id: Option<i64>,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Status.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Due date.
    pub due_on: Option<Date>,
    /// Completion time.
    pub completed_at: Option<DateTimeUtc>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `plan_id` → `plans`.
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id",
        on_delete = "Cascade"
    )]
    Plan,
    /// `course_id` → `courses`.
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id",
        on_delete = "SetNull"
    )]
    Course,
    /// `opening_id` → `openings`.
    #[sea_orm(
        belongs_to = "super::opening::Entity",
        from = "Column::OpeningId",
        to = "super::opening::Column::Id",
        on_delete = "SetNull"
    )]
    Opening,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl Related<super::opening::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Opening.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
