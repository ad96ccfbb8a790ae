//! Employer flows: openings with required skills (suggested from the title), and candidates
//! for an opening ranked by fit now and fit after a course plan ("ready in N weeks"), masked
//! until the candidate accepts an expression of interest.

use reskill_core::accounts::ConsentPurpose;
use reskill_core::matching::{OpeningInput, PlanConstraints};
use reskill_core::{OpeningId, SkillId, WorkerId};
use reskill_store::openings::ManagedOpening;
use reskill_store::people;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::policy::{self, CandidateVisibility};
use crate::services::engine::{Engine, resolve_occupation};
use crate::views::{OccupationView, SkillView};
use crate::{AppError, AppState};

/// Skills suggested for a job title.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillSuggestions {
    /// The occupation the title resolved to.
    pub occupation: Option<OccupationView>,
    /// Its essential skills, most informative first.
    pub essential: Vec<SkillView>,
    /// Its optional skills, most informative first.
    pub optional: Vec<SkillView>,
}

/// Suggests required skills from a job title, through the occupation search.
pub async fn suggest_skills(state: &AppState, title: String) -> Result<SkillSuggestions, AppError> {
    let engine = state.engine();
    let (search_engine, search_state) = (engine.clone(), state.clone());
    let resolved = tokio::task::spawn_blocking(move || {
        resolve_occupation(
            &search_engine,
            &search_state.search,
            &search_state.semantic,
            &title,
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?;
    let Ok(resolved) = resolved else {
        return Ok(SkillSuggestions {
            occupation: None,
            essential: Vec::new(),
            optional: Vec::new(),
        });
    };
    let occupation = resolved.occupation().id;
    let mut requirements = engine.taxonomy.requirements(occupation).unwrap_or_default();
    requirements.sort_by(|a, b| {
        let idf = |s: SkillId| engine.taxonomy.skill_idf(s).unwrap_or(0.0);
        idf(b.0).total_cmp(&idf(a.0)).then(a.0.cmp(&b.0))
    });
    let (essential, optional): (Vec<_>, Vec<_>) = requirements
        .into_iter()
        .partition(|(_, relation, _)| *relation == reskill_core::taxonomy::RelationType::Essential);
    Ok(SkillSuggestions {
        occupation: Some(OccupationView::of(&engine, occupation)),
        essential: essential
            .into_iter()
            .map(|(s, _, _)| SkillView::of(&engine, s))
            .collect(),
        optional: optional
            .into_iter()
            .map(|(s, _, _)| SkillView::of(&engine, s))
            .collect(),
    })
}

/// A candidate for an opening.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    /// Worker key (stable, so an interest can be expressed while masked).
    pub worker_id: i64,
    /// Whether name and contact details are shown (the candidate accepted an interest).
    pub revealed: bool,
    /// Name (revealed only).
    pub display_name: Option<String>,
    /// Email (revealed only).
    pub email: Option<String>,
    /// Region (always; no finer location while masked).
    pub region: Option<String>,
    /// Current or last occupation.
    pub occupation: Option<OccupationView>,
    /// Fit to the opening's requirements now, in [0, 1].
    pub fit_now: f64,
    /// Fit once the course plan is done.
    pub fit_after_plan: f64,
    /// Weeks of study the plan takes (0 when nothing is missing or no course helps).
    pub ready_in_weeks: f64,
    /// Courses of the plan.
    pub plan_course_ids: Vec<i64>,
    /// Essential requirements still missing after the plan.
    pub missing_after_plan: Vec<SkillView>,
}

fn opening_input(opening: &ManagedOpening) -> OpeningInput {
    OpeningInput {
        id: opening.id,
        occupation: opening.occupation_id,
        skills: opening.skills.clone(),
        location: None,
        remote: true,
        posted_days_ago: 0,
    }
}

/// Ranks the consenting candidates for an opening: fit now, then fit after a plan (the
/// engine's cheapest-in-weeks course plan over the opening's missing skills).
pub async fn candidates(
    state: &AppState,
    user: &CurrentUser,
    opening: &ManagedOpening,
) -> Result<Vec<Candidate>, AppError> {
    let db: &DatabaseConnection = &state.db;
    let engine = state.engine();
    let organisation_openings = match opening.organisation_id {
        Some(org) => reskill_store::openings::organisation_opening_ids(db, org).await?,
        None => vec![opening.id],
    };
    let consenting = people::workers_with_consent(db, ConsentPurpose::ShareWithEmployers).await?;
    let mut out = Vec::new();
    for worker_id in consenting {
        let worker = people::worker_by_id(db, worker_id).await?;
        if worker.user_id.is_none() {
            continue;
        }
        let visibility = policy::candidate(db, user, worker_id, &organisation_openings).await?;
        let skills = super::workers::worker_skill_inputs(db, worker_id).await?;
        let ranked = rank_candidate(&engine, &skills, opening, &worker);
        let revealed = visibility == CandidateVisibility::Revealed;
        let account = match (revealed, worker.user_id) {
            (true, Some(u)) => Some(reskill_store::accounts::user_by_id(db, u).await?),
            _ => None,
        };
        out.push(Candidate {
            worker_id: worker_id.0,
            revealed,
            display_name: account.as_ref().map(|a| a.display_name.clone()),
            email: account.map(|a| a.email),
            region: worker.region.clone(),
            occupation: worker.occupation_id.map(|o| OccupationView::of(&engine, o)),
            fit_now: ranked.0,
            fit_after_plan: ranked.1,
            ready_in_weeks: ranked.2,
            plan_course_ids: ranked.3,
            missing_after_plan: ranked
                .4
                .into_iter()
                .map(|s| SkillView::of(&engine, s))
                .collect(),
        });
    }
    out.sort_by(|a, b| {
        b.fit_now
            .total_cmp(&a.fit_now)
            .then(b.fit_after_plan.total_cmp(&a.fit_after_plan))
            .then(a.worker_id.cmp(&b.worker_id))
    });
    Ok(out)
}

/// Returns `(fit now, fit after plan, plan weeks, plan courses, essential skills still
/// missing)` of a worker for an opening.
fn rank_candidate(
    engine: &Engine,
    skills: &[reskill_core::matching::WorkerSkill],
    opening: &ManagedOpening,
    worker: &people::Worker,
) -> (f64, f64, f64, Vec<i64>, Vec<SkillId>) {
    let matcher = engine.matcher();
    let held: std::collections::HashSet<SkillId> = skills.iter().map(|s| s.skill).collect();
    let missing: Vec<(SkillId, bool)> = opening
        .skills
        .iter()
        .filter(|(s, _)| !held.contains(s))
        .copied()
        .collect();
    // Courses teaching a missing skill, cheapest in weeks first, greedily until nothing more
    // is covered (the opening's gap is not an occupation's, so the occupation planner does
    // not apply directly).
    let constraints = PlanConstraints {
        max_weeks: worker.max_training_weeks,
        budget: worker.budget,
        ..Default::default()
    };
    let mut open: std::collections::HashSet<SkillId> = missing.iter().map(|(s, _)| *s).collect();
    let mut courses: Vec<&reskill_core::matching::CourseInput> =
        engine.courses.courses().iter().collect();
    courses.sort_by(|a, b| a.weeks.total_cmp(&b.weeks).then(a.id.cmp(&b.id)));
    let (mut weeks, mut cost, mut chosen, mut plan_skills) = (0.0, 0.0, Vec::new(), Vec::new());
    loop {
        let best = courses
            .iter()
            .filter(|c| {
                constraints.max_weeks.is_none_or(|m| weeks + c.weeks <= m)
                    && constraints.budget.is_none_or(|b| cost + c.cost <= b)
            })
            .map(|c| (c, c.skills.iter().filter(|s| open.contains(s)).count()))
            .filter(|(_, n)| *n > 0)
            .max_by(|a, b| {
                let score = |x: &(&&reskill_core::matching::CourseInput, usize)| {
                    x.1 as f64 / (x.0.weeks + 0.1)
                };
                score(a).total_cmp(&score(b)).then(b.0.id.cmp(&a.0.id))
            });
        let Some((course, _)) = best else { break };
        weeks += course.weeks;
        cost += course.cost;
        chosen.push(course.id.0);
        for s in &course.skills {
            if open.remove(s) {
                plan_skills.push(*s);
            }
        }
        if open.is_empty() || chosen.len() >= 10 {
            break;
        }
    }
    let worker_input = reskill_core::matching::WorkerInput {
        skills: skills.to_vec(),
        current_occupation: worker.occupation_id,
        location: None,
    };
    let ranked = matcher.rank_openings(&worker_input, &plan_skills, &[opening_input(opening)], 1);
    let (fit_now, fit_after) = ranked
        .first()
        .map(|r| (r.fit_now, r.fit_after_plan))
        .unwrap_or((0.0, 0.0));
    let still_missing = missing
        .iter()
        .filter(|(s, essential)| *essential && open.contains(s))
        .map(|(s, _)| *s)
        .collect();
    (fit_now, fit_after, weeks, chosen, still_missing)
}

/// Returns whether worker `id` may receive an interest for an opening: they consented.
pub async fn check_candidate(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: WorkerId,
    organisation_openings: &[OpeningId],
) -> Result<(), AppError> {
    policy::candidate(db, user, id, organisation_openings).await?;
    Ok(())
}

/// Records an employer's interest in a consenting candidate for `opening` and emails the
/// candidate (through the outbox, in the same transaction).
pub async fn express_interest(
    db: &DatabaseConnection,
    user: &CurrentUser,
    opening: &ManagedOpening,
    worker: WorkerId,
    message: &str,
) -> Result<people::Interest, AppError> {
    check_candidate(db, user, worker, &[opening.id]).await?;
    let txn = reskill_store::db::begin_write(db).await?;
    let interest = people::create_interest(&txn, opening.id, worker, user.id, message).await?;
    if let Some(account) = people::worker_by_id(&txn, worker).await?.user_id {
        let account = reskill_store::accounts::user_by_id(&txn, account).await?;
        reskill_store::accounts::enqueue_email(
            &txn,
            reskill_store::accounts::NewEmail {
                dedupe_key: format!("interest:{}", interest.id),
                to: account.email,
                template: "employer_interest".to_owned(),
                payload: serde_json::json!({
                    "display_name": account.display_name,
                    "opening_title": opening.title,
                    "interest_id": interest.id,
                }),
            },
        )
        .await?;
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(interest)
}

/// Creates an opening for `organisation`; the change-log row written with it carries it to
/// the search index.
pub async fn create_opening(
    db: &DatabaseConnection,
    organisation: reskill_core::OrganisationId,
    draft: reskill_store::openings::OpeningDraft,
) -> Result<ManagedOpening, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let opening = reskill_store::openings::create_opening(&txn, organisation, draft).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(opening)
}

/// Replaces opening `id` (already checked by `policy::manage_opening`) with `draft`; the
/// change-log row written with it carries the change to the search index.
pub async fn update_opening(
    db: &DatabaseConnection,
    id: reskill_core::OpeningId,
    draft: reskill_store::openings::OpeningDraft,
) -> Result<ManagedOpening, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let opening = reskill_store::openings::update_opening(&txn, id, draft).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(opening)
}

/// Closes `current`, keeping everything else about it.
pub async fn close_opening(
    db: &DatabaseConnection,
    current: &ManagedOpening,
) -> Result<ManagedOpening, AppError> {
    let draft = reskill_store::openings::OpeningDraft {
        title: current.title.clone(),
        occupation_id: current.occupation_id,
        description: current.description.clone(),
        place_name: current.place_name.clone(),
        region: current.region.clone(),
        country: current.country.clone(),
        coordinates: current.lat.zip(current.lon),
        remote: current.remote,
        salary_min: current.salary_min,
        salary_max: current.salary_max,
        currency: current.currency.clone(),
        status: reskill_core::catalog::OpeningStatus::Closed,
        expires_on: current.expires_on,
        skills: current.skills.clone(),
    };
    update_opening(db, current.id, draft).await
}
