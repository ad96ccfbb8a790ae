//! Search: the JSON API (`/api/v1/search/{kind}`, `/api/v1/suggest`) and the server-rendered
//! results page (`/search`). Query parameters are parsed here into the search crate's typed
//! filters, so every bad value is a 400 naming its parameter.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use reskill_core::catalog::{CourseMode, OpeningStatus};
use reskill_core::risk::RiskBand;
use reskill_core::taxonomy::{ReuseLevel, SkillType};
use reskill_search::{
    CourseFilters, Filters, GeoFilter, IndexKind, MAX_LIMIT, OccupationFilters, OpeningFilters,
    SearchRequest, SearchResponse, SkillFilters, SortOrder, Suggestion,
};
use serde::Serialize;
use serde_json::json;

use crate::{AppError, AppState};

/// Page size when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;
/// Suggestions when `limit` is not given.
const DEFAULT_SUGGEST_LIMIT: usize = 8;

/// Raw query parameters in order; repeated names (`risk_band=low&risk_band=medium`) are kept.
type Params = Vec<(String, String)>;

/// Parses a kind from the URL or a parameter.
fn parse_kind(value: &str) -> Option<IndexKind> {
    IndexKind::ALL.into_iter().find(|k| k.as_str() == value)
}

/// Returns the values of `name`, split on commas, blanks dropped (an empty form field means
/// "not set").
fn values<'a>(params: &'a Params, name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// Returns the single value of `name`, or `None`; more than one value is an error.
fn single<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, AppError> {
    let found: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(AppError::invalid(name, format!("{name} may be given once"))),
    }
}

fn number<T: std::str::FromStr>(params: &Params, name: &str) -> Result<Option<T>, AppError> {
    single(params, name)?
        .map(|v| {
            v.trim()
                .parse::<T>()
                .map_err(|_| AppError::invalid(name, format!("{name} must be a number, got {v:?}")))
        })
        .transpose()
}

fn finite(params: &Params, name: &str) -> Result<Option<f64>, AppError> {
    match number::<f64>(params, name)? {
        Some(v) if !v.is_finite() => Err(AppError::invalid(
            name,
            format!("{name} must be a finite number"),
        )),
        other => Ok(other),
    }
}

fn boolean(params: &Params, name: &str) -> Result<Option<bool>, AppError> {
    single(params, name)?
        .map(|v| match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(AppError::invalid(
                name,
                format!("{name} must be true or false, got {v:?}"),
            )),
        })
        .transpose()
}

fn each<T>(
    params: &Params,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, AppError> {
    values(params, name)
        .into_iter()
        .map(|v| {
            parse(v).ok_or_else(|| {
                AppError::invalid(name, format!("{name} must be one of {expected}, got {v:?}"))
            })
        })
        .collect()
}

/// The parameters each kind accepts besides `q`, `limit`, `cursor` and `sort`.
fn filter_names(kind: IndexKind) -> &'static [&'static str] {
    match kind {
        IndexKind::Occupations => &["risk_band", "isco_major"],
        IndexKind::Skills => &["skill_type", "reuse_level"],
        IndexKind::Courses => &[
            "mode",
            "place",
            "cost_min",
            "cost_max",
            "weeks_min",
            "weeks_max",
            "skill",
        ],
        IndexKind::Openings => &[
            "region",
            "lat",
            "lon",
            "radius_km",
            "remote",
            "salary_min",
            "salary_max",
            "occupation",
            "skill",
            "posted_within_days",
            "include_closed",
        ],
    }
}

