//! Entity for `openings`: a job opening.

use sea_orm::entity::prelude::*;

/// A job opening.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "openings")]
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
    /// The employer.
    pub organisation_id: Option<i64>,
    /// Job title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// The occupation, where known.
    pub occupation_id: Option<i64>,
    /// Full description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
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
    /// Whether it can be done remotely.
    pub remote: bool,
    /// Lower bound of the yearly salary.
    pub salary_min: Option<f64>,
    /// Upper bound of the yearly salary.
    pub salary_max: Option<f64>,
    /// Salary currency.
    #[sea_orm(column_type = "Text")]
    pub currency: String,
    /// `draft`, `open` or `closed`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Date posted.
    pub posted_on: Date,
    /// Closing date.
    pub expires_on: Option<Date>,
    /// Original posting.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// `extracted`, `inferred` or `manual`, where the occupation is set.
    #[sea_orm(column_type = "Text")]
    pub occupation_origin: Option<String>,
    /// How sure the tagger was of the occupation.
    pub occupation_confidence: Option<f64>,
    /// Normalised title, organisation and place: the same job from several files merges here.
    #[sea_orm(column_type = "Text")]
    pub dedupe_key: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `organisation_id` → `organisations`.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id",
        on_delete = "SetNull"
    )]
    Organisation,
    /// `occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "SetNull"
    )]
    Occupation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl Related<super::occupation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Occupation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
