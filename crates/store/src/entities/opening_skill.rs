//! Entity for `opening_skills`: a skill an opening asks for.

use sea_orm::entity::prelude::*;

/// A skill an opening asks for.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "opening_skills")]
pub struct Model {
    /// The opening.
    #[sea_orm(primary_key, auto_increment = false)]
    pub opening_id: i64,
    /// The skill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: i64,
    /// Essential (true) or nice to have (false).
    pub essential: bool,
    /// `extracted`, `inferred` or `manual`.
    #[sea_orm(column_type = "Text")]
    pub origin: String,
    /// How sure the tagger was, in (0, 1]; 1 for manual tags.
    pub confidence: Option<f64>,
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
    /// `skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::SkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    Skill,
}

impl Related<super::opening::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Opening.def()
    }
}

impl Related<super::skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Skill.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
