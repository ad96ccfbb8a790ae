//! The weekly emails: a digest to each seeker who consented to email and has something new
//! since their last one, and a caseload summary to each caseworker with a caseload. They are
//! enqueued (not sent) here, each in one transaction with its watermark, under a dedupe key
//! per person and ISO week, so running the schedule twice in a week, or on two replicas, adds
//! nothing.
//!
//! "Something new" is any of: open openings stored since the last digest for the occupations
//! the worker is heading for (their active plan's target and the engine's best transitions
//! from their occupation), plan progress (a plan made, a step done, a revision), or risk data
//! imported since then. The next course of the plan rides along but is never enough alone, so
//! no digest is empty.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use reskill_core::accounts::{ConsentPurpose, PlanStatus, Role, StepKind, StepStatus};
use reskill_core::risk::RiskBand;
use reskill_core::{OccupationId, UserId};
use reskill_mail::List;
use reskill_store::accounts::{NewEmail, User};
use reskill_store::outbox::{self, Watermark};
use reskill_store::people::{self, Worker, WorkerFilter};
use reskill_store::{StorageError, digests};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::services::engine::Engine;

/// Openings listed per digest.
const OPENINGS_PER_DIGEST: u64 = 5;
/// Transitions whose openings a digest looks at.
const TRANSITIONS_PER_DIGEST: usize = 5;
/// A caseload summary lists workers not contacted for this many days.
const CONTACT_DAYS: i64 = 30;

/// One email the schedule enqueued (or, in a dry run, would enqueue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEmail {
    /// Recipient.
    pub to: String,
    /// The account.
    pub user_id: UserId,
    /// Which list.
    pub list: &'static str,
    /// Dedupe key.
    pub dedupe_key: String,
    /// What it leads with.
    pub headline: String,
}

/// What one run of the schedule did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// Digests to seekers.
    pub digests: Vec<PlannedEmail>,
    /// Caseload summaries to caseworkers.
    pub summaries: Vec<PlannedEmail>,
    /// Consenting seekers with nothing new.
    pub nothing_new: usize,
    /// People who unsubscribed from their list.
    pub unsubscribed: usize,
    /// People whose email of this week is already in the outbox.
    pub already_this_week: usize,
}

impl std::fmt::Display for DigestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} digests, {} caseload summaries; skipped: {} with nothing new, {} unsubscribed, {} already sent this week",
            self.digests.len(),
            self.summaries.len(),
            self.nothing_new,
            self.unsubscribed,
            self.already_this_week
        )
    }
}

