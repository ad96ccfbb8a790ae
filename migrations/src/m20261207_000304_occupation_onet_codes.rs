//! Each ESCO occupation's O*NET-SOC code, from a crosswalk: the SOC hierarchy is a second expert
//! classification beside ISCO for judging how close two occupations are.

use sea_orm_migration::{prelude::*, schema::*};

use crate::drop_tables;

/// Creates `occupation_onet_codes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OccupationOnetCodes {
    Table,
    OccupationId,
    OnetCode,
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
                    .table(OccupationOnetCodes::Table)
                    .if_not_exists()
                    .col(big_integer(OccupationOnetCodes::OccupationId).primary_key())
                    // O*NET-SOC code such as 43-4051.00.
                    .col(text(OccupationOnetCodes::OnetCode))
                    .col(text(OccupationOnetCodes::Source))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OccupationOnetCodes::Table,
                                OccupationOnetCodes::OccupationId,
                            )
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [OccupationOnetCodes::Table.into_iden()]).await
    }
}
