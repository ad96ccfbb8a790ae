//! The seeker's pages: saving a pathway as a plan, the plan with steps to mark done, and the
//! profile with its skills editor, consents, export and deletion.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use reskill_core::accounts::{ConsentPurpose, Role};
use reskill_core::{OccupationId, PlanId, SkillId};
use reskill_search::{IndexKind, SearchRequest};
use reskill_store::people;
use serde_json::{Value, json};

use super::{
    PagePath, PageResult, Visitor, field_error, positive_id, render, render_with_status, see_other,
};
use crate::auth::ClientIp;
use crate::auth::cookies::clearing_cookies;
use crate::policy::{self, Access};
use crate::services::{accounts, workers};
use crate::views::PlanView;
use crate::{AppError, AppState};

/// The wording version a consent given on the profile page agrees to.
const CONSENT_TEXT_VERSION: &str = "web-2026-12";

/// Saves the pathway from one occupation to another as the seeker's plan.
#[utoipa::path(post, path = "/occupations/{id}/pathways/{target_id}/plan", tag = "pages",
    params(("id" = i64, Path, description = "Current occupation key"), ("target_id" = i64, Path, description = "Target occupation key")),
    responses((status = 303, description = "saved; see /my/plans"), (status = 403, content_type = "text/html", body = String)))]
pub async fn save_pathway_plan(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath((from, to)): PagePath<(String, String)>,
    body: Bytes,
) -> PageResult {
    let from = OccupationId(positive_id(&from, "occupation")?);
    let to = OccupationId(positive_id(&to, "target")?);
    let (user, _) = visitor.posted(&[Role::Seeker], &body)?;
    let worker = policy::own_worker(&state.db, user).await?;
    let plan = workers::save_own_plan(&state.db, &state.engine(), user.id, &worker, Some(from), to)
        .await?;
    see_other(&format!("/my/plans#plan-{}", plan.id))
}

fn plan_context(plan: &PlanView) -> Value {
    let done = plan.steps.iter().filter(|s| s.status == "done").count();
    json!({
        "id": plan.id,
        "target": plan.target_occupation,
        "status": plan.status,
        "notes": plan.notes,
        "done": done,
        "total": plan.steps.len(),
        "steps": plan.steps,
        "from_caseworker": plan.caseworker_id.is_some(),
    })
}

/// Shows the seeker's plans, each step with a button to mark it done.
#[utoipa::path(get, path = "/my/plans", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_my_plans(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Seeker])?;
    let worker = policy::own_worker(&state.db, user).await?;
    let engine = state.engine();
    let plans: Vec<Value> = people::plans_of_worker(&state.db, worker.id)
        .await?
        .into_iter()
        .map(|p| plan_context(&PlanView::build(&engine, p)))
        .collect();
    let occupation = worker.occupation_id.map(|o| o.0);
    render(
        &state,
        &visitor,
        "my_plans.html",
        "Your plans",
        json!({"plans": plans, "occupation": occupation}),
    )
}

/// Marks a step of the seeker's plan done (a course's skills become gained skills).
#[utoipa::path(post, path = "/my/plans/{plan_id}/steps/{step_id}/done", tag = "pages",
    params(("plan_id" = i64, Path, description = "Plan key"), ("step_id" = i64, Path, description = "Step key")),
    responses((status = 303, description = "marked done")))]
pub async fn complete_my_step(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath((plan_id, step_id)): PagePath<(String, String)>,
    body: Bytes,
) -> PageResult {
    let plan_id = PlanId(positive_id(&plan_id, "plan")?);
    let step_id = positive_id(&step_id, "step")?;
    let (user, _) = visitor.posted(&[Role::Seeker], &body)?;
    let (plan, _) = policy::plan(&state.db, user, plan_id, Access::Read, "plan.step").await?;
    workers::complete_step(&state.db, &state.engine(), user.id, plan.id, step_id).await?;
    see_other(&format!("/my/plans#plan-{}", plan.id))
}

async fn profile_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    errors: Vec<Value>,
) -> PageResult {
    let user = visitor.require(&[Role::Seeker])?;
    let worker = policy::own_worker(&state.db, user).await?;
    let profile = workers::profile(&state.db, &state.engine(), &worker).await?;
    let active = |purpose: &str| {
        profile
            .consents
            .iter()
            .any(|c| c.purpose == purpose && c.withdrawn_at.is_none())
    };
    let context = json!({
        "profile": profile,
        "errors": errors,
        "share": active("share_with_employers"),
        "email": active("receive_email"),
        "account_email": user.email,
    });
    render_with_status(
        state,
        visitor,
        status,
        "my_profile.html",
        "Your profile",
        context,
    )
}

/// Shows the seeker's profile: skills with their origin, consents, export and deletion.
#[utoipa::path(get, path = "/my/profile", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_my_profile(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    profile_page(&state, &visitor, StatusCode::OK, Vec::new()).await
}

