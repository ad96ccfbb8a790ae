//! Adds what the accounts and workflows API needs beyond the people tables: a seeker's own
//! interest in an opening (`applications`), and the details of a caseload outcome (which
//! opening, when the worker left the caseload).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables, foreign_key};

/// Creates `applications`; adds `workers.outcome_opening_id` and `workers.outcome_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workers {
    Table,
    Id,
    OutcomeOpeningId,
    OutcomeAt,
}

#[derive(DeriveIden)]
enum Openings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    WorkerId,
    OpeningId,
    Message,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite cannot add a column with a foreign key, so the opening is a plain id: an
        // outcome is history and must survive the opening's deletion anyway.
        manager
            .alter_table(
                Table::alter()
                    .table(Workers::Table)
                    .add_column(big_integer_null(Workers::OutcomeOpeningId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Workers::Table)
                    .add_column(timestamp_with_time_zone_null(Workers::OutcomeAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(big_pk_auto(Applications::Id))
                    .col(big_integer(Applications::WorkerId))
                    .col(big_integer(Applications::OpeningId))
                    .col(text(Applications::Message))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_applications_worker",
                        (Applications::Table, Applications::WorkerId),
                        (Workers::Table, Workers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_applications_opening",
                        (Applications::Table, Applications::OpeningId),
                        (Openings::Table, Openings::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_applications_worker_id_opening_id",
            Applications::Table,
            [Applications::WorkerId, Applications::OpeningId],
            true,
        )
        .await?;
        create_index(
            manager,
            "idx_applications_opening_id",
            Applications::Table,
            [Applications::OpeningId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [Applications::Table.into_iden()]).await?;
        for column in [Workers::OutcomeAt, Workers::OutcomeOpeningId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Workers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
