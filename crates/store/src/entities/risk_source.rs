//! Entity for `risk_sources`: a named, dated source of automation-risk scores.

use sea_orm::entity::prelude::*;

/// A named, dated source of automation-risk scores.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_sources")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Short name such as `nesta-mcc`.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Year of publication.
    pub year: i32,
    /// Free-text description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Whether this is the source shown by default (at most one).
    pub active: bool,
    /// Lower end of the published scale.
    pub scale_min: f64,
    /// Upper end of the published scale.
    pub scale_max: f64,
    /// When the scores were last imported.
    pub imported_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
