//! Search documents as the database holds them: the rows the search indexes are built from, the
//! counts they are checked against, and the change log they replay.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::matching::combined_exposure;
use reskill_core::risk::RiskBand;
use reskill_core::taxonomy::split_labels;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
pub use crate::changes::{Change, ChangeKind, ChangeOp, last_change_id};
use crate::entities::{
    course, course_skill, occupation, opening, opening_skill, organisation, skill,
};

/// How many ids one `IN (…)` list carries.
const IN_LIST_CHUNK: usize = 5_000;

/// An occupation as the search index needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationRow {
    /// Key.
    pub id: i64,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub preferred_label: String,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
    /// Hidden labels.
    pub hidden_labels: Vec<String>,
    /// Description.
    pub description: String,
    /// ISCO unit group.
    pub isco_group: String,
    /// The broader occupation, for a narrower one.
    pub parent_id: Option<i64>,
    /// Risk band (`low`, `medium`, `high`) from the active source, where scored.
    pub risk_band: Option<String>,
}

/// A skill as the search index needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillRow {
    /// Key.
    pub id: i64,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub preferred_label: String,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
    /// Hidden labels.
    pub hidden_labels: Vec<String>,
    /// Description.
    pub description: String,
    /// ESCO skill type, where known.
    pub skill_type: Option<String>,
    /// ESCO reuse level, where known.
    pub reuse_level: Option<String>,
}

/// A course as the search index needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseRow {
    /// Key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Provider.
    pub provider: String,
    /// Description.
    pub description: String,
    /// Labels of the skills taught.
    pub skill_labels: Vec<String>,
    /// Keys of the skills taught.
    pub skill_ids: Vec<i64>,
    /// Delivery mode.
    pub mode: String,
    /// Place name.
    pub place_name: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Cost.
    pub cost: f64,
    /// Length in weeks.
    pub duration_weeks: f64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An opening as the search index needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningRow {
    /// Key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Employer name, empty when unknown.
    pub organisation: String,
    /// Description.
    pub description: String,
    /// Occupation key.
    pub occupation_id: Option<i64>,
    /// Occupation label.
    pub occupation_label: Option<String>,
    /// Keys of the required skills.
    pub skill_ids: Vec<i64>,
    /// Region.
    pub region: Option<String>,
    /// Place name.
    pub place_name: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Remote possible.
    pub remote: bool,
    /// Salary lower bound.
    pub salary_min: Option<f64>,
    /// Salary upper bound.
    pub salary_max: Option<f64>,
    /// `draft`, `open` or `closed`.
    pub status: String,
    /// Date posted.
    pub posted_on: NaiveDate,
}

/// How many documents each index should hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCounts {
    /// Occupations.
    pub occupations: u64,
    /// Skills.
    pub skills: u64,
    /// Courses.
    pub courses: u64,
    /// Openings with status `open` (drafts and closed ones are not searchable).
    pub searchable_openings: u64,
}

/// Returns how many documents each index should hold.
pub async fn document_counts(db: &impl ConnectionTrait) -> Result<DocumentCounts, StorageError> {
    Ok(DocumentCounts {
        occupations: occupation::Entity::find().count(db).await?,
        skills: skill::Entity::find().count(db).await?,
        courses: course::Entity::find().count(db).await?,
        searchable_openings: opening::Entity::find()
            .filter(opening::Column::Status.eq("open"))
            .count(db)
            .await?,
    })
}

/// Returns the changes to index `kind` (`occupations`, `skills`, `courses`, `openings`) with ids
/// above `after`, oldest first.
pub async fn changes_after(
    db: &impl ConnectionTrait,
    kind: &str,
    after: i64,
) -> Result<Vec<Change>, StorageError> {
    use crate::entities::change::Column as C;
    let models = crate::entities::change::Entity::find()
        .filter(C::Kind.eq(kind))
        .filter(C::Id.gt(after))
        .order_by_asc(C::Id)
        .all(db)
        .await?;
    Ok(models
        .into_iter()
        .filter_map(|model| {
            Some(Change {
                id: model.id,
                kind: ChangeKind::parse(&model.kind)?,
                entity_id: model.entity_id,
                op: ChangeOp::parse(&model.op)?,
                at: model.at,
            })
        })
        .collect())
}

