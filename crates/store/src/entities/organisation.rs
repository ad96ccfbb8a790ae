//! Entity for `organisations`: an employer, a public service or a training provider.

use sea_orm::entity::prelude::*;

/// An employer, a public service or a training provider.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// `employer`, `service` or `provider`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
