//! Plain data for the matching engine: risk scores of every source, the course catalogue as
//! planner inputs, live demand (open openings per occupation) and opening candidates.
//!
//! The engine in `reskill_core::matching` is pure; these functions are the only place its
//! inputs are read from the database. They do a handful of set-based queries each, never one
//! query per row.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use reskill_core::catalog::CourseMode;
use reskill_core::matching::{CourseInput, GeoPoint, OpeningInput, RiskInput};
use reskill_core::{CourseId, OccupationId, OpeningId, SkillId};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DerivePartialModel, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::changes::last_change_id;
use crate::entities::{
    course, course_skill, opening, opening_skill, organisation, risk_score, risk_source,
};

/// Largest IN list sent in one query (PostgreSQL allows 65,535 bind parameters).
const IN_LIST_CHUNK: usize = 5_000;

/// Every stored risk score, as the engine's [`RiskInput`]s, and the active source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskScores {
    /// One row per occupation and source (own and inherited scores), by source then occupation.
    pub scores: Vec<RiskInput>,
    /// `(source name, what it measures)` of every source, by name.
    pub descriptions: Vec<(String, String)>,
    /// The active source's name, when one is active.
    pub active_source: Option<String>,
}

/// Returns every risk score of every source, and which source is active.
pub async fn all_risk_scores(db: &impl ConnectionTrait) -> Result<RiskScores, StorageError> {
    let sources: Vec<(i64, String, i32, bool, String)> = risk_source::Entity::find()
        .select_only()
        .columns([
            risk_source::Column::Id,
            risk_source::Column::Name,
            risk_source::Column::Year,
            risk_source::Column::Active,
            risk_source::Column::Description,
        ])
        .order_by_asc(risk_source::Column::Name)
        .order_by_asc(risk_source::Column::Year)
        .into_tuple()
        .all(db)
        .await?;
    let by_id: HashMap<i64, (String, i32)> = sources
        .iter()
        .map(|(id, name, year, _, _)| (*id, (name.clone(), *year)))
        .collect();
    let active_source = sources
        .iter()
        .find(|(_, _, _, active, _)| *active)
        .map(|(_, name, _, _, _)| name.clone());
    let descriptions = sources
        .iter()
        .map(|(_, name, _, _, description)| (name.clone(), description.clone()))
        .collect();
    use risk_score::Column as SC;
    let rows: Vec<(i64, i64, f64, bool)> = risk_score::Entity::find()
        .select_only()
        .columns([SC::SourceId, SC::OccupationId, SC::Score, SC::Inherited])
        .order_by_asc(SC::SourceId)
        .order_by_asc(SC::OccupationId)
        .into_tuple()
        .all(db)
        .await?;
    let mut scores = RiskScores {
        active_source,
        descriptions,
        ..RiskScores::default()
    };
    scores.scores.reserve(rows.len());
    for (source_id, occupation_id, score, inherited) in rows {
        let Some((name, year)) = by_id.get(&source_id) else {
            continue;
        };
        scores.scores.push(RiskInput {
            occupation: OccupationId(occupation_id),
            source: name.clone(),
            year: *year,
            score,
            inherited,
        });
    }
    Ok(scores)
}

/// What a plan shows about a course beyond what the planner needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CourseLabel {
    /// Key.
    pub id: CourseId,
    /// Title.
    pub title: String,
    /// Who runs it.
    pub provider: String,
    /// ISO 4217 currency of the cost.
    pub currency: String,
    /// Place name, for in-person and hybrid courses.
    pub place_name: Option<String>,
    /// Next start date.
    pub next_start: Option<NaiveDate>,
    /// Funding notes.
    pub funding: String,
    /// Provider page.
    pub url: String,
}

/// Returns every course as a planner input with its display label, by id; a course teaches the
/// skills tagged with at least `min_confidence` (tags without one were set by a person or the
/// source). A stored mode the domain does not know is reported as corrupt.
pub async fn course_inputs(
    db: &impl ConnectionTrait,
    min_confidence: f64,
) -> Result<Vec<(CourseInput, CourseLabel)>, StorageError> {
    let models = course::Entity::find()
        .order_by_asc(course::Column::Id)
        .all(db)
        .await?;
    let tags: Vec<(i64, i64)> = course_skill::Entity::find()
        .select_only()
        .columns([
            course_skill::Column::CourseId,
            course_skill::Column::SkillId,
        ])
        .filter(
            Condition::any()
                .add(course_skill::Column::Confidence.is_null())
                .add(course_skill::Column::Confidence.gte(min_confidence)),
        )
        .order_by_asc(course_skill::Column::CourseId)
        .order_by_asc(course_skill::Column::SkillId)
        .into_tuple()
        .all(db)
        .await?;
    let mut skills: HashMap<i64, Vec<SkillId>> = HashMap::new();
    for (course_id, skill_id) in tags {
        skills.entry(course_id).or_default().push(SkillId(skill_id));
    }
    models
        .into_iter()
        .map(|m| {
            let mode = CourseMode::parse(&m.mode)
                .map_err(|e| StorageError::Corrupt(format!("course {}: {e}", m.id)))?;
            let input = CourseInput {
                id: CourseId(m.id),
                skills: skills.remove(&m.id).unwrap_or_default(),
                weeks: m.duration_weeks,
                cost: m.cost,
                mode,
                location: geo(m.lat, m.lon),
            };
            let label = CourseLabel {
                id: CourseId(m.id),
                title: m.title,
                provider: m.provider,
                currency: m.currency,
                place_name: m.place_name,
                next_start: m.next_start,
                funding: m.funding,
                url: m.url,
            };
            Ok((input, label))
        })
        .collect()
}

