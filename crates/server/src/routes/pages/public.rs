//! Public pages: an occupation's risk and safer transitions, and the pathway from one
//! occupation to another (fit, skill gap, course plan, openings). No account needed.

use axum::extract::{Query, State};
use reskill_core::OccupationId;
use reskill_core::accounts::Role;
use reskill_core::matching::PlanConstraints;
use serde_json::{Value, json};

use reskill_search::{Hit, IndexKind, SearchRequest};
use serde::Deserialize;

use super::{
    PageError, PagePath, PageResult, Visitor, positive_id, query_escape, render, see_other,
};
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

/// Returns a percentile as "more exposed than N% of occupations" can say it: the top one is "99".
fn share_below(percentile: f64) -> i64 {
    super::whole(percentile).min(99)
}

fn risk_context(risk: &Option<RiskDetail>) -> Value {
    let Some(risk) = risk else {
        return Value::Null;
    };
    json!({
        "band": risk.band.as_str(),
        "percentile": super::whole(risk.percentile),
        "share_below": share_below(risk.percentile),
        "agreement": risk.agreement,
        "measure": risk.measure,
        "gauge": gauge(risk.percentile / 100.0),
        "readings": risk.readings.iter().map(|r| json!({
            "source": r.reading.source,
            "year": r.reading.year,
            "description": r.description,
            "band": r.reading.band.as_str(),
            "share_below": share_below(r.reading.percentile),
            "inherited": r.reading.inherited,
        })).collect::<Vec<_>>(),
    })
}

fn occupation_id(value: &str) -> Result<OccupationId, PageError> {
    Ok(OccupationId(positive_id(value, "occupation")?))
}

