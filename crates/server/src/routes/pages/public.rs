//! Public pages: an occupation's risk and safer transitions, and the pathway from one
//! occupation to another (fit, skill gap, course plan, openings). No account needed.

use axum::extract::{Path, State};
use reskill_core::OccupationId;
use reskill_core::accounts::Role;
use reskill_core::matching::PlanConstraints;
use serde_json::{Value, json};

use super::{PageError, PageResult, Visitor, positive_id, render};
use crate::services::engine::{self, RiskDetail};
use crate::{AppError, AppState};

/// Transitions listed on an occupation page.
const TRANSITIONS_SHOWN: usize = 8;
/// Openings listed on a pathway page.
const OPENINGS_SHOWN: usize = 5;

/// Returns the numbers an inline SVG half-circle gauge needs for a score in [0, 1].
fn gauge(score: f64) -> Value {
    let score = score.clamp(0.0, 1.0);
    let angle = std::f64::consts::PI * (1.0 - score);
    json!({
        "x": format!("{:.1}", 100.0 + 80.0 * angle.cos()),
        "y": format!("{:.1}", 104.0 - 80.0 * angle.sin()),
        "percent": super::percent(score),
    })
}

fn risk_context(risk: &Option<RiskDetail>) -> Value {
    let Some(risk) = risk else {
        return Value::Null;
    };
    let shown = risk
        .readings
        .iter()
        .find(|r| r.reading.active)
        .or(risk.readings.first());
    let Some(shown) = shown else {
        return Value::Null;
    };
    json!({
        "band": risk.band.as_str(),
        "agreement": risk.agreement,
        "source": shown.reading.source,
        "year": shown.reading.year,
        "score": shown.reading.score,
        "percentile": shown.reading.percentile.round() as i64,
        "inherited": shown.inherited,
        "gauge": gauge(shown.reading.score),
        "others": risk.readings.iter().filter(|r| r.reading.source != shown.reading.source).map(|r| json!({
            "source": r.reading.source,
            "year": r.reading.year,
            "band": r.reading.band.as_str(),
            "percentile": r.reading.percentile.round() as i64,
        })).collect::<Vec<_>>(),
    })
}

fn occupation_id(value: &str) -> Result<OccupationId, PageError> {
    Ok(OccupationId(positive_id(value, "occupation")?))
}

/// Shows an occupation: its automation risk as a gauge naming the source, and the safer
/// occupations within reach of its skills.
#[utoipa::path(get, path = "/occupations/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Occupation key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
pub async fn show_occupation_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> PageResult {
    let id = occupation_id(&id)?;
    let engine = state.engine();
    let occupation = reskill_store::taxonomy::occupation_by_id(&state.db, id).await?;
    let report = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.occupation_transitions(id, TRANSITIONS_SHOWN, false)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("transitions task failed: {e}")))?
    }
    .ok_or(AppError::NotFound)?;
    let transitions: Vec<Value> = report
        .transitions
        .iter()
        .map(|t| {
            json!({
                "id": t.occupation.id.0,
                "label": t.occupation.label,
                "fit": super::percent(t.fit),
                "missing": t.gap.essential.len(),
                "demand": t.demand,
                "band_after": t.risk.as_ref().map(|r| r.after.band.as_str()),
                "reduction": t.risk.as_ref().and_then(|r| r.reduction_points).map(super::whole),
            })
        })
        .collect();
    render(
        &state,
        &visitor,
        "occupation.html",
        &occupation.preferred_label,
        json!({
            "occupation": {
                "id": occupation.id.0,
                "label": occupation.preferred_label,
                "description": short(&occupation.description, 400),
                "alt_labels": occupation.alt_labels.iter().take(6).collect::<Vec<_>>(),
            },
            "risk": risk_context(&report.risk),
            "transitions": transitions,
            "viable_fit": super::percent(report.thresholds.viable_fit),
        }),
    )
}

