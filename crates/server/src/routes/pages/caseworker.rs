//! The caseworker's pages: the caseload table, a worker's page with recommendations, plans
//! and the contact log, and the plan builder (prefilled by the engine; add, remove, reorder
//! steps; coverage and weeks; assign).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use chrono::Utc;
use reskill_core::accounts::{ContactChannel, PlanStatus, Role, StepKind};
use reskill_core::{CourseId, OccupationId, PlanId, WorkerId};
use reskill_store::people::{self, Plan};
use serde_json::{Value, json};

use super::{PageError, PagePath, PageResult, Visitor, positive_id, render, see_other};
use crate::policy::{self, Access};
use crate::routes::caseworker::{CaseloadParams, load_caseload};
use crate::services::caseload::{self, PlanInput, PlanRevision, StepInput};
use crate::services::workers;
use crate::views::{ContactView, PlanView};
use crate::{AppError, AppState};

const STAFF: &[Role] = &[Role::Caseworker, Role::Admin];

/// Shows the caseload as a table, sorted and filtered by query parameters, with a CSV link.
#[utoipa::path(get, path = "/caseload", tag = "pages",
    params(("sort" = Option<String>, Query, description = "risk, last_contact or plan_status"), ("risk_band" = Option<String>, Query, description = "low, medium or high"), ("plan_status" = Option<String>, Query, description = "none, draft, active, completed or abandoned")),
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_caseload(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> PageResult {
    let user = visitor.require(STAFF)?;
    // Empty select values mean "any": drop them before the API's strict parser sees them.
    let query: String = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, v)| !v.is_empty() && k != "cursor" && k != "limit")
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(&k, &v);
                s
            },
        )
        .finish();
    let params: CaseloadParams = serde_urlencoded::from_str(&query)
        .map_err(|e| AppError::invalid("query", format!("the filters are not valid: {e}")))?;
    let rows = load_caseload(&state, user, &params).await?;
    let export = if query.is_empty() {
        "/api/v1/caseload/export.csv".to_owned()
    } else {
        format!("/api/v1/caseload/export.csv?{query}")
    };
    render(
        &state,
        &visitor,
        "caseload.html",
        "Your caseload",
        json!({
            "rows": rows,
            "sort": params.sort.unwrap_or_else(|| "risk".into()),
            "risk_band": params.risk_band,
            "plan_status": params.plan_status,
            "export": export,
        }),
    )
}

fn worker_id(value: &str) -> Result<WorkerId, PageError> {
    Ok(WorkerId(positive_id(value, "worker")?))
}

/// Shows one worker: profile, recommended transitions, plans, contact log.
#[utoipa::path(get, path = "/caseload/workers/{worker_id}", tag = "pages",
    params(("worker_id" = i64, Path, description = "Worker key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 403, content_type = "text/html", body = String)))]
pub async fn show_worker_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
) -> PageResult {
    let id = worker_id(&id)?;
    let user = visitor.require(STAFF)?;
    let grant = policy::worker(&state.db, user, id, Access::Read, "worker.read").await?;
    let engine = state.engine();
    let profile = workers::profile(&state.db, &engine, &grant.worker).await?;
    let recommendation = super::recommendations_or_none(&state, &grant.worker, 5, 0).await?;
    let transitions: Vec<Value> = recommendation
        .iter()
        .flat_map(|r| r.transitions.iter())
        .map(super::transition_view)
        .collect();
    let plans: Vec<PlanView> = people::plans_of_worker(&state.db, id)
        .await?
        .into_iter()
        .map(|p| PlanView::build(&engine, p))
        .collect();
    let contacts: Vec<ContactView> = people::contacts(&state.db, id, None, 200)
        .await?
        .into_iter()
        .map(ContactView::from)
        .collect();
    let name = profile
        .display_name
        .clone()
        .unwrap_or_else(|| format!("Worker {}", id.0));
    render(
        &state,
        &visitor,
        "worker.html",
        &name,
        json!({
            "name": name,
            "profile": profile,
            "transitions": transitions,
            "plans": plans,
            "contacts": contacts,
            "can_write": user.role == Role::Caseworker,
        }),
    )
}

/// Starts a draft plan for a worker, prefilled with the engine's course plan to the target.
#[utoipa::path(post, path = "/caseload/workers/{worker_id}/plans", tag = "pages",
    params(("worker_id" = i64, Path, description = "Worker key")),
    responses((status = 303, description = "draft created; see the plan builder")))]
