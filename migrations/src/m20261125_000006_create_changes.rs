//! Creates the ordered change log that search indexes (one per server replica) tail.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables};

/// Creates `changes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Changes {
    Table,
    Id,
    Kind,
    EntityId,
    Op,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    // Readers remember the last id they applied and ask for more.
                    .col(big_pk_auto(Changes::Id))
                    // The search index it concerns: occupations, skills, courses, openings.
                    .col(text(Changes::Kind))
                    // 0 for `rebuild`, which concerns the whole index (bulk imports).
                    .col(big_integer(Changes::EntityId))
                    .col(
                        text(Changes::Op)
                            .check(Expr::col(Changes::Op).is_in(["upsert", "delete", "rebuild"])),
                    )
                    .col(timestamp_with_time_zone(Changes::At))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_changes_kind_entity_id",
            Changes::Table,
            [Changes::Kind, Changes::EntityId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [Changes::Table.into_iden()]).await
    }
}
