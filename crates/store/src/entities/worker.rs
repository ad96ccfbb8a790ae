//! Entity for `workers`: a worker profile (a job seeker).

use sea_orm::entity::prelude::*;

/// A worker profile (a job seeker).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workers")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account, if the worker has one.
    pub user_id: Option<i64>,
    /// Name, for workers without an account.
    #[sea_orm(column_type = "Text")]
    pub display_name: Option<String>,
    /// Current or last occupation.
    pub occupation_id: Option<i64>,
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
    /// Preferred course mode.
    #[sea_orm(column_type = "Text")]
    pub pref_mode: Option<String>,
    /// Maximum travel distance.
    pub max_travel_km: Option<f64>,
    /// Maximum training length.
    pub max_training_weeks: Option<f64>,
    /// Training budget.
    pub budget: Option<f64>,
    /// Assigned caseworker.
    pub caseworker_id: Option<i64>,
    /// Last caseworker contact.
    pub last_contact_at: Option<DateTimeUtc>,
    /// Outcome, such as `employed`.
    #[sea_orm(column_type = "Text")]
    pub outcome: Option<String>,
    /// Occupation of the outcome.
    pub outcome_occupation_id: Option<i64>,
    /// Opening the worker was hired into, if known (no foreign key: outcomes are history).
    pub outcome_opening_id: Option<i64>,
    /// When the outcome was recorded (the worker left the caseload).
    pub outcome_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `user_id` → `users`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    User,
    /// `caseworker_id` → `users`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CaseworkerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Caseworker,
    /// `occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "SetNull"
    )]
    Occupation,
    /// `outcome_occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OutcomeOccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "SetNull"
    )]
    OutcomeOccupation,
}

impl ActiveModelBehavior for ActiveModel {}
