//! Creates the automation-risk tables: named sources and their per-occupation scores.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `risk_sources` and `risk_scores`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Occupations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RiskSources {
    Table,
    Id,
    Name,
    Year,
    Description,
    Active,
    ScaleMin,
    ScaleMax,
    ImportedAt,
}

#[derive(DeriveIden)]
enum RiskScores {
    Table,
    Id,
    SourceId,
    OccupationId,
    RawValue,
    Score,
    Inherited,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RiskSources::Table)
                    .col(big_pk_auto(RiskSources::Id))
                    .col(text(RiskSources::Name))
                    .col(integer(RiskSources::Year))
                    .col(text(RiskSources::Description).default(""))
                    .col(boolean(RiskSources::Active).default(false))
                    .col(double(RiskSources::ScaleMin))
                    .col(double(RiskSources::ScaleMax))
                    .col(timestamp_with_time_zone(RiskSources::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_sources_name_year")
                    .table(RiskSources::Table)
                    .col(RiskSources::Name)
                    .col(RiskSources::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // At most one active source. The store switches sources in one transaction
        // (deactivate all, then activate one); this partial index backs that rule up.
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_sources_one_active")
                    .table(RiskSources::Table)
                    .col(RiskSources::Active)
                    .unique()
                    .and_where(Expr::col(RiskSources::Active).eq(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskScores::Table)
                    .col(big_pk_auto(RiskScores::Id))
                    .col(big_integer(RiskScores::SourceId))
                    .col(big_integer(RiskScores::OccupationId))
                    .col(double(RiskScores::RawValue))
                    .col(
                        double(RiskScores::Score)
                            .check(Expr::col(RiskScores::Score).between(0.0, 1.0)),
                    )
                    // True when the occupation has no score of its own in the source and took
                    // its nearest scored ancestor's.
                    .col(boolean(RiskScores::Inherited).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_scores_source")
                            .from(RiskScores::Table, RiskScores::SourceId)
                            .to(RiskSources::Table, RiskSources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_scores_occupation")
                            .from(RiskScores::Table, RiskScores::OccupationId)
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_scores_source_occupation")
                    .table(RiskScores::Table)
                    .col(RiskScores::SourceId)
                    .col(RiskScores::OccupationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_scores_occupation_id")
                    .table(RiskScores::Table)
                    .col(RiskScores::OccupationId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RiskScores::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RiskSources::Table).to_owned())
            .await
    }
}
