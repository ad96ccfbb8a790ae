//! `GET /api/v1/occupations/{id}` (labels, description, ISCO group, skills, risk from every
//! source, programme types) and `GET /api/v1/occupations/{id}/transitions` (safer occupations within reach).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use reskill_core::OccupationId;
use reskill_core::SkillId;
use reskill_core::catalog::ProgrammeType;
use reskill_core::taxonomy::{RelationType, ReuseLevel, SkillType};
use serde::Serialize;

use crate::services::engine::{RiskDetail, TransitionsReport};
use crate::{AppError, AppState};

/// Default number of transitions listed.
pub const DEFAULT_TRANSITIONS: usize = 10;
/// Most transitions (and recommendations) one request may ask for.
pub const MAX_TRANSITIONS: usize = 50;

/// An occupation as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OccupationDetail {
    /// Key.
    pub id: OccupationId,
    /// ESCO concept URI.
    pub uri: String,
    /// ESCO notation code.
    pub code: String,
    /// Preferred label.
    pub preferred_label: String,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
    /// Description.
    pub description: String,
    /// 4-digit ISCO-08 unit group.
    pub isco_group: String,
    /// The broader occupation, if any.
    pub parent_id: Option<OccupationId>,
    /// Essential skills, most informative (highest IDF) first.
    pub essential_skills: Vec<OccupationSkill>,
    /// Optional skills, most informative first.
    pub optional_skills: Vec<OccupationSkill>,
    /// Automation risk from every imported source; `null` when unscored.
    pub risk: Option<RiskDetail>,
    /// Kinds of programme (CIP 2020) that prepare for the occupation, most specific first:
    /// linked through the CIP → SOC crosswalk and the occupation's O*NET-SOC code (or its
    /// broader occupation's); empty when none are imported or none link.
    pub programme_types: Vec<ProgrammeType>,
}

/// One skill of an occupation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OccupationSkill {
    /// Key.
    pub id: SkillId,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// Skill or knowledge.
    pub skill_type: Option<SkillType>,
    /// Reuse level.
    pub reuse_level: Option<ReuseLevel>,
    /// How informative the skill is (inverse document frequency over occupations).
    pub idf: Option<f64>,
}

/// Returns one occupation with its skills, risk and programme types.
#[utoipa::path(get, path = "/api/v1/occupations/{id}", tag = "catalog", params(("id" = i64, Path, minimum = 1, description = "Occupation key")), responses((status = 200, body = OccupationDetail, description = "the occupation with skills and risk from every source"), (status = 404, body = crate::error::Problem)))]
pub async fn show_occupation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<OccupationDetail>, AppError> {
    let id = parse_occupation_id(&id)?;
    let occupation = reskill_store::taxonomy::occupation_by_id(&state.db, id).await?;
    let skills = reskill_store::taxonomy::skills_of_occupation(&state.db, id).await?;
    let engine = state.engine();
    let mut essential_skills = Vec::new();
    let mut optional_skills = Vec::new();
    for (skill, relation) in skills {
        let view = OccupationSkill {
            idf: engine.taxonomy.skill_idf(skill.id),
            id: skill.id,
            uri: skill.uri,
            label: skill.preferred_label,
            skill_type: skill.skill_type,
            reuse_level: skill.reuse_level,
        };
        match relation {
            RelationType::Essential => essential_skills.push(view),
            RelationType::Optional => optional_skills.push(view),
        }
    }
    for list in [&mut essential_skills, &mut optional_skills] {
        list.sort_by(|a, b| {
            b.idf
                .unwrap_or(0.0)
                .total_cmp(&a.idf.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
    }
    Ok(Json(OccupationDetail {
        risk: engine.risk(id),
        id: occupation.id,
        uri: occupation.uri,
        code: occupation.code,
        preferred_label: occupation.preferred_label,
        alt_labels: occupation.alt_labels,
        description: occupation.description,
        isco_group: occupation.isco_group,
        parent_id: occupation.parent_id,
        essential_skills,
        optional_skills,
        programme_types: engine
            .taxonomy
            .programme_types_for(id)
            .iter()
            .map(|p| ProgrammeType::clone(p))
            .collect(),
    }))
}

/// Returns the best transitions from an occupation for someone holding all its skills:
/// `?limit=` (1–50, default 10) and `?include_riskier=true` to rank every occupation by fit.
#[utoipa::path(get, path = "/api/v1/occupations/{id}/transitions", tag = "catalog", params(("id" = i64, Path, minimum = 1, description = "Occupation key"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 50, description = "1 to 50, default 10"), ("include_riskier" = Option<bool>, Query, description = "rank every occupation by fit")), responses((status = 200, body = TransitionsReport, description = "transitions with fit, gap and risk change (docs/MATCHING.md)"), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list_transitions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<TransitionsReport>, AppError> {
    let id = parse_occupation_id(&id)?;
    let limit = match params.get("limit") {
        None => DEFAULT_TRANSITIONS,
        Some(value) => parse_limit("limit", value)?,
    };
    let include_riskier = match params.get("include_riskier").map(String::as_str) {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") | Some("") => true,
        Some(_) => {
            return Err(AppError::invalid(
                "include_riskier",
                "include_riskier must be true or false",
            ));
        }
    };
    let engine = state.engine();
    let report = tokio::task::spawn_blocking(move || {
        engine.occupation_transitions(id, limit, include_riskier)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("transitions task failed: {e}")))?;
    report.map(Json).ok_or(AppError::NotFound)
}

/// Parses a path id; anything but a positive integer is a 400 naming `id`.
fn parse_occupation_id(value: &str) -> Result<OccupationId, AppError> {
    match value.parse::<i64>() {
        Ok(id) if id > 0 => Ok(OccupationId(id)),
        _ => Err(AppError::invalid(
            "id",
            "id must be a positive integer occupation key",
        )),
    }
}

/// Parses a limit in 1..=[`MAX_TRANSITIONS`].
pub(crate) fn parse_limit(field: &str, value: &str) -> Result<usize, AppError> {
    match value.parse::<usize>() {
        Ok(limit) if (1..=MAX_TRANSITIONS).contains(&limit) => Ok(limit),
        _ => Err(AppError::invalid(
            field,
            format!("{field} must be an integer from 1 to {MAX_TRANSITIONS}"),
        )),
    }
}