/// Shows an occupation: its exposure to automation and AI as a gauge with every source, and the
/// safer occupations within reach of its skills.
#[utoipa::path(get, path = "/occupations/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Occupation key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
pub async fn show_occupation_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
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
                "similarity": t.similarity.map(super::percent),
                "move": t.labour.as_ref().map(|m| m.summary()),
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
    PagePath((from, to)): PagePath<(String, String)>,
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
    let steps: Vec<Value> = report
        .plan
        .as_ref()
        .map(|plan| {
            plan.plan
                .steps
                .iter()
                .map(|step| {
                    let label = plan.courses.iter().find(|c| c.id == step.course);
                    json!({
                        "title": label.map(|l| l.title.clone()).unwrap_or_else(|| format!("course {}", step.course)),
                        "provider": label.map(|l| l.provider.clone()),
                        "url": label.map(|l| l.url.clone()),
                        "currency": label.map(|l| l.currency.clone()),
                        "when": step.week_range_label(),
                        "weeks": super::weeks(step.weeks),
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
        "similarity": report.similarity.map(super::percent),
        "move": report.labour.as_ref().map(|m| m.summary()),
        "ready": report.gap.ready,
        "risk": report.risk.as_ref().map(super::risk_change_view),
        "chart": chart,
        "chart_height": rows.len() * 28,
        "missing_essential": report.gap.essential.iter().map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "missing_optional": report.gap.optional.iter().take(8).map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "steps": steps,
        "plan": report.plan.as_ref().map(|p| json!({
            "total_weeks": p.plan.total_weeks,
            "weeks": super::weeks(p.plan.total_weeks.ceil()),
            "total_cost": p.plan.total_cost,
            "covered": super::percent(p.plan.covered_share),
            "essential_gap": p.plan.essential_gap,
            "essential_covered": p.plan.essential_covered,
            "uncovered": p.plan.uncovered.iter().filter(|u| u.essential).map(|u| json!({
                "label": u.skill.label,
                "why": u.reason.explanation(),
            })).collect::<Vec<_>>(),
            "programmes": p.plan.programmes.iter().map(|g| json!({
                "code": g.code,
                "title": g.title,
                "covers": g.covers.iter().map(|s| s.label.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
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

/// How many times the best hit's score must exceed the runner-up's to count as a clear winner.
const CLEAR_WINNER_RATIO: f32 = 2.0;

/// Returns `text` lower-cased, with everything but letters and digits turned into single spaces.
fn normalised(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decides whether an occupation search for `query` names one occupation confidently enough to
/// skip the result list. `hits` are the best two hits, best first. The rule, in order:
/// 1. the best hit's title equals the query, ignoring case, punctuation and spacing;
/// 2. the search found exactly one occupation;
/// 3. the best hit's score is at least [`CLEAR_WINNER_RATIO`] times the runner-up's.
///
/// Anything else (ties, near-ties, no hit) goes to the search results, where the visitor picks.
pub fn confident_occupation(query: &str, total: u64, hits: &[Hit]) -> Option<i64> {
    let best = hits.first()?;
    let query = normalised(query);
    if query.is_empty() {
        return None;
    }
    if normalised(&best.title) == query || total == 1 {
        return Some(best.id);
    }
    match hits.get(1) {
        Some(second) if second.score > 0.0 => {
            (best.score >= CLEAR_WINNER_RATIO * second.score).then_some(best.id)
        }
        _ => None,
    }
}

/// The home page's question: what the visitor does now, and where to look.
#[derive(Debug, Deserialize)]
pub struct FindQuery {
    q: Option<String>,
    kind: Option<String>,
}

/// Answers the home page's "What do you do now?": straight to the occupation's page when the
/// words name one occupation confidently ([`confident_occupation`]), otherwise to the search
/// results (and always there for courses and openings).
#[utoipa::path(get, path = "/find", tag = "pages",
    params(("q" = Option<String>, Query, description = "Job title, in the visitor's words"), ("kind" = Option<String>, Query, description = "occupations (default), courses or openings")),
    responses((status = 303, description = "to the occupation page or the search results")))]
pub async fn find_from_home(
    State(state): State<AppState>,
    Query(query): Query<FindQuery>,
) -> PageResult {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let kind = query.kind.unwrap_or_else(|| "occupations".to_owned());
    let results = format!(
        "/search?q={}&kind={}",
        query_escape(&q),
        query_escape(&kind)
    );
    if kind != "occupations" || q.is_empty() || q.chars().count() > 500 {
        return see_other(&results);
    }
    let (search_state, words) = (state.clone(), q.clone());
    let found = tokio::task::spawn_blocking(move || {
        crate::services::semantic::search(
            &search_state.search,
            &search_state.semantic,
            IndexKind::Occupations,
            &SearchRequest::new(&words, 2),
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("occupation search failed: {e}")))?;
    // A query the index cannot parse is for the search page to explain.
    let confident = found
        .ok()
        .and_then(|r| confident_occupation(&q, r.total, &r.hits));
    match confident {
        Some(id) => see_other(&format!("/occupations/{id}")),
        None => see_other(&results),
    }
}

#[cfg(test)]
mod tests {
    use reskill_search::HitDetails;

    use super::*;

    fn hit(id: i64, title: &str, score: f32) -> Hit {
        Hit {
            id,
            score,
            title: title.to_owned(),
            title_html: title.to_owned(),
            snippet_html: String::new(),
            details: HitDetails::Occupation {
                uri: String::new(),
                isco_group: String::new(),
                risk_band: None,
            },
        }
    }

    #[test]
    fn exact_title_goes_to_the_occupation_even_among_close_hits() {
        let hits = [
            hit(1, "Call centre agent", 5.0),
            hit(2, "Call centre manager", 4.9),
        ];
        assert_eq!(
            confident_occupation("  call-centre AGENT ", 40, &hits),
            Some(1)
        );
    }

    #[test]
    fn a_single_hit_or_a_clear_winner_goes_to_the_occupation() {
        assert_eq!(
            confident_occupation("welder", 1, &[hit(7, "Welder (metal)", 3.0)]),
            Some(7)
        );
        let hits = [hit(3, "Data analyst", 9.0), hit(4, "Data entry clerk", 4.0)];
        assert_eq!(confident_occupation("analyst of data", 12, &hits), Some(3));
    }

    #[test]
    fn near_ties_and_nothing_go_to_the_results() {
        let hits = [
            hit(3, "Nurse assistant", 6.0),
            hit(4, "Specialist nurse", 5.0),
        ];
        assert_eq!(confident_occupation("nurse", 30, &hits), None);
        assert_eq!(confident_occupation("nurse", 0, &[]), None);
        assert_eq!(confident_occupation("  ", 1, &[hit(1, "x", 1.0)]), None);
    }
}
