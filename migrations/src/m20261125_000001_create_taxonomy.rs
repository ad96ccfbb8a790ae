//! Creates the taxonomy tables: ISCO groups, occupations, skills, their requirements, skill
//! groups and the skill hierarchy.

use sea_orm_migration::{prelude::*, schema::*};

use crate::drop_tables;

/// Creates `isco_groups`, `occupations`, `skills`, `occupation_skills`, `skill_groups` and
/// `skill_broader`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IscoGroups {
    Table,
    Id,
    Uri,
    Code,
    PreferredLabel,
    Description,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Occupations {
    Table,
    Id,
    Uri,
    Code,
    IscoGroup,
    PreferredLabel,
    AltLabels,
    HiddenLabels,
    Description,
    ParentId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Skills {
    Table,
    Id,
    Uri,
    SkillType,
    ReuseLevel,
    PreferredLabel,
    AltLabels,
    HiddenLabels,
    Description,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OccupationSkills {
    Table,
    OccupationId,
    SkillId,
    Relation,
}

#[derive(DeriveIden)]
enum SkillGroups {
    Table,
    Id,
    Uri,
    Code,
    PreferredLabel,
    Description,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SkillBroader {
    Table,
    Id,
    ChildUri,
    ParentUri,
    ChildSkillId,
    ChildGroupId,
    ParentSkillId,
    ParentGroupId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IscoGroups::Table)
                    .col(big_pk_auto(IscoGroups::Id))
                    .col(text_uniq(IscoGroups::Uri))
                    .col(text_uniq(IscoGroups::Code))
                    .col(text(IscoGroups::PreferredLabel))
                    .col(text(IscoGroups::Description))
                    .col(timestamp_with_time_zone(IscoGroups::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Occupations::Table)
                    .col(big_pk_auto(Occupations::Id))
                    .col(text_uniq(Occupations::Uri))
                    .col(text(Occupations::Code))
                    .col(text(Occupations::IscoGroup))
                    .col(text(Occupations::PreferredLabel))
                    // Newline-separated, as ESCO ships them.
                    .col(text(Occupations::AltLabels))
                    .col(text(Occupations::HiddenLabels))
                    .col(text(Occupations::Description))
                    .col(big_integer_null(Occupations::ParentId))
                    .col(timestamp_with_time_zone(Occupations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_occupations_parent")
                            .from(Occupations::Table, Occupations::ParentId)
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_occupations_isco_group")
                    .table(Occupations::Table)
                    .col(Occupations::IscoGroup)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_occupations_parent_id")
                    .table(Occupations::Table)
                    .col(Occupations::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Skills::Table)
                    .col(big_pk_auto(Skills::Id))
                    .col(text_uniq(Skills::Uri))
                    .col(text_null(Skills::SkillType))
                    .col(text_null(Skills::ReuseLevel))
                    .col(text(Skills::PreferredLabel))
                    .col(text(Skills::AltLabels))
                    .col(text(Skills::HiddenLabels))
                    .col(text(Skills::Description))
                    .col(timestamp_with_time_zone(Skills::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OccupationSkills::Table)
                    .col(big_integer(OccupationSkills::OccupationId))
                    .col(big_integer(OccupationSkills::SkillId))
                    .col(text(OccupationSkills::Relation).check(
                        Expr::col(OccupationSkills::Relation).is_in(["essential", "optional"]),
                    ))
                    .primary_key(
                        Index::create()
                            .col(OccupationSkills::OccupationId)
                            .col(OccupationSkills::SkillId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_occupation_skills_occupation")
                            .from(OccupationSkills::Table, OccupationSkills::OccupationId)
                            .to(Occupations::Table, Occupations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_occupation_skills_skill")
                            .from(OccupationSkills::Table, OccupationSkills::SkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_occupation_skills_skill_id")
                    .table(OccupationSkills::Table)
                    .col(OccupationSkills::SkillId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SkillGroups::Table)
                    .col(big_pk_auto(SkillGroups::Id))
                    .col(text_uniq(SkillGroups::Uri))
                    .col(text(SkillGroups::Code))
                    .col(text(SkillGroups::PreferredLabel))
                    .col(text(SkillGroups::Description))
                    .col(timestamp_with_time_zone(SkillGroups::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // A child → parent edge of the skill pillar. Either end is a skill or a skill group, so
        // each end has one nullable key per kind (exactly one set, checked below); the URIs make
        // the edge's natural key for idempotent upserts.
        manager
            .create_table(
                Table::create()
                    .table(SkillBroader::Table)
                    .col(big_pk_auto(SkillBroader::Id))
                    .col(text(SkillBroader::ChildUri))
                    .col(text(SkillBroader::ParentUri))
                    .col(big_integer_null(SkillBroader::ChildSkillId))
                    .col(big_integer_null(SkillBroader::ChildGroupId))
                    .col(big_integer_null(SkillBroader::ParentSkillId))
                    .col(big_integer_null(SkillBroader::ParentGroupId))
                    .check(exactly_one(
                        SkillBroader::ChildSkillId,
                        SkillBroader::ChildGroupId,
                    ))
                    .check(exactly_one(
                        SkillBroader::ParentSkillId,
                        SkillBroader::ParentGroupId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skill_broader_child_skill")
                            .from(SkillBroader::Table, SkillBroader::ChildSkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skill_broader_child_group")
                            .from(SkillBroader::Table, SkillBroader::ChildGroupId)
                            .to(SkillGroups::Table, SkillGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skill_broader_parent_skill")
                            .from(SkillBroader::Table, SkillBroader::ParentSkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skill_broader_parent_group")
                            .from(SkillBroader::Table, SkillBroader::ParentGroupId)
                            .to(SkillGroups::Table, SkillGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_skill_broader_child_parent")
                    .table(SkillBroader::Table)
                    .col(SkillBroader::ChildUri)
                    .col(SkillBroader::ParentUri)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_skill_broader_child_skill_id",
                SkillBroader::ChildSkillId,
            ),
            (
                "idx_skill_broader_parent_skill_id",
                SkillBroader::ParentSkillId,
            ),
            (
                "idx_skill_broader_child_group_id",
                SkillBroader::ChildGroupId,
            ),
            (
                "idx_skill_broader_parent_group_id",
                SkillBroader::ParentGroupId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SkillBroader::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dependents first; dropping a table drops its indexes.
        drop_tables(
            manager,
            [
                SkillBroader::Table.into_iden(),
                SkillGroups::Table.into_iden(),
                OccupationSkills::Table.into_iden(),
                Skills::Table.into_iden(),
                Occupations::Table.into_iden(),
                IscoGroups::Table.into_iden(),
            ],
        )
        .await
    }
}

/// Returns a check that exactly one of two nullable columns is set.
fn exactly_one(first: SkillBroader, second: SkillBroader) -> Expr {
    let (first, second) = (first.into_iden(), second.into_iden());
    Expr::col(first.clone())
        .is_null()
        .and(Expr::col(second.clone()).is_not_null())
        .or(Expr::col(first)
            .is_not_null()
            .and(Expr::col(second).is_null()))
}
