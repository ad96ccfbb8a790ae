//! Workers (job seekers' profiles) and what hangs off them: skills with their origin,
//! consents, saved searches, applications, plans with steps and history, caseworker contacts,
//! employers' expressions of interest, and caseload outcomes.

use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::accounts::{
    ConsentPurpose, ContactChannel, InterestStatus, Outcome, PlanStatus, SkillOriginKind, StepKind,
    StepStatus,
};
use reskill_core::{CourseId, OccupationId, OpeningId, PlanId, SkillId, UserId, WorkerId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::{
    application, consent, contact, interest, plan, plan_history, plan_step, saved_search, worker,
    worker_skill,
};

/// A worker's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    /// Key.
    pub id: WorkerId,
    /// The account, if any.
    pub user_id: Option<UserId>,
    /// Name, for workers without an account.
    pub display_name: Option<String>,
    /// Current or last occupation.
    pub occupation_id: Option<OccupationId>,
    /// Place name.
    pub place_name: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Preferred course mode.
    pub pref_mode: Option<String>,
    /// Farthest travel, km.
    pub max_travel_km: Option<f64>,
    /// Longest training, weeks.
    pub max_training_weeks: Option<f64>,
    /// Training budget.
    pub budget: Option<f64>,
    /// Assigned caseworker.
    pub caseworker_id: Option<UserId>,
    /// Last caseworker contact.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Outcome when the worker left the caseload.
    pub outcome: Option<Outcome>,
    /// Occupation of the outcome.
    pub outcome_occupation_id: Option<OccupationId>,
    /// Opening of the outcome.
    pub outcome_opening_id: Option<OpeningId>,
    /// When the outcome was recorded.
    pub outcome_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn to_worker(m: worker::Model) -> Worker {
    Worker {
        id: WorkerId(m.id),
        user_id: m.user_id.map(UserId),
        display_name: m.display_name,
        occupation_id: m.occupation_id.map(OccupationId),
        place_name: m.place_name,
        region: m.region,
        country: m.country,
        lat: m.lat,
        lon: m.lon,
        pref_mode: m.pref_mode,
        max_travel_km: m.max_travel_km,
        max_training_weeks: m.max_training_weeks,
        budget: m.budget,
        caseworker_id: m.caseworker_id.map(UserId),
        last_contact_at: m.last_contact_at,
        outcome: m
            .outcome
            .as_deref()
            .and_then(|o| Outcome::parse_field(o, "outcome").ok()),
        outcome_occupation_id: m.outcome_occupation_id.map(OccupationId),
        outcome_opening_id: m.outcome_opening_id.map(OpeningId),
        outcome_at: m.outcome_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Creates a worker profile, for an account or (with `user` `None`) for a person a caseworker
/// registers.
pub async fn create_worker(
    db: &impl ConnectionTrait,
    user: Option<UserId>,
    display_name: Option<String>,
) -> Result<Worker, StorageError> {
    let now = Utc::now();
    let model = worker::ActiveModel {
        user_id: Set(user.map(|u| u.0)),
        display_name: Set(display_name),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(to_worker(model))
}

/// Returns worker `id`.
pub async fn worker_by_id(db: &impl ConnectionTrait, id: WorkerId) -> Result<Worker, StorageError> {
    worker::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(to_worker)
        .ok_or_else(|| StorageError::not_found("worker", id))
}

/// Returns the worker profile of account `user`, if it has one.
pub async fn worker_of_user(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Option<Worker>, StorageError> {
    Ok(worker::Entity::find()
        .filter(worker::Column::UserId.eq(user.0))
        .one(db)
        .await?
        .map(to_worker))
}

/// A profile's editable fields; `None` leaves a field unchanged, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// Name.
    pub display_name: Option<Option<String>>,
    /// Current or last occupation.
    pub occupation_id: Option<Option<OccupationId>>,
    /// Place name.
    pub place_name: Option<Option<String>>,
    /// Region.
    pub region: Option<Option<String>>,
    /// Country.
    pub country: Option<Option<String>>,
    /// Coordinates.
    pub coordinates: Option<Option<(f64, f64)>>,
    /// Preferred mode.
    pub pref_mode: Option<Option<String>>,
    /// Farthest travel.
    pub max_travel_km: Option<Option<f64>>,
    /// Longest training.
    pub max_training_weeks: Option<Option<f64>>,
    /// Budget.
    pub budget: Option<Option<f64>>,
}

/// Applies a profile update and returns the profile.
pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: WorkerId,
    update: ProfileUpdate,
) -> Result<Worker, StorageError> {
    let model = worker::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("worker", id))?;
    let mut active: worker::ActiveModel = model.into();
    if let Some(v) = update.display_name {
        active.display_name = Set(v);
    }
    if let Some(v) = update.occupation_id {
        active.occupation_id = Set(v.map(|o| o.0));
    }
    if let Some(v) = update.place_name {
        active.place_name = Set(v);
    }
    if let Some(v) = update.region {
        active.region = Set(v);
    }
    if let Some(v) = update.country {
        active.country = Set(v);
    }
    if let Some(v) = update.coordinates {
        active.lat = Set(v.map(|c| c.0));
        active.lon = Set(v.map(|c| c.1));
    }
    if let Some(v) = update.pref_mode {
        active.pref_mode = Set(v);
    }
    if let Some(v) = update.max_travel_km {
        active.max_travel_km = Set(v);
    }
    if let Some(v) = update.max_training_weeks {
        active.max_training_weeks = Set(v);
    }
    if let Some(v) = update.budget {
        active.budget = Set(v);
    }
    active.updated_at = Set(Utc::now());
    Ok(to_worker(active.update(db).await?))
}

/// Filters of a worker list.
#[derive(Debug, Clone, Default)]
pub struct WorkerFilter {
    /// Only this caseworker's caseload.
    pub caseworker: Option<UserId>,
    /// Only workers with no caseworker and no outcome (claimable).
    pub unassigned: bool,
    /// Only workers with an account.
    pub with_account: bool,
}

/// Returns every worker matching `filter`, by key (caseloads are small enough to sort in
/// memory by engine-derived keys such as risk band).
pub async fn list_workers(
    db: &impl ConnectionTrait,
    filter: &WorkerFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Worker>, StorageError> {
    let mut query = worker::Entity::find().order_by_asc(worker::Column::Id);
    if let Some(caseworker) = filter.caseworker {
        query = query.filter(worker::Column::CaseworkerId.eq(caseworker.0));
    }
    if filter.unassigned {
        query = query
            .filter(worker::Column::CaseworkerId.is_null())
            .filter(worker::Column::Outcome.is_null());
    }
    if filter.with_account {
        query = query.filter(worker::Column::UserId.is_not_null());
    }
    if let Some(after) = after {
        query = query.filter(worker::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_worker)
        .collect())
}

/// Sets (or with `None` clears) the caseworker of workers `ids`; returns how many changed.
pub async fn assign_caseworker(
    db: &impl ConnectionTrait,
    ids: &[WorkerId],
    caseworker: Option<UserId>,
) -> Result<u64, StorageError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = worker::Entity::update_many()
        .col_expr(
            worker::Column::CaseworkerId,
            Expr::value(caseworker.map(|c| c.0)),
        )
        .col_expr(worker::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(worker::Column::Id.is_in(ids.iter().map(|w| w.0)))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Assigns worker `id` to `caseworker` only if it has no caseworker; returns whether it did.
pub async fn claim_worker(
    db: &impl ConnectionTrait,
    id: WorkerId,
    caseworker: UserId,
) -> Result<bool, StorageError> {
    let result = worker::Entity::update_many()
        .col_expr(worker::Column::CaseworkerId, Expr::value(caseworker.0))
        .col_expr(worker::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(worker::Column::Id.eq(id.0))
        .filter(worker::Column::CaseworkerId.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Moves every worker of caseworker `from` to `to`; returns how many moved.
pub async fn reassign_caseload(
    db: &impl ConnectionTrait,
    from: UserId,
    to: UserId,
) -> Result<u64, StorageError> {
    let result = worker::Entity::update_many()
        .col_expr(worker::Column::CaseworkerId, Expr::value(to.0))
        .col_expr(worker::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(worker::Column::CaseworkerId.eq(from.0))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A caseload outcome to record.
#[derive(Debug, Clone)]
pub struct NewOutcome {
    /// What happened.
    pub outcome: Outcome,
    /// Occupation (for a hire, the one hired into).
    pub occupation: Option<OccupationId>,
    /// Opening, if known.
    pub opening: Option<OpeningId>,
}

/// Records the outcome and takes the worker out of the caseload.
pub async fn record_outcome(
    db: &impl ConnectionTrait,
    id: WorkerId,
    outcome: NewOutcome,
) -> Result<Worker, StorageError> {
    let model = worker::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("worker", id))?;
    let mut active: worker::ActiveModel = model.into();
    let now = Utc::now();
    active.outcome = Set(Some(outcome.outcome.as_str().to_owned()));
    active.outcome_occupation_id = Set(outcome.occupation.map(|o| o.0));
    active.outcome_opening_id = Set(outcome.opening.map(|o| o.0));
    active.outcome_at = Set(Some(now));
    active.caseworker_id = Set(None);
    active.updated_at = Set(now);
    Ok(to_worker(active.update(db).await?))
}

/// Removes a worker's personal data and detaches the account, keeping the anonymous rest
/// (occupation, plan statuses and steps, outcome) for aggregate figures.
pub async fn anonymise_worker(db: &impl ConnectionTrait, id: WorkerId) -> Result<(), StorageError> {
    worker::Entity::update_many()
        .col_expr(worker::Column::UserId, Expr::value(Option::<i64>::None))
        .col_expr(
            worker::Column::DisplayName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            worker::Column::PlaceName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(worker::Column::Lat, Expr::value(Option::<f64>::None))
        .col_expr(worker::Column::Lon, Expr::value(Option::<f64>::None))
        .col_expr(
            worker::Column::CaseworkerId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(worker::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(worker::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::WorkerId.eq(id.0))
        .exec(db)
        .await?;
    consent::Entity::delete_many()
        .filter(consent::Column::WorkerId.eq(id.0))
        .exec(db)
        .await?;
    contact::Entity::delete_many()
        .filter(contact::Column::WorkerId.eq(id.0))
        .exec(db)
        .await?;
    interest::Entity::delete_many()
        .filter(interest::Column::WorkerId.eq(id.0))
        .exec(db)
        .await?;
    application::Entity::delete_many()
        .filter(application::Column::WorkerId.eq(id.0))
        .exec(db)
        .await?;
    let plan_ids: Vec<i64> = plan::Entity::find()
        .select_only()
        .column(plan::Column::Id)
        .filter(plan::Column::WorkerId.eq(id.0))
        .into_tuple()
        .all(db)
        .await?;
    if !plan_ids.is_empty() {
        plan::Entity::update_many()
            .col_expr(plan::Column::Notes, Expr::value(String::new()))
            .filter(plan::Column::Id.is_in(plan_ids.clone()))
            .exec(db)
            .await?;
        plan_history::Entity::delete_many()
            .filter(plan_history::Column::PlanId.is_in(plan_ids))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// One of a worker's skills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldSkill {
    /// The skill.
    pub skill: SkillId,
    /// Where it came from.
    pub origin: SkillOriginKind,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// Returns a worker's skills, by skill key.
pub async fn worker_skills(
    db: &impl ConnectionTrait,
    id: WorkerId,
) -> Result<Vec<HeldSkill>, StorageError> {
    Ok(worker_skill::Entity::find()
        .filter(worker_skill::Column::WorkerId.eq(id.0))
        .order_by_asc(worker_skill::Column::SkillId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| HeldSkill {
            skill: SkillId(m.skill_id),
            origin: SkillOriginKind::parse_field(&m.origin, "origin")
                .unwrap_or(SkillOriginKind::Declared),
            added_at: m.added_at,
        })
        .collect())
}

/// Adds skills with `origin`. An existing skill keeps the stronger origin: gained and declared
/// are never downgraded to inferred.
pub async fn add_skills(
    db: &impl ConnectionTrait,
    id: WorkerId,
    skills: &[SkillId],
    origin: SkillOriginKind,
) -> Result<(), StorageError> {
    let existing: std::collections::HashMap<i64, String> = worker_skill::Entity::find()
        .filter(worker_skill::Column::WorkerId.eq(id.0))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.skill_id, m.origin))
        .collect();
    let now = Utc::now();
    for skill in skills {
        match existing.get(&skill.0) {
            None => {
                worker_skill::ActiveModel {
                    worker_id: Set(id.0),
                    skill_id: Set(skill.0),
                    origin: Set(origin.as_str().to_owned()),
                    added_at: Set(now),
                }
                .insert(db)
                .await?;
            }
            Some(current) if origin != SkillOriginKind::Inferred && current != origin.as_str() => {
                worker_skill::Entity::update_many()
                    .col_expr(worker_skill::Column::Origin, Expr::value(origin.as_str()))
                    .filter(worker_skill::Column::WorkerId.eq(id.0))
                    .filter(worker_skill::Column::SkillId.eq(skill.0))
                    .exec(db)
                    .await?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Removes one skill; returns whether it was held.
pub async fn remove_skill(
    db: &impl ConnectionTrait,
    id: WorkerId,
    skill: SkillId,
) -> Result<bool, StorageError> {
    let result = worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::WorkerId.eq(id.0))
        .filter(worker_skill::Column::SkillId.eq(skill.0))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes the skills only inferred (not declared or gained) from a worker.
pub async fn remove_inferred_skills(
    db: &impl ConnectionTrait,
    id: WorkerId,
) -> Result<(), StorageError> {
    worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::WorkerId.eq(id.0))
        .filter(worker_skill::Column::Origin.eq(SkillOriginKind::Inferred.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// A consent record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    /// Key.
    pub id: i64,
    /// Purpose.
    pub purpose: ConsentPurpose,
    /// Version of the wording shown.
    pub text_version: String,
    /// When given.
    pub granted_at: DateTime<Utc>,
    /// When withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Returns every consent record of a worker (history included), oldest first.
pub async fn consents(
    db: &impl ConnectionTrait,
    id: WorkerId,
) -> Result<Vec<Consent>, StorageError> {
    Ok(consent::Entity::find()
        .filter(consent::Column::WorkerId.eq(id.0))
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Consent {
                id: m.id,
                purpose: ConsentPurpose::parse_field(&m.purpose, "purpose").ok()?,
                text_version: m.text_version,
                granted_at: m.granted_at,
                withdrawn_at: m.withdrawn_at,
            })
        })
        .collect())
}

/// Returns whether the worker's consent for `purpose` is in force.
pub async fn has_consent(
    db: &impl ConnectionTrait,
    id: WorkerId,
    purpose: ConsentPurpose,
) -> Result<bool, StorageError> {
    Ok(consent::Entity::find()
        .filter(consent::Column::WorkerId.eq(id.0))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Returns the workers whose consent for `purpose` is in force.
pub async fn workers_with_consent(
    db: &impl ConnectionTrait,
    purpose: ConsentPurpose,
) -> Result<Vec<WorkerId>, StorageError> {
    let ids: Vec<i64> = consent::Entity::find()
        .select_only()
        .column(consent::Column::WorkerId)
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(WorkerId).collect())
}

/// Grants consent for `purpose` under wording `text_version`; a consent already in force is
/// withdrawn first, so the history shows each version agreed to.
pub async fn grant_consent(
    db: &impl ConnectionTrait,
    id: WorkerId,
    purpose: ConsentPurpose,
    text_version: &str,
) -> Result<Consent, StorageError> {
    withdraw_consent(db, id, purpose).await?;
    let model = consent::ActiveModel {
        worker_id: Set(id.0),
        purpose: Set(purpose.as_str().to_owned()),
        text_version: Set(text_version.to_owned()),
        granted_at: Set(Utc::now()),
        withdrawn_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Consent {
        id: model.id,
        purpose,
        text_version: model.text_version,
        granted_at: model.granted_at,
        withdrawn_at: None,
    })
}

/// Withdraws the consent for `purpose`; returns whether one was in force.
pub async fn withdraw_consent(
    db: &impl ConnectionTrait,
    id: WorkerId,
    purpose: ConsentPurpose,
) -> Result<bool, StorageError> {
    let result = consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(Utc::now()))
        .filter(consent::Column::WorkerId.eq(id.0))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// A saved search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearch {
    /// Key.
    pub id: i64,
    /// Index searched (`courses`, `openings`, …).
    pub kind: String,
    /// Query text.
    pub query: String,
    /// Filters.
    pub filters: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Saves a search for `user`.
pub async fn create_saved_search(
    db: &impl ConnectionTrait,
    user: UserId,
    kind: &str,
    query: &str,
    filters: serde_json::Value,
) -> Result<SavedSearch, StorageError> {
    let m = saved_search::ActiveModel {
        user_id: Set(user.0),
        kind: Set(kind.to_owned()),
        query: Set(query.to_owned()),
        filters: Set(filters),
        created_at: Set(Utc::now()),
        last_notified_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(SavedSearch {
        id: m.id,
        kind: m.kind,
        query: m.query,
        filters: m.filters,
        created_at: m.created_at,
    })
}

/// Returns up to `limit` saved searches of `user` with keys above `after`.
pub async fn saved_searches(
    db: &impl ConnectionTrait,
    user: UserId,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<SavedSearch>, StorageError> {
    let mut query = saved_search::Entity::find()
        .filter(saved_search::Column::UserId.eq(user.0))
        .order_by_asc(saved_search::Column::Id);
    if let Some(after) = after {
        query = query.filter(saved_search::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| SavedSearch {
            id: m.id,
            kind: m.kind,
            query: m.query,
            filters: m.filters,
            created_at: m.created_at,
        })
        .collect())
}

/// Deletes saved search `id` of `user`; returns whether it existed.
pub async fn delete_saved_search(
    db: &impl ConnectionTrait,
    user: UserId,
    id: i64,
) -> Result<bool, StorageError> {
    let result = saved_search::Entity::delete_many()
        .filter(saved_search::Column::UserId.eq(user.0))
        .filter(saved_search::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// A seeker's interest in an opening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// Key.
    pub id: i64,
    /// The worker.
    pub worker: WorkerId,
    /// The opening.
    pub opening: OpeningId,
    /// Note to the employer.
    pub message: String,
    /// When sent.
    pub created_at: DateTime<Utc>,
}

fn to_application(m: application::Model) -> Application {
    Application {
        id: m.id,
        worker: WorkerId(m.worker_id),
        opening: OpeningId(m.opening_id),
        message: m.message,
        created_at: m.created_at,
    }
}

/// Records a seeker's interest in an opening; a second one for the same opening conflicts.
pub async fn create_application(
    db: &impl ConnectionTrait,
    worker: WorkerId,
    opening: OpeningId,
    message: &str,
) -> Result<Application, StorageError> {
    let m = application::ActiveModel {
        worker_id: Set(worker.0),
        opening_id: Set(opening.0),
        message: Set(message.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StorageError::from)
    .map_err(|e| match e {
        StorageError::Conflict(_) => {
            StorageError::Conflict("interest in this opening was already sent".into())
        }
        other => other,
    })?;
    Ok(to_application(m))
}

/// Returns a worker's applications, or an opening's, newest first.
pub async fn applications(
    db: &impl ConnectionTrait,
    worker: Option<WorkerId>,
    opening: Option<OpeningId>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Application>, StorageError> {
    let mut query = application::Entity::find().order_by_asc(application::Column::Id);
    if let Some(worker) = worker {
        query = query.filter(application::Column::WorkerId.eq(worker.0));
    }
    if let Some(opening) = opening {
        query = query.filter(application::Column::OpeningId.eq(opening.0));
    }
    if let Some(after) = after {
        query = query.filter(application::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_application)
        .collect())
}

/// A plan step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Key.
    pub id: i64,
    /// Position, from 0.
    pub position: i32,
    /// Kind.
    pub kind: StepKind,
    /// The course, for course steps.
    pub course: Option<CourseId>,
    /// The opening, for opening steps.
    pub opening: Option<OpeningId>,
    /// Title.
    pub title: String,
    /// State.
    pub status: StepStatus,
    /// Due date.
    pub due_on: Option<NaiveDate>,
    /// When done.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A plan with its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Key.
    pub id: PlanId,
    /// The worker.
    pub worker: WorkerId,
    /// The caseworker who made it.
    pub caseworker: Option<UserId>,
    /// Target occupation.
    pub target_occupation: OccupationId,
    /// State.
    pub status: PlanStatus,
    /// Notes.
    pub notes: String,
    /// Steps in order.
    pub steps: Vec<PlanStep>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A step to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlanStep {
    /// Kind.
    pub kind: StepKind,
    /// Course.
    pub course: Option<CourseId>,
    /// Opening.
    pub opening: Option<OpeningId>,
    /// Title.
    pub title: String,
    /// State.
    pub status: StepStatus,
    /// Due date.
    pub due_on: Option<NaiveDate>,
}

/// A plan to write.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// The worker.
    pub worker: WorkerId,
    /// The caseworker.
    pub caseworker: Option<UserId>,
    /// Target.
    pub target_occupation: OccupationId,
    /// State.
    pub status: PlanStatus,
    /// Notes.
    pub notes: String,
    /// Steps in order.
    pub steps: Vec<NewPlanStep>,
}

fn to_step(m: plan_step::Model) -> PlanStep {
    PlanStep {
        id: m.id,
        position: m.position,
        kind: StepKind::parse_field(&m.kind, "kind").unwrap_or(StepKind::Milestone),
        course: m.course_id.map(CourseId),
        opening: m.opening_id.map(OpeningId),
        title: m.title,
        status: StepStatus::parse_field(&m.status, "status").unwrap_or(StepStatus::Todo),
        due_on: m.due_on,
        completed_at: m.completed_at,
    }
}

async fn insert_steps(
    db: &impl ConnectionTrait,
    plan: i64,
    steps: &[NewPlanStep],
) -> Result<(), StorageError> {
    let now = Utc::now();
    for (position, step) in steps.iter().enumerate() {
        plan_step::ActiveModel {
            plan_id: Set(plan),
            position: Set(position as i32),
            kind: Set(step.kind.as_str().to_owned()),
            course_id: Set(step.course.map(|c| c.0)),
            opening_id: Set(step.opening.map(|o| o.0)),
            title: Set(step.title.clone()),
            status: Set(step.status.as_str().to_owned()),
            due_on: Set(step.due_on),
            completed_at: Set((step.status == StepStatus::Done).then_some(now)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Creates a plan with its steps and a first history entry.
pub async fn create_plan(
    db: &impl ConnectionTrait,
    new: NewPlan,
    actor: Option<UserId>,
    change: serde_json::Value,
) -> Result<Plan, StorageError> {
    let now = Utc::now();
    let m = plan::ActiveModel {
        worker_id: Set(new.worker.0),
        caseworker_id: Set(new.caseworker.map(|c| c.0)),
        target_occupation_id: Set(new.target_occupation.0),
        status: Set(new.status.as_str().to_owned()),
        notes: Set(new.notes.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_steps(db, m.id, &new.steps).await?;
    add_history(db, PlanId(m.id), actor, change).await?;
    plan_by_id(db, PlanId(m.id)).await
}

/// A plan revision; `None` leaves a field as it is, `steps` replaces every step.
#[derive(Debug, Clone, Default)]
pub struct PlanUpdate {
    /// New target.
    pub target_occupation: Option<OccupationId>,
    /// New state.
    pub status: Option<PlanStatus>,
    /// New notes.
    pub notes: Option<String>,
    /// New steps.
    pub steps: Option<Vec<NewPlanStep>>,
}

/// Revises a plan and appends the change to its history.
pub async fn update_plan(
    db: &impl ConnectionTrait,
    id: PlanId,
    update: PlanUpdate,
    actor: Option<UserId>,
    change: serde_json::Value,
) -> Result<Plan, StorageError> {
    let m = plan::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("plan", id))?;
    let mut active: plan::ActiveModel = m.into();
    if let Some(target) = update.target_occupation {
        active.target_occupation_id = Set(target.0);
    }
    if let Some(status) = update.status {
        active.status = Set(status.as_str().to_owned());
    }
    if let Some(notes) = update.notes {
        active.notes = Set(notes);
    }
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    if let Some(steps) = update.steps {
        plan_step::Entity::delete_many()
            .filter(plan_step::Column::PlanId.eq(id.0))
            .exec(db)
            .await?;
        insert_steps(db, id.0, &steps).await?;
    }
    add_history(db, id, actor, change).await?;
    plan_by_id(db, id).await
}

/// Marks a step done (once) and returns it; `None` when the plan has no such step.
pub async fn complete_step(
    db: &impl ConnectionTrait,
    plan: PlanId,
    step: i64,
) -> Result<Option<PlanStep>, StorageError> {
    let Some(m) = plan_step::Entity::find_by_id(step)
        .filter(plan_step::Column::PlanId.eq(plan.0))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if m.status == StepStatus::Done.as_str() {
        return Ok(Some(to_step(m)));
    }
    let mut active: plan_step::ActiveModel = m.into();
    active.status = Set(StepStatus::Done.as_str().to_owned());
    active.completed_at = Set(Some(Utc::now()));
    Ok(Some(to_step(active.update(db).await?)))
}

async fn add_history(
    db: &impl ConnectionTrait,
    plan: PlanId,
    actor: Option<UserId>,
    change: serde_json::Value,
) -> Result<(), StorageError> {
    plan_history::ActiveModel {
        plan_id: Set(plan.0),
        actor_id: Set(actor.map(|a| a.0)),
        change: Set(change),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records a change to a plan made outside [`update_plan`] (a step done by the seeker).
pub async fn record_plan_history(
    db: &impl ConnectionTrait,
    plan: PlanId,
    actor: Option<UserId>,
    change: serde_json::Value,
) -> Result<(), StorageError> {
    add_history(db, plan, actor, change).await
}

/// Sets a plan's status.
pub async fn set_plan_status(
    db: &impl ConnectionTrait,
    plan: PlanId,
    status: PlanStatus,
) -> Result<(), StorageError> {
    plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value(status.as_str()))
        .col_expr(plan::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(plan::Column::Id.eq(plan.0))
        .exec(db)
        .await?;
    Ok(())
}

/// Returns plan `id` with its steps.
pub async fn plan_by_id(db: &impl ConnectionTrait, id: PlanId) -> Result<Plan, StorageError> {
    let m = plan::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("plan", id))?;
    let steps = plan_step::Entity::find()
        .filter(plan_step::Column::PlanId.eq(id.0))
        .order_by_asc(plan_step::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(to_step)
        .collect();
    Ok(Plan {
        id,
        worker: WorkerId(m.worker_id),
        caseworker: m.caseworker_id.map(UserId),
        target_occupation: OccupationId(m.target_occupation_id),
        status: PlanStatus::parse_field(&m.status, "status").unwrap_or(PlanStatus::Draft),
        notes: m.notes,
        steps,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Returns a worker's plans, newest first.
pub async fn plans_of_worker(
    db: &impl ConnectionTrait,
    worker: WorkerId,
) -> Result<Vec<Plan>, StorageError> {
    let ids: Vec<i64> = plan::Entity::find()
        .select_only()
        .column(plan::Column::Id)
        .filter(plan::Column::WorkerId.eq(worker.0))
        .order_by_desc(plan::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut plans = Vec::with_capacity(ids.len());
    for id in ids {
        plans.push(plan_by_id(db, PlanId(id)).await?);
    }
    Ok(plans)
}

/// Returns every plan's `(worker, target, status)`, for caseload views and figures.
pub async fn plan_summaries(
    db: &impl ConnectionTrait,
) -> Result<Vec<(PlanId, WorkerId, OccupationId, PlanStatus)>, StorageError> {
    let rows: Vec<(i64, i64, i64, String)> = plan::Entity::find()
        .select_only()
        .columns([
            plan::Column::Id,
            plan::Column::WorkerId,
            plan::Column::TargetOccupationId,
            plan::Column::Status,
        ])
        .order_by_asc(plan::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, worker, target, status)| {
            (
                PlanId(id),
                WorkerId(worker),
                OccupationId(target),
                PlanStatus::parse_field(&status, "status").unwrap_or(PlanStatus::Draft),
            )
        })
        .collect())
}

/// Returns the plans with at least one completed course step.
pub async fn plans_with_completed_course(
    db: &impl ConnectionTrait,
) -> Result<Vec<PlanId>, StorageError> {
    let ids: Vec<i64> = plan_step::Entity::find()
        .select_only()
        .column(plan_step::Column::PlanId)
        .filter(plan_step::Column::Kind.eq(StepKind::Course.as_str()))
        .filter(plan_step::Column::Status.eq(StepStatus::Done.as_str()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(PlanId).collect())
}

/// One entry of a plan's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanHistoryEntry {
    /// Key.
    pub id: i64,
    /// Who changed it.
    pub actor: Option<UserId>,
    /// What changed.
    pub change: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Returns up to `limit` history entries of a plan with keys above `after`, oldest first.
pub async fn plan_history(
    db: &impl ConnectionTrait,
    plan: PlanId,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<PlanHistoryEntry>, StorageError> {
    let mut query = plan_history::Entity::find()
        .filter(plan_history::Column::PlanId.eq(plan.0))
        .order_by_asc(plan_history::Column::Id);
    if let Some(after) = after {
        query = query.filter(plan_history::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| PlanHistoryEntry {
            id: m.id,
            actor: m.actor_id.map(UserId),
            change: m.change,
            at: m.at,
        })
        .collect())
}

/// A caseworker contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Key.
    pub id: i64,
    /// The worker.
    pub worker: WorkerId,
    /// The caseworker.
    pub caseworker: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// Channel.
    pub channel: ContactChannel,
    /// Note.
    pub note: String,
}

/// Records a contact and moves the worker's last-contact time forward.
pub async fn record_contact(
    db: &impl ConnectionTrait,
    worker: WorkerId,
    caseworker: UserId,
    at: DateTime<Utc>,
    channel: ContactChannel,
    note: &str,
) -> Result<Contact, StorageError> {
    let m = contact::ActiveModel {
        worker_id: Set(worker.0),
        caseworker_id: Set(caseworker.0),
        at: Set(at),
        channel: Set(channel.as_str().to_owned()),
        note: Set(note.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let current = worker_by_id(db, worker).await?;
    if current.last_contact_at.is_none_or(|last| last < at) {
        worker::Entity::update_many()
            .col_expr(worker::Column::LastContactAt, Expr::value(at))
            .filter(worker::Column::Id.eq(worker.0))
            .exec(db)
            .await?;
    }
    Ok(Contact {
        id: m.id,
        worker,
        caseworker,
        at: m.at,
        channel,
        note: m.note,
    })
}

/// Returns up to `limit` contacts of a worker with keys above `after`.
pub async fn contacts(
    db: &impl ConnectionTrait,
    worker: WorkerId,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Contact>, StorageError> {
    let mut query = contact::Entity::find()
        .filter(contact::Column::WorkerId.eq(worker.0))
        .order_by_asc(contact::Column::Id);
    if let Some(after) = after {
        query = query.filter(contact::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Contact {
            id: m.id,
            worker: WorkerId(m.worker_id),
            caseworker: UserId(m.caseworker_id),
            at: m.at,
            channel: ContactChannel::parse_field(&m.channel, "channel")
                .unwrap_or(ContactChannel::Other),
            note: m.note,
        })
        .collect())
}

/// An employer's expression of interest in a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interest {
    /// Key.
    pub id: i64,
    /// The opening.
    pub opening: OpeningId,
    /// The candidate.
    pub worker: WorkerId,
    /// The employer who sent it.
    pub employer: UserId,
    /// State.
    pub status: InterestStatus,
    /// Message.
    pub message: String,
    /// When sent.
    pub created_at: DateTime<Utc>,
    /// When answered.
    pub answered_at: Option<DateTime<Utc>>,
}

fn to_interest(m: interest::Model) -> Interest {
    Interest {
        id: m.id,
        opening: OpeningId(m.opening_id),
        worker: WorkerId(m.worker_id),
        employer: UserId(m.employer_user_id),
        status: InterestStatus::parse_field(&m.status, "status").unwrap_or(InterestStatus::Pending),
        message: m.message,
        created_at: m.created_at,
        answered_at: m.answered_at,
    }
}

/// Records an expression of interest; a second one for the same opening and worker conflicts.
pub async fn create_interest(
    db: &impl ConnectionTrait,
    opening: OpeningId,
    worker: WorkerId,
    employer: UserId,
    message: &str,
) -> Result<Interest, StorageError> {
    let m = interest::ActiveModel {
        opening_id: Set(opening.0),
        worker_id: Set(worker.0),
        employer_user_id: Set(employer.0),
        status: Set(InterestStatus::Pending.as_str().to_owned()),
        message: Set(message.to_owned()),
        created_at: Set(Utc::now()),
        answered_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StorageError::from)
    .map_err(|e| match e {
        StorageError::Conflict(_) => StorageError::Conflict(
            "interest in this candidate for this opening was already expressed".into(),
        ),
        other => other,
    })?;
    Ok(to_interest(m))
}

/// Returns interest `id`.
pub async fn interest_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Interest, StorageError> {
    interest::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_interest)
        .ok_or_else(|| StorageError::not_found("interest", id))
}

/// Records the candidate's answer.
pub async fn answer_interest(
    db: &impl ConnectionTrait,
    id: i64,
    status: InterestStatus,
) -> Result<Interest, StorageError> {
    interest::Entity::update_many()
        .col_expr(interest::Column::Status, Expr::value(status.as_str()))
        .col_expr(interest::Column::AnsweredAt, Expr::value(Utc::now()))
        .filter(interest::Column::Id.eq(id))
        .exec(db)
        .await?;
    interest_by_id(db, id).await
}

/// Returns interests by worker and/or openings, oldest first, with keys above `after`.
pub async fn interests(
    db: &impl ConnectionTrait,
    worker: Option<WorkerId>,
    openings: Option<&[OpeningId]>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Interest>, StorageError> {
    let mut query = interest::Entity::find().order_by_asc(interest::Column::Id);
    if let Some(worker) = worker {
        query = query.filter(interest::Column::WorkerId.eq(worker.0));
    }
    if let Some(openings) = openings {
        query = query.filter(interest::Column::OpeningId.is_in(openings.iter().map(|o| o.0)));
    }
    if let Some(after) = after {
        query = query.filter(interest::Column::Id.gt(after));
    }
    Ok(query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_interest)
        .collect())
}