/// Adds a skill named in the skills editor (resolved through the skills index).
#[utoipa::path(post, path = "/my/profile/skills", tag = "pages",
    responses((status = 303, description = "added"), (status = 400, content_type = "text/html", body = String)))]
pub async fn add_my_skill(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (user, form) = visitor.posted(&[Role::Seeker], &body)?;
    let text = form.text("skill");
    if text.is_empty() || text.chars().count() > 200 {
        let error = field_error("skill", "Enter a skill of 1 to 200 characters");
        return profile_page(&state, &visitor, StatusCode::BAD_REQUEST, vec![error]).await;
    }
    let (search_state, query) = (state.clone(), text.clone());
    let found = tokio::task::spawn_blocking(move || {
        crate::services::semantic::search(
            &search_state.search,
            &search_state.semantic,
            IndexKind::Skills,
            &SearchRequest::new(&query, 1),
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("skill search failed: {e}")))?;
    let skill = match found {
        Ok(response) => response.hits.first().map(|h| SkillId(h.id)),
        Err(_) => None,
    };
    let Some(skill) = skill.filter(|s| state.engine().has_skill(*s)) else {
        let error = field_error(
            "skill",
            format!("No skill matches “{text}”; try other words"),
        );
        return profile_page(&state, &visitor, StatusCode::BAD_REQUEST, vec![error]).await;
    };
    let worker = policy::own_worker(&state.db, user).await?;
    people::add_skills(
        &state.db,
        worker.id,
        &[skill],
        reskill_core::accounts::SkillOriginKind::Declared,
    )
    .await?;
    see_other("/my/profile#skills")
}

/// Removes a skill from the seeker's profile.
#[utoipa::path(post, path = "/my/profile/skills/{skill_id}/remove", tag = "pages",
    params(("skill_id" = i64, Path, description = "Skill key")),
    responses((status = 303, description = "removed")))]
pub async fn remove_my_skill(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(skill_id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let skill = SkillId(positive_id(&skill_id, "skill")?);
    let (user, _) = visitor.posted(&[Role::Seeker], &body)?;
    let worker = policy::own_worker(&state.db, user).await?;
    people::remove_skill(&state.db, worker.id, skill).await?;
    see_other("/my/profile#skills")
}

/// Saves the seeker's consents (share with employers, receive email).
#[utoipa::path(post, path = "/my/profile/consents", tag = "pages",
    responses((status = 303, description = "saved")))]
pub async fn save_my_consents(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (user, form) = visitor.posted(&[Role::Seeker], &body)?;
    let worker = policy::own_worker(&state.db, user).await?;
    let current = people::consents(&state.db, worker.id).await?;
    for purpose in [
        ConsentPurpose::ShareWithEmployers,
        ConsentPurpose::ReceiveEmail,
    ] {
        let wanted = form.get(purpose.as_str()) == Some("yes");
        let active = current
            .iter()
            .any(|c| c.purpose == purpose && c.withdrawn_at.is_none());
        if wanted != active {
            let version = wanted.then_some(CONSENT_TEXT_VERSION);
            workers::set_consent(&state.db, worker.id, purpose, version).await?;
        }
    }
    see_other("/my/profile#consents")
}

/// Deletes the seeker's account after checking the password (wrong ones count toward the
/// login lockout), then signs out.
#[utoipa::path(post, path = "/my/account/delete", tag = "pages",
    responses((status = 303, description = "deleted"), (status = 400, content_type = "text/html", body = String),
        (status = 429, content_type = "text/html", body = String, description = "too many wrong passwords; see Retry-After")))]
pub async fn delete_my_account(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(client): ClientIp,
    body: Bytes,
) -> PageResult {
    let (user, form) = visitor.posted(&[Role::Seeker], &body)?;
    let password = form.get("password").unwrap_or("").to_owned();
    match accounts::confirm_password(&state, &client, user, password, "password").await {
        Ok(()) => {}
        Err(AppError::Invalid { .. }) => {
            let error = field_error("password", "The password is wrong");
            return profile_page(&state, &visitor, StatusCode::BAD_REQUEST, vec![error]).await;
        }
        Err(error) => return Err(error.into()),
    }
    let worker = policy::own_worker(&state.db, user).await?;
    workers::delete_account(&state.db, user.id, Some(&worker)).await?;
    let mut response = Redirect::to("/").into_response();
    for value in clearing_cookies(&state.auth.config) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Shows the seeker's recommendations: safer occupations with the reasons (skills matched and
/// missing, risk change and its source, plan weeks) and ranked openings.
#[utoipa::path(get, path = "/my/recommendations", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_my_recommendations(
    State(state): State<AppState>,
    visitor: Visitor,
) -> PageResult {
    let user = visitor.require(&[Role::Seeker])?;
    let worker = policy::own_worker(&state.db, user).await?;
    let recommendation = super::recommendations_or_none(&state, &worker, 6, 6).await?;
    let transitions: Vec<Value> = recommendation
        .iter()
        .flat_map(|r| r.transitions.iter())
        .map(super::transition_view)
        .collect();
    let openings: Vec<Value> = recommendation
        .iter()
        .flat_map(|r| r.openings.iter())
        .map(|o| {
            json!({
                "title": o.title,
                "organisation": o.organisation,
                "place": o.place_name.clone().or(o.region.clone()),
                "url": o.url,
                "posted_on": o.posted_on.to_string(),
            })
        })
        .collect();
    render(
        &state,
        &visitor,
        "my_recommendations.html",
        "Jobs within your reach",
        json!({
            "has_profile": recommendation.is_some(),
            "occupation": worker.occupation_id.map(|o| o.0),
            "transitions": transitions,
            "openings": openings,
        }),
    )
}

