//! Entity for `occupation_onet_codes`: an occupation's O*NET-SOC code from a crosswalk.

use sea_orm::entity::prelude::*;

/// An occupation's O*NET-SOC code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "occupation_onet_codes")]
pub struct Model {
    /// The occupation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub occupation_id: i64,
    /// O*NET-SOC code such as `43-4051.00`.
    #[sea_orm(column_type = "Text")]
    pub onet_code: String,
    /// The crosswalk it comes from.
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
