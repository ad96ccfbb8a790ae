//! Entity for `occupation_skills`: an occupation's requirement of a skill.

use sea_orm::entity::prelude::*;

/// An occupation's requirement of a skill.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "occupation_skills")]
pub struct Model {
    /// The occupation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub occupation_id: i64,
    /// The skill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: i64,
    /// `essential` or `optional`.
    #[sea_orm(column_type = "Text")]
    pub relation: String,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "Cascade"
    )]
    Occupation,
    /// `skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::SkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    Skill,
}

impl Related<super::occupation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Occupation.def()
    }
}

impl Related<super::skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Skill.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