/// Turns query parameters into a typed search request; `ignored` names parameters that belong to
/// the caller (such as the page's `kind`).
fn search_request(
    kind: IndexKind,
    params: &Params,
    ignored: &[&str],
) -> Result<SearchRequest, AppError> {
    const COMMON: &[&str] = &["q", "limit", "cursor", "sort"];
    if let Some((name, _)) = params.iter().find(|(name, _)| {
        !COMMON.contains(&name.as_str())
            && !ignored.contains(&name.as_str())
            && !filter_names(kind).contains(&name.as_str())
    }) {
        return Err(AppError::invalid(
            name.as_str(),
            format!(
                "unknown parameter {name:?} for {kind}; filters are: {}",
                filter_names(kind).join(", ")
            ),
        ));
    }
    let q = single(params, "q")?.unwrap_or_default().to_owned();
    let limit = number::<usize>(params, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let sort = match single(params, "sort")? {
        None | Some("relevance") => SortOrder::Relevance,
        Some("date") if kind.has_date() => SortOrder::Date,
        Some("date") => {
            return Err(AppError::invalid(
                "sort",
                format!("{kind} cannot be sorted by date"),
            ));
        }
        Some(other) => {
            return Err(AppError::invalid(
                "sort",
                format!("sort must be relevance or date, got {other:?}"),
            ));
        }
    };
    let cursor = single(params, "cursor")?.map(str::to_owned);
    let filters = match kind {
        IndexKind::Occupations => Filters::Occupations(occupation_filters(params)?),
        IndexKind::Skills => Filters::Skills(skill_filters(params)?),
        IndexKind::Courses => Filters::Courses(course_filters(params)?),
        IndexKind::Openings => Filters::Openings(opening_filters(params)?),
    };
    Ok(SearchRequest {
        q,
        filters,
        sort,
        limit,
        cursor,
    })
}

fn occupation_filters(params: &Params) -> Result<OccupationFilters, AppError> {
    let risk_bands = each(
        params,
        "risk_band",
        |v| match v {
            "low" => Some(RiskBand::Low),
            "medium" => Some(RiskBand::Medium),
            "high" => Some(RiskBand::High),
            _ => None,
        },
        "low, medium, high",
    )?;
    let isco_major_groups = each(
        params,
        "isco_major",
        |v| (v.len() == 1 && v.chars().all(|c| c.is_ascii_digit())).then(|| v.to_owned()),
        "0 to 9",
    )?;
    Ok(OccupationFilters {
        risk_bands,
        isco_major_groups,
    })
}

fn skill_filters(params: &Params) -> Result<SkillFilters, AppError> {
    let skill_types = each(
        params,
        "skill_type",
        |v| match v {
            "skill_competence" | "skill/competence" | "skill" => Some(SkillType::SkillCompetence),
            "knowledge" => Some(SkillType::Knowledge),
            _ => None,
        },
        "skill/competence, knowledge",
    )?;
    let reuse_levels = each(
        params,
        "reuse_level",
        |v| ReuseLevel::parse(&v.replace('_', "-")).ok().flatten(),
        "transversal, cross-sector, sector-specific, occupation-specific",
    )?;
    Ok(SkillFilters {
        skill_types,
        reuse_levels,
    })
}

fn course_filters(params: &Params) -> Result<CourseFilters, AppError> {
    let modes = each(
        params,
        "mode",
        |v| CourseMode::parse(v).ok(),
        "online, in_person, hybrid",
    )?;
    let place_names = values(params, "place")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let filters = CourseFilters {
        modes,
        place_names,
        cost_min: finite(params, "cost_min")?,
        cost_max: finite(params, "cost_max")?,
        duration_min_weeks: finite(params, "weeks_min")?,
        duration_max_weeks: finite(params, "weeks_max")?,
        skill_id: number(params, "skill")?,
    };
    if let (Some(lo), Some(hi)) = (filters.cost_min, filters.cost_max)
        && lo > hi
    {
        return Err(AppError::invalid("cost_max", "cost_max is below cost_min"));
    }
    if let (Some(lo), Some(hi)) = (filters.duration_min_weeks, filters.duration_max_weeks)
        && lo > hi
    {
        return Err(AppError::invalid(
            "weeks_max",
            "weeks_max is below weeks_min",
        ));
    }
    Ok(filters)
}

fn opening_filters(params: &Params) -> Result<OpeningFilters, AppError> {
    let lat = finite(params, "lat")?;
    let lon = finite(params, "lon")?;
    let radius_km = finite(params, "radius_km")?;
    let near = match (lat, lon, radius_km) {
        (None, None, None) => None,
        (Some(lat), Some(lon), radius) => {
            let radius_km = radius.unwrap_or(30.0);
            if !(-90.0..=90.0).contains(&lat) {
                return Err(AppError::invalid("lat", "lat must be between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(AppError::invalid("lon", "lon must be between -180 and 180"));
            }
            if !(radius_km > 0.0 && radius_km <= 20_000.0) {
                return Err(AppError::invalid(
                    "radius_km",
                    "radius_km must be above 0 and at most 20000",
                ));
            }
            Some(GeoFilter {
                lat,
                lon,
                radius_km,
            })
        }
        (None, _, _) => {
            return Err(AppError::invalid(
                "lat",
                "lat, lon and radius_km go together: lat is missing",
            ));
        }
        (_, None, _) => {
            return Err(AppError::invalid(
                "lon",
                "lat, lon and radius_km go together: lon is missing",
            ));
        }
    };
    let salary_min = finite(params, "salary_min")?;
    let salary_max = finite(params, "salary_max")?;
    if let (Some(lo), Some(hi)) = (salary_min, salary_max)
        && lo > hi
    {
        return Err(AppError::invalid(
            "salary_max",
            "salary_max is below salary_min",
        ));
    }
    let posted_within_days = number::<u32>(params, "posted_within_days")?;
    if posted_within_days.is_some_and(|d| d > 36_500) {
        return Err(AppError::invalid(
            "posted_within_days",
            "posted_within_days must be at most 36500",
        ));
    }
    let statuses = if boolean(params, "include_closed")?.unwrap_or(false) {
        vec![OpeningStatus::Open, OpeningStatus::Closed]
    } else {
        Vec::new()
    };
    Ok(OpeningFilters {
        regions: values(params, "region")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        near,
        remote: boolean(params, "remote")?,
        salary_min,
        salary_max,
        occupation_id: number(params, "occupation")?,
        skill_id: number(params, "skill")?,
        posted_within_days,
        today: None,
        statuses,
    })
}

async fn run_search(
    state: &AppState,
    kind: IndexKind,
    request: SearchRequest,
) -> Result<SearchResponse, AppError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        crate::services::semantic::search(&state.search, &state.semantic, kind, &request)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?
    .map_err(AppError::from)
}

/// `GET /api/v1/search/{kind}`: one page of hits with facets and the next cursor.
#[utoipa::path(get, path = "/api/v1/search/{kind}", tag = "catalog", params(("kind" = IndexKind, Path, description = "which index"), ("q" = Option<String>, Query, max_length = 500, description = "query text (at most 500 characters and 32 words)"), ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "page size, default 20")), responses((status = 200, body = SearchResponse, description = "hits with highlights, facets and next_cursor (docs/SEARCH.md)"), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn search_documents(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<SearchResponse>, AppError> {
    let kind = parse_kind(&kind).ok_or(AppError::NotFound)?;
    let request = search_request(kind, &params, &[])?;
    Ok(Json(run_search(&state, kind, request).await?))
}

/// The body of `GET /api/v1/suggest`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    /// Best first.
    pub suggestions: Vec<Suggestion>,
}

