//! Worker flows shared by seekers, caseworkers and admins: the profile (occupation chosen
//! through search, skills with origin, location, preferences), consents, recommendations
//! through the matching engine, following a plan, export and deletion.
//!
//! Callers have already passed `crate::policy`; these functions trust the worker id they get.

use std::sync::Arc;

use reskill_core::accounts::{
    ConsentPurpose, InterestStatus, PlanStatus, SkillOriginKind, StepKind, StepStatus,
};
use reskill_core::catalog::CourseMode;
use reskill_core::matching::{GeoPoint, PlanConstraints};
use reskill_core::{OccupationId, PlanId, SkillId, UserId, WorkerId};
use reskill_store::people::{self, ProfileUpdate, Worker};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

use crate::services::engine::{Engine, Recommendation, RecommendationQuery, recommend};
use crate::views::{PlanView, ProfileView};
use crate::{AppError, AppState};

/// Returns a worker's profile view.
pub async fn profile(
    db: &impl ConnectionTrait,
    engine: &Engine,
    worker: &Worker,
) -> Result<ProfileView, AppError> {
    let skills = people::worker_skills(db, worker.id).await?;
    let consents = people::consents(db, worker.id).await?;
    Ok(ProfileView::build(engine, worker, skills, consents))
}

/// A validated profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Name.
    pub display_name: Option<String>,
    /// Current or last occupation.
    pub occupation: Option<OccupationId>,
    /// Place name.
    pub place_name: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
    /// Coordinates.
    pub coordinates: Option<(f64, f64)>,
    /// Preferred mode.
    pub mode: Option<CourseMode>,
    /// Farthest travel.
    pub max_travel_km: Option<f64>,
    /// Longest training.
    pub max_training_weeks: Option<f64>,
    /// Budget.
    pub budget: Option<f64>,
}

/// Replaces a worker's profile. A new occupation replaces the skills inferred from the old one
/// with its own requirements (declared and gained skills stay).
pub async fn replace_profile(
    db: &DatabaseConnection,
    engine: &Engine,
    worker: &Worker,
    input: ProfileInput,
) -> Result<ProfileView, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let updated = people::update_profile(
        &txn,
        worker.id,
        ProfileUpdate {
            display_name: Some(input.display_name),
            occupation_id: Some(input.occupation),
            place_name: Some(input.place_name),
            region: Some(input.region),
            country: Some(input.country),
            coordinates: Some(input.coordinates),
            pref_mode: Some(input.mode.map(|m| m.as_str().to_owned())),
            max_travel_km: Some(input.max_travel_km),
            max_training_weeks: Some(input.max_training_weeks),
            budget: Some(input.budget),
        },
    )
    .await?;
    if worker.occupation_id != input.occupation {
        people::remove_inferred_skills(&txn, worker.id).await?;
        if let Some(occupation) = input.occupation {
            let inferred: Vec<SkillId> = engine
                .occupation_skills(occupation, reskill_core::matching::SkillOrigin::Inferred)
                .into_iter()
                .map(|s| s.skill)
                .collect();
            people::add_skills(&txn, worker.id, &inferred, SkillOriginKind::Inferred).await?;
        }
    }
    let view = profile(&txn, engine, &updated).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(view)
}

