//! The employer's pages: the organisation's openings, the opening editor with skills
//! suggested from the title, and candidates ranked by readiness, masked until consent.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use reskill_core::accounts::Role;
use reskill_core::{OpeningId, SkillId, WorkerId};
use reskill_store::openings::ManagedOpening;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    FormData, PageError, PagePath, PageResult, Visitor, field_error, form_error, positive_id,
    render, render_with_status, see_other,
};
use crate::policy;
use crate::routes::employer::{OpeningRequest, RequiredSkillView, parse_opening};
use crate::services::employers::{self, SkillSuggestions};
use crate::views::SkillView;
use crate::{AppError, AppState};

/// Lists the organisation's openings.
#[utoipa::path(get, path = "/employer/openings", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_employer_openings(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Employer])?;
    let organisation = policy::employer_organisation(user)?;
    let openings =
        reskill_store::openings::organisation_openings(&state.db, organisation, None, 200).await?;
    let rows: Vec<Value> = openings
        .iter()
        .map(|o| {
            json!({
                "id": o.id.0,
                "title": o.title,
                "status": o.status.as_str(),
                "place": o.place_name.clone().or(o.region.clone()),
                "remote": o.remote,
                "posted_on": o.posted_on.to_string(),
                "skills": o.skills.len(),
            })
        })
        .collect();
    render(
        &state,
        &visitor,
        "employer_openings.html",
        "Your openings",
        json!({"openings": rows}),
    )
}

/// The title typed into the editor's first step.
#[derive(Debug, Deserialize)]
pub struct TitleQuery {
    title: Option<String>,
}

/// The opening being edited, when the editor is not posting a new one.
struct Editing<'a> {
    opening: &'a ManagedOpening,
    /// The skills shown ticked: the opening's, or those posted with errors.
    chosen: Vec<(SkillId, bool)>,
}

async fn editor(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    form: Value,
    errors: Vec<Value>,
    editing: Option<Editing<'_>>,
) -> PageResult {
    let title = form["title"].as_str().unwrap_or("").trim().to_owned();
    let suggestions = if title.chars().count() >= 2 && title.chars().count() <= 200 {
        employers::suggest_skills(state, title.clone()).await?
    } else {
        SkillSuggestions {
            occupation: None,
            essential: Vec::new(),
            optional: Vec::new(),
        }
    };
    let Some(editing) = editing else {
        return render_with_status(
            state,
            visitor,
            status,
            "opening_new.html",
            "Post a role",
            json!({
                "form": form,
                "errors": errors,
                "action": "/employer/openings",
                "suggested": !title.is_empty(),
                "suggestions": {
                    "occupation": suggestions.occupation,
                    "essential": suggestions.essential.iter().take(15).collect::<Vec<_>>(),
                    "optional": suggestions.optional.iter().take(10).collect::<Vec<_>>(),
                },
            }),
        );
    };
    // Editing: the opening's own skills stay ticked; suggestions it lacks are offered unticked.
    let engine = state.engine();
    let chosen: Vec<Value> = editing
        .chosen
        .iter()
        .map(
            |(id, essential)| json!({"skill": SkillView::of(&engine, *id), "essential": essential}),
        )
        .collect();
    let offered: Vec<&SkillView> = suggestions
        .essential
        .iter()
        .take(15)
        .chain(suggestions.optional.iter().take(10))
        .filter(|s| !editing.chosen.iter().any(|(id, _)| id.0 == s.id))
        .collect();
    let opening = editing.opening;
    render_with_status(
        state,
        visitor,
        status,
        "opening_new.html",
        &format!("Edit {}", opening.title),
        json!({
            "form": form,
            "errors": errors,
            "editing": {"id": opening.id.0, "status": opening.status.as_str()},
            "action": format!("/employer/openings/{}", opening.id.0),
            "occupation_id": opening.occupation_id.map(|o| o.0),
            "suggested": true,
            "chosen": chosen,
            "offered": offered,
        }),
    )
}