/// `GET /api/v1/suggest?kind=…&q=…&limit=…`: autocomplete on titles and synonyms.
#[utoipa::path(get, path = "/api/v1/suggest", tag = "catalog", params(("kind" = IndexKind, Query, description = "which index"), ("q" = Option<String>, Query, max_length = 500, description = "prefix"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many, default 8")), responses((status = 200, body = Suggestions), (status = 400, body = crate::error::Problem)))]
pub async fn suggest_titles(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Json<Suggestions>, AppError> {
    let kind_name =
        single(&params, "kind")?.ok_or_else(|| AppError::invalid("kind", "kind is required"))?;
    let kind = parse_kind(kind_name).ok_or_else(|| {
        AppError::invalid(
            "kind",
            format!("kind must be occupations, skills, courses or openings, got {kind_name:?}"),
        )
    })?;
    let q = single(&params, "q")?.unwrap_or_default().to_owned();
    let limit = number::<usize>(&params, "limit")?.unwrap_or(DEFAULT_SUGGEST_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let state = state.clone();
    let suggestions = tokio::task::spawn_blocking(move || {
        crate::services::semantic::suggest(&state.search, &state.semantic, kind, &q, limit)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("suggest task failed: {e}")))??;
    Ok(Json(Suggestions { suggestions }))
}

/// Kinds offered on the results page, with their labels.
const PAGE_KINDS: &[(IndexKind, &str)] = &[
    (IndexKind::Occupations, "Jobs (occupations)"),
    (IndexKind::Courses, "Courses"),
    (IndexKind::Openings, "Job openings"),
    (IndexKind::Skills, "Skills"),
];

/// Returns the page parameter that filters on a facet.
fn facet_param(facet: &str) -> &str {
    match facet {
        "place_name" => "place",
        other => other,
    }
}

fn facet_label(facet: &str) -> &str {
    match facet {
        "risk_band" => "Automation risk",
        "isco_major" => "ISCO major group",
        "skill_type" => "Type",
        "reuse_level" => "Reuse level",
        "mode" => "Mode",
        "place_name" => "Place",
        "region" => "Region",
        "remote" => "Remote",
        other => other,
    }
}

fn value_label(facet: &str, value: &str) -> String {
    match (facet, value) {
        ("remote", "true") => "Remote".to_owned(),
        ("remote", "false") => "On site".to_owned(),
        ("mode", "in_person") => "In person".to_owned(),
        ("isco_major", digit) => format!("Group {digit}"),
        _ => value.to_owned(),
    }
}

/// Builds an `application/x-www-form-urlencoded` query string from `params`.
fn query_string(params: &[(String, String)]) -> String {
    fn encode(out: &mut String, text: &str) {
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(char::from(byte));
                }
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, name);
        out.push('=');
        encode(&mut out, value);
    }
    out
}

