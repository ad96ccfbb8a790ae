//! Creates the catalog tables: organisations, courses and openings, with their skill tags.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables};

/// Creates `organisations`, `courses`, `course_skills`, `openings` and `opening_skills`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Occupations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skills {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    Source,
    SourceId,
    Provider,
    Title,
    Description,
    DurationWeeks,
    Hours,
    Cost,
    Currency,
    Mode,
    PlaceName,
    Region,
    Country,
    Lat,
    Lon,
    NextStart,
    Funding,
    Url,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CourseSkills {
    Table,
    CourseId,
    SkillId,
    Origin,
}

#[derive(DeriveIden)]
enum Openings {
    Table,
    Id,
    Source,
    SourceId,
    OrganisationId,
    Title,
    OccupationId,
    Description,
    PlaceName,
    Region,
    Country,
    Lat,
    Lon,
    Remote,
    SalaryMin,
    SalaryMax,
    Currency,
    Status,
    PostedOn,
    ExpiresOn,
    Url,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OpeningSkills {
    Table,
    OpeningId,
    SkillId,
    Essential,
    Origin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(big_pk_auto(Organisations::Id))
                    .col(text_uniq(Organisations::Name))
                    .col(text(Organisations::Kind).check(
                        Expr::col(Organisations::Kind).is_in(["employer", "service", "provider"]),
                    ))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(big_pk_auto(Courses::Id))
                    .col(text(Courses::Source))
                    .col(text(Courses::SourceId))
                    .col(text(Courses::Provider))
                    .col(text(Courses::Title))
                    .col(text(Courses::Description))
                    .col(double(Courses::DurationWeeks))
                    .col(double_null(Courses::Hours))
                    .col(double(Courses::Cost))
                    .col(text(Courses::Currency))
                    .col(text(Courses::Mode).check(Expr::col(Courses::Mode).is_in([
                        "online",
                        "in_person",
                        "hybrid",
                    ])))
                    .col(text_null(Courses::PlaceName))
                    .col(text_null(Courses::Region))
                    .col(text_null(Courses::Country))
                    .col(double_null(Courses::Lat))
                    .col(double_null(Courses::Lon))
                    .col(date_null(Courses::NextStart))
                    .col(text(Courses::Funding))
                    .col(text(Courses::Url))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .col(timestamp_with_time_zone(Courses::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_courses_source_source_id",
            Courses::Table,
            [Courses::Source, Courses::SourceId],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CourseSkills::Table)
                    .col(big_integer(CourseSkills::CourseId))
                    .col(big_integer(CourseSkills::SkillId))
                    .col(text(CourseSkills::Origin))
                    .primary_key(
                        Index::create()
                            .col(CourseSkills::CourseId)
                            .col(CourseSkills::SkillId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_skills_course")
                            .from(CourseSkills::Table, CourseSkills::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_skills_skill")
                            .from(CourseSkills::Table, CourseSkills::SkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_course_skills_skill_id",
            CourseSkills::Table,
            [CourseSkills::SkillId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Openings::Table)
                    .col(big_pk_auto(Openings::Id))
                    .col(text(Openings::Source))
                    .col(text(Openings::SourceId))
                    .col(big_integer_null(Openings::OrganisationId))
                    .col(text(Openings::Title))
                    .col(big_integer_null(Openings::OccupationId))
                    .col(text(Openings::Description))
                    .col(text_null(Openings::PlaceName))
                    .col(text_null(Openings::Region))
                    .col(text_null(Openings::Country))
                    .col(double_null(Openings::Lat))
                    .col(double_null(Openings::Lon))
                    .col(boolean(Openings::Remote).default(false))
                    .col(double_null(Openings::SalaryMin))
                    .col(double_null(Openings::SalaryMax))
                    .col(text(Openings::Currency))
                    .col(
                        text(Openings::Status)
                            .check(Expr::col(Openings::Status).is_in(["draft", "open", "closed"])),
                    )
                    .col(date(Openings::PostedOn))
                    .col(date_null(Openings::ExpiresOn))
                    .col(text(Openings::Url))
                    .col(timestamp_with_time_zone(Openings::CreatedAt))
                    .col(timestamp_with_time_zone(Openings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_openings_organisation")
                            .from(Openings::Table, Openings::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_openings_occupation")
                            .from(Openings::Table, Openings::OccupationId)
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_openings_source_source_id",
            Openings::Table,
            [Openings::Source, Openings::SourceId],
            true,
        )
        .await?;
        for (name, column) in [
            ("idx_openings_status", Openings::Status),
            ("idx_openings_occupation_id", Openings::OccupationId),
            ("idx_openings_posted_on", Openings::PostedOn),
            ("idx_openings_organisation_id", Openings::OrganisationId),
        ] {
            create_index(manager, name, Openings::Table, [column], false).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OpeningSkills::Table)
                    .col(big_integer(OpeningSkills::OpeningId))
                    .col(big_integer(OpeningSkills::SkillId))
                    .col(boolean(OpeningSkills::Essential))
                    .col(text(OpeningSkills::Origin))
                    .primary_key(
                        Index::create()
                            .col(OpeningSkills::OpeningId)
                            .col(OpeningSkills::SkillId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opening_skills_opening")
                            .from(OpeningSkills::Table, OpeningSkills::OpeningId)
                            .to(Openings::Table, Openings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opening_skills_skill")
                            .from(OpeningSkills::Table, OpeningSkills::SkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_opening_skills_skill_id",
            OpeningSkills::Table,
            [OpeningSkills::SkillId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dependents first; dropping a table drops its indexes.
        drop_tables(
            manager,
            [
                OpeningSkills::Table.into_iden(),
                Openings::Table.into_iden(),
                CourseSkills::Table.into_iden(),
                Courses::Table.into_iden(),
                Organisations::Table.into_iden(),
            ],
        )
        .await
    }
}