/// A live opening as demand: its occupation, where it is and whether it is remote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandPoint {
    /// The opening's occupation.
    pub occupation: OccupationId,
    /// Coordinates, when known.
    pub location: Option<GeoPoint>,
    /// Remote openings count as demand everywhere.
    pub remote: bool,
}

/// Opening id, occupation id, latitude, longitude, remote.
type PointRow = (i64, i64, Option<f64>, Option<f64>, bool);

/// Returns every live opening (status `open`, not expired on `today`) with an occupation, as
/// demand points: four columns per opening, read once when the engine is built.
pub async fn live_demand_points(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<DemandPoint>, StorageError> {
    use opening::Column as O;
    // Pages by key, so a million openings never sit in memory as driver rows at once.
    const PAGE: u64 = 50_000;
    let mut points = Vec::new();
    let mut after = i64::MIN;
    loop {
        let rows: Vec<PointRow> = opening::Entity::find()
            .select_only()
            .columns([O::Id, O::OccupationId, O::Lat, O::Lon, O::Remote])
            .filter(live_condition(today).add(O::OccupationId.is_not_null()))
            .filter(O::Id.gt(after))
            .order_by_asc(O::Id)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let full = rows.len() as u64 == PAGE;
        points.extend(
            rows.into_iter()
                .map(|(_, occupation, lat, lon, remote)| DemandPoint {
                    occupation: OccupationId(occupation),
                    location: geo(lat, lon),
                    remote,
                }),
        );
        if !full {
            break;
        }
    }
    Ok(points)
}

/// An opening candidate: what the ranker needs plus what a person needs to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningCandidate {
    /// The ranker's input.
    pub input: OpeningInput,
    /// Job title.
    pub title: String,
    /// Employer name, empty when unknown.
    pub organisation: String,
    /// Place name.
    pub place_name: Option<String>,
    /// Region or county.
    pub region: Option<String>,
    /// Yearly salary range.
    pub salary_min: Option<f64>,
    /// Yearly salary range.
    pub salary_max: Option<f64>,
    /// Salary currency.
    pub currency: String,
    /// Date posted.
    pub posted_on: NaiveDate,
    /// Original posting.
    pub url: String,
}

/// Returns the live openings (status `open`, not expired on `today`) of the given occupations,
/// newest first then by id, at most `limit`, with their required skills.
pub async fn opening_candidates(
    db: &impl ConnectionTrait,
    occupations: &[OccupationId],
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<OpeningCandidate>, StorageError> {
    if occupations.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    use opening::Column as O;
    let models = opening::Entity::find()
        .filter(live_condition(today))
        .filter(O::OccupationId.is_in(occupations.iter().map(|o| o.0)))
        .order_by_desc(O::PostedOn)
        .order_by_asc(O::Id)
        .limit(limit)
        .into_partial_model::<CandidateRow>()
        .all(db)
        .await?;
    with_skills_and_organisations(db, models, today).await
}

/// Returns the openings with the given ids that are still live on `today` (status `open`, not
/// expired), in the order of `ids`, with their required skills. The search index proposes the
/// ids; the store, the source of truth, has the last word on what is live.
pub async fn opening_candidates_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<OpeningCandidate>, StorageError> {
    let mut models = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        models.extend(
            opening::Entity::find()
                .filter(live_condition(today))
                .filter(opening::Column::Id.is_in(chunk.iter().copied()))
                .into_partial_model::<CandidateRow>()
                .all(db)
                .await?,
        );
    }
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    models.sort_by_key(|m| position.get(&m.id).copied().unwrap_or(usize::MAX));
    with_skills_and_organisations(db, models, today).await
}