/// Shows the opening editor; with `?title=` it suggests the required skills of the
/// occupation the title names.
#[utoipa::path(get, path = "/employer/openings/new", tag = "pages",
    params(("title" = Option<String>, Query, description = "Job title to suggest skills for")),
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_opening_editor(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<TitleQuery>,
) -> PageResult {
    visitor.require(&[Role::Employer])?;
    let title = query.title.unwrap_or_default();
    let mut errors = Vec::new();
    if title.chars().count() > 200 {
        errors.push(field_error(
            "title",
            "The title must be at most 200 characters",
        ));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    editor(
        &state,
        &visitor,
        status,
        json!({"title": title}),
        errors,
        None,
    )
    .await
}

fn optional_text(form: &FormData, name: &str) -> Option<String> {
    Some(form.text(name)).filter(|t| !t.is_empty())
}

/// The editor's fields that an error can point at.
const EDITOR_FIELDS: &[&str] = &[
    "title",
    "description",
    "place_name",
    "salary_min",
    "salary_max",
];

/// Reads the editor's form into the API's request, adding an error for each field the form
/// itself gets wrong (title too short, a salary that is not a number); the API's own rules are
/// applied afterwards by `parse_opening`.
fn opening_request(form: &FormData, errors: &mut Vec<Value>) -> OpeningRequest {
    let title = form.text("title");
    if title.chars().count() < 2 {
        errors.push(field_error(
            "title",
            "Enter a job title of at least 2 characters",
        ));
    }
    let occupation_id = match form.get("occupation_id").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => v.parse::<i64>().ok(),
    };
    let mut skills = Vec::new();
    for value in form.all("skill") {
        let Ok(id) = value.parse::<i64>() else {
            errors.push(field_error("skills", "A chosen skill is not valid"));
            break;
        };
        let essential = form.all("essential").contains(&value);
        skills.push(RequiredSkillView {
            skill_id: id,
            essential,
        });
    }
    let salary = |name: &str| -> Result<Option<f64>, ()> {
        match optional_text(form, name) {
            None => Ok(None),
            Some(t) => t.replace(',', "").parse::<f64>().map(Some).map_err(|_| ()),
        }
    };
    let salary_min = salary("salary_min").unwrap_or_else(|_| {
        errors.push(field_error("salary_min", "Enter the salary as a number"));
        None
    });
    let salary_max = salary("salary_max").unwrap_or_else(|_| {
        errors.push(field_error("salary_max", "Enter the salary as a number"));
        None
    });
    OpeningRequest {
        title,
        description: optional_text(form, "description"),
        occupation_id,
        skills: Some(skills),
        place_name: optional_text(form, "place_name"),
        region: None,
        country: None,
        lat: None,
        lon: None,
        remote: form.get("remote") == Some("yes"),
        salary_min,
        salary_max,
        currency: None,
        status: None,
        expires_on: None,
    }
}

/// Returns the posted fields, to show the form again with its errors.
fn echo(form: &FormData) -> Value {
    json!({
        "title": form.text("title"),
        "description": form.text("description"),
        "place_name": form.text("place_name"),
        "salary_min": form.text("salary_min"),
        "salary_max": form.text("salary_max"),
        "remote": form.get("remote") == Some("yes"),
    })
}

/// Creates an opening from the editor and shows its ranked candidates.
#[utoipa::path(post, path = "/employer/openings", tag = "pages",
    responses((status = 303, description = "created; see its candidates"), (status = 400, content_type = "text/html", body = String)))]
pub async fn create_opening_page(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (user, form) = visitor.posted(&[Role::Employer], &body)?;
    let organisation = policy::employer_organisation(user)?;
    let mut errors = Vec::new();
    let request = opening_request(&form, &mut errors);
    if errors.is_empty() {
        let created = match parse_opening(&state, request) {
            Ok(draft) => employers::create_opening(&state.db, organisation, draft).await,
            Err(e) => Err(e),
        };
        match created {
            Ok(opening) => {
                return see_other(&format!("/employer/openings/{}/candidates", opening.id.0));
            }
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e).into()),
            Err(e) => errors.push(form_error(&e, EDITOR_FIELDS, "title")),
        }
    }
    editor(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        echo(&form),
        errors,
        None,
    )
    .await
}

/// Shows the editor prefilled with one of the organisation's openings.
#[utoipa::path(get, path = "/employer/openings/{opening_id}/edit", tag = "pages",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 403, content_type = "text/html", body = String)))]
pub async fn show_opening_edit(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
) -> PageResult {
    let id = opening_id(&id)?;
    let user = visitor.require(&[Role::Employer])?;
    let opening = policy::manage_opening(&state.db, user, id).await?;
    let form = json!({
        "title": opening.title,
        "description": opening.description,
        "place_name": opening.place_name,
        "salary_min": opening.salary_min.map(|s| s.to_string()),
        "salary_max": opening.salary_max.map(|s| s.to_string()),
        "remote": opening.remote,
    });
    let editing = Editing {
        opening: &opening,
        chosen: opening.skills.clone(),
    };
    editor(
        &state,
        &visitor,
        StatusCode::OK,
        form,
        Vec::new(),
        Some(editing),
    )
    .await
}

