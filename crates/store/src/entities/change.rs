//! Entity for `changes`: one entry of the ordered change log that search indexes tail.

use sea_orm::entity::prelude::*;

/// One entry of the ordered change log that search indexes tail.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    /// Position in the log.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Document kind: `occupation`, `skill`, `course`, `opening`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The changed row.
    pub entity_id: i64,
    /// `upsert` or `delete`.
    #[sea_orm(column_type = "Text")]
    pub op: String,
    /// When.
    pub at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
