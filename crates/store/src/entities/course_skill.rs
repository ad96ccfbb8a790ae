//! Entity for `course_skills`: a skill a course teaches.

use sea_orm::entity::prelude::*;

/// A skill a course teaches.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_skills")]
pub struct Model {
    /// The course.
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_id: i64,
    /// The skill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: i64,
    /// `extracted`, `inferred` or `manual`.
    #[sea_orm(column_type = "Text")]
    pub origin: String,
    /// How sure the tagger was, in (0, 1]; 1 for manual tags.
    pub confidence: Option<f64>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `course_id` → `courses`.
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id",
        on_delete = "Cascade"
    )]
    Course,
    /// `skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::SkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    Skill,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl Related<super::skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Skill.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
