//! The remote-work index of occupations: a work-context measure the transition similarity
//! compares.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `occupation_attributes.remote_work`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OccupationAttributes {
    Table,
    RemoteWork,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OccupationAttributes::Table)
                    .add_column_if_not_exists(double_null(OccupationAttributes::RemoteWork))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OccupationAttributes::Table)
                    .drop_column(OccupationAttributes::RemoteWork)
                    .to_owned(),
            )
            .await
    }
}
