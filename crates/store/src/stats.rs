//! Row counts for the admin dashboard and the command line.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::{
    course, isco_group, occupation, occupation_skill, opening, risk_score, risk_source, skill,
    skill_group, user, worker,
};

/// How many rows the main tables hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Occupations.
    pub occupations: u64,
    /// Skills.
    pub skills: u64,
    /// Occupation–skill relations.
    pub relations: u64,
    /// ISCO groups.
    pub isco_groups: u64,
    /// Skill groups.
    pub skill_groups: u64,
    /// Risk scores, over all sources.
    pub risk_scores: u64,
    /// Risk sources.
    pub risk_sources: u64,
    /// Courses.
    pub courses: u64,
    /// Openings.
    pub openings: u64,
    /// Courses with an occupation and at least 3 skills.
    pub courses_tagged: u64,
    /// Openings with an occupation and at least 3 skills.
    pub openings_tagged: u64,
    /// User accounts.
    pub users: u64,
    /// Worker profiles.
    pub workers: u64,
}

/// Returns the row counts of the main tables.
pub async fn stats(db: &impl ConnectionTrait) -> Result<Stats, StorageError> {
    let coverage = crate::tagging::tag_coverage(db).await?;
    Ok(Stats {
        courses_tagged: coverage.courses_tagged,
        openings_tagged: coverage.openings_tagged,
        occupations: occupation::Entity::find().count(db).await?,
        skills: skill::Entity::find().count(db).await?,
        relations: occupation_skill::Entity::find().count(db).await?,
        isco_groups: isco_group::Entity::find().count(db).await?,
        skill_groups: skill_group::Entity::find().count(db).await?,
        risk_scores: risk_score::Entity::find().count(db).await?,
        risk_sources: risk_source::Entity::find().count(db).await?,
        courses: course::Entity::find().count(db).await?,
        openings: opening::Entity::find().count(db).await?,
        users: user::Entity::find().count(db).await?,
        workers: worker::Entity::find().count(db).await?,
    })
}

/// Returns whether the database holds no taxonomy yet (a fresh install).
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, StorageError> {
    Ok(occupation::Entity::find().count(db).await? == 0)
}
