//! Caseworker routes: the caseload and its CSV export, claiming, a worker's profile and
//! recommendations, plans with history, contacts and outcomes. Admins may use them all.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::accounts::{ContactChannel, Outcome, PlanStatus, Role, StepKind, validate_text};
use reskill_core::{CourseId, OccupationId, OpeningId, PlanId, UserId, WorkerId};
use reskill_store::people;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiJson, ApiPath, ApiQuery, Page, PageQuery};
use crate::auth::CurrentUser;
use crate::error::Problem;
use crate::policy::{self, Access};
use crate::routes::seeker::RecommendationParams;
use crate::services::caseload::{
    self, CaseloadEntry, CaseloadFilter, CaseloadSort, PlanInput, PlanRevision, StepInput,
};
use crate::services::workers;
use crate::views::{ContactView, PlanView, ProfileView, RecommendationView};
use crate::{AppError, AppState};

/// Caseload filters and order.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseloadParams {
    /// low, medium or high.
    pub risk_band: Option<String>,
    /// none, draft, active, completed or abandoned.
    pub plan_status: Option<String>,
    /// Only workers not contacted for at least this many days (0 to 3650).
    #[param(minimum = 0, maximum = 3650)]
    pub min_days_since_contact: Option<i64>,
    /// risk (default), last_contact or plan_status.
    pub sort: Option<String>,
    /// Admins: another caseworker's caseload (default: every assigned worker).
    pub caseworker_id: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The caseload export's filters and order: the list's, without its paging, since the export
/// is the whole caseload (a `cursor` or `limit` is refused rather than silently ignored).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseloadExportParams {
    /// low, medium or high.
    pub risk_band: Option<String>,
    /// none, draft, active, completed or abandoned.
    pub plan_status: Option<String>,
    /// Only workers not contacted for at least this many days (0 to 3650).
    #[param(minimum = 0, maximum = 3650)]
    pub min_days_since_contact: Option<i64>,
    /// risk (default), last_contact or plan_status.
    pub sort: Option<String>,
    /// Admins: another caseworker's caseload (default: every assigned worker).
    pub caseworker_id: Option<i64>,
}

impl From<CaseloadExportParams> for CaseloadParams {
    fn from(p: CaseloadExportParams) -> Self {
        Self {
            risk_band: p.risk_band,
            plan_status: p.plan_status,
            min_days_since_contact: p.min_days_since_contact,
            sort: p.sort,
            caseworker_id: p.caseworker_id,
            cursor: None,
            limit: None,
        }
    }
}

pub(crate) async fn load_caseload(
    state: &AppState,
    user: &CurrentUser,
    params: &CaseloadParams,
) -> Result<Vec<CaseloadEntry>, AppError> {
    policy::require_role(user, &[Role::Caseworker, Role::Admin])?;
    let caseworker = match (user.role, params.caseworker_id) {
        (Role::Caseworker, None) => Some(user.id),
        (Role::Caseworker, Some(id)) if id == user.id.0 => Some(user.id),
        (Role::Caseworker, Some(_)) => {
            return Err(AppError::forbidden("you may only see your own caseload"));
        }
        (_, id) => id.map(UserId),
    };
    if let Some(band) = &params.risk_band
        && !["low", "medium", "high"].contains(&band.as_str())
    {
        return Err(AppError::invalid(
            "risk_band",
            "risk_band must be low, medium or high",
        ));
    }
    if let Some(status) = &params.plan_status
        && !["none", "draft", "active", "completed", "abandoned"].contains(&status.as_str())
    {
        return Err(AppError::invalid(
            "plan_status",
            "plan_status must be none, draft, active, completed or abandoned",
        ));
    }
    if params
        .min_days_since_contact
        .is_some_and(|d| !(0..=3650).contains(&d))
    {
        return Err(AppError::invalid(
            "min_days_since_contact",
            "min_days_since_contact must be from 0 to 3650",
        ));
    }
    let sort = match params.sort.as_deref() {
        None | Some("risk") => CaseloadSort::Risk,
        Some("last_contact") => CaseloadSort::LastContact,
        Some("plan_status") => CaseloadSort::PlanStatus,
        Some(_) => {
            return Err(AppError::invalid(
                "sort",
                "sort must be risk, last_contact or plan_status",
            ));
        }
    };
    let filter = CaseloadFilter {
        risk_band: params.risk_band.clone(),
        plan_status: params.plan_status.clone(),
        min_days_since_contact: params.min_days_since_contact,
    };
    let rows = caseload::caseload(&state.db, &state.engine(), caseworker, &filter, sort).await?;
    for row in &rows {
        policy::audit(
            &state.db,
            user,
            "caseload.list",
            "worker",
            Some(row.worker_id),
            Some(WorkerId(row.worker_id)),
        )
        .await?;
    }
    Ok(rows)
}

