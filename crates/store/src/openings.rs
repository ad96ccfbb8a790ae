//! Openings that employers manage through the API (source `employer`): create, edit, close,
//! list an organisation's, with required skills by key. Every write appends to the change log,
//! so the search index picks it up.

use chrono::{NaiveDate, Utc};
use reskill_core::catalog::OpeningStatus;
use reskill_core::{OccupationId, OpeningId, OrganisationId, SkillId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::changes::{ChangeKind, ChangeOp, record_changes};
use crate::entities::{opening, opening_skill};

/// The `source` of openings created through the API.
pub const EMPLOYER_SOURCE: &str = "employer";

/// An opening as its managers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedOpening {
    /// Key.
    pub id: OpeningId,
    /// Organisation.
    pub organisation_id: Option<OrganisationId>,
    /// Title.
    pub title: String,
    /// Occupation.
    pub occupation_id: Option<OccupationId>,
    /// Description.
    pub description: String,
    /// Place name.
    pub place_name: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Remote allowed.
    pub remote: bool,
    /// Salary range.
    pub salary_min: Option<f64>,
    /// Salary range.
    pub salary_max: Option<f64>,
    /// Currency.
    pub currency: String,
    /// Status.
    pub status: OpeningStatus,
    /// Posted.
    pub posted_on: NaiveDate,
    /// Closing date.
    pub expires_on: Option<NaiveDate>,
    /// Required skills: `(skill, essential)`.
    pub skills: Vec<(SkillId, bool)>,
}

/// An opening to create or the new state of one being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningDraft {
    /// Title.
    pub title: String,
    /// Occupation.
    pub occupation_id: Option<OccupationId>,
    /// Description.
    pub description: String,
    /// Place name.
    pub place_name: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Coordinates.
    pub coordinates: Option<(f64, f64)>,
    /// Remote allowed.
    pub remote: bool,
    /// Salary range.
    pub salary_min: Option<f64>,
    /// Salary range.
    pub salary_max: Option<f64>,
    /// Currency.
    pub currency: String,
    /// Status.
    pub status: OpeningStatus,
    /// Closing date.
    pub expires_on: Option<NaiveDate>,
    /// Required skills: `(skill, essential)`.
    pub skills: Vec<(SkillId, bool)>,
}

async fn skills_of(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<(SkillId, bool)>, StorageError> {
    let rows: Vec<(i64, bool)> = opening_skill::Entity::find()
        .select_only()
        .columns([
            opening_skill::Column::SkillId,
            opening_skill::Column::Essential,
        ])
        .filter(opening_skill::Column::OpeningId.eq(id))
        .order_by_asc(opening_skill::Column::SkillId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(s, e)| (SkillId(s), e)).collect())
}

fn to_managed(m: opening::Model, skills: Vec<(SkillId, bool)>) -> ManagedOpening {
    ManagedOpening {
        id: OpeningId(m.id),
        organisation_id: m.organisation_id.map(OrganisationId),
        title: m.title,
        occupation_id: m.occupation_id.map(OccupationId),
        description: m.description,
        place_name: m.place_name,
        region: m.region,
        country: m.country,
        lat: m.lat,
        lon: m.lon,
        remote: m.remote,
        salary_min: m.salary_min,
        salary_max: m.salary_max,
        currency: m.currency,
        status: OpeningStatus::parse(&m.status).unwrap_or(OpeningStatus::Closed),
        posted_on: m.posted_on,
        expires_on: m.expires_on,
        skills,
    }
}

/// Returns opening `id` with its skills, if it exists.
pub async fn managed_opening(
    db: &impl ConnectionTrait,
    id: OpeningId,
) -> Result<Option<ManagedOpening>, StorageError> {
    let Some(m) = opening::Entity::find_by_id(id.0).one(db).await? else {
        return Ok(None);
    };
    let skills = skills_of(db, m.id).await?;
    Ok(Some(to_managed(m, skills)))
}

