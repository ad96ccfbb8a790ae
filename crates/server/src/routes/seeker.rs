//! `/api/v1/me/*`: a seeker's own record — profile, skills, consents, recommendations, saved
//! searches, interest in openings, employers' interests, plans, export and deletion.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use reskill_core::accounts::{ConsentPurpose, validate_text};
use reskill_core::catalog::CourseMode;
use reskill_core::{OccupationId, OpeningId, PlanId, SkillId};
use reskill_store::people;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiJson, ApiPath, ApiQuery, Page, PageQuery, check_range};
use crate::auth::{ClientIp, CurrentUser};
use crate::error::Problem;
use crate::policy;
use crate::services::accounts;
use crate::services::engine::{ResolveError, resolve_occupation};
use crate::services::workers::{self, ProfileInput};
use crate::views::{
    HeldSkillView, InterestView, PlanView, ProfileView, RecommendationView, SkillView,
};
use crate::{AppError, AppState};

/// Shows the seeker's profile.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "seeker",
    responses((status = 200, body = ProfileView), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_profile(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<ProfileView>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    Ok(Json(
        workers::profile(&state.db, &state.engine(), &worker).await?,
    ))
}

/// Where a worker lives.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    /// Place name, up to 100 characters.
    pub place_name: Option<String>,
    /// Region, up to 100 characters.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Latitude, -90 to 90 (with `lon`).
    pub lat: Option<f64>,
    /// Longitude, -180 to 180 (with `lat`).
    pub lon: Option<f64>,
}

/// Limits for plans.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    /// online, in_person or hybrid.
    pub mode: Option<String>,
    /// 0 to 500 km.
    pub max_travel_km: Option<f64>,
    /// 1 to 520 weeks.
    pub max_training_weeks: Option<f64>,
    /// 0 to 1,000,000.
    pub budget: Option<f64>,
}

/// A profile (PUT replaces it: absent fields are cleared).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// Name, up to 100 characters.
    pub display_name: Option<String>,
    /// Current or last occupation by key…
    pub occupation_id: Option<i64>,
    /// …or by job title, resolved through the occupation search (typos are fine).
    pub occupation_title: Option<String>,
    /// Where the worker lives.
    pub location: Option<LocationInput>,
    /// Limits for plans.
    pub preferences: Option<PreferencesInput>,
}

fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>, AppError> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => Ok(Some(validate_text(&v, field, 1, max)?)),
    }
}

/// Validates a profile request into domain terms (resolving a title through search).
pub async fn parse_profile(
    state: &AppState,
    body: ProfileRequest,
) -> Result<ProfileInput, AppError> {
    let engine = state.engine();
    let occupation = match (body.occupation_id, body.occupation_title) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "occupation_title",
                "give occupation_id or occupation_title, not both",
            ));
        }
        (Some(id), None) => {
            let id = OccupationId(id);
            engine.occupation(id).ok_or_else(|| {
                AppError::invalid("occupation_id", format!("no occupation has id {id}"))
            })?;
            Some(id)
        }
        (None, Some(title)) => {
            let title = validate_text(&title, "occupation_title", 1, 200)?;
            let (engine, search_state) = (engine.clone(), state.clone());
            let resolved = tokio::task::spawn_blocking(move || {
                resolve_occupation(
                    &engine,
                    &search_state.search,
                    &search_state.semantic,
                    &title,
                )
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?;
            match resolved {
                Ok(resolved) => Some(resolved.occupation().id),
                Err(ResolveError::Search(error)) => return Err(AppError::Internal(error.into())),
                Err(error) => return Err(AppError::invalid("occupation_title", error.to_string())),
            }
        }
        (None, None) => None,
    };
    let location = body.location.unwrap_or_default();
    let coordinates = match (location.lat, location.lon) {
        (None, None) => None,
        (Some(lat), Some(lon)) => Some((
            check_range(Some(lat), "location.lat", -90.0, 90.0)?.unwrap_or(lat),
            check_range(Some(lon), "location.lon", -180.0, 180.0)?.unwrap_or(lon),
        )),
        (None, Some(_)) => {
            return Err(AppError::invalid(
                "location.lat",
                "location.lat is required with location.lon",
            ));
        }
        (Some(_), None) => {
            return Err(AppError::invalid(
                "location.lon",
                "location.lon is required with location.lat",
            ));
        }
    };
    let country = match optional_text(location.country, "location.country", 2)? {
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_uppercase())
        }
        Some(_) => {
            return Err(AppError::invalid(
                "location.country",
                "location.country must be a two-letter ISO code",
            ));
        }
        None => None,
    };
    let preferences = body.preferences.unwrap_or_default();
    let mode = match preferences.mode {
        None => None,
        Some(m) => Some(CourseMode::parse(&m).map_err(|_| {
            AppError::invalid(
                "preferences.mode",
                "preferences.mode must be online, in_person or hybrid",
            )
        })?),
    };
    Ok(ProfileInput {
        display_name: optional_text(body.display_name, "display_name", 100)?,
        occupation,
        place_name: optional_text(location.place_name, "location.place_name", 100)?,
        region: optional_text(location.region, "location.region", 100)?,
        country,
        coordinates,
        mode,
        max_travel_km: check_range(
            preferences.max_travel_km,
            "preferences.max_travel_km",
            0.0,
            500.0,
        )?,
        max_training_weeks: check_range(
            preferences.max_training_weeks,
            "preferences.max_training_weeks",
            1.0,
            520.0,
        )?,
        budget: check_range(preferences.budget, "preferences.budget", 0.0, 1_000_000.0)?,
    })
}