/// Builds the engine query for a worker: their stored skills with their origins as the
/// engine weighs them, their location, and their preferences as plan limits.
pub async fn recommendation_query(
    db: &impl ConnectionTrait,
    worker: &Worker,
    limit: usize,
    openings_limit: usize,
) -> Result<(RecommendationQuery, Vec<SkillId>), AppError> {
    let held = people::worker_skills(db, worker.id).await?;
    // Stored inferred skills are what is left of the occupation's requirements after the worker
    // edited them, so the engine must not re-infer the full set.
    let skills: Vec<SkillId> = held.iter().map(|s| s.skill).collect();
    let location = match (worker.lat, worker.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    let constraints = PlanConstraints {
        max_weeks: worker.max_training_weeks,
        budget: worker.budget,
        modes: worker
            .pref_mode
            .as_deref()
            .and_then(|m| CourseMode::parse(m).ok())
            .map(|m| vec![m]),
        location,
        max_travel_km: worker.max_travel_km,
        ..PlanConstraints::default()
    };
    Ok((
        RecommendationQuery {
            occupation: worker.occupation_id,
            skills: skills.clone(),
            infer_skills: false,
            location,
            constraints,
            limit,
            openings_limit,
        },
        skills,
    ))
}

/// Returns the engine's recommendation for a worker.
pub async fn recommendations(
    state: &AppState,
    worker: &Worker,
    limit: usize,
    openings_limit: usize,
) -> Result<Recommendation, AppError> {
    let (query, skills) = recommendation_query(&state.db, worker, limit, openings_limit).await?;
    if query.occupation.is_none() && skills.is_empty() {
        return Err(AppError::Conflict(
            "the profile has no occupation or skills yet; fill it in first".into(),
        ));
    }
    Ok(recommend(&state.db, &state.search, state.engine(), query).await?)
}

/// Returns the fit of a worker's current skills to occupation `target`.
pub async fn fit_to(
    db: &impl ConnectionTrait,
    engine: &Engine,
    worker: WorkerId,
    target: OccupationId,
) -> Result<Option<f64>, AppError> {
    let skills = worker_skill_inputs(db, worker).await?;
    Ok(engine.matcher().fit(&skills, target))
}

/// Returns a worker's skills as engine inputs, with their origins.
pub async fn worker_skill_inputs(
    db: &impl ConnectionTrait,
    worker: WorkerId,
) -> Result<Vec<reskill_core::matching::WorkerSkill>, AppError> {
    use reskill_core::matching::{SkillOrigin, WorkerSkill};
    Ok(people::worker_skills(db, worker)
        .await?
        .into_iter()
        .map(|s| WorkerSkill {
            skill: s.skill,
            origin: match s.origin {
                SkillOriginKind::Inferred => SkillOrigin::Inferred,
                SkillOriginKind::Declared => SkillOrigin::Declared,
                SkillOriginKind::Gained => SkillOrigin::Gained,
            },
        })
        .collect())
}

/// Marks a plan step done. A course step adds the course's skills with origin `gained`; when
/// every step is done the plan is completed. Returns the plan.
pub async fn complete_step(
    db: &DatabaseConnection,
    engine: &Arc<Engine>,
    actor: UserId,
    plan: PlanId,
    step: i64,
) -> Result<PlanView, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let current = people::plan_by_id(&txn, plan).await?;
    if !matches!(current.status, PlanStatus::Active | PlanStatus::Draft) {
        return Err(AppError::Conflict(format!(
            "the plan is {}; its steps can no longer change",
            current.status
        )));
    }
    let done = people::complete_step(&txn, plan, step)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut gained = Vec::new();
    if done.kind == StepKind::Course
        && let Some(course) = done.course
        && let Some(input) = engine.courses.get(course)
    {
        gained = input.skills.clone();
        people::add_skills(&txn, current.worker, &gained, SkillOriginKind::Gained).await?;
    }
    people::record_plan_history(
        &txn,
        plan,
        Some(actor),
        json!({"step_done": step, "skills_gained": gained}),
    )
    .await?;
    let after = people::plan_by_id(&txn, plan).await?;
    if after.steps.iter().all(|s| s.status == StepStatus::Done) {
        people::set_plan_status(&txn, plan, PlanStatus::Completed).await?;
        people::record_plan_history(&txn, plan, Some(actor), json!({"status": "completed"}))
            .await?;
    }
    let after = people::plan_by_id(&txn, plan).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(PlanView::build(engine, after))
}