async fn write_skills(
    db: &impl ConnectionTrait,
    id: i64,
    skills: &[(SkillId, bool)],
) -> Result<(), StorageError> {
    opening_skill::Entity::delete_many()
        .filter(opening_skill::Column::OpeningId.eq(id))
        .exec(db)
        .await?;
    for (skill, essential) in skills {
        opening_skill::ActiveModel {
            opening_id: Set(id),
            skill_id: Set(skill.0),
            essential: Set(*essential),
            origin: Set("manual".to_owned()),
            confidence: Set(Some(1.0)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Creates an opening of `organisation`; call inside a transaction.
pub async fn create_opening(
    db: &impl ConnectionTrait,
    organisation: OrganisationId,
    draft: OpeningDraft,
) -> Result<ManagedOpening, StorageError> {
    let now = Utc::now();
    let source_id = format!(
        "{}-{}",
        organisation.0,
        now.timestamp_nanos_opt().unwrap_or(0)
    );
    let m = opening::ActiveModel {
        source: Set(EMPLOYER_SOURCE.to_owned()),
        source_id: Set(source_id),
        organisation_id: Set(Some(organisation.0)),
        title: Set(draft.title),
        occupation_id: Set(draft.occupation_id.map(|o| o.0)),
        // An employer's tags are a person's: re-tagging keeps them.
        occupation_origin: Set(draft.occupation_id.map(|_| "manual".to_owned())),
        occupation_confidence: Set(draft.occupation_id.map(|_| 1.0)),
        description: Set(draft.description),
        place_name: Set(draft.place_name),
        region: Set(draft.region),
        country: Set(draft.country),
        lat: Set(draft.coordinates.map(|c| c.0)),
        lon: Set(draft.coordinates.map(|c| c.1)),
        remote: Set(draft.remote),
        salary_min: Set(draft.salary_min),
        salary_max: Set(draft.salary_max),
        currency: Set(draft.currency),
        status: Set(draft.status.as_str().to_owned()),
        posted_on: Set(now.date_naive()),
        expires_on: Set(draft.expires_on),
        url: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    write_skills(db, m.id, &draft.skills).await?;
    record_changes(db, ChangeKind::Opening, ChangeOp::Upsert, &[m.id]).await?;
    let skills = skills_of(db, m.id).await?;
    Ok(to_managed(m, skills))
}

/// Replaces an opening's fields and skills; call inside a transaction.
pub async fn update_opening(
    db: &impl ConnectionTrait,
    id: OpeningId,
    draft: OpeningDraft,
) -> Result<ManagedOpening, StorageError> {
    let m = opening::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("opening", id))?;
    let mut active: opening::ActiveModel = m.into();
    active.title = Set(draft.title);
    active.occupation_id = Set(draft.occupation_id.map(|o| o.0));
    active.occupation_origin = Set(draft.occupation_id.map(|_| "manual".to_owned()));
    active.occupation_confidence = Set(draft.occupation_id.map(|_| 1.0));
    active.description = Set(draft.description);
    active.place_name = Set(draft.place_name);
    active.region = Set(draft.region);
    active.country = Set(draft.country);
    active.lat = Set(draft.coordinates.map(|c| c.0));
    active.lon = Set(draft.coordinates.map(|c| c.1));
    active.remote = Set(draft.remote);
    active.salary_min = Set(draft.salary_min);
    active.salary_max = Set(draft.salary_max);
    active.currency = Set(draft.currency);
    active.status = Set(draft.status.as_str().to_owned());
    active.expires_on = Set(draft.expires_on);
    active.updated_at = Set(Utc::now());
    let m = active.update(db).await?;
    write_skills(db, m.id, &draft.skills).await?;
    record_changes(db, ChangeKind::Opening, ChangeOp::Upsert, &[m.id]).await?;
    let skills = skills_of(db, m.id).await?;
    Ok(to_managed(m, skills))
}

/// Returns up to `limit` openings of `organisation` with keys above `after`, by key.
pub async fn organisation_openings(
    db: &impl ConnectionTrait,
    organisation: OrganisationId,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<ManagedOpening>, StorageError> {
    let mut query = opening::Entity::find()
        .filter(opening::Column::OrganisationId.eq(organisation.0))
        .order_by_asc(opening::Column::Id);
    if let Some(after) = after {
        query = query.filter(opening::Column::Id.gt(after));
    }
    let models = query.limit(limit).all(db).await?;
    let mut out = Vec::with_capacity(models.len());
    for m in models {
        let skills = skills_of(db, m.id).await?;
        out.push(to_managed(m, skills));
    }
    Ok(out)
}

/// Returns the keys of every opening of `organisation`.
pub async fn organisation_opening_ids(
    db: &impl ConnectionTrait,
    organisation: OrganisationId,
) -> Result<Vec<OpeningId>, StorageError> {
    let ids: Vec<i64> = opening::Entity::find()
        .select_only()
        .column(opening::Column::Id)
        .filter(opening::Column::OrganisationId.eq(organisation.0))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(OpeningId).collect())
}