/// Replaces the seeker's profile; a new occupation brings its skills as `inferred`.
#[utoipa::path(put, path = "/api/v1/me/profile", tag = "seeker",
    request_body = ProfileRequest,
    responses((status = 200, body = ProfileView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ProfileRequest>,
) -> Result<Json<ProfileView>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let input = parse_profile(&state, body).await?;
    Ok(Json(
        workers::replace_profile(&state.db, &state.engine(), &worker, input).await?,
    ))
}

/// Lists the seeker's skills with their origin.
#[utoipa::path(get, path = "/api/v1/me/skills", tag = "seeker",
    params(PageQuery),
    responses((status = 200, body = Page<HeldSkillView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_skills(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<HeldSkillView>>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let limit = page.limit()?;
    let offset = page.position()?.unwrap_or(0);
    let view = workers::profile(&state.db, &state.engine(), &worker).await?;
    Ok(Json(Page::by_offset(view.skills, offset, limit)))
}

/// Declares a skill (or confirms an inferred one).
#[utoipa::path(put, path = "/api/v1/me/skills/{skill_id}", tag = "seeker",
    params(("skill_id" = i64, Path, description = "Skill key")),
    responses((status = 200, body = SkillView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn declare_skill(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(skill_id): ApiPath<i64>,
) -> Result<Json<SkillView>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let engine = state.engine();
    let skill = SkillId(skill_id);
    if !engine.has_skill(skill) {
        return Err(AppError::invalid(
            "skill_id",
            format!("no skill has id {skill_id}"),
        ));
    }
    people::add_skills(
        &state.db,
        worker.id,
        &[skill],
        reskill_core::accounts::SkillOriginKind::Declared,
    )
    .await?;
    Ok(Json(SkillView::of(&engine, skill)))
}

/// Removes a skill.
#[utoipa::path(delete, path = "/api/v1/me/skills/{skill_id}", tag = "seeker",
    params(("skill_id" = i64, Path, description = "Skill key")),
    responses((status = 204), (status = 404, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_skill(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(skill_id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    if !people::remove_skill(&state.db, worker.id, SkillId(skill_id)).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A consent given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// `share_with_employers` or `receive_email`.
    pub purpose: String,
    /// Version of the wording shown, 1 to 40 characters.
    pub text_version: String,
}

/// Grants a consent for a purpose, recording the wording's version and the date.
#[utoipa::path(post, path = "/api/v1/me/consents", tag = "seeker",
    request_body = ConsentRequest,
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn grant_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ConsentRequest>,
) -> Result<StatusCode, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let purpose = ConsentPurpose::parse_field(&body.purpose, "purpose")?;
    let version = validate_text(&body.text_version, "text_version", 1, 40)?;
    workers::set_consent(&state.db, worker.id, purpose, Some(&version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws a consent.
#[utoipa::path(delete, path = "/api/v1/me/consents/{purpose}", tag = "seeker",
    params(("purpose" = String, Path, description = "share_with_employers or receive_email")),
    responses((status = 204), (status = 404, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(purpose): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let purpose = ConsentPurpose::parse_field(&purpose, "purpose")?;
    workers::set_consent(&state.db, worker.id, purpose, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many results a recommendation returns.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecommendationParams {
    /// Transitions, 1 to 50 (default 10).
    pub limit: Option<u32>,
    /// Openings, 0 to 50 (default 20).
    pub openings_limit: Option<u32>,
}

impl RecommendationParams {
    /// Returns the validated counts.
    pub fn counts(&self) -> Result<(usize, usize), AppError> {
        let limit = match self.limit {
            None => 10,
            Some(n @ 1..=50) => n as usize,
            Some(_) => return Err(AppError::invalid("limit", "limit must be from 1 to 50")),
        };
        let openings = match self.openings_limit {
            None => 20,
            Some(n @ 0..=50) => n as usize,
            Some(_) => {
                return Err(AppError::invalid(
                    "openings_limit",
                    "openings_limit must be from 0 to 50",
                ));
            }
        };
        Ok((limit, openings))
    }
}

/// Returns the seeker's recommendations from their profile, through the matching engine.
#[utoipa::path(get, path = "/api/v1/me/recommendations", tag = "seeker",
    params(RecommendationParams),
    responses((status = 200, body = RecommendationView), (status = 409, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_recommendations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<RecommendationParams>,
) -> Result<Json<RecommendationView>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let (limit, openings) = params.counts()?;
    Ok(Json(RecommendationView(
        workers::recommendations(&state, &worker, limit, openings).await?,
    )))
}

/// A saved search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedSearchView {
    /// Key.
    pub id: i64,
    /// occupations, skills, courses or openings.
    pub kind: String,
    /// Query text.
    pub query: String,
    /// Filters as given.
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<people::SavedSearch> for SavedSearchView {
    fn from(s: people::SavedSearch) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            query: s.query,
            filters: s.filters,
            created_at: s.created_at,
        }
    }
}

/// A search to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchRequest {
    /// occupations, skills, courses or openings.
    pub kind: String,
    /// Query text, up to 200 characters.
    pub query: String,
    /// Filters (an object of at most 20 entries).
    #[schema(value_type = Object)]
    pub filters: Option<serde_json::Value>,
}

/// Lists saved searches.
#[utoipa::path(get, path = "/api/v1/me/saved-searches", tag = "seeker",
    params(PageQuery),
    responses((status = 200, body = Page<SavedSearchView>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_saved_searches(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<SavedSearchView>>, AppError> {
    let limit = page.limit()?;
    let items =
        people::saved_searches(&state.db, user.id, page.position()?, u64::from(limit) + 1).await?;
    let page = Page::by_key(items, limit, |s| s.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(SavedSearchView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Saves a search.
#[utoipa::path(post, path = "/api/v1/me/saved-searches", tag = "seeker",
    request_body = SavedSearchRequest,
    responses((status = 201, body = SavedSearchView), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_saved_search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SavedSearchRequest>,
) -> Result<(StatusCode, Json<SavedSearchView>), AppError> {
    if !["occupations", "skills", "courses", "openings"].contains(&body.kind.as_str()) {
        return Err(AppError::invalid(
            "kind",
            "kind must be occupations, skills, courses or openings",
        ));
    }
    let query = validate_text(&body.query, "query", 0, 200)?;
    let filters = body.filters.unwrap_or_else(|| serde_json::json!({}));
    match &filters {
        serde_json::Value::Object(map) if map.len() <= 20 => {}
        _ => {
            return Err(AppError::invalid(
                "filters",
                "filters must be an object of at most 20 entries",
            ));
        }
    }
    let saved =
        people::create_saved_search(&state.db, user.id, &body.kind, &query, filters).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Deletes a saved search.
#[utoipa::path(delete, path = "/api/v1/me/saved-searches/{id}", tag = "seeker",
    params(("id" = i64, Path, description = "Saved search key")),
    responses((status = 204), (status = 404, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_saved_search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    if !people::delete_saved_search(&state.db, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A seeker's interest in an opening.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    /// Key.
    pub id: i64,
    /// The opening.
    pub opening_id: i64,
    /// Note to the employer.
    pub message: String,
    /// When sent.
    pub created_at: DateTime<Utc>,
}

impl From<people::Application> for ApplicationView {
    fn from(a: people::Application) -> Self {
        Self {
            id: a.id,
            opening_id: a.opening.0,
            message: a.message,
            created_at: a.created_at,
        }
    }
}

/// Interest in an opening.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    /// The opening.
    pub opening_id: i64,
    /// A note to the employer, up to 2,000 characters.
    pub message: Option<String>,
}

/// Lists the openings the seeker showed interest in.
#[utoipa::path(get, path = "/api/v1/me/applications", tag = "seeker",
    params(PageQuery),
    responses((status = 200, body = Page<ApplicationView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_applications(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<ApplicationView>>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let limit = page.limit()?;
    let items = people::applications(
        &state.db,
        Some(worker.id),
        None,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |a| a.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(ApplicationView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Shows interest in an open opening.
#[utoipa::path(post, path = "/api/v1/me/applications", tag = "seeker",
    request_body = ApplicationRequest,
    responses((status = 201, body = ApplicationView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_application(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ApplicationRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let message = validate_text(body.message.as_deref().unwrap_or(""), "message", 0, 2_000)?;
    let opening = reskill_store::openings::managed_opening(&state.db, OpeningId(body.opening_id))
        .await?
        .filter(|o| o.status == reskill_core::catalog::OpeningStatus::Open)
        .ok_or_else(|| AppError::invalid("opening_id", "no open opening has this id"))?;
    let application =
        people::create_application(&state.db, worker.id, opening.id, &message).await?;
    Ok((StatusCode::CREATED, Json(application.into())))
}

/// Lists employers' expressions of interest in the seeker.
#[utoipa::path(get, path = "/api/v1/me/interests", tag = "seeker", operation_id = "list_my_interests",
    params(PageQuery),
    responses((status = 200, body = Page<InterestView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_interests(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<InterestView>>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let limit = page.limit()?;
    let items = people::interests(
        &state.db,
        Some(worker.id),
        None,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |i| i.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(InterestView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// An answer to an expression of interest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestAnswer {
    /// Accept (share contact details with the employer) or decline.
    pub accept: bool,
}

/// Answers an employer's expression of interest; accepting reveals the seeker's name and
/// contact details to that organisation.
#[utoipa::path(post, path = "/api/v1/me/interests/{id}/answer", tag = "seeker",
    params(("id" = i64, Path, description = "Interest key")),
    request_body = InterestAnswer,
    responses((status = 200, body = InterestView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn answer_interest(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InterestAnswer>,
) -> Result<Json<InterestView>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let interest = workers::answer_interest(&state.db, &worker, id, body.accept).await?;
    Ok(Json(interest.into()))
}

/// Lists the seeker's plans.
#[utoipa::path(get, path = "/api/v1/me/plans", tag = "seeker",
    params(PageQuery),
    responses((status = 200, body = Page<PlanView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_plans(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<PlanView>>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    let limit = page.limit()?;
    let engine = state.engine();
    let plans: Vec<PlanView> = people::plans_of_worker(&state.db, worker.id)
        .await?
        .into_iter()
        .map(|p| PlanView::build(&engine, p))
        .collect();
    Ok(Json(Page::by_offset(
        plans,
        page.position()?.unwrap_or(0),
        limit,
    )))
}

/// Marks a step of the seeker's plan done; a course step adds its skills as `gained`.
#[utoipa::path(post, path = "/api/v1/me/plans/{plan_id}/steps/{step_id}/complete", tag = "seeker",
    params(("plan_id" = i64, Path, description = "Plan key"), ("step_id" = i64, Path, description = "Step key")),
    responses((status = 200, body = PlanView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn complete_step(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((plan_id, step_id)): ApiPath<(i64, i64)>,
) -> Result<Json<PlanView>, AppError> {
    policy::require_role(&user, &[reskill_core::accounts::Role::Seeker])?;
    let (plan, _) = policy::plan(
        &state.db,
        &user,
        PlanId(plan_id),
        policy::Access::Read,
        "plan.step",
    )
    .await?;
    Ok(Json(
        workers::complete_step(&state.db, &state.engine(), user.id, plan.id, step_id).await?,
    ))
}

/// Returns everything Reskill stores about the seeker, as JSON.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "seeker",
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_data(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    Ok(Json(
        workers::export(&state.db, &state.engine(), user.id, &worker).await?,
    ))
}

/// Confirms deletion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteRequest {
    /// The account's password.
    pub password: String,
}

/// Deletes the seeker's account: personal data removed, anonymous aggregates kept. Wrong
/// passwords count toward the login lockout.
#[utoipa::path(delete, path = "/api/v1/me", tag = "seeker",
    request_body = DeleteRequest,
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_account(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    user: CurrentUser,
    ApiJson(body): ApiJson<DeleteRequest>,
) -> Result<StatusCode, AppError> {
    let worker = policy::own_worker(&state.db, &user).await?;
    accounts::confirm_password(&state, &client, &user, body.password, "password").await?;
    workers::delete_account(&state.db, user.id, Some(&worker)).await?;
    Ok(StatusCode::NO_CONTENT)
}
