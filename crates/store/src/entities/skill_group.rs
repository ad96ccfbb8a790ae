//! Entity for `skill_groups`: a skill group: an inner node of the skill hierarchy.

use sea_orm::entity::prelude::*;

/// A skill group: an inner node of the skill hierarchy.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_groups")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ESCO concept URI.
    #[sea_orm(column_type = "Text")]
    pub uri: String,
    /// ESCO code such as `S1.1`, empty when unknown.
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// English label.
    #[sea_orm(column_type = "Text")]
    pub preferred_label: String,
    /// English description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Last import that touched the row.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
