//! Entity for `occupations`: an ESCO occupation.

use sea_orm::entity::prelude::*;

/// An ESCO occupation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "occupations")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ESCO concept URI.
    #[sea_orm(column_type = "Text")]
    pub uri: String,
    /// ESCO notation code.
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// 4-digit ISCO-08 unit group code.
    #[sea_orm(column_type = "Text")]
    pub isco_group: String,
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
    /// Broader occupation, if any.
    pub parent_id: Option<i64>,
    /// Last import that touched the row.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `parent_id` → `occupations`.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "SetNull"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
