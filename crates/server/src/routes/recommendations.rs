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
use serde_json::{Map, Value};

use super::occupations::{DEFAULT_TRANSITIONS, MAX_TRANSITIONS};
use crate::api::ApiJson;
use crate::services::engine::{
    Engine, Recommendation, RecommendationQuery, ResolveError, recommend, resolve_occupation,
};
use crate::{AppError, AppState};

/// Default number of openings returned.
pub const DEFAULT_OPENINGS: usize = 20;
/// Most skills one request may list.
pub const MAX_SKILLS: usize = 500;
/// Longest plan accepted, in weeks (ten years).
const MAX_WEEKS: f64 = 520.0;
/// Farthest travel accepted, in km (half the Earth's circumference).
const MAX_TRAVEL_KM: f64 = 20_000.0;

const FIELDS: &[&str] = &[
    "occupation_id",
    "occupation_uri",
    "occupation_title",
    "skills",
    "infer_skills",
    "location",
    "constraints",
    "limit",
    "openings_limit",
];

/// Returns a recommendation for the described worker.
#[utoipa::path(post, path = "/api/v1/recommendations", tag = "catalog", request_body(content = crate::views::JsonDocument, description = "occupation_id | occupation_uri | occupation_title, skills, infer_skills, location, constraints, limit, openings_limit (docs/MATCHING.md)"), responses((status = 200, body = crate::views::RecommendationView), (status = 400, body = crate::error::Problem)))]
pub async fn create_recommendation(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Recommendation>, AppError> {
    let engine = state.engine();
    let Value::Object(body) = body else {
        return Err(AppError::invalid("body", "body must be a JSON object"));
    };
    let title = optional_string(&body, "occupation_title")?;
    let title_match = match title {
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
    Ok(Json(recommendation))
}

/// Validates the body into a query; `title_match` is the occupation a title resolved to.
fn parse_query(
    engine: &Engine,
    body: &Map<String, Value>,
    title_match: Option<OccupationId>,
) -> Result<RecommendationQuery, AppError> {
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(AppError::invalid(
            unknown.clone(),
            format!(
                "unknown field {unknown:?}; expected one of {}",
                FIELDS.join(", ")
            ),
        ));
    }
    let given: Vec<&str> = ["occupation_id", "occupation_uri", "occupation_title"]
        .into_iter()
        .filter(|f| body.get(*f).is_some_and(|v| !v.is_null()))
        .collect();
    if given.len() > 1 {
        return Err(AppError::invalid(
            given[1],
            "give at most one of occupation_id, occupation_uri and occupation_title",
        ));
    }
    let mut occupation = title_match;
    if let Some(value) = body.get("occupation_id").filter(|v| !v.is_null()) {
        let id = value.as_i64().filter(|id| *id > 0).ok_or_else(|| {
            AppError::invalid("occupation_id", "occupation_id must be a positive integer")
        })?;
        engine.occupation(OccupationId(id)).ok_or_else(|| {
            AppError::invalid("occupation_id", format!("no occupation has id {id}"))
        })?;
        occupation = Some(OccupationId(id));
    }
    if let Some(uri) = optional_string(body, "occupation_uri")? {
        occupation = Some(engine.occupation_by_uri(uri).ok_or_else(|| {
            AppError::invalid("occupation_uri", format!("no occupation has URI {uri:?}"))
        })?);
    }

    let mut skills = Vec::new();
    match body.get("skills") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            if items.len() > MAX_SKILLS {
                return Err(AppError::invalid(
                    "skills",
                    format!("skills may list at most {MAX_SKILLS} skills"),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let field = format!("skills[{i}]");
                let id = match item {
                    Value::Number(n) => n.as_i64().map(SkillId).filter(|id| engine.has_skill(*id)),
                    Value::String(s) => match s.trim().parse::<i64>() {
                        Ok(n) => Some(SkillId(n)).filter(|id| engine.has_skill(*id)),
                        Err(_) => engine.skill_by_uri(s.trim()),
                    },
                    _ => {
                        return Err(AppError::invalid(
                            field,
                            "each skill must be a skill id or an ESCO skill URI",
                        ));
                    }
                };
                let id = id.ok_or_else(|| {
                    AppError::invalid(field.clone(), format!("{field} names no known skill"))
                })?;
                skills.push(id);
            }
        }
        Some(_) => {
            return Err(AppError::invalid(
                "skills",
                "skills must be an array of skill ids or ESCO skill URIs",
            ));
        }
    }
    skills.sort_unstable();
    skills.dedup();

    let infer_skills = match body.get("infer_skills") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(AppError::invalid(
                "infer_skills",
                "infer_skills must be true or false",
            ));
        }
    };
    if occupation.is_none() && skills.is_empty() {
        return Err(AppError::invalid(
            "skills",
            "give an occupation (occupation_id, occupation_uri or occupation_title) or at least one skill",
        ));
    }

    let location = match body.get("location") {
        None | Some(Value::Null) => None,
        Some(Value::Object(point)) => {
            let lat = number_in(point, "lat", "location.lat", -90.0, 90.0)?;
            let lon = number_in(point, "lon", "location.lon", -180.0, 180.0)?;
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
        Some(_) => {
            return Err(AppError::invalid(
                "location",
                "location must be an object with lat and lon",
            ));
        }
    };

    let mut constraints = PlanConstraints {
        location,
        ..PlanConstraints::default()
    };
    match body.get("constraints") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) => {
            const KNOWN: &[&str] = &["max_weeks", "budget", "modes", "max_travel_km", "minimise"];
            if let Some(unknown) = c.keys().find(|k| !KNOWN.contains(&k.as_str())) {
                return Err(AppError::invalid(
                    format!("constraints.{unknown}"),
                    format!(
                        "unknown constraint {unknown:?}; expected one of {}",
                        KNOWN.join(", ")
                    ),
                ));
            }
            constraints.max_weeks =
                positive_number(c, "max_weeks", "constraints.max_weeks", MAX_WEEKS)?;
            constraints.budget = number_in(c, "budget", "constraints.budget", 0.0, f64::MAX)?;
            constraints.max_travel_km = positive_number(
                c,
                "max_travel_km",
                "constraints.max_travel_km",
                MAX_TRAVEL_KM,
            )?;
            constraints.modes = match c.get("modes") {
                None | Some(Value::Null) => None,
                Some(Value::Array(modes)) => Some(
                    modes
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            m.as_str()
                                .and_then(|m| CourseMode::parse(m).ok())
                                .ok_or_else(|| {
                                    AppError::invalid(
                                        format!("constraints.modes[{i}]"),
                                        "each mode must be online, in_person or hybrid",
                                    )
                                })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Some(_) => {
                    return Err(AppError::invalid(
                        "constraints.modes",
                        "constraints.modes must be an array of online, in_person, hybrid",
                    ));
                }
            };
            constraints.minimise = match c.get("minimise") {
                None | Some(Value::Null) => Minimise::Weeks,
                Some(Value::String(s)) if s == "weeks" => Minimise::Weeks,
                Some(Value::String(s)) if s == "cost" => Minimise::Cost,
                Some(_) => {
                    return Err(AppError::invalid(
                        "constraints.minimise",
                        "constraints.minimise must be \"weeks\" or \"cost\"",
                    ));
                }
            };
        }
        Some(_) => {
            return Err(AppError::invalid(
                "constraints",
                "constraints must be an object",
            ));
        }
    }

    let limit = count(body, "limit", 1, DEFAULT_TRANSITIONS)?;
    let openings_limit = count(body, "openings_limit", 0, DEFAULT_OPENINGS)?;
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