/// `GET /search?q=…&kind=…`: the results page, usable without JavaScript.
#[utoipa::path(get, path = "/search", tag = "pages", params(("q" = Option<String>, Query, description = "query"), ("kind" = Option<String>, Query, description = "index")), responses((status = 200, content_type = "text/html", body = String)))]
pub async fn show_search(
    State(state): State<AppState>,
    visitor: crate::routes::pages::Visitor,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let kind = match single(&params, "kind").ok().flatten() {
        None => IndexKind::Occupations,
        Some(name) => parse_kind(name).unwrap_or(IndexKind::Occupations),
    };
    let q = single(&params, "q").ok().flatten().unwrap_or_default();
    let (status, result, error) = match search_request(kind, &params, &["kind"]) {
        Ok(request) => match run_search(&state, kind, request).await {
            Ok(response) => (StatusCode::OK, Some(response), None),
            Err(AppError::Invalid { message, .. }) => {
                (StatusCode::BAD_REQUEST, None, Some(message))
            }
            Err(other) => return Err(other),
        },
        Err(AppError::Invalid { message, .. }) => (StatusCode::BAD_REQUEST, None, Some(message)),
        Err(other) => return Err(other),
    };
    // Parameters other than the cursor, kept by filter links and the next-page link.
    let kept: Vec<(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "cursor" && !v.trim().is_empty())
        .cloned()
        .collect();
    let facets: Vec<serde_json::Value> = result
        .as_ref()
        .map(|r| {
            r.facets
                .iter()
                .filter(|(_, values)| !values.is_empty())
                .map(|(name, values)| {
                    let param = facet_param(name);
                    let options: Vec<serde_json::Value> = values
                        .iter()
                        .map(|v| {
                            let checked = values_of(&params, param).contains(&v.value.as_str());
                            json!({
                                "value": v.value,
                                "label": value_label(name, &v.value),
                                "count": v.count,
                                "checked": checked,
                            })
                        })
                        .collect();
                    json!({ "name": param, "label": facet_label(name), "options": options })
                })
                .collect()
        })
        .unwrap_or_default();
    let next_href = result
        .as_ref()
        .and_then(|r| r.next_cursor.as_ref())
        .map(|cursor| {
            let mut next = kept.clone();
            next.push(("cursor".to_owned(), cursor.clone()));
            format!("/search?{}", query_string(&next))
        });
    // Fields of the filter form that are not facets, kept as hidden inputs.
    let hidden: Vec<(String, String)> = kept
        .iter()
        .filter(|(k, _)| {
            k == "q"
                || k == "kind"
                || k == "sort"
                || !facets.iter().any(|f| f["name"] == k.as_str())
        })
        .cloned()
        .collect();
    let kinds: Vec<serde_json::Value> = PAGE_KINDS
        .iter()
        .map(|(k, label)| json!({ "value": k.as_str(), "label": label, "selected": *k == kind }))
        .collect();
    let title = if q.trim().is_empty() {
        "Search".to_owned()
    } else {
        format!("Search results for “{}”", q.trim())
    };
    let page = state.templates.render(
        "search.html",
        json!({
            "title": title,
            "q": q,
            "kind": kind.as_str(),
            "kinds": kinds,
            "error": error,
            "result": result,
            "facets": facets,
            "hidden": hidden,
            "next_href": next_href,
            "clear_href": format!("/search?{}", query_string(&[
                ("q".to_owned(), q.to_owned()),
                ("kind".to_owned(), kind.as_str().to_owned()),
            ])),
            "nav": visitor.nav(),
        }),
    )?;
    Ok((status, Html(page)).into_response())
}

