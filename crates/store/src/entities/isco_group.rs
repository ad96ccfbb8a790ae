//! Entity for `isco_groups`: an ISCO-08 group.

use sea_orm::entity::prelude::*;

/// An ISCO-08 group.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "isco_groups")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ESCO concept URI.
    #[sea_orm(column_type = "Text")]
    pub uri: String,
    /// ISCO-08 code (text: leading zeros matter).
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