/// Lists the caller's caseload, filtered and sorted.
#[utoipa::path(get, path = "/api/v1/caseload", tag = "caseworker",
    params(CaseloadParams),
    responses((status = 200, body = Page<CaseloadEntry>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_caseload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<CaseloadParams>,
) -> Result<Json<Page<CaseloadEntry>>, AppError> {
    let page = PageQuery {
        cursor: params.cursor.clone(),
        limit: params.limit,
    };
    let (limit, offset) = (page.limit()?, page.position()?.unwrap_or(0));
    let rows = load_caseload(&state, &user, &params).await?;
    Ok(Json(Page::by_offset(rows, offset, limit)))
}

/// Exports the caseload (same filters and order) as CSV.
#[utoipa::path(get, path = "/api/v1/caseload/export.csv", tag = "caseworker",
    params(CaseloadExportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_caseload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<CaseloadExportParams>,
) -> Result<Response, AppError> {
    let rows = load_caseload(&state, &user, &params.into()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"caseload.csv\"",
            ),
        ],
        caseload::caseload_csv(&rows),
    )
        .into_response())
}

/// A worker without a caseworker, as shown to caseworkers who may claim them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnassignedWorker {
    /// Worker key.
    pub worker_id: i64,
    /// Occupation label.
    pub occupation: Option<String>,
    /// Risk band.
    pub risk_band: Option<String>,
    /// Region.
    pub region: Option<String>,
}