/// Saves the edited opening, with the same rules and error summary as a new one; what the
/// form does not show (status, region, coordinates, currency, closing date) is kept.
#[utoipa::path(post, path = "/employer/openings/{opening_id}", tag = "pages",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 303, description = "saved; see the openings"), (status = 400, content_type = "text/html", body = String)))]
pub async fn update_opening_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = opening_id(&id)?;
    let (user, form) = visitor.posted(&[Role::Employer], &body)?;
    let current = policy::manage_opening(&state.db, user, id).await?;
    let mut errors = Vec::new();
    let request = OpeningRequest {
        region: current.region.clone(),
        country: current.country.clone(),
        lat: current.lat,
        lon: current.lon,
        currency: Some(current.currency.clone()),
        status: Some(current.status.as_str().to_owned()),
        expires_on: current.expires_on,
        ..opening_request(&form, &mut errors)
    };
    let chosen: Vec<(SkillId, bool)> = request
        .skills
        .iter()
        .flatten()
        .map(|s| (SkillId(s.skill_id), s.essential))
        .collect();
    if errors.is_empty() {
        let updated = match parse_opening(&state, request) {
            Ok(draft) => employers::update_opening(&state.db, current.id, draft).await,
            Err(e) => Err(e),
        };
        match updated {
            Ok(opening) => {
                return see_other(&format!("/employer/openings#opening-{}", opening.id.0));
            }
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e).into()),
            Err(e) => errors.push(form_error(&e, EDITOR_FIELDS, "title")),
        }
    }
    let editing = Editing {
        opening: &current,
        chosen,
    };
    editor(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        echo(&form),
        errors,
        Some(editing),
    )
    .await
}

/// Closes one of the organisation's openings: it leaves search and stops taking candidates.
#[utoipa::path(post, path = "/employer/openings/{opening_id}/close", tag = "pages",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 303, description = "closed; see the openings")))]
pub async fn close_opening_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = opening_id(&id)?;
    let (user, _) = visitor.posted(&[Role::Employer], &body)?;
    let current = policy::manage_opening(&state.db, user, id).await?;
    employers::close_opening(&state.db, &current).await?;
    see_other(&format!("/employer/openings#opening-{}", current.id.0))
}

fn opening_id(value: &str) -> Result<OpeningId, PageError> {
    Ok(OpeningId(positive_id(value, "opening")?))
}

/// Shows the opening's consenting candidates ranked by fit now and after a short plan.
#[utoipa::path(get, path = "/employer/openings/{opening_id}/candidates", tag = "pages",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 200, content_type = "text/html", body = String), (status = 403, content_type = "text/html", body = String)))]
pub async fn show_candidates_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
) -> PageResult {
    let id = opening_id(&id)?;
    let user = visitor.require(&[Role::Employer, Role::Admin])?;
    let opening = policy::manage_opening(&state.db, user, id).await?;
    let candidates = employers::candidates(&state, user, &opening).await?;
    let interests =
        reskill_store::people::interests(&state.db, None, Some(&[opening.id]), None, 10_000)
            .await?;
    let rows: Vec<Value> = candidates
        .iter()
        .take(50)
        .enumerate()
        .map(|(i, c)| {
            let interest = interests
                .iter()
                .find(|x| x.worker.0 == c.worker_id)
                .map(|x| x.status.as_str());
            json!({
                "rank": i + 1,
                "worker_id": c.worker_id,
                "name": c.display_name.clone().filter(|_| c.revealed),
                "email": c.email.clone().filter(|_| c.revealed),
                "region": c.region,
                "occupation": c.occupation.as_ref().map(|o| o.label.clone()),
                "fit_now": super::percent(c.fit_now),
                "fit_after": super::percent(c.fit_after_plan),
                "ready_now": c.ready_in_weeks <= 0.0,
                "weeks": c.ready_in_weeks.ceil(),
                "missing": c.missing_after_plan.iter().take(4).map(|s| s.label.clone()).collect::<Vec<_>>(),
                "interest": interest,
            })
        })
        .collect();
    let title = format!("Candidates for {}", opening.title);
    render(
        &state,
        &visitor,
        "candidates.html",
        &title,
        json!({
            "opening": {"id": opening.id.0, "title": opening.title, "status": opening.status.as_str()},
            "candidates": rows,
            "can_approach": user.role == Role::Employer,
        }),
    )
}

/// Expresses interest in a candidate; they are emailed and decide whether to reveal
/// themselves.
#[utoipa::path(post, path = "/employer/openings/{opening_id}/interests", tag = "pages",
    params(("opening_id" = i64, Path, description = "Opening key")),
    responses((status = 303, description = "sent")))]
pub async fn express_interest_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    let id = opening_id(&id)?;
    let (user, form) = visitor.posted(&[Role::Employer], &body)?;
    let opening = policy::manage_opening(&state.db, user, id).await?;
    let worker = WorkerId(positive_id(
        form.get("worker_id").unwrap_or(""),
        "worker_id",
    )?);
    let message = form.text("message");
    if message.chars().count() > 2_000 {
        return Err(
            AppError::invalid("message", "the message must be at most 2,000 characters").into(),
        );
    }
    employers::express_interest(&state.db, user, &opening, worker, &message).await?;
    see_other(&format!(
        "/employer/openings/{}/candidates#candidate-{}",
        opening.id.0, worker.0
    ))
}