/// Returns the ISO week of `at`, such as `2026-W49`.
pub fn iso_week(at: DateTime<Utc>) -> String {
    let week = at.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// Enqueues this week's digests and caseload summaries (or with `dry_run` only works out who
/// would get one).
#[tracing::instrument(skip_all, fields(dry_run))]
pub async fn run_weekly(
    db: &DatabaseConnection,
    engine: &Engine,
    public_url: &str,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<DigestReport, StorageError> {
    let mut report = DigestReport::default();
    let period = iso_week(now);
    let public_url = public_url.trim_end_matches('/');

    let consenting: BTreeSet<i64> = people::workers_with_consent(db, ConsentPurpose::ReceiveEmail)
        .await?
        .into_iter()
        .map(|w| w.0)
        .collect();
    let unsubscribed = outbox::unsubscribed(db, List::Digest.as_str()).await?;
    let risk_source = digests::active_risk_source(db).await?;
    for worker_id in consenting {
        let worker = people::worker_by_id(db, reskill_core::WorkerId(worker_id)).await?;
        let Some(user_id) = worker.user_id else {
            continue;
        };
        let user = reskill_store::accounts::user_by_id(db, user_id).await?;
        if user.disabled || user.role != Role::Seeker {
            continue;
        }
        if unsubscribed.contains(&user_id.0) {
            report.unsubscribed += 1;
            continue;
        }
        let watermark = outbox::watermark(db, user_id.0, List::Digest.as_str()).await?;
        if watermark.as_ref().is_some_and(|w| w.period == period) {
            report.already_this_week += 1;
            continue;
        }
        // A first digest covers the last week.
        let since = watermark.map_or(now - Duration::days(7), |w| w.at);
        let Some((headline, payload)) = digest_payload(
            db,
            engine,
            public_url,
            &user,
            &worker,
            since,
            &period,
            risk_source.as_ref(),
        )
        .await?
        else {
            report.nothing_new += 1;
            continue;
        };
        let planned = PlannedEmail {
            to: user.email.clone(),
            user_id,
            list: List::Digest.as_str(),
            dedupe_key: format!("digest:{}:{period}", user_id.0),
            headline,
        };
        if dry_run || enqueue(db, &planned, "weekly_digest", payload, now, &period).await? {
            report.digests.push(planned);
        } else {
            report.already_this_week += 1;
        }
    }

    let unsubscribed = outbox::unsubscribed(db, List::CaseloadSummary.as_str()).await?;
    let caseworkers =
        reskill_store::accounts::list_users(db, Some(Role::Caseworker), None, None, u64::MAX >> 1)
            .await?;
    for user in caseworkers {
        if user.disabled {
            continue;
        }
        if unsubscribed.contains(&user.id.0) {
            report.unsubscribed += 1;
            continue;
        }
        let watermark = outbox::watermark(db, user.id.0, List::CaseloadSummary.as_str()).await?;
        if watermark.as_ref().is_some_and(|w| w.period == period) {
            report.already_this_week += 1;
            continue;
        }
        let since = watermark.map_or(now - Duration::days(7), |w| w.at);
        let Some((headline, payload)) =
            caseload_payload(db, engine, &user, since, now, &period).await?
        else {
            continue;
        };
        let planned = PlannedEmail {
            to: user.email.clone(),
            user_id: user.id,
            list: List::CaseloadSummary.as_str(),
            dedupe_key: format!("caseload:{}:{period}", user.id.0),
            headline,
        };
        if dry_run || enqueue(db, &planned, "caseload_summary", payload, now, &period).await? {
            report.summaries.push(planned);
        } else {
            report.already_this_week += 1;
        }
    }
    if !dry_run {
        tracing::info!("weekly emails for {period}: {report}");
    }
    Ok(report)
}

/// Writes the email and the watermark in one transaction; returns whether the email is new.
async fn enqueue(
    db: &DatabaseConnection,
    planned: &PlannedEmail,
    template: &str,
    payload: Value,
    now: DateTime<Utc>,
    period: &str,
) -> Result<bool, StorageError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let inserted = outbox::enqueue_once(
        &txn,
        NewEmail {
            dedupe_key: planned.dedupe_key.clone(),
            to: planned.to.clone(),
            template: template.to_owned(),
            payload,
        },
    )
    .await?;
    outbox::set_watermark(
        &txn,
        planned.user_id.0,
        planned.list,
        &Watermark {
            at: now,
            period: period.to_owned(),
        },
    )
    .await?;
    sea_orm::TransactionSession::commit(txn).await?;
    Ok(inserted)
}

/// Builds a digest's headline and payload, or `None` when nothing is new.
#[allow(clippy::too_many_arguments)]
async fn digest_payload(
    db: &DatabaseConnection,
    engine: &Engine,
    public_url: &str,
    user: &User,
    worker: &Worker,
    since: DateTime<Utc>,
    period: &str,
    risk_source: Option<&digests::ActiveRiskSource>,
) -> Result<Option<(String, Value)>, StorageError> {
    let plans = people::plans_of_worker(db, worker.id).await?;
    let active = plans.iter().find(|p| p.status == PlanStatus::Active);

    let mut targets: Vec<OccupationId> = Vec::new();
    if let Some(plan) = active {
        targets.push(plan.target_occupation);
    }
    if let Some(occupation) = worker.occupation_id
        && let Some(report) =
            engine.occupation_transitions(occupation, TRANSITIONS_PER_DIGEST, false)
    {
        targets.extend(report.transitions.iter().map(|t| t.occupation.id));
    }
    targets.dedup();
    let openings: Vec<Value> = digests::openings_since(db, &targets, since, OPENINGS_PER_DIGEST)
        .await?
        .into_iter()
        .map(|o| {
            let link = if o.url.starts_with("http") {
                o.url.clone()
            } else {
                search_link(public_url, "openings", &o.title)
            };
            json!({"title": o.title, "organisation": o.organisation, "place": o.place, "link": link})
        })
        .collect();

    let mut progress: Vec<String> = Vec::new();
    for plan in &plans {
        let target = engine
            .occupation_ref(plan.target_occupation)
            .map_or_else(|| "a new occupation".to_owned(), |o| o.label);
        if plan.created_at > since && plan.status == PlanStatus::Active {
            progress.push(format!(
                "Your caseworker made a plan for you towards {target}."
            ));
        } else if plan.updated_at > since && plan.status != PlanStatus::Draft {
            progress.push(format!(
                "Your plan towards {target} was updated; it is now {}.",
                plan.status.as_str()
            ));
        }
        for step in &plan.steps {
            if step.completed_at.is_some_and(|at| at > since) {
                progress.push(format!("You completed “{}”.", step.title));
            }
        }
    }

    let risk_change = match (risk_source, worker.occupation_id) {
        (Some(source), Some(occupation)) if source.imported_at > since => {
            engine.risk(occupation).and_then(|risk| {
                let label = engine.occupation_ref(occupation)?.label;
                let sources = risk.readings.len();
                Some(format!(
                    "New exposure data ({} {}) for {label}: {} exposure to automation and AI, more than {:.0}% of occupations on average across {sources} source{}.",
                    source.name,
                    source.year,
                    band_word(risk.band),
                    risk.percentile,
                    if sources == 1 { "" } else { "s" }
                ))
            })
        }
        _ => None,
    };

    if openings.is_empty() && progress.is_empty() && risk_change.is_none() {
        return Ok(None);
    }

    let next_course = match active {
        Some(plan) => {
            let step = plan
                .steps
                .iter()
                .find(|s| s.kind == StepKind::Course && s.status != StepStatus::Done);
            match step.and_then(|s| s.course) {
                Some(course) => digests::course(db, course).await?.map(|c| {
                    let link = if c.url.starts_with("http") {
                        c.url.clone()
                    } else {
                        search_link(public_url, "courses", &c.title)
                    };
                    json!({"title": c.title, "provider": c.provider,
                        "weeks": (c.weeks > 0.0).then_some(c.weeks), "link": link})
                }),
                None => None,
            }
        }
        None => None,
    };

    let headline = if !openings.is_empty() {
        format!(
            "{} new {}",
            openings.len(),
            if openings.len() == 1 {
                "opening"
            } else {
                "openings"
            }
        )
    } else if !progress.is_empty() {
        "progress on your plan".to_owned()
    } else {
        "new exposure data".to_owned()
    };
    let payload = json!({
        "display_name": user.display_name,
        "week": period,
        "headline": headline,
        "openings": openings,
        "next_course": next_course,
        "plan_progress": progress,
        "risk_change": risk_change,
        "unsubscribe": {"user_id": user.id.0, "list": List::Digest.as_str()},
    });
    Ok(Some((headline, payload)))
}

/// Builds a caseload summary, or `None` for an empty caseload.
async fn caseload_payload(
    db: &DatabaseConnection,
    engine: &Engine,
    user: &User,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    period: &str,
) -> Result<Option<(String, Value)>, StorageError> {
    let filter = WorkerFilter {
        caseworker: Some(user.id),
        ..WorkerFilter::default()
    };
    let workers: Vec<Worker> = people::list_workers(db, &filter, None, 10_000)
        .await?
        .into_iter()
        .filter(|w| w.outcome.is_none())
        .collect();
    if workers.is_empty() {
        return Ok(None);
    }
    let mut high_risk = 0;
    let mut active_plans = 0;
    let mut no_recent_contact = Vec::new();
    let mut plan_changes = Vec::new();
    for worker in &workers {
        let name = worker_name(db, worker).await?;
        if worker
            .occupation_id
            .and_then(|o| engine.risk(o))
            .is_some_and(|r| r.band == RiskBand::High)
        {
            high_risk += 1;
        }
        match worker.last_contact_at {
            None => no_recent_contact.push(json!({"name": name, "since": "never contacted"})),
            Some(at) if now - at >= Duration::days(CONTACT_DAYS) => no_recent_contact.push(
                json!({"name": name, "since": format!("last contact {}", at.format("%-d %B %Y"))}),
            ),
            Some(_) => {}
        }
        for plan in people::plans_of_worker(db, worker.id).await? {
            if plan.status == PlanStatus::Active {
                active_plans += 1;
            }
            for step in &plan.steps {
                if step.completed_at.is_some_and(|at| at > since) {
                    plan_changes.push(format!("{name} completed “{}”", step.title));
                }
            }
            if plan.status == PlanStatus::Completed && plan.updated_at > since {
                plan_changes.push(format!("{name} completed their plan"));
            }
        }
    }
    let total = workers.len();
    let headline = format!("{total} in your caseload");
    Ok(Some((
        headline,
        json!({
            "display_name": user.display_name,
            "week": period,
            "total": total,
            "high_risk": high_risk,
            "active_plans": active_plans,
            "contact_days": CONTACT_DAYS,
            "no_recent_contact": no_recent_contact,
            "plan_changes": plan_changes,
            "unsubscribe": {"user_id": user.id.0, "list": List::CaseloadSummary.as_str()},
        }),
    )))
}

async fn worker_name(db: &DatabaseConnection, worker: &Worker) -> Result<String, StorageError> {
    if let Some(name) = &worker.display_name {
        return Ok(name.clone());
    }
    match worker.user_id {
        Some(user) => Ok(reskill_store::accounts::user_by_id(db, user)
            .await?
            .display_name),
        None => Ok(format!("worker {}", worker.id.0)),
    }
}

fn band_word(band: RiskBand) -> &'static str {
    band.as_str()
}

fn search_link(public_url: &str, kind: &str, query: &str) -> String {
    let query: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("{public_url}/search?kind={kind}&q={query}")
}

/// Runs the weekly schedule every `interval` until `shutdown` resolves; each run enqueues only
/// what this ISO week has not had yet, so a short interval is harmless.
pub async fn run_schedule(
    state: crate::AppState,
    interval: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let engine = state.engine();
        if let Err(error) = run_weekly(
            &state.db,
            &engine,
            &state.auth.config.public_url,
            Utc::now(),
            false,
        )
        .await
        {
            tracing::error!(%error, "the weekly email schedule failed");
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn iso_weeks_cross_the_new_year() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(iso_week(at), "2026-W49");
        let at = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        assert_eq!(iso_week(at), "2026-W53");
    }
}