/// Returns a string field, `None` when absent or null.
fn optional_string<'b>(
    body: &'b Map<String, Value>,
    field: &str,
) -> Result<Option<&'b str>, AppError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AppError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

/// Returns a finite number in `[min, max]`, `None` when absent or null.
fn number_in(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, AppError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|v| v.is_finite() && (min..=max).contains(v))
            .map(Some)
            .ok_or_else(|| {
                let range = if max == f64::MAX {
                    format!("at least {min}")
                } else {
                    format!("from {min} to {max}")
                };
                AppError::invalid(field, format!("{field} must be a number {range}"))
            }),
    }
}

/// Returns a finite number in `(0, max]`, `None` when absent or null.
fn positive_number(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
    max: f64,
) -> Result<Option<f64>, AppError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|v| v.is_finite() && *v > 0.0 && *v <= max)
            .map(Some)
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("{field} must be a number above 0 and at most {max}"),
                )
            }),
    }
}

/// Returns an integer count in `[min, MAX_TRANSITIONS]`, `default` when absent or null.
fn count(
    body: &Map<String, Value>,
    field: &str,
    min: usize,
    default: usize,
) -> Result<usize, AppError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .map(|v| v as usize)
            .filter(|v| (min..=MAX_TRANSITIONS).contains(v))
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("{field} must be an integer from {min} to {MAX_TRANSITIONS}"),
                )
            }),
    }
}
