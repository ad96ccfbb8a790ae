//! Caseworker flows: the caseload (filtered and sorted by risk band, time since last contact
//! and plan status; CSV export), plans prefilled by the matching engine with their history,
//! contacts, and outcomes.

use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::accounts::{ContactChannel, Outcome, PlanStatus, Role, StepKind, StepStatus};
use reskill_core::{CourseId, OccupationId, OpeningId, PlanId, UserId, WorkerId};
use reskill_store::people::{self, NewPlan, NewPlanStep, PlanUpdate, Worker, WorkerFilter};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::AppError;
use crate::services::engine::Engine;
use crate::views::{OccupationView, PlanView};

/// One row of a caseload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseloadEntry {
    /// Worker key.
    pub worker_id: i64,
    /// Name (account name, or the name a caseworker recorded).
    pub display_name: Option<String>,
    /// Current or last occupation.
    pub occupation: Option<OccupationView>,
    /// Automation-risk band of that occupation: low, medium or high.
    pub risk_band: Option<String>,
    /// Last contact.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Whole days since the last contact (none: never contacted).
    pub days_since_contact: Option<i64>,
    /// Status of the newest plan, or `none`.
    pub plan_status: String,
    /// The newest plan.
    pub plan_id: Option<i64>,
    /// Assigned caseworker.
    pub caseworker_id: Option<i64>,
}

/// How to sort a caseload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseloadSort {
    /// Highest risk first.
    Risk,
    /// Longest without contact first (never contacted first of all).
    LastContact,
    /// By plan status: none, draft, active, completed, abandoned.
    PlanStatus,
}

/// Filters of a caseload.
#[derive(Debug, Clone, Default)]
pub struct CaseloadFilter {
    /// Only this band.
    pub risk_band: Option<String>,
    /// Only this plan status (`none` for no plan).
    pub plan_status: Option<String>,
    /// Only workers not contacted for at least this many days.
    pub min_days_since_contact: Option<i64>,
}

fn plan_rank(status: &str) -> u8 {
    match status {
        "none" => 0,
        "draft" => 1,
        "active" => 2,
        "completed" => 3,
        _ => 4,
    }
}

fn band_rank(band: Option<&str>) -> u8 {
    match band {
        Some("high") => 0,
        Some("medium") => 1,
        Some("low") => 2,
        _ => 3,
    }
}

/// Returns the caseload of `caseworker` (or every assigned worker for `None`), filtered and
/// sorted.
pub async fn caseload(
    db: &DatabaseConnection,
    engine: &Engine,
    caseworker: Option<UserId>,
    filter: &CaseloadFilter,
    sort: CaseloadSort,
) -> Result<Vec<CaseloadEntry>, AppError> {
    let workers = people::list_workers(
        db,
        &WorkerFilter {
            caseworker,
            ..Default::default()
        },
        None,
        100_000,
    )
    .await?;
    let workers: Vec<Worker> = workers
        .into_iter()
        .filter(|w| caseworker.is_some() || w.caseworker_id.is_some())
        .collect();
    let plans = people::plan_summaries(db).await?;
    let names = account_names(db, &workers).await?;
    let now = Utc::now();
    let mut rows: Vec<CaseloadEntry> = workers
        .iter()
        .map(|w| {
            let newest = plans.iter().rev().find(|(_, worker, _, _)| *worker == w.id);
            CaseloadEntry {
                worker_id: w.id.0,
                display_name: w
                    .display_name
                    .clone()
                    .or_else(|| w.user_id.and_then(|u| names.get(&u).cloned())),
                occupation: w.occupation_id.map(|o| OccupationView::of(engine, o)),
                risk_band: w
                    .occupation_id
                    .and_then(|o| engine.risk(o))
                    .map(|r| r.band.as_str().to_owned()),
                last_contact_at: w.last_contact_at,
                days_since_contact: w.last_contact_at.map(|at| (now - at).num_days()),
                plan_status: newest
                    .map(|(_, _, _, status)| status.as_str().to_owned())
                    .unwrap_or_else(|| "none".to_owned()),
                plan_id: newest.map(|(id, _, _, _)| id.0),
                caseworker_id: w.caseworker_id.map(|c| c.0),
            }
        })
        .filter(|row| {
            filter
                .risk_band
                .as_deref()
                .is_none_or(|band| row.risk_band.as_deref() == Some(band))
                && filter
                    .plan_status
                    .as_deref()
                    .is_none_or(|status| row.plan_status == status)
                && filter
                    .min_days_since_contact
                    .is_none_or(|days| row.days_since_contact.is_none_or(|d| d >= days))
        })
        .collect();
    match sort {
        CaseloadSort::Risk => {
            rows.sort_by_key(|r| (band_rank(r.risk_band.as_deref()), r.worker_id))
        }
        CaseloadSort::LastContact => {
            rows.sort_by_key(|r| (r.last_contact_at.map(|t| t.timestamp()), r.worker_id))
        }
        CaseloadSort::PlanStatus => rows.sort_by_key(|r| (plan_rank(&r.plan_status), r.worker_id)),
    }
    Ok(rows)
}