/// Returns everything stored about a seeker, as one JSON document.
pub async fn export(
    db: &impl ConnectionTrait,
    engine: &Engine,
    user: UserId,
    worker: &Worker,
) -> Result<serde_json::Value, AppError> {
    let account = reskill_store::accounts::user_by_id(db, user).await?;
    let profile = profile(db, engine, worker).await?;
    let plans: Vec<PlanView> = people::plans_of_worker(db, worker.id)
        .await?
        .into_iter()
        .map(|p| PlanView::build(engine, p))
        .collect();
    let mut history = Vec::new();
    for plan in &plans {
        history.push(json!({
            "plan_id": plan.id,
            "history": people::plan_history(db, PlanId(plan.id), None, 10_000).await?,
        }));
    }
    Ok(json!({
        "exported_at": chrono::Utc::now(),
        "account": {
            "id": account.id,
            "email": account.email,
            "role": account.role,
            "display_name": account.display_name,
            "email_verified": account.email_verified,
            "created_at": account.created_at,
            "last_login_at": account.last_login_at,
        },
        "profile": profile,
        "plans": plans,
        "plan_history": history,
        "contacts": people::contacts(db, worker.id, None, 10_000).await?,
        "saved_searches": people::saved_searches(db, user, None, 10_000).await?,
        "applications": people::applications(db, Some(worker.id), None, None, 10_000).await?,
        "interests": people::interests(db, Some(worker.id), None, None, 10_000).await?,
        "consents": people::consents(db, worker.id).await?,
        "record_accesses": reskill_store::audit::list(db, Some(worker.id), None, None, 10_000).await?,
    }))
}

/// Words that stand for a deleted person in emails to others that named them.
const DELETED_PERSON: &str = "a deleted account";

/// Deletes a seeker's account: personal data removed, the anonymous remainder (occupation,
/// plan progress, outcome) kept for aggregate figures. The emails to them go too (they hold
/// the address and one-time links), and emails to others that named them are scrubbed.
pub async fn delete_account(
    db: &DatabaseConnection,
    user: UserId,
    worker: Option<&Worker>,
) -> Result<(), AppError> {
    let account = reskill_store::accounts::user_by_id(db, user).await?;
    let mut mentions = vec![account.display_name.as_str()];
    if let Some(name) = worker.and_then(|w| w.display_name.as_deref()) {
        mentions.push(name);
    }
    let txn = reskill_store::db::begin_write(db).await?;
    if let Some(worker) = worker {
        people::anonymise_worker(&txn, worker.id).await?;
    }
    let forgotten = reskill_store::erasure::forget_person(
        &txn,
        user.0,
        &account.email,
        &mentions,
        DELETED_PERSON,
    )
    .await?;
    reskill_store::accounts::delete_user(&txn, user).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    reskill_store::db::flush_deletions(db).await?;
    tracing::info!(
        user.id = %user,
        emails_deleted = forgotten.deleted,
        emails_scrubbed = forgotten.scrubbed,
        "account {user} deleted"
    );
    Ok(())
}

/// Grants or withdraws a consent.
pub async fn set_consent(
    db: &DatabaseConnection,
    worker: WorkerId,
    purpose: ConsentPurpose,
    text_version: Option<&str>,
) -> Result<(), AppError> {
    match text_version {
        Some(version) => {
            people::grant_consent(db, worker, purpose, version).await?;
        }
        None => {
            if !people::withdraw_consent(db, worker, purpose).await? {
                return Err(AppError::NotFound);
            }
        }
    }
    Ok(())
}

