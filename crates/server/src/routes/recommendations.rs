//! `POST /api/v1/recommendations`: the public "explore" flow, no account needed. From a current
//! occupation and/or a list of skills, plus an optional location and plan constraints, returns
//! the current risk, safer transitions each with its gap and course plan, and openings for the
//! top transitions.
//!
//! The body is validated field by field so every 400 names the offending field
//! (`constraints.max_weeks`, `skills[3]`), which serde's own errors do not do reliably.

use axum::Json;
use axum::extract::State;
use reskill_core::catalog::CourseMode;
use reskill_core::matching::{GeoPoint, Minimise, PlanConstraints};
use reskill_core::{OccupationId, SkillId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::occupations::{DEFAULT_TRANSITIONS, MAX_TRANSITIONS};
use crate::api::ApiJson;
use crate::services::engine::{
    Engine, RecommendationQuery, ResolveError, recommend, resolve_occupation,
};
use crate::views::RecommendationView;
use crate::{AppError, AppState};

/// Default number of openings returned.
pub const DEFAULT_OPENINGS: usize = 20;
/// Most skills one request may list.
pub const MAX_SKILLS: usize = 500;
/// Longest plan accepted, in weeks (ten years).
const MAX_WEEKS: f64 = 520.0;
/// Farthest travel accepted, in km (half the Earth's circumference).
const MAX_TRAVEL_KM: f64 = 20_000.0;

/// The body of `POST /api/v1/recommendations`: a current occupation (by key, URI or title)
/// and/or skills, plus where the worker lives and the plan's limits (docs/MATCHING.md).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRequest {
    /// Current or last occupation, by key.
    #[schema(minimum = 1)]
    pub occupation_id: Option<i64>,
    /// Current or last occupation, by ESCO URI.
    pub occupation_uri: Option<String>,
    /// Current or last occupation, by title (the best search hit is taken).
    pub occupation_title: Option<String>,
    /// Skills held, by key or ESCO URI.
    #[schema(max_items = 500)]
    pub skills: Option<Vec<SkillInput>>,
    /// Whether the occupation's requirements count as skills held (default true).
    pub infer_skills: Option<bool>,
    /// Where the worker lives.
    pub location: Option<LocationInput>,
    /// Limits on the course plan.
    pub constraints: Option<ConstraintsInput>,
    /// Transitions wanted, 1 to 50 (default 10).
    #[schema(minimum = 1, maximum = 50)]
    pub limit: Option<u64>,
    /// Openings wanted, 0 to 50 (default 20).
    #[schema(minimum = 0, maximum = 50)]
    pub openings_limit: Option<u64>,
}

/// A skill named by key or by ESCO URI.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SkillInput {
    /// Skill key.
    Id(i64),
    /// ESCO skill URI (or a key written as a string).
    Uri(String),
}

/// A point on Earth.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    /// Latitude, -90 to 90.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// Longitude, -180 to 180.
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
}

/// Limits on the course plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintsInput {
    /// Longest plan in weeks, above 0 and at most 520.
    #[schema(exclusive_minimum = 0, maximum = 520)]
    pub max_weeks: Option<f64>,
    /// Most money to spend, at least 0.
    #[schema(minimum = 0)]
    pub budget: Option<f64>,
    /// Course modes accepted.
    pub modes: Option<Vec<CourseMode>>,
    /// Farthest travel in km, above 0 and at most 20000.
    #[schema(exclusive_minimum = 0, maximum = 20000)]
    pub max_travel_km: Option<f64>,
    /// What the plan minimises: `weeks` (default) or `cost`.
    pub minimise: Option<MinimiseInput>,
    /// Also take courses that teach only nice-to-have skills (default false: a course joins a
    /// plan for nice-to-have skills only when it teaches an essential one too).
    pub include_optional_only_courses: Option<bool>,
}

/// What a course plan minimises.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MinimiseInput {
    /// Total weeks.
    Weeks,
    /// Total cost.
    Cost,
}

