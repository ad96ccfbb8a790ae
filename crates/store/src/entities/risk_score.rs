//! Entity for `risk_scores`: one occupation's score from one source.

use sea_orm::entity::prelude::*;

/// One occupation's score from one source.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_scores")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The source.
    pub source_id: i64,
    /// The occupation.
    pub occupation_id: i64,
    /// Value on the source's own scale.
    pub raw_value: f64,
    /// Value normalised to [0, 1].
    pub score: f64,
    /// Whether the score was copied from the nearest scored ancestor occupation.
    pub inherited: bool,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `source_id` → `risk_sources`.
    #[sea_orm(
        belongs_to = "super::risk_source::Entity",
        from = "Column::SourceId",
        to = "super::risk_source::Column::Id",
        on_delete = "Cascade"
    )]
    Source,
    /// `occupation_id` → `occupations`.
    #[sea_orm(
        belongs_to = "super::occupation::Entity",
        from = "Column::OccupationId",
        to = "super::occupation::Column::Id",
        on_delete = "Cascade"
    )]
    Occupation,
}

impl Related<super::risk_source::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Source.def()
    }
}

impl Related<super::occupation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Occupation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