fn values_of<'a>(params: &'a Params, name: &str) -> Vec<&'a str> {
    values(params, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn field_of(error: AppError) -> Option<String> {
        match error {
            AppError::Invalid { field, .. } => field,
            _ => None,
        }
    }

    #[test]
    fn bad_values_name_their_field() {
        for (kind, pairs, field) in [
            (IndexKind::Occupations, vec![("limit", "0")], "limit"),
            (IndexKind::Occupations, vec![("limit", "101")], "limit"),
            (
                IndexKind::Occupations,
                vec![("risk_band", "huge")],
                "risk_band",
            ),
            (
                IndexKind::Occupations,
                vec![("isco_major", "12")],
                "isco_major",
            ),
            (IndexKind::Occupations, vec![("sort", "date")], "sort"),
            (IndexKind::Skills, vec![("reuse_level", "x")], "reuse_level"),
            (IndexKind::Courses, vec![("cost_min", "abc")], "cost_min"),
            (
                IndexKind::Courses,
                vec![("cost_min", "5"), ("cost_max", "1")],
                "cost_max",
            ),
            (IndexKind::Courses, vec![("mode", "telepathy")], "mode"),
            (
                IndexKind::Openings,
                vec![("lat", "91"), ("lon", "0")],
                "lat",
            ),
            (IndexKind::Openings, vec![("lon", "0")], "lat"),
            (
                IndexKind::Openings,
                vec![("lat", "1"), ("lon", "1"), ("radius_km", "-1")],
                "radius_km",
            ),
            (IndexKind::Openings, vec![("remote", "maybe")], "remote"),
            (
                IndexKind::Openings,
                vec![("salary_min", "NaN")],
                "salary_min",
            ),
            (IndexKind::Openings, vec![("risk_band", "low")], "risk_band"),
        ] {
            let error = search_request(kind, &params(&pairs), &[]).unwrap_err();
            assert_eq!(field_of(error).as_deref(), Some(field), "{kind} {pairs:?}");
        }
    }

    #[test]
    fn filters_map_onto_typed_filters() {
        let request = search_request(
            IndexKind::Openings,
            &params(&[
                ("q", "nurse"),
                ("region", "London,Kent"),
                ("lat", "51.5"),
                ("lon", "-0.1"),
                ("radius_km", "30"),
                ("remote", "true"),
                ("salary_min", "20000"),
                ("posted_within_days", "7"),
                ("include_closed", "true"),
                ("cost_min", ""),
            ]),
            &["cost_min"],
        )
        .unwrap();
        let Filters::Openings(f) = request.filters else {
            panic!("wrong filters")
        };
        assert_eq!(f.regions, ["London", "Kent"]);
        assert_eq!(f.near.unwrap().radius_km, 30.0);
        assert_eq!(f.remote, Some(true));
        assert_eq!(f.salary_min, Some(20_000.0));
        assert_eq!(f.posted_within_days, Some(7));
        assert_eq!(f.statuses.len(), 2);
        assert_eq!(request.limit, DEFAULT_LIMIT);
    }
}
