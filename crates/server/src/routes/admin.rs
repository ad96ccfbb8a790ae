//! Admin routes: users, organisations, caseload assignment, import status, aggregate figures
//! and the audit log.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use reskill_core::accounts::{Email, Outcome, PlanStatus, Role};
use reskill_core::{OrganisationId, UserId, WorkerId};
use reskill_store::people;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiJson, ApiPath, ApiQuery, Page, PageQuery};
use crate::auth::CurrentUser;
use crate::error::Problem;
use crate::policy;
use crate::routes::auth::UserView;
use crate::routes::employer::OrganisationView;
use crate::services::accounts::{self, NewAccount};
use crate::views::{OccupationView, SkillView};
use crate::{AppError, AppState};

fn admin(user: &CurrentUser) -> Result<(), AppError> {
    policy::require_role(user, &[Role::Admin])
}

/// User list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserParams {
    /// Only this role.
    pub role: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Lists accounts.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    params(UserParams),
    responses((status = 200, body = Page<UserView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<UserParams>,
) -> Result<Json<Page<UserView>>, AppError> {
    admin(&user)?;
    let role = params
        .role
        .as_deref()
        .map(|r| Role::parse_field(r, "role"))
        .transpose()?;
    let page = PageQuery {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = page.limit()?;
    let users = reskill_store::accounts::list_users(
        &state.db,
        role,
        None,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(users, limit, |u| u.id.0);
    Ok(Json(Page {
        items: page.items.into_iter().map(UserView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// An account an admin creates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// Address.
    pub email: String,
    /// seeker, caseworker, employer or admin.
    pub role: String,
    /// Name shown.
    pub display_name: String,
    /// Organisation.
    pub organisation_id: Option<i64>,
    /// Password; omitted, the user gets a link to set one.
    pub password: Option<String>,
}

/// Creates an account of any role.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin",
    request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    admin(&user)?;
    let email = Email::parse(&body.email)?;
    let invite = body.password.is_none();
    let created = accounts::create_account(
        &state.db,
        NewAccount {
            email: email.clone(),
            password: body
                .password
                .unwrap_or_else(crate::auth::tokens::random_token),
            display_name: body.display_name,
            role: Role::parse_field(&body.role, "role")?,
            organisation_id: body.organisation_id.map(OrganisationId),
            new_organisation: None,
            email_verified: false,
        },
        &state.auth.config.public_url,
        state.auth.config.verify_email_ttl,
    )
    .await?;
    if invite {
        accounts::request_password_reset(&state, email.as_str()).await?;
    }
    policy::audit(
        &state.db,
        &user,
        "user.create",
        "user",
        Some(created.id.0),
        None,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Changes to an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateRequest {
    /// New role.
    pub role: Option<String>,
    /// Disable (revokes every session) or re-enable.
    pub disabled: Option<bool>,
    /// New organisation.
    pub organisation_id: Option<i64>,
    /// New name.
    pub display_name: Option<String>,
}

/// Changes an account's role, organisation, name, or disables it.
#[utoipa::path(patch, path = "/api/v1/admin/users/{user_id}", tag = "admin",
    params(("user_id" = i64, Path, description = "User key")),
    request_body = UserUpdateRequest,
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserUpdateRequest>,
) -> Result<Json<UserView>, AppError> {
    admin(&user)?;
    let change = accounts::AccountChange {
        role: body
            .role
            .as_deref()
            .map(|r| Role::parse_field(r, "role"))
            .transpose()?,
        disabled: body.disabled,
        organisation_id: body.organisation_id.map(OrganisationId),
        display_name: body.display_name,
    };
    let updated = accounts::change_account(&state.db, &user, UserId(id), change).await?;
    Ok(Json(updated.into()))
}

/// Lists organisations.
#[utoipa::path(get, path = "/api/v1/admin/organisations", tag = "admin",
    params(PageQuery),
    responses((status = 200, body = Page<OrganisationView>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_organisations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<OrganisationView>>, AppError> {
    admin(&user)?;
    let limit = page.limit()?;
    let items = reskill_store::accounts::list_organisations(
        &state.db,
        None,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |o| o.id.0);
    Ok(Json(Page {
        items: page.items.into_iter().map(OrganisationView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// An organisation to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    /// Unique name, 2 to 200 characters.
    pub name: String,
    /// employer, service or provider.
    pub kind: String,
}

/// Creates an organisation.
#[utoipa::path(post, path = "/api/v1/admin/organisations", tag = "admin",
    request_body = OrganisationRequest,
    responses((status = 201, body = OrganisationView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_organisation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<OrganisationRequest>,
) -> Result<(StatusCode, Json<OrganisationView>), AppError> {
    admin(&user)?;
    let organisation = accounts::create_organisation(&state.db, &body.name, &body.kind).await?;
    Ok((StatusCode::CREATED, Json(organisation.into())))
}

/// A caseworker assignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    /// The caseworker, or null to unassign.
    pub caseworker_id: Option<i64>,
}

async fn check_caseworker(state: &AppState, id: i64, field: &str) -> Result<UserId, AppError> {
    let account = reskill_store::accounts::user_by_id(&state.db, UserId(id))
        .await
        .map_err(|_| AppError::invalid(field, format!("no user has id {id}")))?;
    if account.role != Role::Caseworker || account.disabled {
        return Err(AppError::invalid(
            field,
            format!("user {id} is not an active caseworker"),
        ));
    }
    Ok(account.id)
}

/// Assigns a worker to a caseworker (or unassigns them).
#[utoipa::path(put, path = "/api/v1/admin/workers/{worker_id}/caseworker", tag = "admin",
    params(("worker_id" = i64, Path, description = "Worker key")),
    request_body = AssignmentRequest,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn assign_worker(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(worker_id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignmentRequest>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    let grant = policy::worker(
        &state.db,
        &user,
        WorkerId(worker_id),
        policy::Access::Write,
        "worker.assign",
    )
    .await?;
    let caseworker = match body.caseworker_id {
        Some(id) => Some(check_caseworker(&state, id, "caseworker_id").await?),
        None => None,
    };
    people::assign_caseworker(&state.db, &[grant.worker.id], caseworker).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bulk reassignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// Move workers of this caseworker…
    pub from_caseworker_id: Option<i64>,
    /// …or these workers (at most 1,000).
    pub worker_ids: Option<Vec<i64>>,
    /// To this caseworker.
    pub to_caseworker_id: i64,
}

/// How many workers moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignResult {
    /// Workers reassigned.
    pub moved: u64,
}

/// Moves a whole caseload, or a list of workers, to another caseworker.
#[utoipa::path(post, path = "/api/v1/admin/caseload/reassign", tag = "admin",
    request_body = ReassignRequest,
    responses((status = 200, body = ReassignResult), (status = 400, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn reassign(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ReassignRequest>,
) -> Result<Json<ReassignResult>, AppError> {
    admin(&user)?;
    let to = check_caseworker(&state, body.to_caseworker_id, "to_caseworker_id").await?;
    let moved = match (body.from_caseworker_id, body.worker_ids) {
        (Some(from), None) => {
            let from = UserId(from);
            let workers = people::list_workers(
                &state.db,
                &people::WorkerFilter {
                    caseworker: Some(from),
                    ..Default::default()
                },
                None,
                100_000,
            )
            .await?;
            for w in &workers {
                policy::audit(
                    &state.db,
                    &user,
                    "worker.assign",
                    "worker",
                    Some(w.id.0),
                    Some(w.id),
                )
                .await?;
            }
            people::reassign_caseload(&state.db, from, to).await?
        }
        (None, Some(ids)) => {
            if ids.is_empty() || ids.len() > 1_000 {
                return Err(AppError::invalid(
                    "worker_ids",
                    "worker_ids lists 1 to 1000 workers",
                ));
            }
            let ids: Vec<WorkerId> = ids.into_iter().map(WorkerId).collect();
            for id in &ids {
                policy::audit(
                    &state.db,
                    &user,
                    "worker.assign",
                    "worker",
                    Some(id.0),
                    Some(*id),
                )
                .await?;
            }
            people::assign_caseworker(&state.db, &ids, Some(to)).await?
        }
        _ => {
            return Err(AppError::invalid(
                "from_caseworker_id",
                "give either from_caseworker_id or worker_ids",
            ));
        }
    };
    Ok(Json(ReassignResult { moved }))
}

/// What is loaded and how fresh the derived data is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportStatus {
    /// Row counts.
    #[schema(value_type = Object)]
    pub stats: serde_json::Value,
    /// Last entry of the change log the search indexes follow.
    pub last_change_id: Option<i64>,
    /// Occupations in the matching engine.
    pub engine_occupations: usize,
    /// Courses in the matching engine.
    pub engine_courses: usize,
    /// How long the engine took to load, ms.
    pub engine_load_ms: u64,
}

/// Shows import status: counts, change log and engine.
#[utoipa::path(get, path = "/api/v1/admin/import-status", tag = "admin",
    responses((status = 200, body = ImportStatus), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_import_status(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<ImportStatus>, AppError> {
    admin(&user)?;
    let stats = reskill_store::stats::stats(&state.db).await?;
    let engine = state.engine();
    Ok(Json(ImportStatus {
        stats: serde_json::to_value(stats).map_err(|e| AppError::Internal(e.into()))?,
        last_change_id: reskill_store::changes::last_change_id(&state.db).await?,
        engine_occupations: engine.taxonomy.occupation_count(),
        engine_courses: engine.courses.len(),
        engine_load_ms: engine.load_ms,
    }))
}

/// A gap skill and how many workers' top recommendation misses it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapCount {
    /// The skill.
    pub skill: SkillView,
    /// Workers missing it.
    pub workers: usize,
}

/// The outcome funnel of recommended transitions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Funnel {
    /// Plans made (each a recommended transition taken up).
    pub planned: usize,
    /// Plans with at least one course completed.
    pub trained: usize,
    /// Workers hired into their plan's target occupation.
    pub hired_in_target: usize,
    /// Workers hired into another occupation.
    pub hired_elsewhere: usize,
}

/// Aggregate figures (anonymous).
#[derive(Debug, Serialize, ToSchema)]
pub struct Figures {
    /// Workers (deleted accounts' anonymous records included).
    pub workers: usize,
    /// Workers by risk band of their occupation: low, medium, high, unknown.
    pub workers_by_risk_band: HashMap<String, usize>,
    /// The most common essential gap skills of workers' best transition.
    pub common_gaps: Vec<GapCount>,
    /// Plans started (active or beyond).
    pub plans_started: usize,
    /// Plans completed.
    pub plans_completed: usize,
    /// Outcomes recorded, by kind.
    pub outcomes: HashMap<String, usize>,
    /// Recommendation → plan → training → hire.
    pub funnel: Funnel,
    /// Most frequent target occupations.
    pub top_targets: Vec<TargetCount>,
}

/// A target occupation and how many plans aim at it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetCount {
    /// The occupation.
    pub occupation: OccupationView,
    /// Plans aiming at it.
    pub plans: usize,
}

/// Shows aggregate figures: workers by risk band, common gaps, plans and the outcome funnel.
#[utoipa::path(get, path = "/api/v1/admin/figures", tag = "admin",
    responses((status = 200, body = Figures), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_figures(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Figures>, AppError> {
    admin(&user)?;
    let engine = state.engine();
    let workers =
        people::list_workers(&state.db, &people::WorkerFilter::default(), None, 1_000_000).await?;
    let mut by_band: HashMap<String, usize> = HashMap::new();
    let mut gaps: HashMap<reskill_core::SkillId, usize> = HashMap::new();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for w in &workers {
        let band = w
            .occupation_id
            .and_then(|o| engine.risk(o))
            .map(|r| r.band.as_str().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        *by_band.entry(band).or_default() += 1;
        if let Some(o) = w.outcome {
            *outcomes.entry(o.as_str().to_owned()).or_default() += 1;
        }
        if let Some(occupation) = w.occupation_id {
            let skills = crate::services::workers::worker_skill_inputs(&state.db, w.id).await?;
            let worker = reskill_core::matching::WorkerInput {
                skills,
                current_occupation: Some(occupation),
                location: None,
            };
            if let Some(best) = engine
                .matcher()
                .transitions(&worker, &engine.demand, 1)
                .first()
            {
                for missing in &best.fit.missing_essential {
                    *gaps.entry(missing.skill.id).or_default() += 1;
                }
            }
        }
    }
    let mut common_gaps: Vec<GapCount> = gaps
        .into_iter()
        .map(|(skill, workers)| GapCount {
            skill: SkillView::of(&engine, skill),
            workers,
        })
        .collect();
    common_gaps.sort_by(|a, b| b.workers.cmp(&a.workers).then(a.skill.id.cmp(&b.skill.id)));
    common_gaps.truncate(20);

    let plans = people::plan_summaries(&state.db).await?;
    let trained: HashSet<_> = people::plans_with_completed_course(&state.db)
        .await?
        .into_iter()
        .collect();
    let by_id: HashMap<WorkerId, &people::Worker> = workers.iter().map(|w| (w.id, w)).collect();
    let mut funnel = Funnel {
        planned: plans.len(),
        trained: plans.iter().filter(|(id, ..)| trained.contains(id)).count(),
        hired_in_target: 0,
        hired_elsewhere: 0,
    };
    let mut targets: HashMap<reskill_core::OccupationId, usize> = HashMap::new();
    let mut hired_seen = HashSet::new();
    for (_, worker, target, _) in &plans {
        *targets.entry(*target).or_default() += 1;
        if let Some(w) = by_id.get(worker)
            && w.outcome == Some(Outcome::Hired)
            && w.outcome_occupation_id == Some(*target)
            && hired_seen.insert(*worker)
        {
            funnel.hired_in_target += 1;
        }
    }
    funnel.hired_elsewhere = workers
        .iter()
        .filter(|w| w.outcome == Some(Outcome::Hired) && !hired_seen.contains(&w.id))
        .count();
    let mut top_targets: Vec<TargetCount> = targets
        .into_iter()
        .map(|(o, plans)| TargetCount {
            occupation: OccupationView::of(&engine, o),
            plans,
        })
        .collect();
    top_targets.sort_by(|a, b| {
        b.plans
            .cmp(&a.plans)
            .then(a.occupation.id.cmp(&b.occupation.id))
    });
    top_targets.truncate(10);
    Ok(Json(Figures {
        workers: workers.len(),
        workers_by_risk_band: by_band,
        common_gaps,
        plans_started: plans
            .iter()
            .filter(|(.., s)| *s != PlanStatus::Draft)
            .count(),
        plans_completed: plans
            .iter()
            .filter(|(.., s)| *s == PlanStatus::Completed)
            .count(),
        outcomes,
        funnel,
        top_targets,
    }))
}

/// Audit log filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only entries about this worker.
    pub worker_id: Option<i64>,
    /// Only entries by this user.
    pub actor_id: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Key.
    pub id: i64,
    /// Who.
    pub actor_id: Option<i64>,
    /// What.
    pub action: String,
    /// Kind of record.
    pub subject_kind: String,
    /// Record.
    pub subject_id: Option<i64>,
    /// Worker concerned.
    pub worker_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Lists the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    params(AuditParams),
    responses((status = 200, body = Page<AuditView>), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditView>>, AppError> {
    admin(&user)?;
    let page = PageQuery {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = page.limit()?;
    let items = reskill_store::audit::list(
        &state.db,
        params.worker_id.map(WorkerId),
        params.actor_id.map(UserId),
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |a| a.id);
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|a| AuditView {
                id: a.id,
                actor_id: a.actor.map(|x| x.0),
                action: a.action,
                subject_kind: a.subject_kind,
                subject_id: a.subject_id,
                worker_id: a.worker.map(|w| w.0),
                at: a.at,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Tags set by hand on an imported course or opening.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsRequest {
    /// The occupation's ESCO URI, or null for none.
    pub occupation_uri: Option<String>,
    /// Skills by ESCO URI (at most 200); `essential` defaults to true (courses ignore it).
    #[serde(default)]
    pub skills: Vec<SkillTagRequest>,
}

/// One skill tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillTagRequest {
    /// ESCO skill URI.
    pub uri: String,
    /// Essential (true) or nice to have (false).
    #[serde(default = "default_essential")]
    pub essential: bool,
}

fn default_essential() -> bool {
    true
}

/// Most skill tags set in one request.
const MAX_MANUAL_SKILLS: usize = 200;

impl TagsRequest {
    fn into_manual(self) -> Result<reskill_store::tagging::ManualTags, AppError> {
        if self.skills.len() > MAX_MANUAL_SKILLS {
            return Err(AppError::invalid(
                "skills",
                format!("at most {MAX_MANUAL_SKILLS} skills"),
            ));
        }
        Ok(reskill_store::tagging::ManualTags {
            occupation_uri: self.occupation_uri,
            skills: self
                .skills
                .into_iter()
                .map(|s| (s.uri, s.essential))
                .collect(),
        })
    }
}

/// Replaces an imported opening's occupation and skill tags with tags set by hand (origin
/// `manual`): they survive re-imports and `reskill retag`. Unknown URIs are a 400 and change
/// nothing.
#[utoipa::path(put, path = "/api/v1/admin/openings/{opening_id}/tags", tag = "admin",
    params(("opening_id" = i64, Path, description = "Opening key")),
    request_body = TagsRequest,
    responses((status = 204, description = "tags replaced"), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_opening_tags(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TagsRequest>,
) -> Result<StatusCode, AppError> {
    set_tags(&state, &user, TaggedKind::Opening, id, body).await
}

/// Replaces an imported course's occupation and skill tags with tags set by hand (see the
/// opening route).
#[utoipa::path(put, path = "/api/v1/admin/courses/{course_id}/tags", tag = "admin",
    params(("course_id" = i64, Path, description = "Course key")),
    request_body = TagsRequest,
    responses((status = 204, description = "tags replaced"), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_course_tags(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TagsRequest>,
) -> Result<StatusCode, AppError> {
    set_tags(&state, &user, TaggedKind::Course, id, body).await
}

#[derive(Clone, Copy)]
enum TaggedKind {
    Opening,
    Course,
}

/// Shared by the two tag routes: admin only, validate, store as manual tags, audit.
async fn set_tags(
    state: &AppState,
    user: &CurrentUser,
    kind: TaggedKind,
    id: i64,
    body: TagsRequest,
) -> Result<StatusCode, AppError> {
    admin(user)?;
    let tags = body.into_manual()?;
    let subject = match kind {
        TaggedKind::Opening => {
            reskill_store::tagging::set_opening_tags(&state.db, id, &tags).await?;
            "opening"
        }
        TaggedKind::Course => {
            reskill_store::tagging::set_course_tags(&state.db, id, &tags).await?;
            "course"
        }
    };
    let action = format!("{subject}.tags");
    policy::audit(&state.db, user, &action, subject, Some(id), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which indexes to rebuild.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReindexParams {
    /// One index (`occupations`, `skills`, `courses` or `openings`); all four without it.
    pub kind: Option<String>,
}

/// The rebuilds a reindex request started.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReindexAccepted {
    /// The indexes that will be rebuilt from the database, in the background.
    pub rebuilding: Vec<String>,
}

/// Rebuilds search indexes from the database in the background (what `reskill reindex` does
/// when no server holds the indexes). Searches see the old content until each rebuild commits;
/// `/readyz` shows the rebuild under way.
#[utoipa::path(post, path = "/api/v1/admin/reindex", tag = "admin",
    params(ReindexParams),
    responses((status = 202, body = ReindexAccepted), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn start_reindex(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<ReindexParams>,
) -> Result<(StatusCode, Json<ReindexAccepted>), AppError> {
    policy::require_role(&user, &[Role::Admin])?;
    let kinds: Vec<reskill_search::IndexKind> = match params.kind.as_deref() {
        None => reskill_search::IndexKind::ALL.to_vec(),
        Some(name) => {
            let kind = reskill_search::IndexKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == name)
                .ok_or_else(|| {
                    AppError::invalid(
                        "kind",
                        format!(
                            "unknown index {name:?}; expected occupations, skills, courses or openings"
                        ),
                    )
                })?;
            vec![kind]
        }
    };
    policy::audit(
        &state.db,
        &user,
        "search.reindex",
        "search_index",
        None,
        None,
    )
    .await?;
    state.indexing.request_rebuild(&kinds);
    tracing::info!(user.id = user.id.0, "reindex of {kinds:?} requested");
    Ok((
        StatusCode::ACCEPTED,
        Json(ReindexAccepted {
            rebuilding: kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        }),
    ))
}
