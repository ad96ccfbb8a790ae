//! Entity for `programme_type_soc_codes`: a SOC 2010 occupation a programme type prepares for.

use sea_orm::entity::prelude::*;

/// A programme type's link to a SOC 2010 detailed occupation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programme_type_soc_codes")]
pub struct Model {
    /// The programme type's CIP code.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub code: String,
    /// SOC 2010 detailed occupation code such as `43-4051`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub soc_code: String,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `code` → `programme_types`.
    #[sea_orm(
        belongs_to = "super::programme_type::Entity",
        from = "Column::Code",
        to = "super::programme_type::Column::Code",
        on_delete = "Cascade"
    )]
    ProgrammeType,
}

impl Related<super::programme_type::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgrammeType.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
