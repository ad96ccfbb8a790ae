//! Entity for `occupation_attributes`: an occupation's preparation level and earnings.

use sea_orm::entity::prelude::*;

/// An occupation's preparation level and earnings, as one source gives them.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "occupation_attributes")]
pub struct Model {
    /// The occupation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub occupation_id: i64,
    /// O*NET job zone, 1 to 5.
    pub job_zone: Option<f64>,
    /// Mean annual earnings in `earnings_currency`.
    pub annual_earnings: Option<f64>,
    /// How much of the work can be done remotely (Nesta's remote labour index).
    pub remote_work: Option<f64>,
    /// ISO 4217 code of the earnings.
    #[sea_orm(column_type = "Text")]
    pub earnings_currency: String,
    /// Where the figures come from.
    #[sea_orm(column_type = "Text")]
    pub source: String,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "Cascade"
    )]
    Occupation,
}

impl Related<super::occupation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Occupation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
