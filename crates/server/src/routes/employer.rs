//! Employer routes: the organisation and its members, openings (create, edit, close, skill
//! suggestions), candidates ranked by fit now and after a plan, and expressions of interest.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use reskill_core::accounts::{Email, Role, validate_text};
use reskill_core::catalog::OpeningStatus;
use reskill_core::{OccupationId, OpeningId, OrganisationId, SkillId, WorkerId};
use reskill_store::openings::{ManagedOpening, OpeningDraft};
use reskill_store::people;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiJson, ApiPath, ApiQuery, Page, PageQuery, check_range};
use crate::auth::CurrentUser;
use crate::error::Problem;
use crate::policy;
use crate::routes::auth::UserView;
use crate::services::employers::{self, Candidate, SkillSuggestions};
use crate::views::InterestView;
use crate::{AppError, AppState};

/// An organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationView {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// employer, service or provider.
    pub kind: String,
}

impl From<reskill_store::accounts::Organisation> for OrganisationView {
    fn from(o: reskill_store::accounts::Organisation) -> Self {
        Self {
            id: o.id.0,
            name: o.name,
            kind: o.kind,
        }
    }
}

/// Shows an organisation (its members, or an admin).
#[utoipa::path(get, path = "/api/v1/organisations/{organisation_id}", tag = "employer",
    params(("organisation_id" = i64, Path, description = "Organisation key")),
    responses((status = 200, body = OrganisationView), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_organisation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrganisationView>, AppError> {
    policy::organisation(&user, OrganisationId(id))?;
    Ok(Json(
        reskill_store::accounts::organisation_by_id(&state.db, OrganisationId(id))
            .await?
            .into(),
    ))
}

/// Lists an organisation's members.
#[utoipa::path(get, path = "/api/v1/organisations/{organisation_id}/members", tag = "employer",
    params(("organisation_id" = i64, Path, description = "Organisation key"), PageQuery),
    responses((status = 200, body = Page<UserView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserView>>, AppError> {
    policy::organisation(&user, OrganisationId(id))?;
    let limit = page.limit()?;
    let users = reskill_store::accounts::list_users(
        &state.db,
        None,
        Some(OrganisationId(id)),
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

/// A member to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    /// Their address: they get an email to set a password.
    pub email: String,
    /// Name shown, 1 to 100 characters.
    pub display_name: String,
}

/// Adds a member: an employer account in this organisation, invited by a password-set link;
/// rate limited per client address, as it emails the address given.
#[utoipa::path(post, path = "/api/v1/organisations/{organisation_id}/members", tag = "employer",
    params(("organisation_id" = i64, Path, description = "Organisation key")),
    request_body = MemberRequest,
    responses((status = 201, body = UserView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "too many requests from this address; see Retry-After")),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MemberRequest>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    policy::organisation(&user, OrganisationId(id))?;
    let email = Email::parse(&body.email)?;
    let created = crate::services::accounts::create_account(
        &state.db,
        crate::services::accounts::NewAccount {
            email: email.clone(),
            // Unknown to anyone: the member sets their own through the reset link.
            password: crate::auth::tokens::random_token(),
            display_name: body.display_name,
            role: Role::Employer,
            organisation_id: Some(OrganisationId(id)),
            new_organisation: None,
            email_verified: false,
        },
        &state.auth.config.public_url,
        state.auth.config.verify_email_ttl,
    )
    .await?;
    crate::services::accounts::request_password_reset(&state, email.as_str()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// An opening as its organisation sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpeningView {
    /// Key.
    pub id: i64,
    /// Organisation.
    pub organisation_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Occupation.
    pub occupation_id: Option<i64>,
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
    /// draft, open or closed.
    pub status: String,
    /// Posted.
    pub posted_on: NaiveDate,
    /// Closing date.
    pub expires_on: Option<NaiveDate>,
    /// Required skills.
    pub skills: Vec<RequiredSkillView>,
}

/// A required skill.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredSkillView {
    /// Skill key.
    pub skill_id: i64,
    /// Essential (true) or nice to have.
    pub essential: bool,
}

impl From<ManagedOpening> for OpeningView {
    fn from(o: ManagedOpening) -> Self {
        Self {
            id: o.id.0,
            organisation_id: o.organisation_id.map(|x| x.0),
            title: o.title,
            occupation_id: o.occupation_id.map(|x| x.0),
            description: o.description,
            place_name: o.place_name,
            region: o.region,
            country: o.country,
            lat: o.lat,
            lon: o.lon,
            remote: o.remote,
            salary_min: o.salary_min,
            salary_max: o.salary_max,
            currency: o.currency,
            status: o.status.as_str().to_owned(),
            posted_on: o.posted_on,
            expires_on: o.expires_on,
            skills: o
                .skills
                .into_iter()
                .map(|(s, e)| RequiredSkillView {
                    skill_id: s.0,
                    essential: e,
                })
                .collect(),
        }
    }
}

/// An opening to create, or its full new state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningRequest {
    /// Title, 2 to 200 characters.
    pub title: String,
    /// Description, up to 20,000 characters.
    pub description: Option<String>,
    /// Occupation key.
    pub occupation_id: Option<i64>,
    /// Required skills (at most 100); omitted, the occupation's essential skills are used.
    pub skills: Option<Vec<RequiredSkillView>>,
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
    /// Remote allowed.
    #[serde(default)]
    pub remote: bool,
    /// Yearly salary, lower bound.
    pub salary_min: Option<f64>,
    /// Yearly salary, upper bound.
    pub salary_max: Option<f64>,
    /// ISO 4217 currency (default GBP).
    pub currency: Option<String>,
    /// draft or open (default open).
    pub status: Option<String>,
    /// Closing date.
    pub expires_on: Option<NaiveDate>,
}

pub(crate) fn parse_opening(
    state: &AppState,
    body: OpeningRequest,
) -> Result<OpeningDraft, AppError> {
    let engine = state.engine();
    let title = validate_text(&body.title, "title", 2, 200)?;
    let occupation = match body.occupation_id {
        None => None,
        Some(id) => {
            let id = OccupationId(id);
            engine.occupation(id).ok_or_else(|| {
                AppError::invalid("occupation_id", format!("no occupation has id {id}"))
            })?;
            Some(id)
        }
    };
    let skills: Vec<(SkillId, bool)> = match body.skills {
        Some(skills) => {
            if skills.len() > 100 {
                return Err(AppError::invalid("skills", "at most 100 skills"));
            }
            let mut out = Vec::new();
            for (i, s) in skills.into_iter().enumerate() {
                let id = SkillId(s.skill_id);
                if !engine.has_skill(id) {
                    return Err(AppError::invalid(
                        format!("skills[{i}].skill_id"),
                        format!("no skill has id {id}"),
                    ));
                }
                if !out.iter().any(|(k, _)| *k == id) {
                    out.push((id, s.essential));
                }
            }
            out
        }
        None => occupation
            .and_then(|o| engine.taxonomy.requirements(o))
            .unwrap_or_default()
            .into_iter()
            .map(|(s, relation, _)| {
                (
                    s,
                    relation == reskill_core::taxonomy::RelationType::Essential,
                )
            })
            .collect(),
    };
    let coordinates = match (body.lat, body.lon) {
        (None, None) => None,
        (Some(lat), Some(lon)) => Some((
            check_range(Some(lat), "lat", -90.0, 90.0)?.unwrap_or(lat),
            check_range(Some(lon), "lon", -180.0, 180.0)?.unwrap_or(lon),
        )),
        (None, _) => return Err(AppError::invalid("lat", "lat is required with lon")),
        (_, None) => return Err(AppError::invalid("lon", "lon is required with lat")),
    };
    let salary_min = check_range(body.salary_min, "salary_min", 0.0, 10_000_000.0)?;
    let salary_max = check_range(body.salary_max, "salary_max", 0.0, 10_000_000.0)?;
    if let (Some(min), Some(max)) = (salary_min, salary_max)
        && min > max
    {
        return Err(AppError::invalid(
            "salary_max",
            "salary_max must not be below salary_min",
        ));
    }
    let currency = body.currency.unwrap_or_else(|| "GBP".to_owned());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(AppError::invalid(
            "currency",
            "currency must be a three-letter ISO 4217 code",
        ));
    }
    let status = match body.status.as_deref() {
        None => OpeningStatus::Open,
        Some(s) => OpeningStatus::parse(s)
            .map_err(|_| AppError::invalid("status", "status must be draft, open or closed"))?,
    };
    let text = |v: Option<String>, field: &str, max: usize| -> Result<Option<String>, AppError> {
        match v {
            Some(v) if !v.trim().is_empty() => Ok(Some(validate_text(&v, field, 1, max)?)),
            _ => Ok(None),
        }
    };
    Ok(OpeningDraft {
        title,
        occupation_id: occupation,
        description: text(body.description, "description", 20_000)?.unwrap_or_default(),
        place_name: text(body.place_name, "place_name", 100)?,
        region: text(body.region, "region", 100)?,
        country: text(body.country, "country", 2)?.map(|c| c.to_uppercase()),
        coordinates,
        remote: body.remote,
        salary_min,
        salary_max,
        currency,
        status,
        expires_on: body.expires_on,
        skills,
    })
}

/// Lists the caller's organisation's openings.
#[utoipa::path(get, path = "/api/v1/employer/openings", tag = "employer",
    params(PageQuery),
    responses((status = 200, body = Page<OpeningView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_openings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<OpeningView>>, AppError> {
    let organisation = policy::employer_organisation(&user)?;
    let limit = page.limit()?;
    let items = reskill_store::openings::organisation_openings(
        &state.db,
        organisation,
        page.position()?,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::by_key(items, limit, |o| o.id.0);
    Ok(Json(Page {
        items: page.items.into_iter().map(OpeningView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Creates an opening for the caller's organisation.
#[utoipa::path(post, path = "/api/v1/employer/openings", tag = "employer",
    request_body = OpeningRequest,
    responses((status = 201, body = OpeningView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_opening(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<OpeningRequest>,
) -> Result<(StatusCode, Json<OpeningView>), AppError> {
    let organisation = policy::employer_organisation(&user)?;
    let draft = parse_opening(&state, body)?;
    let opening = employers::create_opening(&state.db, organisation, draft).await?;
    Ok((StatusCode::CREATED, Json(opening.into())))
}

/// Shows one of the organisation's openings.
#[utoipa::path(get, path = "/api/v1/employer/openings/{opening_id}", tag = "employer",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 200, body = OpeningView), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_opening(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OpeningView>, AppError> {
    Ok(Json(
        policy::manage_opening(&state.db, &user, OpeningId(id))
            .await?
            .into(),
    ))
}

/// Replaces an opening.
#[utoipa::path(put, path = "/api/v1/employer/openings/{opening_id}", tag = "employer",
    params(("opening_id" = i64, Path, description = "Opening key")),
    request_body = OpeningRequest,
    responses((status = 200, body = OpeningView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn replace_opening(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OpeningRequest>,
) -> Result<Json<OpeningView>, AppError> {
    let current = policy::manage_opening(&state.db, &user, OpeningId(id)).await?;
    let draft = parse_opening(&state, body)?;
    let opening = employers::update_opening(&state.db, current.id, draft).await?;
    Ok(Json(opening.into()))
}

/// Closes an opening.
#[utoipa::path(post, path = "/api/v1/employer/openings/{opening_id}/close", tag = "employer",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 200, body = OpeningView), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn close_opening(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OpeningView>, AppError> {
    let current = policy::manage_opening(&state.db, &user, OpeningId(id)).await?;
    Ok(Json(
        employers::close_opening(&state.db, &current).await?.into(),
    ))
}

/// A title to suggest skills for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// Job title, 2 to 200 characters.
    pub title: String,
}

/// Suggests required skills from a job title.
#[utoipa::path(get, path = "/api/v1/employer/skill-suggestions", tag = "employer",
    params(SuggestParams),
    responses((status = 200, body = SkillSuggestions), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn suggest_skills(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Json<SkillSuggestions>, AppError> {
    policy::require_role(&user, &[Role::Employer, Role::Admin])?;
    let title = validate_text(&params.title, "title", 2, 200)?;
    Ok(Json(employers::suggest_skills(&state, title).await?))
}

/// Lists consenting candidates for an opening, ranked by fit now and after a plan; masked
/// until the candidate accepts an expression of interest.
#[utoipa::path(get, path = "/api/v1/employer/openings/{opening_id}/candidates", tag = "employer",
    params(("opening_id" = i64, Path, description = "Opening key"), PageQuery),
    responses((status = 200, body = Page<Candidate>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_candidates(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<Candidate>>, AppError> {
    let opening = policy::manage_opening(&state.db, &user, OpeningId(id)).await?;
    let (limit, offset) = (page.limit()?, page.position()?.unwrap_or(0));
    let ranked = employers::candidates(&state, &user, &opening).await?;
    Ok(Json(Page::by_offset(ranked, offset, limit)))
}

/// An expression of interest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestRequest {
    /// The candidate.
    pub worker_id: i64,
    /// Message, up to 2,000 characters.
    pub message: Option<String>,
}

/// Expresses interest in a consenting candidate for an opening; the candidate is emailed.
#[utoipa::path(post, path = "/api/v1/employer/openings/{opening_id}/interests", tag = "employer",
    params(("opening_id" = i64, Path, description = "Opening key")),
    request_body = InterestRequest,
    responses((status = 201, body = InterestView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_interest(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InterestRequest>,
) -> Result<(StatusCode, Json<InterestView>), AppError> {
    let opening = policy::manage_opening(&state.db, &user, OpeningId(id)).await?;
    let message = validate_text(body.message.as_deref().unwrap_or(""), "message", 0, 2_000)?;
    let interest = employers::express_interest(
        &state.db,
        &user,
        &opening,
        WorkerId(body.worker_id),
        &message,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(interest.into())))
}

/// Lists the organisation's expressions of interest and their answers.
#[utoipa::path(get, path = "/api/v1/employer/interests", tag = "employer", operation_id = "list_employer_interests",
    params(PageQuery),
    responses((status = 200, body = Page<InterestView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_interests(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<InterestView>>, AppError> {
    let organisation = policy::employer_organisation(&user)?;
    let openings =
        reskill_store::openings::organisation_opening_ids(&state.db, organisation).await?;
    let limit = page.limit()?;
    let items = people::interests(
        &state.db,
        None,
        Some(&openings),
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