/// Saves a plan a seeker chose for themselves: the engine's course plan from their skills to
/// `target`, active, with no caseworker (so no "plan assigned" email goes to its own author).
/// A worker with no occupation yet gets `from`, so their skills are inferred from it first.
pub async fn save_own_plan(
    db: &DatabaseConnection,
    engine: &Engine,
    user: UserId,
    worker: &Worker,
    from: Option<OccupationId>,
    target: OccupationId,
) -> Result<PlanView, AppError> {
    if engine.occupation(target).is_none() {
        return Err(AppError::invalid("target", "no occupation has this key"));
    }
    let mut worker = worker.clone();
    if let (None, Some(from)) = (worker.occupation_id, from)
        && engine.occupation(from).is_some()
    {
        replace_profile(db, engine, &worker, ProfileInput::of(&worker, Some(from))).await?;
        worker = people::worker_by_id(db, worker.id).await?;
    }
    let skills = worker_skill_inputs(db, worker.id).await?;
    let input = super::caseload::PlanInput {
        target,
        steps: None,
        target_openings: Vec::new(),
        milestones: Vec::new(),
        notes: String::new(),
        status: PlanStatus::Active,
    };
    let steps = super::caseload::build_steps(engine, &worker, &skills, &input);
    let txn = reskill_store::db::begin_write(db).await?;
    let plan = people::create_plan(
        &txn,
        people::NewPlan {
            worker: worker.id,
            caseworker: None,
            target_occupation: target,
            status: PlanStatus::Active,
            notes: String::new(),
            steps,
        },
        Some(user),
        json!({"created": {"target_occupation": target, "status": "active", "by": "seeker"}}),
    )
    .await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(PlanView::build(engine, plan))
}

impl ProfileInput {
    /// Returns the stored profile of `worker` as an input, with `occupation` instead of its own.
    pub fn of(worker: &Worker, occupation: Option<OccupationId>) -> Self {
        Self {
            display_name: worker.display_name.clone(),
            occupation,
            place_name: worker.place_name.clone(),
            region: worker.region.clone(),
            country: worker.country.clone(),
            coordinates: worker.lat.zip(worker.lon),
            mode: worker
                .pref_mode
                .as_deref()
                .and_then(|m| CourseMode::parse(m).ok()),
            max_travel_km: worker.max_travel_km,
            max_training_weeks: worker.max_training_weeks,
            budget: worker.budget,
        }
    }
}

/// An employer's expression of interest as the worker sees it: who, for which role.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InterestForWorker {
    /// The interest.
    #[serde(flatten)]
    pub interest: crate::views::InterestView,
    /// Title of the opening.
    pub opening_title: String,
    /// Name of the opening's organisation, where it has one.
    pub organisation: Option<String>,
}

/// Returns the expressions of interest addressed to `worker`, newest first, with the opening's
/// title and organisation.
pub async fn interests_for(
    db: &impl ConnectionTrait,
    worker: WorkerId,
) -> Result<Vec<InterestForWorker>, AppError> {
    let mut listed = Vec::new();
    for interest in people::interests(db, Some(worker), None, None, 1_000).await? {
        let opening = reskill_store::openings::managed_opening(db, interest.opening).await?;
        let organisation = match opening.as_ref().and_then(|o| o.organisation_id) {
            Some(id) => Some(
                reskill_store::accounts::organisation_by_id(db, id)
                    .await?
                    .name,
            ),
            None => None,
        };
        listed.push(InterestForWorker {
            opening_title: opening.map(|o| o.title).unwrap_or_default(),
            organisation,
            interest: interest.into(),
        });
    }
    listed.reverse();
    Ok(listed)
}

/// Answers an expression of interest addressed to `worker`: accepting reveals the worker's
/// name and contact details to the opening's organisation (see `policy::candidate`).
pub async fn answer_interest(
    db: &impl ConnectionTrait,
    worker: &Worker,
    id: i64,
    accept: bool,
) -> Result<people::Interest, AppError> {
    let interest = people::interest_by_id(db, id)
        .await
        .map_err(|_| AppError::forbidden("this interest is not addressed to you"))?;
    if interest.worker != worker.id {
        return Err(AppError::forbidden("this interest is not addressed to you"));
    }
    if interest.status != InterestStatus::Pending {
        return Err(AppError::Conflict(
            "this interest was already answered".into(),
        ));
    }
    let status = if accept {
        InterestStatus::Accepted
    } else {
        InterestStatus::Declined
    };
    Ok(people::answer_interest(db, id, status).await?)
}