/// Lists the seeker's saved searches.
#[utoipa::path(get, path = "/my/searches", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_my_searches(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Seeker])?;
    let searches: Vec<Value> = people::saved_searches(&state.db, user.id, None, 200)
        .await?
        .into_iter()
        .map(|s| {
            let href = format!(
                "/search?kind={}&q={}",
                super::query_escape(&s.kind),
                super::query_escape(&s.query)
            );
            json!({"id": s.id, "kind": s.kind, "query": s.query, "href": href})
        })
        .collect();
    render(
        &state,
        &visitor,
        "my_searches.html",
        "Your saved searches",
        json!({"searches": searches}),
    )
}

/// Saves the search a seeker is looking at.
#[utoipa::path(post, path = "/my/searches", tag = "pages",
    responses((status = 303, description = "saved"),
        (status = 400, content_type = "text/html", body = String, description = "`kind` is not a kind of search, or `q` is longer than 200 characters")))]
pub async fn save_my_search(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (user, form) = visitor.posted(&[Role::Seeker], &body)?;
    let kind = form.text("kind");
    if !["occupations", "skills", "courses", "openings"].contains(&kind.as_str()) {
        return Err(AppError::invalid("kind", "choose occupations, courses or openings").into());
    }
    let query = form.text("q");
    if query.chars().count() > 200 {
        return Err(AppError::invalid("q", "a saved search is at most 200 characters").into());
    }
    people::create_saved_search(&state.db, user.id, &kind, &query, json!({})).await?;
    see_other("/my/searches")
}

/// Deletes one of the seeker's saved searches.
#[utoipa::path(post, path = "/my/searches/{search_id}/delete", tag = "pages",
    params(("search_id" = i64, Path, description = "Saved search key")),
    responses((status = 303, description = "deleted")))]
pub async fn delete_my_search(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = positive_id(&id, "search")?;
    let (user, _) = visitor.posted(&[Role::Seeker], &body)?;
    people::delete_saved_search(&state.db, user.id, id).await?;
    see_other("/my/searches")
}

/// Lists the employers' expressions of interest addressed to the seeker, each with buttons to
/// accept (sharing contact details with that organisation) or decline.
#[utoipa::path(get, path = "/my/interests", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_my_interests(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Seeker])?;
    let worker = policy::own_worker(&state.db, user).await?;
    let interests: Vec<Value> = workers::interests_for(&state.db, worker.id)
        .await?
        .into_iter()
        .map(|i| {
            json!({
                "id": i.interest.id,
                "opening_title": i.opening_title,
                "organisation": i.organisation,
                "message": i.interest.message,
                "status": i.interest.status,
                "sent_on": i.interest.created_at.date_naive().to_string(),
                "answered_on": i.interest.answered_at.map(|a| a.date_naive().to_string()),
            })
        })
        .collect();
    render(
        &state,
        &visitor,
        "my_interests.html",
        "Employers interested in you",
        json!({"interests": interests}),
    )
}

/// Answers an expression of interest: `answer=accept` shares the seeker's name and email with
/// the opening's organisation, `answer=decline` does not.
#[utoipa::path(post, path = "/my/interests/{interest_id}/answer", tag = "pages",
    params(("interest_id" = i64, Path, description = "Interest key")),
    responses((status = 303, description = "answered"), (status = 409, content_type = "text/html", body = String)))]
pub async fn answer_my_interest(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = positive_id(&id, "interest")?;
    let (user, form) = visitor.posted(&[Role::Seeker], &body)?;
    let accept = match form.get("answer") {
        Some("accept") => true,
        Some("decline") => false,
        _ => return Err(AppError::invalid("answer", "answer must be accept or decline").into()),
    };
    let worker = policy::own_worker(&state.db, user).await?;
    workers::answer_interest(&state.db, &worker, id, accept).await?;
    see_other(&format!("/my/interests#interest-{id}"))
}