/// The columns of an opening a candidate needs: not the description, which is most of a row.
#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "opening::Entity")]
struct CandidateRow {
    id: i64,
    organisation_id: Option<i64>,
    title: String,
    occupation_id: Option<i64>,
    place_name: Option<String>,
    region: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    remote: bool,
    salary_min: Option<f64>,
    salary_max: Option<f64>,
    currency: String,
    posted_on: NaiveDate,
    url: String,
}

async fn with_skills_and_organisations(
    db: &impl ConnectionTrait,
    models: Vec<CandidateRow>,
    today: NaiveDate,
) -> Result<Vec<OpeningCandidate>, StorageError> {
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let mut skills: HashMap<i64, Vec<(SkillId, bool)>> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let tags: Vec<(i64, i64, bool)> = opening_skill::Entity::find()
            .select_only()
            .columns([
                opening_skill::Column::OpeningId,
                opening_skill::Column::SkillId,
                opening_skill::Column::Essential,
            ])
            .filter(opening_skill::Column::OpeningId.is_in(chunk.iter().copied()))
            .order_by_asc(opening_skill::Column::SkillId)
            .into_tuple()
            .all(db)
            .await?;
        for (opening_id, skill_id, essential) in tags {
            skills
                .entry(opening_id)
                .or_default()
                .push((SkillId(skill_id), essential));
        }
    }
    let organisation_ids: HashSet<i64> = models.iter().filter_map(|m| m.organisation_id).collect();
    let organisation_ids: Vec<i64> = organisation_ids.into_iter().collect();
    let mut organisations: HashMap<i64, String> = HashMap::new();
    for chunk in organisation_ids.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = organisation::Entity::find()
            .select_only()
            .columns([organisation::Column::Id, organisation::Column::Name])
            .filter(organisation::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        organisations.extend(found);
    }
    Ok(models
        .into_iter()
        .map(|m| OpeningCandidate {
            input: OpeningInput {
                id: OpeningId(m.id),
                occupation: m.occupation_id.map(OccupationId),
                skills: skills.remove(&m.id).unwrap_or_default(),
                location: geo(m.lat, m.lon),
                remote: m.remote,
                posted_days_ago: u32::try_from((today - m.posted_on).num_days().max(0))
                    .unwrap_or(u32::MAX),
            },
            title: m.title,
            organisation: m
                .organisation_id
                .and_then(|id| organisations.get(&id).cloned())
                .unwrap_or_default(),
            place_name: m.place_name,
            region: m.region,
            salary_min: m.salary_min,
            salary_max: m.salary_max,
            currency: m.currency,
            posted_on: m.posted_on,
            url: m.url,
        })
        .collect())
}

/// A cheap fingerprint of everything the engine is built from; when it changes, the in-memory
/// engine is stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineDataVersion {
    /// Last id of the change log (taxonomy, course and opening writes append to it).
    pub last_change: Option<i64>,
    /// Number of stored risk scores.
    pub risk_scores: u64,
    /// `(name, year, active, imported_at)` of every risk source.
    pub risk_sources: Vec<(String, i32, bool, String)>,
    /// Number of occupations with labour attributes of their own.
    pub occupation_attributes: u64,
    /// Number of occupations with an O*NET-SOC code of their own.
    pub occupation_onet_codes: u64,
    /// Number of programme types, of their SOC links, and when they were imported (a re-import
    /// of the same counts still changes the time).
    pub programme_types: (u64, u64, Option<String>),
}

/// Returns the current [`EngineDataVersion`].
pub async fn engine_data_version(
    db: &impl ConnectionTrait,
) -> Result<EngineDataVersion, StorageError> {
    let sources = risk_source::Entity::find()
        .order_by_asc(risk_source::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.year, s.active, s.imported_at.to_rfc3339()))
        .collect();
    Ok(EngineDataVersion {
        last_change: last_change_id(db).await?,
        risk_scores: risk_score::Entity::find().count(db).await?,
        risk_sources: sources,
        occupation_attributes: crate::entities::occupation_attribute::Entity::find()
            .count(db)
            .await?,
        occupation_onet_codes: crate::entities::occupation_onet_code::Entity::find()
            .count(db)
            .await?,
        programme_types: crate::programmes::version(db).await?,
    })
}

/// Returns the condition of an opening being live on `today`.
fn live_condition(today: NaiveDate) -> Condition {
    use opening::Column as O;
    Condition::all().add(O::Status.eq("open")).add(
        Condition::any()
            .add(O::ExpiresOn.is_null())
            .add(O::ExpiresOn.gte(today)),
    )
}

/// Returns a point when both coordinates are known and finite.
fn geo(lat: Option<f64>, lon: Option<f64>) -> Option<GeoPoint> {
    match (lat, lon) {
        (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Some(GeoPoint { lat, lon }),
        _ => None,
    }
}
