//! Labour-market attributes of occupations (preparation level and earnings), for judging
//! whether a move is one a person would take.

use sea_orm_migration::{prelude::*, schema::*};

use crate::drop_tables;

/// Creates `occupation_attributes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OccupationAttributes {
    Table,
    OccupationId,
    JobZone,
    AnnualEarnings,
    EarningsCurrency,
    Source,
}

#[derive(DeriveIden)]
enum Occupations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OccupationAttributes::Table)
                    .if_not_exists()
                    .col(big_integer(OccupationAttributes::OccupationId).primary_key())
                    // O*NET job zone, 1 (little preparation) to 5 (extensive).
                    .col(double_null(OccupationAttributes::JobZone))
                    .col(double_null(OccupationAttributes::AnnualEarnings))
                    .col(text(OccupationAttributes::EarningsCurrency))
                    .col(text(OccupationAttributes::Source))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OccupationAttributes::Table,
                                OccupationAttributes::OccupationId,
                            )
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [OccupationAttributes::Table.into_iden()]).await
    }
}
