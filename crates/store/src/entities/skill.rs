//! Entity for `skills`: an ESCO skill or knowledge concept.

use sea_orm::entity::prelude::*;

/// An ESCO skill or knowledge concept.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "skills")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ESCO concept URI.
    #[sea_orm(column_type = "Text")]
    pub uri: String,
    /// `skill/competence` or `knowledge`.
    #[sea_orm(column_type = "Text")]
    pub skill_type: Option<String>,
    /// ESCO reuse level.
    #[sea_orm(column_type = "Text")]
    pub reuse_level: Option<String>,
    /// English preferred label.
    #[sea_orm(column_type = "Text")]
    pub preferred_label: String,
    /// Alternative labels, newline-separated.
    #[sea_orm(column_type = "Text")]
    pub alt_labels: String,
    /// Hidden labels, newline-separated.
    #[sea_orm(column_type = "Text")]
    pub hidden_labels: String,
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