async fn account_names(
    db: &DatabaseConnection,
    workers: &[Worker],
) -> Result<std::collections::HashMap<UserId, String>, AppError> {
    let mut names = std::collections::HashMap::new();
    for user in workers.iter().filter_map(|w| w.user_id) {
        if let Ok(account) = reskill_store::accounts::user_by_id(db, user).await {
            names.insert(user, account.display_name);
        }
    }
    Ok(names)
}

/// Renders a caseload as CSV (RFC 4180, header row first).
pub fn caseload_csv(rows: &[CaseloadEntry]) -> String {
    fn field(value: &str) -> String {
        // Quote everything that could break the row, and neutralise spreadsheet formulas.
        let value = if value.starts_with(['=', '+', '-', '@']) {
            format!("'{value}")
        } else {
            value.to_owned()
        };
        if value.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value
        }
    }
    let mut out = String::from(
        "worker_id,display_name,occupation,risk_band,last_contact_at,days_since_contact,plan_status,plan_id\r\n",
    );
    for r in rows {
        let cells = [
            r.worker_id.to_string(),
            r.display_name.clone().unwrap_or_default(),
            r.occupation
                .as_ref()
                .map(|o| o.label.clone())
                .unwrap_or_default(),
            r.risk_band.clone().unwrap_or_default(),
            r.last_contact_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            r.days_since_contact
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.plan_status.clone(),
            r.plan_id.map(|p| p.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A validated plan step.
#[derive(Debug, Clone)]
pub struct StepInput {
    /// Kind.
    pub kind: StepKind,
    /// Course.
    pub course: Option<CourseId>,
    /// Opening.
    pub opening: Option<OpeningId>,
    /// Title (defaults to the course's or opening's).
    pub title: Option<String>,
    /// Due date.
    pub due_on: Option<NaiveDate>,
}

/// A validated plan.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Target occupation.
    pub target: OccupationId,
    /// Explicit steps; `None` prefills course steps from the engine's plan.
    pub steps: Option<Vec<StepInput>>,
    /// Target openings (added as opening steps).
    pub target_openings: Vec<OpeningId>,
    /// Milestones (added after the courses).
    pub milestones: Vec<(String, Option<NaiveDate>)>,
    /// Notes.
    pub notes: String,
    /// draft or active.
    pub status: PlanStatus,
}

fn course_title(engine: &Engine, course: CourseId) -> String {
    engine
        .course_labels
        .get(&course)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| format!("course {course}"))
}

/// Builds the steps of a plan: explicit ones, or the engine's course plan from the worker's
/// skills to the target, then target openings and milestones.
pub fn build_steps(
    engine: &Engine,
    worker: &Worker,
    skills: &[reskill_core::matching::WorkerSkill],
    input: &PlanInput,
) -> Vec<NewPlanStep> {
    let mut steps = Vec::new();
    match &input.steps {
        Some(explicit) => {
            for s in explicit {
                let title =
                    s.title
                        .clone()
                        .unwrap_or_else(|| match (s.kind, s.course, s.opening) {
                            (StepKind::Course, Some(c), _) => course_title(engine, c),
                            (StepKind::Opening, _, Some(o)) => format!("apply for opening {o}"),
                            _ => "milestone".to_owned(),
                        });
                steps.push(NewPlanStep {
                    kind: s.kind,
                    course: s.course,
                    opening: s.opening,
                    title,
                    status: StepStatus::Todo,
                    due_on: s.due_on,
                });
            }
        }
        None => {
            let matcher = engine.matcher();
            let profile = matcher.profile(skills);
            if let Some(gap) = matcher.gap(&profile, input.target) {
                let constraints = reskill_core::matching::PlanConstraints {
                    max_weeks: worker.max_training_weeks,
                    budget: worker.budget,
                    ..Default::default()
                };
                let plan = matcher.plan_courses(&gap, &engine.courses, &constraints);
                for step in plan.steps {
                    steps.push(NewPlanStep {
                        kind: StepKind::Course,
                        course: Some(step.course),
                        opening: None,
                        title: course_title(engine, step.course),
                        status: StepStatus::Todo,
                        due_on: None,
                    });
                }
            }
        }
    }
    for opening in &input.target_openings {
        steps.push(NewPlanStep {
            kind: StepKind::Opening,
            course: None,
            opening: Some(*opening),
            title: format!("apply for opening {opening}"),
            status: StepStatus::Todo,
            due_on: None,
        });
    }
    for (title, due_on) in &input.milestones {
        steps.push(NewPlanStep {
            kind: StepKind::Milestone,
            course: None,
            opening: None,
            title: title.clone(),
            status: StepStatus::Todo,
            due_on: *due_on,
        });
    }
    steps
}

/// Creates a plan for a worker; an active plan emails the worker (through the outbox).
pub async fn create_plan(
    db: &DatabaseConnection,
    engine: &Engine,
    actor: UserId,
    worker: &Worker,
    input: PlanInput,
) -> Result<PlanView, AppError> {
    let skills = super::workers::worker_skill_inputs(db, worker.id).await?;
    let steps = build_steps(engine, worker, &skills, &input);
    let txn = reskill_store::db::begin_write(db).await?;
    let plan = people::create_plan(
        &txn,
        NewPlan {
            worker: worker.id,
            caseworker: Some(actor),
            target_occupation: input.target,
            status: input.status,
            notes: input.notes.clone(),
            steps,
        },
        Some(actor),
        json!({"created": {"target_occupation": input.target, "status": input.status}}),
    )
    .await?;
    if input.status == PlanStatus::Active {
        let email = PlanEmail {
            plan: plan.id,
            target: input.target,
            changed: false,
            own_plan: false,
        };
        queue_plan_email(&txn, engine, actor, worker, email).await?;
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(PlanView::build(engine, plan))
}

/// What the worker is told about a plan.
struct PlanEmail {
    plan: PlanId,
    target: OccupationId,
    /// An active plan's target or steps changed (rather than the plan becoming active).
    changed: bool,
    /// The worker made the plan (saved it from a pathway), and staff changed it later.
    own_plan: bool,
}

/// Queues the "plan assigned" email, naming who acted (a caseworker or an administrator);
/// nothing when the worker acted on their own plan.
async fn queue_plan_email(
    db: &impl sea_orm::ConnectionTrait,
    engine: &Engine,
    actor: UserId,
    worker: &Worker,
    email: PlanEmail,
) -> Result<(), AppError> {
    let Some(user) = worker.user_id else {
        return Ok(());
    };
    if user == actor {
        return Ok(());
    }
    let actor_role = reskill_store::accounts::user_by_id(db, actor).await?.role;
    let PlanEmail {
        plan,
        target,
        changed,
        own_plan,
    } = email;
    let account = reskill_store::accounts::user_by_id(db, user).await?;
    reskill_store::accounts::enqueue_email(
        db,
        reskill_store::accounts::NewEmail {
            dedupe_key: format!("plan_assigned:{plan}:{}", Utc::now().timestamp_micros()),
            to: account.email,
            template: "plan_assigned".to_owned(),
            payload: json!({
                "display_name": account.display_name,
                "plan_id": plan,
                "target_occupation": OccupationView::of(engine, target).label,
                "changed": changed,
                "own_plan": own_plan,
                "actor": if actor_role == Role::Admin { "admin" } else { "caseworker" },
            }),
        },
    )
    .await?;
    Ok(())
}

/// A validated plan revision.
#[derive(Debug, Clone, Default)]
pub struct PlanRevision {
    /// New target.
    pub target: Option<OccupationId>,
    /// New status.
    pub status: Option<PlanStatus>,
    /// New notes.
    pub notes: Option<String>,
    /// Replacement steps.
    pub steps: Option<Vec<StepInput>>,
}

/// Revises a plan, keeping its history.
pub async fn revise_plan(
    db: &DatabaseConnection,
    engine: &Engine,
    actor: UserId,
    worker: &Worker,
    plan: PlanId,
    revision: PlanRevision,
) -> Result<PlanView, AppError> {
    let current = people::plan_by_id(db, plan).await?;
    let steps = revision.steps.clone().map(|explicit| {
        build_steps(
            engine,
            worker,
            &[],
            &PlanInput {
                target: revision.target.unwrap_or(current.target_occupation),
                steps: Some(explicit),
                target_openings: Vec::new(),
                milestones: Vec::new(),
                notes: String::new(),
                status: PlanStatus::Draft,
            },
        )
    });
    let change = json!({
        "revised": {
            "target_occupation": revision.target,
            "status": revision.status,
            "notes_changed": revision.notes.is_some(),
            "steps_replaced": steps.as_ref().map(|s| s.len()),
        }
    });
    let becomes_active =
        revision.status == Some(PlanStatus::Active) && current.status != PlanStatus::Active;
    let txn = reskill_store::db::begin_write(db).await?;
    let updated = people::update_plan(
        &txn,
        plan,
        PlanUpdate {
            target_occupation: revision.target,
            status: revision.status,
            notes: revision.notes,
            steps,
        },
        Some(actor),
        change,
    )
    .await?;
    // The worker hears of a plan when it becomes active, and of each later change to what an
    // active plan asks of them (its target or its steps); notes and drafts stay internal.
    let changed_while_active = current.status == PlanStatus::Active
        && updated.status == PlanStatus::Active
        && (updated.target_occupation != current.target_occupation
            || updated.steps != current.steps);
    if becomes_active || changed_while_active {
        let email = PlanEmail {
            plan,
            target: updated.target_occupation,
            changed: changed_while_active,
            own_plan: current.caseworker.is_none(),
        };
        queue_plan_email(&txn, engine, actor, worker, email).await?;
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(PlanView::build(engine, updated))
}

/// Records a contact with a worker.
pub async fn record_contact(
    db: &DatabaseConnection,
    worker: WorkerId,
    caseworker: UserId,
    at: DateTime<Utc>,
    channel: ContactChannel,
    note: &str,
) -> Result<people::Contact, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let contact = people::record_contact(&txn, worker, caseworker, at, channel, note).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(contact)
}

/// Records the outcome as the worker leaves the caseload; open plans are closed (completed
/// for a hire into the plan's target, abandoned otherwise).
pub async fn record_outcome(
    db: &DatabaseConnection,
    worker: WorkerId,
    outcome: Outcome,
    occupation: Option<OccupationId>,
    opening: Option<OpeningId>,
) -> Result<Worker, AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let updated = people::record_outcome(
        &txn,
        worker,
        people::NewOutcome {
            outcome,
            occupation,
            opening,
        },
    )
    .await?;
    for plan in people::plans_of_worker(&txn, worker).await? {
        if matches!(plan.status, PlanStatus::Draft | PlanStatus::Active) {
            let status = if outcome == Outcome::Hired && occupation == Some(plan.target_occupation)
            {
                PlanStatus::Completed
            } else {
                PlanStatus::Abandoned
            };
            people::set_plan_status(&txn, plan.id, status).await?;
            people::record_plan_history(
                &txn,
                plan.id,
                None,
                json!({"status": status, "reason": "outcome recorded"}),
            )
            .await?;
        }
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(updated)
}

/// What a plan's courses do for a worker's gap to its target: the share of the essential gap
/// (by weight) they cover, the weeks and cost they take, and what stays missing.
#[derive(Debug, Clone, Serialize)]
pub struct PlanCoverage {
    /// Covered share of the essential gap's weight, 0 to 1 (1 when there is no gap).
    pub covered_share: f64,
    /// Essential skills missing, and how many of them the plan's courses teach: the figures
    /// the pathway page and the API's plans give too.
    pub essential_gap: usize,
    /// See `essential_gap`.
    pub essential_covered: usize,
    /// Total weeks of the courses.
    pub weeks: f64,
    /// Total cost of the courses.
    pub cost: f64,
    /// Essential skills no course of the plan teaches.
    pub missing: Vec<String>,
    /// Courses that teach part of the gap, not yet in the plan (shortest first).
    pub candidates: Vec<CourseOption>,
}

/// A course that could be added to a plan.
#[derive(Debug, Clone, Serialize)]
pub struct CourseOption {
    /// Key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Weeks.
    pub weeks: f64,
    /// How many missing essential skills it teaches.
    pub teaches: usize,
}

/// Computes the coverage of `courses` over the gap of `skills` to `target`.
pub fn plan_coverage(
    engine: &Engine,
    skills: &[reskill_core::matching::WorkerSkill],
    target: OccupationId,
    courses: &[CourseId],
) -> PlanCoverage {
    let matcher = engine.matcher();
    let profile = matcher.profile(skills);
    let gap = matcher.gap(&profile, target);
    let essential: Vec<_> = gap.map(|g| g.essential).unwrap_or_default();
    let inputs: Vec<_> = courses
        .iter()
        .filter_map(|id| engine.courses.get(*id))
        .collect();
    let taught = |skill: reskill_core::SkillId| inputs.iter().any(|c| c.skills.contains(&skill));
    let total: f64 = essential.iter().map(|s| s.requirement_weight).sum();
    let covered: f64 = essential
        .iter()
        .filter(|s| taught(s.skill.id))
        .map(|s| s.requirement_weight)
        .sum();
    let missing_ids: Vec<_> = essential
        .iter()
        .filter(|s| !taught(s.skill.id))
        .map(|s| s.skill.id)
        .collect();
    let mut candidates: Vec<CourseOption> = engine
        .courses
        .courses()
        .iter()
        .filter(|c| !courses.contains(&c.id))
        .filter_map(|c| {
            let teaches = missing_ids.iter().filter(|s| c.skills.contains(s)).count();
            (teaches > 0).then(|| CourseOption {
                id: c.id.0,
                title: course_title(engine, c.id),
                weeks: c.weeks,
                teaches,
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.teaches
            .cmp(&a.teaches)
            .then(a.weeks.total_cmp(&b.weeks))
            .then(a.id.cmp(&b.id))
    });
    candidates.truncate(15);
    PlanCoverage {
        covered_share: if total > 0.0 { covered / total } else { 1.0 },
        essential_gap: essential.len(),
        essential_covered: essential.len() - missing_ids.len(),
        weeks: inputs.iter().map(|c| c.weeks).sum(),
        cost: inputs.iter().map(|c| c.cost).sum(),
        missing: essential
            .iter()
            .filter(|s| !taught(s.skill.id))
            .map(|s| s.skill.label.clone())
            .collect(),
        candidates,
    }
}
