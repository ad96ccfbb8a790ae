//! Reads the weekly digests and caseload summaries need: openings new since a time for some
//! occupations, a course's headline facts, and when the active risk data was imported.

use chrono::{DateTime, Utc};
use reskill_core::{CourseId, OccupationId, OpeningId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::{course, opening, organisation, risk_source};

/// An opening as a digest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestOpening {
    /// Key.
    pub id: OpeningId,
    /// Title.
    pub title: String,
    /// Employer name, when known.
    pub organisation: Option<String>,
    /// Place name.
    pub place: Option<String>,
    /// The posting's own address, when it has one.
    pub url: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// Returns up to `limit` open openings for `occupations` stored after `since`, newest first.
pub async fn openings_since(
    db: &impl ConnectionTrait,
    occupations: &[OccupationId],
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DigestOpening>, StorageError> {
    if occupations.is_empty() {
        return Ok(Vec::new());
    }
    let models = opening::Entity::find()
        .filter(opening::Column::OccupationId.is_in(occupations.iter().map(|o| o.0)))
        .filter(opening::Column::Status.eq("open"))
        .filter(opening::Column::CreatedAt.gt(since))
        .order_by_desc(opening::Column::CreatedAt)
        .order_by_desc(opening::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut openings = Vec::with_capacity(models.len());
    for m in models {
        let organisation = match m.organisation_id {
            Some(id) => organisation::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|o| o.name),
            None => None,
        };
        openings.push(DigestOpening {
            id: OpeningId(m.id),
            title: m.title,
            organisation,
            place: m.place_name,
            url: m.url,
            created_at: m.created_at,
        });
    }
    Ok(openings)
}

/// A course as a digest names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestCourse {
    /// Title.
    pub title: String,
    /// Provider.
    pub provider: String,
    /// Length in weeks.
    pub weeks: f64,
    /// The provider's page.
    pub url: String,
}

/// Returns the headline facts of course `id`, if it exists.
pub async fn course(
    db: &impl ConnectionTrait,
    id: CourseId,
) -> Result<Option<DigestCourse>, StorageError> {
    Ok(course::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(|m| DigestCourse {
            title: m.title,
            provider: m.provider,
            weeks: m.duration_weeks,
            url: m.url,
        }))
}

/// The active risk source: name, year and import time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveRiskSource {
    /// Name.
    pub name: String,
    /// Publication year.
    pub year: i32,
    /// When it was imported (or last re-imported).
    pub imported_at: DateTime<Utc>,
}

/// Returns the active risk source, if any.
pub async fn active_risk_source(
    db: &impl ConnectionTrait,
) -> Result<Option<ActiveRiskSource>, StorageError> {
    Ok(risk_source::Entity::find()
        .filter(risk_source::Column::Active.eq(true))
        .one(db)
        .await?
        .map(|m| ActiveRiskSource {
            name: m.name,
            year: m.year,
            imported_at: m.imported_at,
        }))
}
