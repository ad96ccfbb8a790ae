//! Entity for `courses`: a course (training programme).

use sea_orm::entity::prelude::*;

/// A course (training programme).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Where the record came from.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// Identifier within the source.
    #[sea_orm(column_type = "Text")]
    pub source_id: String,
    /// Who runs it.
    #[sea_orm(column_type = "Text")]
    pub provider: String,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Length in weeks.
    pub duration_weeks: f64,
    /// Total study hours.
    pub hours: Option<f64>,
    /// Cost in `currency`.
    pub cost: f64,
    /// ISO 4217 currency code.
    #[sea_orm(column_type = "Text")]
    pub currency: String,
    /// `online`, `in_person` or `hybrid`.
    #[sea_orm(column_type = "Text")]
    pub mode: String,
    /// Place name.
    #[sea_orm(column_type = "Text")]
    pub place_name: Option<String>,
    /// Region or county.
    #[sea_orm(column_type = "Text")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[sea_orm(column_type = "Text")]
    pub country: Option<String>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Next start date.
    pub next_start: Option<Date>,
    /// Funding notes.
    #[sea_orm(column_type = "Text")]
    pub funding: String,
    /// Provider page.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// The occupation the course prepares for.
    pub occupation_id: Option<i64>,
    /// `extracted`, `inferred` or `manual`, where the occupation is set.
    #[sea_orm(column_type = "Text")]
    pub occupation_origin: Option<String>,
    /// How sure the tagger was of the occupation.
    pub occupation_confidence: Option<f64>,
    /// Normalised title and provider: the same course from several files merges here.
    #[sea_orm(column_type = "Text")]
    pub dedupe_key: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
