//! Entity for `programme_types`: a CIP 2020 programme type.

use sea_orm::entity::prelude::*;

/// A CIP 2020 programme type.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programme_types")]
pub struct Model {
    /// Six-digit CIP 2020 code such as `52.0411`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub code: String,
    /// Title without the trailing period.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// What such a programme prepares for and teaches.
    #[sea_orm(column_type = "Text")]
    pub definition: String,
    /// The files it comes from.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// When the import that wrote it ran (the same for every row of one import).
    pub imported_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
