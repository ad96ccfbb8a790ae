//! Creates the people tables: accounts and their tokens, worker profiles with skills and
//! consents, reskilling plans, saved searches, caseworker contacts and employer interest.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables, foreign_key};

/// Creates `users`, `refresh_tokens`, `one_time_tokens`, `workers`, `worker_skills`, `consents`,
/// `plans`, `plan_steps`, `plan_history`, `saved_searches`, `contacts` and `interests`.
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
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Openings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    DisplayName,
    OrganisationId,
    EmailVerifiedAt,
    Disabled,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Workers {
    Table,
    Id,
    UserId,
    DisplayName,
    OccupationId,
    PlaceName,
    Region,
    Country,
    Lat,
    Lon,
    PrefMode,
    MaxTravelKm,
    MaxTrainingWeeks,
    Budget,
    CaseworkerId,
    LastContactAt,
    Outcome,
    OutcomeOccupationId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkerSkills {
    Table,
    WorkerId,
    SkillId,
    Origin,
    AddedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    WorkerId,
    Purpose,
    TextVersion,
    GrantedAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    WorkerId,
    CaseworkerId,
    TargetOccupationId,
    Status,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlanSteps {
    Table,
    Id,
    PlanId,
    Position,
    Kind,
    CourseId,
    OpeningId,
    Title,
    Status,
    DueOn,
    CompletedAt,
}

#[derive(DeriveIden)]
enum PlanHistory {
    Table,
    Id,
    PlanId,
    ActorId,
    Change,
    At,
}

#[derive(DeriveIden)]
enum SavedSearches {
    Table,
    Id,
    UserId,
    Kind,
    Query,
    Filters,
    CreatedAt,
    LastNotifiedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    WorkerId,
    CaseworkerId,
    At,
    Channel,
    Note,
}

#[derive(DeriveIden)]
enum Interests {
    Table,
    Id,
    OpeningId,
    WorkerId,
    EmployerUserId,
    Status,
    Message,
    CreatedAt,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    // Stored lower-cased by the application, so plain UNIQUE is case-insensitive.
                    .col(text_uniq(Users::Email))
                    .col(text(Users::PasswordHash))
                    .col(text(Users::Role).check(Expr::col(Users::Role).is_in([
                        "seeker",
                        "caseworker",
                        "employer",
                        "admin",
                    ])))
                    .col(text(Users::DisplayName))
                    .col(big_integer_null(Users::OrganisationId))
                    .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                    .col(boolean(Users::Disabled).default(false))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_users_organisation",
                        (Users::Table, Users::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_users_organisation_id",
            Users::Table,
            [Users::OrganisationId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(big_pk_auto(RefreshTokens::Id))
                    .col(big_integer(RefreshTokens::UserId))
                    .col(text_uniq(RefreshTokens::TokenHash))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_refresh_tokens_user",
                        (RefreshTokens::Table, RefreshTokens::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_refresh_tokens_user_id",
            RefreshTokens::Table,
            [RefreshTokens::UserId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneTimeTokens::Table)
                    .col(big_pk_auto(OneTimeTokens::Id))
                    .col(big_integer(OneTimeTokens::UserId))
                    .col(text(OneTimeTokens::Purpose))
                    .col(text_uniq(OneTimeTokens::TokenHash))
                    .col(timestamp_with_time_zone(OneTimeTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OneTimeTokens::UsedAt))
                    .col(timestamp_with_time_zone(OneTimeTokens::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_one_time_tokens_user",
                        (OneTimeTokens::Table, OneTimeTokens::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_one_time_tokens_user_id",
            OneTimeTokens::Table,
            [OneTimeTokens::UserId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workers::Table)
                    .col(big_pk_auto(Workers::Id))
                    // Null for people a caseworker registered who have no account (yet).
                    .col(big_integer_null(Workers::UserId).unique_key())
                    .col(text_null(Workers::DisplayName))
                    .col(big_integer_null(Workers::OccupationId))
                    .col(text_null(Workers::PlaceName))
                    .col(text_null(Workers::Region))
                    .col(text_null(Workers::Country))
                    .col(double_null(Workers::Lat))
                    .col(double_null(Workers::Lon))
                    .col(text_null(Workers::PrefMode))
                    .col(double_null(Workers::MaxTravelKm))
                    .col(double_null(Workers::MaxTrainingWeeks))
                    .col(double_null(Workers::Budget))
                    .col(big_integer_null(Workers::CaseworkerId))
                    .col(timestamp_with_time_zone_null(Workers::LastContactAt))
                    .col(text_null(Workers::Outcome))
                    .col(big_integer_null(Workers::OutcomeOccupationId))
                    .col(timestamp_with_time_zone(Workers::CreatedAt))
                    .col(timestamp_with_time_zone(Workers::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_workers_user",
                        (Workers::Table, Workers::UserId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_workers_occupation",
                        (Workers::Table, Workers::OccupationId),
                        (Occupations::Table, Occupations::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_workers_caseworker",
                        (Workers::Table, Workers::CaseworkerId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_workers_outcome_occupation",
                        (Workers::Table, Workers::OutcomeOccupationId),
                        (Occupations::Table, Occupations::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_workers_caseworker_id",
            Workers::Table,
            [Workers::CaseworkerId],
            false,
        )
        .await?;
        create_index(
            manager,
            "idx_workers_occupation_id",
            Workers::Table,
            [Workers::OccupationId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkerSkills::Table)
                    .col(big_integer(WorkerSkills::WorkerId))
                    .col(big_integer(WorkerSkills::SkillId))
                    .col(text(WorkerSkills::Origin).check(
                        Expr::col(WorkerSkills::Origin).is_in(["inferred", "declared", "gained"]),
                    ))
                    .col(timestamp_with_time_zone(WorkerSkills::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(WorkerSkills::WorkerId)
                            .col(WorkerSkills::SkillId),
                    )
                    .foreign_key(&mut foreign_key(
                        "fk_worker_skills_worker",
                        (WorkerSkills::Table, WorkerSkills::WorkerId),
                        (Workers::Table, Workers::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_worker_skills_skill",
                        (WorkerSkills::Table, WorkerSkills::SkillId),
                        (Skills::Table, Skills::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_worker_skills_skill_id",
            WorkerSkills::Table,
            [WorkerSkills::SkillId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(big_pk_auto(Consents::Id))
                    .col(big_integer(Consents::WorkerId))
                    .col(text(Consents::Purpose))
                    .col(text(Consents::TextVersion))
                    .col(timestamp_with_time_zone(Consents::GrantedAt))
                    .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                    .foreign_key(&mut foreign_key(
                        "fk_consents_worker",
                        (Consents::Table, Consents::WorkerId),
                        (Workers::Table, Workers::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_consents_worker_id_purpose",
            Consents::Table,
            [Consents::WorkerId, Consents::Purpose],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(big_pk_auto(Plans::Id))
                    .col(big_integer(Plans::WorkerId))
                    .col(big_integer_null(Plans::CaseworkerId))
                    .col(big_integer(Plans::TargetOccupationId))
                    .col(text(Plans::Status))
                    .col(text(Plans::Notes))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .col(timestamp_with_time_zone(Plans::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_plans_worker",
                        (Plans::Table, Plans::WorkerId),
                        (Workers::Table, Workers::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_plans_caseworker",
                        (Plans::Table, Plans::CaseworkerId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    // A plan without its target makes no sense; re-imports upsert occupations
                    // in place, so deleting one that a plan aims at is refused.
                    .foreign_key(&mut foreign_key(
                        "fk_plans_target_occupation",
                        (Plans::Table, Plans::TargetOccupationId),
                        (Occupations::Table, Occupations::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_plans_worker_id",
            Plans::Table,
            [Plans::WorkerId],
            false,
        )
        .await?;
        create_index(
            manager,
            "idx_plans_caseworker_id",
            Plans::Table,
            [Plans::CaseworkerId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanSteps::Table)
                    .col(big_pk_auto(PlanSteps::Id))
                    .col(big_integer(PlanSteps::PlanId))
                    .col(integer(PlanSteps::Position))
                    .col(
                        text(PlanSteps::Kind).check(Expr::col(PlanSteps::Kind).is_in([
                            "course",
                            "milestone",
                            "opening",
                        ])),
                    )
                    .col(big_integer_null(PlanSteps::CourseId))
                    .col(big_integer_null(PlanSteps::OpeningId))
                    .col(text(PlanSteps::Title))
                    .col(text(PlanSteps::Status))
                    .col(date_null(PlanSteps::DueOn))
                    .col(timestamp_with_time_zone_null(PlanSteps::CompletedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_plan_steps_plan",
                        (PlanSteps::Table, PlanSteps::PlanId),
                        (Plans::Table, Plans::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_plan_steps_course",
                        (PlanSteps::Table, PlanSteps::CourseId),
                        (Courses::Table, Courses::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_plan_steps_opening",
                        (PlanSteps::Table, PlanSteps::OpeningId),
                        (Openings::Table, Openings::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_plan_steps_plan_id_position",
            PlanSteps::Table,
            [PlanSteps::PlanId, PlanSteps::Position],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanHistory::Table)
                    .col(big_pk_auto(PlanHistory::Id))
                    .col(big_integer(PlanHistory::PlanId))
                    .col(big_integer_null(PlanHistory::ActorId))
                    .col(json_binary(PlanHistory::Change))
                    .col(timestamp_with_time_zone(PlanHistory::At))
                    .foreign_key(&mut foreign_key(
                        "fk_plan_history_plan",
                        (PlanHistory::Table, PlanHistory::PlanId),
                        (Plans::Table, Plans::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_plan_history_actor",
                        (PlanHistory::Table, PlanHistory::ActorId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_plan_history_plan_id_at",
            PlanHistory::Table,
            [PlanHistory::PlanId, PlanHistory::At],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SavedSearches::Table)
                    .col(big_pk_auto(SavedSearches::Id))
                    .col(big_integer(SavedSearches::UserId))
                    .col(text(SavedSearches::Kind))
                    .col(text(SavedSearches::Query))
                    .col(json_binary(SavedSearches::Filters))
                    .col(timestamp_with_time_zone(SavedSearches::CreatedAt))
                    .col(timestamp_with_time_zone_null(SavedSearches::LastNotifiedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_saved_searches_user",
                        (SavedSearches::Table, SavedSearches::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_saved_searches_user_id",
            SavedSearches::Table,
            [SavedSearches::UserId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    .col(big_integer(Contacts::WorkerId))
                    .col(big_integer(Contacts::CaseworkerId))
                    .col(timestamp_with_time_zone(Contacts::At))
                    .col(text(Contacts::Channel))
                    .col(text(Contacts::Note))
                    .foreign_key(&mut foreign_key(
                        "fk_contacts_worker",
                        (Contacts::Table, Contacts::WorkerId),
                        (Workers::Table, Workers::Id),
                        Cascade,
                    ))
                    // Accounts are disabled rather than deleted; keep the contact history.
                    .foreign_key(&mut foreign_key(
                        "fk_contacts_caseworker",
                        (Contacts::Table, Contacts::CaseworkerId),
                        (Users::Table, Users::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_contacts_worker_id_at",
            Contacts::Table,
            [Contacts::WorkerId, Contacts::At],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Interests::Table)
                    .col(big_pk_auto(Interests::Id))
                    .col(big_integer(Interests::OpeningId))
                    .col(big_integer(Interests::WorkerId))
                    .col(big_integer(Interests::EmployerUserId))
                    .col(text(Interests::Status))
                    .col(text(Interests::Message))
                    .col(timestamp_with_time_zone(Interests::CreatedAt))
                    .col(timestamp_with_time_zone_null(Interests::AnsweredAt))
                    .foreign_key(&mut foreign_key(
                        "fk_interests_opening",
                        (Interests::Table, Interests::OpeningId),
                        (Openings::Table, Openings::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_interests_worker",
                        (Interests::Table, Interests::WorkerId),
                        (Workers::Table, Workers::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_interests_employer_user",
                        (Interests::Table, Interests::EmployerUserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_interests_opening_id_worker_id",
            Interests::Table,
            [Interests::OpeningId, Interests::WorkerId],
            true,
        )
        .await?;
        create_index(
            manager,
            "idx_interests_worker_id",
            Interests::Table,
            [Interests::WorkerId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                Interests::Table.into_iden(),
                Contacts::Table.into_iden(),
                SavedSearches::Table.into_iden(),
                PlanHistory::Table.into_iden(),
                PlanSteps::Table.into_iden(),
                Plans::Table.into_iden(),
                Consents::Table.into_iden(),
                WorkerSkills::Table.into_iden(),
                Workers::Table.into_iden(),
                OneTimeTokens::Table.into_iden(),
                RefreshTokens::Table.into_iden(),
                Users::Table.into_iden(),
            ],
        )
        .await
    }
}