/// Runs `load` on `ids` in chunks (or once on everything when `ids` is `None`).
async fn chunked<T, F, Fut>(ids: Option<&[i64]>, load: F) -> Result<Vec<T>, StorageError>
where
    F: Fn(Option<Vec<i64>>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, StorageError>>,
{
    match ids {
        None => load(None).await,
        Some(ids) => {
            let mut all = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(IN_LIST_CHUNK) {
                all.extend(load(Some(chunk.to_vec())).await?);
            }
            Ok(all)
        }
    }
}

/// Returns occupations (all, or those of `ids`) with their band on the combined risk measure.
pub async fn occupations(
    db: &impl ConnectionTrait,
    ids: Option<&[i64]>,
) -> Result<Vec<OccupationRow>, StorageError> {
    let bands = combined_risk_bands(db).await?;
    let models = chunked(ids, |chunk| async move {
        let mut query = occupation::Entity::find().order_by_asc(occupation::Column::Id);
        if let Some(chunk) = chunk {
            query = query.filter(occupation::Column::Id.is_in(chunk));
        }
        Ok(query.all(db).await?)
    })
    .await?;
    Ok(models
        .into_iter()
        .map(|m| OccupationRow {
            risk_band: bands.get(&m.id).map(|band| band.as_str().to_owned()),
            id: m.id,
            uri: m.uri,
            preferred_label: m.preferred_label,
            alt_labels: split_labels(&m.alt_labels),
            hidden_labels: split_labels(&m.hidden_labels),
            description: m.description,
            isco_group: m.isco_group,
            parent_id: m.parent_id,
        })
        .collect())
}

/// Returns each occupation's band on the combined measure, computed by the engine's own code
/// ([`combined_exposure`]) over every stored score.
async fn combined_risk_bands(
    db: &impl ConnectionTrait,
) -> Result<HashMap<i64, RiskBand>, StorageError> {
    let scores = crate::matching::all_risk_scores(db).await?;
    Ok(combined_exposure(&scores.scores)
        .into_iter()
        .map(|(id, combined)| (id.0, combined.band))
        .collect())
}

/// Returns skills (all, or those of `ids`).
pub async fn skills(
    db: &impl ConnectionTrait,
    ids: Option<&[i64]>,
) -> Result<Vec<SkillRow>, StorageError> {
    let models = chunked(ids, |chunk| async move {
        let mut query = skill::Entity::find().order_by_asc(skill::Column::Id);
        if let Some(chunk) = chunk {
            query = query.filter(skill::Column::Id.is_in(chunk));
        }
        Ok(query.all(db).await?)
    })
    .await?;
    Ok(models
        .into_iter()
        .map(|m| SkillRow {
            id: m.id,
            uri: m.uri,
            preferred_label: m.preferred_label,
            alt_labels: split_labels(&m.alt_labels),
            hidden_labels: split_labels(&m.hidden_labels),
            description: m.description,
            skill_type: m.skill_type,
            reuse_level: m.reuse_level,
        })
        .collect())
}

/// Returns courses (all, or those of `ids`) with the skills they teach.
pub async fn courses(
    db: &impl ConnectionTrait,
    ids: Option<&[i64]>,
) -> Result<Vec<CourseRow>, StorageError> {
    let rows = chunked(ids, |chunk| async move {
        let mut query = course::Entity::find().order_by_asc(course::Column::Id);
        let mut tags = course_skill::Entity::find()
            .select_only()
            .column(course_skill::Column::CourseId)
            .column(skill::Column::Id)
            .column(skill::Column::PreferredLabel)
            .inner_join(skill::Entity)
            .order_by_asc(skill::Column::PreferredLabel);
        if let Some(chunk) = chunk {
            query = query.filter(course::Column::Id.is_in(chunk.clone()));
            tags = tags.filter(course_skill::Column::CourseId.is_in(chunk));
        }
        let models = query.all(db).await?;
        let tags: Vec<(i64, i64, String)> = tags.into_tuple().all(db).await?;
        let mut by_course: HashMap<i64, (Vec<i64>, Vec<String>)> = HashMap::new();
        for (course_id, skill_id, label) in tags {
            let entry = by_course.entry(course_id).or_default();
            entry.0.push(skill_id);
            entry.1.push(label);
        }
        Ok(models
            .into_iter()
            .map(|m| {
                let (skill_ids, skill_labels) = by_course.remove(&m.id).unwrap_or_default();
                CourseRow {
                    id: m.id,
                    title: m.title,
                    provider: m.provider,
                    description: m.description,
                    skill_labels,
                    skill_ids,
                    mode: m.mode,
                    place_name: m.place_name,
                    lat: m.lat,
                    lon: m.lon,
                    cost: m.cost,
                    duration_weeks: m.duration_weeks,
                    updated_at: m.updated_at,
                }
            })
            .collect())
    })
    .await?;
    Ok(rows)
}

/// Returns openings (all, or those of `ids`, whatever their status) with organisation,
/// occupation label and required skills.
pub async fn openings(
    db: &impl ConnectionTrait,
    ids: Option<&[i64]>,
) -> Result<Vec<OpeningRow>, StorageError> {
    let organisations: HashMap<i64, String> = organisation::Entity::find()
        .select_only()
        .columns([organisation::Column::Id, organisation::Column::Name])
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let rows = chunked(ids, |chunk| {
        let organisations = &organisations;
        async move {
            let mut query = opening::Entity::find().order_by_asc(opening::Column::Id);
            let mut tags = opening_skill::Entity::find()
                .select_only()
                .columns([
                    opening_skill::Column::OpeningId,
                    opening_skill::Column::SkillId,
                ])
                .order_by_asc(opening_skill::Column::SkillId);
            if let Some(chunk) = chunk {
                query = query.filter(opening::Column::Id.is_in(chunk.clone()));
                tags = tags.filter(opening_skill::Column::OpeningId.is_in(chunk));
            }
            let models = query.all(db).await?;
            let tags: Vec<(i64, i64)> = tags.into_tuple().all(db).await?;
            let mut by_opening: HashMap<i64, Vec<i64>> = HashMap::new();
            for (opening_id, skill_id) in tags {
                by_opening.entry(opening_id).or_default().push(skill_id);
            }
            let occupation_ids: Vec<i64> = models.iter().filter_map(|m| m.occupation_id).collect();
            let mut labels: HashMap<i64, String> = HashMap::new();
            for chunk in occupation_ids.chunks(IN_LIST_CHUNK) {
                let found: Vec<(i64, String)> = occupation::Entity::find()
                    .select_only()
                    .columns([occupation::Column::Id, occupation::Column::PreferredLabel])
                    .filter(occupation::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(db)
                    .await?;
                labels.extend(found);
            }
            Ok(models
                .into_iter()
                .map(|m| OpeningRow {
                    organisation: m
                        .organisation_id
                        .and_then(|id| organisations.get(&id).cloned())
                        .unwrap_or_default(),
                    occupation_label: m.occupation_id.and_then(|id| labels.get(&id).cloned()),
                    skill_ids: by_opening.remove(&m.id).unwrap_or_default(),
                    id: m.id,
                    title: m.title,
                    description: m.description,
                    occupation_id: m.occupation_id,
                    region: m.region,
                    place_name: m.place_name,
                    lat: m.lat,
                    lon: m.lon,
                    remote: m.remote,
                    salary_min: m.salary_min,
                    salary_max: m.salary_max,
                    status: m.status,
                    posted_on: m.posted_on,
                })
                .collect())
        }
    })
    .await?;
    Ok(rows)
}