/// Shows the pathway from one occupation to another: how well the skills fit, the skill gap
/// as a chart, the shortest course plan as a timeline, and matching openings.
#[utoipa::path(get, path = "/occupations/{id}/pathways/{target_id}", tag = "pages",
    params(("id" = i64, Path, description = "Current occupation key"), ("target_id" = i64, Path, description = "Target occupation key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
pub async fn show_pathway(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((from, to)): Path<(String, String)>,
) -> PageResult {
    let (from, to) = (occupation_id(&from)?, occupation_id(&to)?);
    let engine = state.engine();
    let report = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.pair(from, to, Some(&PlanConstraints::default()))
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("pathway task failed: {e}")))?
    }
    .ok_or(AppError::NotFound)?;
    let openings = engine::openings_for(&state.db, &state.search, to, OPENINGS_SHOWN).await?;
    let context = pathway_context(&report, &openings);
    let signed_in_seeker = visitor
        .user
        .as_ref()
        .is_some_and(|u| u.role == Role::Seeker);
    let mut context = context;
    context["can_save"] = signed_in_seeker.into();
    let here = format!("/occupations/{}/pathways/{}", from.0, to.0);
    context["here_q"] = super::query_escape(&here).into();
    context["here"] = here.into();
    let title = format!("From {} to {}", report.from.label, report.to.label);
    render(&state, &visitor, "pathway.html", &title, context)
}

/// Returns `text` cut to `max` characters with an ellipsis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Builds the pathway page's context: gap chart rows, timeline steps with their weeks.
pub fn pathway_context(
    report: &engine::PairReport,
    openings: &[reskill_store::matching::OpeningCandidate],
) -> Value {
    // Chart rows: essential requirements, held first, each as a bar scaled to the heaviest.
    let mut rows: Vec<(String, f64, bool)> = report
        .matched_skills
        .iter()
        .filter(|s| s.essential)
        .map(|s| (s.skill.label.clone(), s.requirement_weight, true))
        .chain(
            report
                .gap
                .essential
                .iter()
                .map(|s| (s.skill.label.clone(), s.requirement_weight, false)),
        )
        .collect();
    rows.truncate(16);
    let heaviest = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let chart: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (label, weight, held))| {
            json!({
                "label": short(label, 40),
                "held": held,
                "y": i * 28,
                "width": format!("{:.0}", 8.0 + 192.0 * weight / heaviest),
            })
        })
        .collect();
    let mut week = 0.0;
    let steps: Vec<Value> = report
        .plan
        .as_ref()
        .map(|plan| {
            plan.plan
                .steps
                .iter()
                .map(|step| {
                    let label = plan.courses.iter().find(|c| c.id == step.course);
                    let start = week;
                    week += step.weeks;
                    json!({
                        "title": label.map(|l| l.title.clone()).unwrap_or_else(|| format!("course {}", step.course)),
                        "provider": label.map(|l| l.provider.clone()),
                        "url": label.map(|l| l.url.clone()),
                        "currency": label.map(|l| l.currency.clone()),
                        "week_from": start.round() as i64 + 1,
                        "week_to": (week.round() as i64).max(start.round() as i64 + 1),
                        "weeks": step.weeks,
                        "cost": step.cost,
                        "mode": step.mode.as_str(),
                        "covers": step.covers.iter().map(|s| s.label.clone()).collect::<Vec<_>>(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "from": {"id": report.from.id.0, "label": report.from.label},
        "to": {"id": report.to.id.0, "label": report.to.label, "label_q": super::query_escape(&report.to.label)},
        "fit": super::percent(report.fit),
        "ready": report.gap.ready,
        "risk": report.risk.as_ref().map(|r| json!({
            "source": r.source,
            "year": r.year,
            "before": r.before.as_ref().map(|b| b.band.as_str()),
            "after": r.after.band.as_str(),
            "reduction": r.reduction_points.map(super::whole),
        })),
        "chart": chart,
        "chart_height": rows.len() * 28,
        "missing_essential": report.gap.essential.iter().map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "missing_optional": report.gap.optional.iter().take(8).map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "steps": steps,
        "plan": report.plan.as_ref().map(|p| json!({
            "total_weeks": p.plan.total_weeks,
            "total_cost": p.plan.total_cost,
            "covered": super::percent(p.plan.covered_share),
            "uncovered": p.plan.uncovered.iter().map(|u| u.skill.label.clone()).collect::<Vec<_>>(),
        })),
        "openings": openings.iter().map(|o| json!({
            "title": o.title,
            "organisation": o.organisation,
            "place": o.place_name.clone().or(o.region.clone()),
            "salary_min": o.salary_min,
            "salary_max": o.salary_max,
            "currency": o.currency,
            "posted_on": o.posted_on.to_string(),
            "url": o.url,
        })).collect::<Vec<_>>(),
    })
}