/// Returns a recommendation for the described worker.
#[utoipa::path(post, path = "/api/v1/recommendations", tag = "catalog", request_body = RecommendationRequest, responses((status = 200, body = crate::views::RecommendationView), (status = 400, body = crate::error::Problem)))]
pub async fn create_recommendation(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<RecommendationView>, AppError> {
    // serde reads a JSON array into a struct field by field; only an object is a request.
    if !body.is_object() {
        return Err(AppError::invalid("body", "body must be a JSON object"));
    }
    let body: RecommendationRequest = crate::api::from_value(body)?;
    let engine = state.engine();
    let title_match = match body.occupation_title.as_deref() {
        Some(title) => {
            let (engine, state) = (engine.clone(), state.clone());
            let title = title.to_owned();
            let resolved = tokio::task::spawn_blocking(move || {
                resolve_occupation(&engine, &state.search, &state.semantic, &title)
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?;
            match resolved {
                Ok(resolved) => Some(resolved.occupation().id),
                Err(ResolveError::Search(error)) => return Err(AppError::Internal(error.into())),
                Err(error) => return Err(AppError::invalid("occupation_title", error.to_string())),
            }
        }
        None => None,
    };
    let query = parse_query(&engine, &body, title_match)?;
    let recommendation = recommend(&state.db, &state.search, engine, query).await?;
    Ok(Json(RecommendationView(recommendation)))
}

/// Validates the body into a query; `title_match` is the occupation a title resolved to.
fn parse_query(
    engine: &Engine,
    body: &RecommendationRequest,
    title_match: Option<OccupationId>,
) -> Result<RecommendationQuery, AppError> {
    let given: Vec<&str> = [
        ("occupation_id", body.occupation_id.is_some()),
        ("occupation_uri", body.occupation_uri.is_some()),
        ("occupation_title", body.occupation_title.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    if given.len() > 1 {
        return Err(AppError::invalid(
            given[1],
            "give at most one of occupation_id, occupation_uri and occupation_title",
        ));
    }
    let mut occupation = title_match;
    if let Some(id) = body.occupation_id {
        if id <= 0 {
            return Err(AppError::invalid(
                "occupation_id",
                "occupation_id must be a positive integer",
            ));
        }
        engine.occupation(OccupationId(id)).ok_or_else(|| {
            AppError::invalid("occupation_id", format!("no occupation has id {id}"))
        })?;
        occupation = Some(OccupationId(id));
    }
    if let Some(uri) = &body.occupation_uri {
        occupation = Some(engine.occupation_by_uri(uri).ok_or_else(|| {
            AppError::invalid("occupation_uri", format!("no occupation has URI {uri:?}"))
        })?);
    }

    let items = body.skills.as_deref().unwrap_or_default();
    if items.len() > MAX_SKILLS {
        return Err(AppError::invalid(
            "skills",
            format!("skills may list at most {MAX_SKILLS} skills"),
        ));
    }
    let mut skills = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("skills[{i}]");
        let id = match item {
            SkillInput::Id(n) => Some(SkillId(*n)).filter(|id| engine.has_skill(*id)),
            SkillInput::Uri(s) => match s.trim().parse::<i64>() {
                Ok(n) => Some(SkillId(n)).filter(|id| engine.has_skill(*id)),
                Err(_) => engine.skill_by_uri(s.trim()),
            },
        };
        let id = id.ok_or_else(|| {
            AppError::invalid(field.clone(), format!("{field} names no known skill"))
        })?;
        skills.push(id);
    }
    skills.sort_unstable();
    skills.dedup();

    let infer_skills = body.infer_skills.unwrap_or(true);
    if occupation.is_none() && skills.is_empty() {
        return Err(AppError::invalid(
            "skills",
            "give an occupation (occupation_id, occupation_uri or occupation_title) or at least one skill",
        ));
    }

    let location = match &body.location {
        None => None,
        Some(point) => {
            let lat = number_in(point.lat, "location.lat", -90.0, 90.0)?;
            let lon = number_in(point.lon, "location.lon", -180.0, 180.0)?;
            match (lat, lon) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                (None, _) => {
                    return Err(AppError::invalid(
                        "location.lat",
                        "location.lat is required",
                    ));
                }
                (_, None) => {
                    return Err(AppError::invalid(
                        "location.lon",
                        "location.lon is required",
                    ));
                }
            }
        }
    };

    let mut constraints = PlanConstraints {
        location,
        ..PlanConstraints::default()
    };
    if let Some(c) = &body.constraints {
        constraints.max_weeks = positive_number(c.max_weeks, "constraints.max_weeks", MAX_WEEKS)?;
        constraints.budget = number_in(c.budget, "constraints.budget", 0.0, f64::MAX)?;
        constraints.max_travel_km =
            positive_number(c.max_travel_km, "constraints.max_travel_km", MAX_TRAVEL_KM)?;
        constraints.modes = c.modes.clone();
        constraints.minimise = match c.minimise {
            None | Some(MinimiseInput::Weeks) => Minimise::Weeks,
            Some(MinimiseInput::Cost) => Minimise::Cost,
        };
        constraints.include_optional_only_courses =
            c.include_optional_only_courses.unwrap_or(false);
    }

    let limit = count(body.limit, "limit", 1, DEFAULT_TRANSITIONS)?;
    let openings_limit = count(body.openings_limit, "openings_limit", 0, DEFAULT_OPENINGS)?;
    Ok(RecommendationQuery {
        occupation,
        skills,
        infer_skills,
        location,
        constraints,
        limit,
        openings_limit,
    })
}

/// Returns a finite number in `[min, max]`.
fn number_in(value: Option<f64>, field: &str, min: f64, max: f64) -> Result<Option<f64>, AppError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
        Some(_) => {
            let range = if max == f64::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            Err(AppError::invalid(
                field,
                format!("{field} must be a number {range}"),
            ))
        }
    }
}

/// Returns a finite number in `(0, max]`.
fn positive_number(value: Option<f64>, field: &str, max: f64) -> Result<Option<f64>, AppError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 && v <= max => Ok(Some(v)),
        Some(_) => Err(AppError::invalid(
            field,
            format!("{field} must be a number above 0 and at most {max}"),
        )),
    }
}

/// Returns an integer count in `[min, MAX_TRANSITIONS]`, `default` when absent.
fn count(value: Option<u64>, field: &str, min: usize, default: usize) -> Result<usize, AppError> {
    match value {
        None => Ok(default),
        Some(v) => usize::try_from(v)
            .ok()
            .filter(|v| (min..=MAX_TRANSITIONS).contains(v))
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("{field} must be an integer from {min} to {MAX_TRANSITIONS}"),
                )
            }),
    }
}