pub async fn start_plan(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = worker_id(&id)?;
    let (user, form) = visitor.posted(STAFF, &body)?;
    let grant = policy::worker(&state.db, user, id, Access::Write, "plan.create").await?;
    let engine = state.engine();
    let target = OccupationId(positive_id(form.get("target").unwrap_or(""), "target")?);
    if engine.occupation(target).is_none() {
        return Err(AppError::invalid("target", "no occupation has this key").into());
    }
    let plan = caseload::create_plan(
        &state.db,
        &engine,
        user.id,
        &grant.worker,
        PlanInput {
            target,
            steps: None,
            target_openings: Vec::new(),
            milestones: Vec::new(),
            notes: String::new(),
            status: PlanStatus::Draft,
        },
    )
    .await?;
    see_other(&format!("/caseload/plans/{}", plan.id))
}

fn plan_id(value: &str) -> Result<PlanId, PageError> {
    Ok(PlanId(positive_id(value, "plan")?))
}

/// Shows the plan builder: steps with reorder and remove buttons, courses to add, and what
/// the plan covers of the gap and how many weeks it takes.
#[utoipa::path(get, path = "/caseload/plans/{plan_id}", tag = "pages",
    params(("plan_id" = i64, Path, description = "Plan key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 403, content_type = "text/html", body = String)))]
pub async fn show_plan_builder(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
) -> PageResult {
    let id = plan_id(&id)?;
    let user = visitor.require(STAFF)?;
    let (plan, grant) = policy::plan(&state.db, user, id, Access::Read, "plan.read").await?;
    let engine = state.engine();
    let skills = workers::worker_skill_inputs(&state.db, grant.worker.id).await?;
    let courses: Vec<CourseId> = plan.steps.iter().filter_map(|s| s.course).collect();
    let coverage = {
        let engine = engine.clone();
        let target = plan.target_occupation;
        tokio::task::spawn_blocking(move || {
            caseload::plan_coverage(&engine, &skills, target, &courses)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("coverage task failed: {e}")))?
    };
    let worker_name = workers::profile(&state.db, &engine, &grant.worker)
        .await?
        .display_name
        .unwrap_or_else(|| format!("Worker {}", grant.worker.id.0));
    let view = PlanView::build(&engine, plan);
    let title = format!("Plan: {}", view.target_occupation.label);
    render(
        &state,
        &visitor,
        "plan_builder.html",
        &title,
        json!({
            "plan": view,
            "worker_name": worker_name,
            "worker_id": grant.worker.id.0,
            "covered": super::percent(coverage.covered_share),
            "coverage": coverage,
            "can_write": user.role == Role::Caseworker || user.role == Role::Admin,
        }),
    )
}

fn step_inputs(plan: &Plan) -> Vec<StepInput> {
    plan.steps
        .iter()
        .map(|s| StepInput {
            kind: s.kind,
            course: s.course,
            opening: s.opening,
            title: Some(s.title.clone()),
            due_on: s.due_on,
        })
        .collect()
}

/// Changes a plan's steps: `action` is add (with `course_id` or a milestone `title`),
/// remove, up or down (with `index`).
#[utoipa::path(post, path = "/caseload/plans/{plan_id}/steps", tag = "pages",
    params(("plan_id" = i64, Path, description = "Plan key")),
    responses((status = 303, description = "changed; back to the plan builder"), (status = 400, content_type = "text/html", body = String)))]