/// Lists workers with no caseworker (no names: claim one to see the record).
#[utoipa::path(get, path = "/api/v1/caseload/unassigned", tag = "caseworker",
    params(PageQuery),
    responses((status = 200, body = Page<UnassignedWorker>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_unassigned(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<UnassignedWorker>>, AppError> {
    policy::require_role(&user, &[Role::Caseworker, Role::Admin])?;
    let limit = page.limit()?;
    let engine = state.engine();
    let filter = people::WorkerFilter {
        unassigned: true,
        with_account: true,
        ..Default::default()
    };
    let workers =
        people::list_workers(&state.db, &filter, page.position()?, u64::from(limit) + 1).await?;
    let page = Page::by_key(workers, limit, |w| w.id.0);
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|w| UnassignedWorker {
                worker_id: w.id.0,
                occupation: w
                    .occupation_id
                    .and_then(|o| engine.occupation_ref(o))
                    .map(|o| o.label),
                risk_band: w
                    .occupation_id
                    .and_then(|o| engine.risk(o))
                    .map(|r| r.band.as_str().to_owned()),
                region: w.region,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Claims an unassigned worker into the caller's caseload.
#[utoipa::path(post, path = "/api/v1/caseload/{worker_id}/claim", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn claim_worker(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    let worker = policy::claimable_worker(&state.db, &user, WorkerId(worker_id)).await?;
    if !people::claim_worker(&state.db, worker.id, user.id).await? {
        return Err(AppError::Conflict(
            "another caseworker claimed this worker first".into(),
        ));
    }
    policy::audit(
        &state.db,
        &user,
        "worker.claim",
        "worker",
        Some(worker_id),
        Some(worker.id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shows a worker's profile (caseworker of the worker, or admin; audited).
#[utoipa::path(get, path = "/api/v1/workers/{worker_id}", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_worker(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
) -> Result<Json<ProfileView>, AppError> {
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Read,
        "worker.read",
    )
    .await?;
    Ok(Json(
        workers::profile(&state.db, &state.engine(), &grant.worker).await?,
    ))
}

/// Replaces a worker's profile on their behalf (audited).
#[utoipa::path(put, path = "/api/v1/workers/{worker_id}", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    request_body = crate::routes::seeker::ProfileRequest,
    responses((status = 200, body = ProfileView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_worker(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiJson(body): ApiJson<crate::routes::seeker::ProfileRequest>,
) -> Result<Json<ProfileView>, AppError> {
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Write,
        "worker.update",
    )
    .await?;
    if grant.relation == policy::Relation::Own {
        return Err(AppError::forbidden("use /api/v1/me/profile"));
    }
    let input = crate::routes::seeker::parse_profile(&state, body).await?;
    Ok(Json(
        workers::replace_profile(&state.db, &state.engine(), &grant.worker, input).await?,
    ))
}

/// Returns a worker's recommendations (audited).
#[utoipa::path(get, path = "/api/v1/workers/{worker_id}/recommendations", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key"), RecommendationParams),
    responses((status = 200, body = RecommendationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_worker_recommendations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<RecommendationParams>,
) -> Result<Json<RecommendationView>, AppError> {
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Read,
        "worker.recommendations",
    )
    .await?;
    let (limit, openings) = params.counts()?;
    Ok(Json(RecommendationView(
        workers::recommendations(&state, &grant.worker, limit, openings).await?,
    )))
}

/// A plan step as written by a caseworker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// course, milestone or opening.
    pub kind: String,
    /// Course key (course steps).
    pub course_id: Option<i64>,
    /// Opening key (opening steps).
    pub opening_id: Option<i64>,
    /// Title, up to 200 characters (default: the course's).
    pub title: Option<String>,
    /// Due date (YYYY-MM-DD).
    pub due_on: Option<NaiveDate>,
}

/// A milestone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRequest {
    /// Title, 1 to 200 characters.
    pub title: String,
    /// Due date.
    pub due_on: Option<NaiveDate>,
}

/// A new plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Target occupation.
    pub target_occupation_id: i64,
    /// Steps; omitted, the course steps are prefilled by the matching engine.
    pub steps: Option<Vec<StepRequest>>,
    /// Openings to apply for (added as steps).
    #[serde(default)]
    pub target_opening_ids: Vec<i64>,
    /// Milestones (added as steps).
    #[serde(default)]
    pub milestones: Vec<MilestoneRequest>,
    /// Notes, up to 5,000 characters.
    pub notes: Option<String>,
    /// draft or active (default active: assigned to the worker).
    pub status: Option<String>,
}

fn parse_steps(state: &AppState, steps: Vec<StepRequest>) -> Result<Vec<StepInput>, AppError> {
    if steps.len() > 100 {
        return Err(AppError::invalid("steps", "a plan has at most 100 steps"));
    }
    let engine = state.engine();
    steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let kind = StepKind::parse_field(&s.kind, &format!("steps[{i}].kind"))?;
            let course = s.course_id.map(CourseId);
            if kind == StepKind::Course {
                let Some(course) = course.filter(|c| engine.courses.get(*c).is_some()) else {
                    return Err(AppError::invalid(
                        format!("steps[{i}].course_id"),
                        "a course step needs the key of a known course",
                    ));
                };
                let _ = course;
            }
            if kind == StepKind::Opening && s.opening_id.is_none() {
                return Err(AppError::invalid(
                    format!("steps[{i}].opening_id"),
                    "an opening step needs opening_id",
                ));
            }
            let title = match s.title {
                Some(t) => Some(validate_text(&t, &format!("steps[{i}].title"), 1, 200)?),
                None => None,
            };
            Ok(StepInput {
                kind,
                course,
                opening: s.opening_id.map(OpeningId),
                title,
                due_on: s.due_on,
            })
        })
        .collect()
}

fn parse_target(state: &AppState, id: i64, field: &str) -> Result<OccupationId, AppError> {
    let id = OccupationId(id);
    state
        .engine()
        .occupation(id)
        .ok_or_else(|| AppError::invalid(field, format!("no occupation has id {id}")))?;
    Ok(id)
}

fn parse_plan_status(text: &str) -> Result<PlanStatus, AppError> {
    Ok(PlanStatus::parse_field(text, "status")?)
}

/// Lists a worker's plans (audited).
#[utoipa::path(get, path = "/api/v1/workers/{worker_id}/plans", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key"), PageQuery),
    responses((status = 200, body = Page<PlanView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_worker_plans(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<PlanView>>, AppError> {
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Read,
        "plan.list",
    )
    .await?;
    let engine = state.engine();
    let plans: Vec<PlanView> = people::plans_of_worker(&state.db, grant.worker.id)
        .await?
        .into_iter()
        .map(|p| PlanView::build(&engine, p))
        .collect();
    Ok(Json(Page::by_offset(
        plans,
        page.position()?.unwrap_or(0),
        page.limit()?,
    )))
}

/// Creates (and by default assigns) a plan; course steps are prefilled by the engine.
#[utoipa::path(post, path = "/api/v1/workers/{worker_id}/plans", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    request_body = PlanRequest,
    responses((status = 201, body = PlanView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanRequest>,
) -> Result<(StatusCode, Json<PlanView>), AppError> {
    policy::require_role(&user, &[Role::Caseworker, Role::Admin])?;
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Write,
        "plan.create",
    )
    .await?;
    let target = parse_target(&state, body.target_occupation_id, "target_occupation_id")?;
    let status = match body.status.as_deref() {
        None => PlanStatus::Active,
        Some(s) => match parse_plan_status(s)? {
            status @ (PlanStatus::Draft | PlanStatus::Active) => status,
            _ => return Err(AppError::invalid("status", "a new plan is draft or active")),
        },
    };
    if body.target_opening_ids.len() > 20 || body.milestones.len() > 50 {
        return Err(AppError::invalid(
            "target_opening_ids",
            "at most 20 openings and 50 milestones",
        ));
    }
    let milestones = body
        .milestones
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            Ok((
                validate_text(&m.title, &format!("milestones[{i}].title"), 1, 200)?,
                m.due_on,
            ))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let input = PlanInput {
        target,
        steps: body.steps.map(|s| parse_steps(&state, s)).transpose()?,
        target_openings: body.target_opening_ids.into_iter().map(OpeningId).collect(),
        milestones,
        notes: validate_text(body.notes.as_deref().unwrap_or(""), "notes", 0, 5_000)?,
        status,
    };
    let plan =
        caseload::create_plan(&state.db, &state.engine(), user.id, &grant.worker, input).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// Shows a plan (the worker, their caseworker, or an admin).
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}", tag = "caseworker",
    params(("plan_id" = i64, Path, description = "Plan key")),
    responses((status = 200, body = PlanView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<i64>,
) -> Result<Json<PlanView>, AppError> {
    let (plan, _) =
        policy::plan(&state.db, &user, PlanId(plan_id), Access::Read, "plan.read").await?;
    Ok(Json(PlanView::build(&state.engine(), plan)))
}

/// A plan revision; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRevisionRequest {
    /// New target occupation.
    pub target_occupation_id: Option<i64>,
    /// draft, active, completed or abandoned.
    pub status: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// Replacement steps.
    pub steps: Option<Vec<StepRequest>>,
}

/// Revises a plan (caseworker or admin); the change is kept in its history.
#[utoipa::path(patch, path = "/api/v1/plans/{plan_id}", tag = "caseworker",
    params(("plan_id" = i64, Path, description = "Plan key")),
    request_body = PlanRevisionRequest,
    responses((status = 200, body = PlanView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn revise_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanRevisionRequest>,
) -> Result<Json<PlanView>, AppError> {
    let (plan, grant) = policy::plan(
        &state.db,
        &user,
        PlanId(plan_id),
        Access::Write,
        "plan.update",
    )
    .await?;
    let revision = PlanRevision {
        target: body
            .target_occupation_id
            .map(|id| parse_target(&state, id, "target_occupation_id"))
            .transpose()?,
        status: body.status.as_deref().map(parse_plan_status).transpose()?,
        notes: body
            .notes
            .map(|n| validate_text(&n, "notes", 0, 5_000))
            .transpose()?,
        steps: body.steps.map(|s| parse_steps(&state, s)).transpose()?,
    };
    Ok(Json(
        caseload::revise_plan(
            &state.db,
            &state.engine(),
            user.id,
            &grant.worker,
            plan.id,
            revision,
        )
        .await?,
    ))
}

/// One change to a plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanHistoryView {
    /// Key.
    pub id: i64,
    /// Who changed it.
    pub actor_id: Option<i64>,
    /// What changed.
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Lists a plan's history, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/history", tag = "caseworker",
    params(("plan_id" = i64, Path, description = "Plan key"), PageQuery),
    responses((status = 200, body = Page<PlanHistoryView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_plan_history(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<PlanHistoryView>>, AppError> {
    let (plan, _) = policy::plan(
        &state.db,
        &user,
        PlanId(plan_id),
        Access::Read,
        "plan.history",
    )
    .await?;
    let limit = page.limit()?;
    let items =
        people::plan_history(&state.db, plan.id, page.position()?, u64::from(limit) + 1).await?;
    let page = Page::by_key(items, limit, |h| h.id);
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|h| PlanHistoryView {
                id: h.id,
                actor_id: h.actor.map(|a| a.0),
                change: h.change,
                at: h.at,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A contact to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// in_person, phone, email, video or other.
    pub channel: String,
    /// Note, up to 5,000 characters.
    pub note: Option<String>,
    /// When (default now; not in the future).
    pub at: Option<DateTime<Utc>>,
}

/// Lists a worker's contacts.
#[utoipa::path(get, path = "/api/v1/workers/{worker_id}/contacts", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key"), PageQuery),
    responses((status = 200, body = Page<ContactView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<ContactView>>, AppError> {
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Read,
        "contact.list",
    )
    .await?;
    let limit = page.limit()?;
    let items = people::contacts(
        &state.db,
        grant.worker.id,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |c| c.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(ContactView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Records a contact with a worker (their caseworker only).
#[utoipa::path(post, path = "/api/v1/workers/{worker_id}/contacts", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    request_body = ContactRequest,
    responses((status = 201, body = ContactView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn record_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContactRequest>,
) -> Result<(StatusCode, Json<ContactView>), AppError> {
    policy::require_role(&user, &[Role::Caseworker])?;
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Write,
        "contact.create",
    )
    .await?;
    let channel = ContactChannel::parse_field(&body.channel, "channel")?;
    let note = validate_text(body.note.as_deref().unwrap_or(""), "note", 0, 5_000)?;
    let at = body.at.unwrap_or_else(Utc::now);
    if at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(AppError::invalid("at", "at must not be in the future"));
    }
    let contact =
        caseload::record_contact(&state.db, grant.worker.id, user.id, at, channel, &note).await?;
    Ok((StatusCode::CREATED, Json(contact.into())))
}

/// How a worker leaves the caseload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// hired, training or other.
    pub outcome: String,
    /// For a hire: the occupation hired into (required).
    pub occupation_id: Option<i64>,
    /// For a hire: the opening, if known.
    pub opening_id: Option<i64>,
}

/// Records the outcome; the worker leaves the caseload.
#[utoipa::path(post, path = "/api/v1/workers/{worker_id}/outcome", tag = "caseworker",
    params(("worker_id" = i64, Path, description = "Worker key")),
    request_body = OutcomeRequest,
    responses((status = 200, body = ProfileView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn record_outcome(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutcomeRequest>,
) -> Result<Json<ProfileView>, AppError> {
    policy::require_role(&user, &[Role::Caseworker, Role::Admin])?;
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        Access::Write,
        "worker.outcome",
    )
    .await?;
    let outcome = Outcome::parse_field(&body.outcome, "outcome")?;
    let occupation = body
        .occupation_id
        .map(|id| parse_target(&state, id, "occupation_id"))
        .transpose()?;
    if outcome == Outcome::Hired && occupation.is_none() {
        return Err(AppError::invalid(
            "occupation_id",
            "a hire names the occupation hired into",
        ));
    }
    let worker = caseload::record_outcome(
        &state.db,
        grant.worker.id,
        outcome,
        occupation,
        body.opening_id.map(OpeningId),
    )
    .await?;
    Ok(Json(
        workers::profile(&state.db, &state.engine(), &worker).await?,
    ))
}
