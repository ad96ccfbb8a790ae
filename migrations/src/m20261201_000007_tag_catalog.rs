//! Tags on the catalog: the occupation of a course and how sure each tag is, the key under which
//! the same document from several files is merged, and resumable import checkpoints.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables};

/// Adds tag columns to `courses`, `openings`, `course_skills` and `opening_skills`, and creates
/// `import_checkpoints`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    OccupationId,
    OccupationOrigin,
    OccupationConfidence,
    DedupeKey,
}

#[derive(DeriveIden)]
enum Openings {
    Table,
    OccupationOrigin,
    OccupationConfidence,
    DedupeKey,
}

#[derive(DeriveIden)]
enum CourseSkills {
    Table,
    Confidence,
}

#[derive(DeriveIden)]
enum OpeningSkills {
    Table,
    Confidence,
}

#[derive(DeriveIden)]
enum ImportCheckpoints {
    Table,
    Id,
    Kind,
    FileName,
    FileHash,
    RecordsDone,
    RecordsTotal,
    Finished,
    UpdatedAt,
}

/// One `ALTER TABLE … ADD COLUMN` per column: SQLite takes one change per statement.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key on courses.occupation_id: SQLite cannot add one to an existing table.
        // Occupations are upserted, never deleted, so the reference cannot dangle.
        add_column(
            manager,
            Courses::Table,
            big_integer_null(Courses::OccupationId),
        )
        .await?;
        add_column(
            manager,
            Courses::Table,
            text_null(Courses::OccupationOrigin),
        )
        .await?;
        add_column(
            manager,
            Courses::Table,
            double_null(Courses::OccupationConfidence),
        )
        .await?;
        add_column(manager, Courses::Table, text_null(Courses::DedupeKey)).await?;
        add_column(
            manager,
            Openings::Table,
            text_null(Openings::OccupationOrigin),
        )
        .await?;
        add_column(
            manager,
            Openings::Table,
            double_null(Openings::OccupationConfidence),
        )
        .await?;
        add_column(manager, Openings::Table, text_null(Openings::DedupeKey)).await?;
        add_column(
            manager,
            CourseSkills::Table,
            double_null(CourseSkills::Confidence),
        )
        .await?;
        add_column(
            manager,
            OpeningSkills::Table,
            double_null(OpeningSkills::Confidence),
        )
        .await?;
        create_index(
            manager,
            "idx_courses_occupation_id",
            Courses::Table,
            [Courses::OccupationId],
            false,
        )
        .await?;
        create_index(
            manager,
            "idx_courses_dedupe_key",
            Courses::Table,
            [Courses::DedupeKey],
            false,
        )
        .await?;
        create_index(
            manager,
            "idx_openings_dedupe_key",
            Openings::Table,
            [Openings::DedupeKey],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImportCheckpoints::Table)
                    .col(big_pk_auto(ImportCheckpoints::Id))
                    // `courses` or `openings`.
                    .col(text(ImportCheckpoints::Kind))
                    .col(text(ImportCheckpoints::FileName))
                    // A hash of the file's bytes: a changed file starts over.
                    .col(text(ImportCheckpoints::FileHash))
                    // Records of the file (in reading order) committed so far.
                    .col(big_integer(ImportCheckpoints::RecordsDone))
                    .col(big_integer(ImportCheckpoints::RecordsTotal))
                    .col(boolean(ImportCheckpoints::Finished).default(false))
                    .col(timestamp_with_time_zone(ImportCheckpoints::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_import_checkpoints_kind_file_hash",
            ImportCheckpoints::Table,
            [ImportCheckpoints::Kind, ImportCheckpoints::FileHash],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [ImportCheckpoints::Table.into_iden()]).await?;
        for (name, table) in [
            ("idx_courses_occupation_id", Courses::Table.into_iden()),
            ("idx_courses_dedupe_key", Courses::Table.into_iden()),
            ("idx_openings_dedupe_key", Openings::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        drop_column(manager, OpeningSkills::Table, OpeningSkills::Confidence).await?;
        drop_column(manager, CourseSkills::Table, CourseSkills::Confidence).await?;
        drop_column(manager, Openings::Table, Openings::DedupeKey).await?;
        drop_column(manager, Openings::Table, Openings::OccupationConfidence).await?;
        drop_column(manager, Openings::Table, Openings::OccupationOrigin).await?;
        drop_column(manager, Courses::Table, Courses::DedupeKey).await?;
        drop_column(manager, Courses::Table, Courses::OccupationConfidence).await?;
        drop_column(manager, Courses::Table, Courses::OccupationOrigin).await?;
        drop_column(manager, Courses::Table, Courses::OccupationId).await
    }
}