pub async fn change_plan_steps(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = plan_id(&id)?;
    let (user, form) = visitor.posted(STAFF, &body)?;
    let (plan, grant) = policy::plan(&state.db, user, id, Access::Write, "plan.revise").await?;
    let engine = state.engine();
    let mut steps = step_inputs(&plan);
    let index = || -> Result<usize, PageError> {
        form.get("index")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < steps.len())
            .ok_or_else(|| AppError::invalid("index", "no step has this position").into())
    };
    match form.get("action").unwrap_or("") {
        "add" => {
            let title = form.text("title");
            if let Some(course) = form.get("course_id").filter(|c| !c.is_empty()) {
                let course = CourseId(positive_id(course, "course_id")?);
                if engine.courses.get(course).is_none() {
                    return Err(AppError::invalid("course_id", "no course has this key").into());
                }
                steps.push(StepInput {
                    kind: StepKind::Course,
                    course: Some(course),
                    opening: None,
                    title: None,
                    due_on: None,
                });
            } else if !title.is_empty() && title.chars().count() <= 200 {
                steps.push(StepInput {
                    kind: StepKind::Milestone,
                    course: None,
                    opening: None,
                    title: Some(title),
                    due_on: None,
                });
            } else {
                return Err(AppError::invalid(
                    "course_id",
                    "choose a course, or write a milestone of at most 200 characters",
                )
                .into());
            }
        }
        "remove" => {
            let i = index()?;
            steps.remove(i);
        }
        "up" => {
            let i = index()?;
            if i > 0 {
                steps.swap(i, i - 1);
            }
        }
        "down" => {
            let i = index()?;
            if i + 1 < steps.len() {
                steps.swap(i, i + 1);
            }
        }
        _ => {
            return Err(
                AppError::invalid("action", "action must be add, remove, up or down").into(),
            );
        }
    }
    caseload::revise_plan(
        &state.db,
        &engine,
        user.id,
        &grant.worker,
        plan.id,
        PlanRevision {
            steps: Some(steps),
            ..PlanRevision::default()
        },
    )
    .await?;
    see_other(&format!("/caseload/plans/{}#steps", plan.id))
}

/// Assigns a draft plan: it becomes active and the worker is emailed.
#[utoipa::path(post, path = "/caseload/plans/{plan_id}/assign", tag = "pages",
    params(("plan_id" = i64, Path, description = "Plan key")),
    responses((status = 303, description = "assigned")))]
pub async fn assign_plan(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = plan_id(&id)?;
    let (user, _) = visitor.posted(STAFF, &body)?;
    let (plan, grant) = policy::plan(&state.db, user, id, Access::Write, "plan.revise").await?;
    caseload::revise_plan(
        &state.db,
        &state.engine(),
        user.id,
        &grant.worker,
        plan.id,
        PlanRevision {
            status: Some(PlanStatus::Active),
            ..PlanRevision::default()
        },
    )
    .await?;
    see_other(&format!("/caseload/plans/{}", plan.id))
}

/// Records a contact with a worker in the contact log.
#[utoipa::path(post, path = "/caseload/workers/{worker_id}/contacts", tag = "pages",
    params(("worker_id" = i64, Path, description = "Worker key")),
    responses((status = 303, description = "recorded")))]
pub async fn add_contact(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = worker_id(&id)?;
    let (user, form) = visitor.posted(&[Role::Caseworker], &body)?;
    let grant = policy::worker(&state.db, user, id, Access::Write, "contact.create").await?;
    let channel = ContactChannel::parse_field(form.get("channel").unwrap_or(""), "channel")?;
    let note = form.text("note");
    if note.chars().count() > 5_000 {
        return Err(AppError::invalid("note", "the note must be at most 5,000 characters").into());
    }
    caseload::record_contact(
        &state.db,
        grant.worker.id,
        user.id,
        Utc::now(),
        channel,
        &note,
    )
    .await?;
    see_other(&format!("/caseload/workers/{}#contacts", id.0))
}
