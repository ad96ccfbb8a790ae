//! Entity for `skill_broader`: a child → parent edge of the skill hierarchy; each end is a skill or a group.

use sea_orm::entity::prelude::*;

/// A child → parent edge of the skill hierarchy; each end is a skill or a group.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_broader")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URI of the narrower concept.
    #[sea_orm(column_type = "Text")]
    pub child_uri: String,
    /// URI of the broader concept.
    #[sea_orm(column_type = "Text")]
    pub parent_uri: String,
    /// The child, when it is a skill.
    pub child_skill_id: Option<i64>,
    /// The child, when it is a group.
    pub child_group_id: Option<i64>,
    /// The parent, when it is a skill.
    pub parent_skill_id: Option<i64>,
    /// The parent, when it is a group.
    pub parent_group_id: Option<i64>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `child_skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::ChildSkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    ChildSkill,
    /// `child_group_id` → `skill_groups`.
    #[sea_orm(
        belongs_to = "super::skill_group::Entity",
        from = "Column::ChildGroupId",
        to = "super::skill_group::Column::Id",
        on_delete = "Cascade"
    )]
    ChildGroup,
    /// `parent_skill_id` → `skills`.
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::ParentSkillId",
        to = "super::skill::Column::Id",
        on_delete = "Cascade"
    )]
    ParentSkill,
    /// `parent_group_id` → `skill_groups`.
    #[sea_orm(
        belongs_to = "super::skill_group::Entity",
        from = "Column::ParentGroupId",
        to = "super::skill_group::Column::Id",
        on_delete = "Cascade"
    )]
    ParentGroup,
}

impl ActiveModelBehavior for ActiveModel {}
