//! CIP 2020 programme types and the SOC 2010 occupations each prepares for: what a plan points
//! to where no course teaches a missing skill. Occupations are reached when read, through their
//! O*NET-SOC code, so a new crosswalk needs no new programme import.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables};

/// Creates `programme_types` and `programme_type_soc_codes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgrammeTypes {
    Table,
    Code,
    Title,
    Definition,
    Source,
    ImportedAt,
}

#[derive(DeriveIden)]
enum ProgrammeTypeSocCodes {
    Table,
    Code,
    SocCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProgrammeTypes::Table)
                    .if_not_exists()
                    // Six-digit CIP 2020 code such as 52.0411.
                    .col(text(ProgrammeTypes::Code).primary_key())
                    .col(text(ProgrammeTypes::Title))
                    .col(text(ProgrammeTypes::Definition))
                    .col(text(ProgrammeTypes::Source))
                    // One value per import: the engine's reload check reads it.
                    .col(timestamp_with_time_zone(ProgrammeTypes::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgrammeTypeSocCodes::Table)
                    .if_not_exists()
                    .col(text(ProgrammeTypeSocCodes::Code))
                    // SOC 2010 detailed occupation such as 43-4051.
                    .col(text(ProgrammeTypeSocCodes::SocCode))
                    .primary_key(
                        Index::create()
                            .col(ProgrammeTypeSocCodes::Code)
                            .col(ProgrammeTypeSocCodes::SocCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgrammeTypeSocCodes::Table, ProgrammeTypeSocCodes::Code)
                            .to(ProgrammeTypes::Table, ProgrammeTypes::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_programme_type_soc_codes_soc_code",
            ProgrammeTypeSocCodes::Table,
            [ProgrammeTypeSocCodes::SocCode],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                ProgrammeTypeSocCodes::Table.into_iden(),
                ProgrammeTypes::Table.into_iden(),
            ],
        )
        .await
    }
}
