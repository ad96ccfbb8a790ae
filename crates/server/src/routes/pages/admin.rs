//! The admin's pages: import status and aggregate figures with a bar chart, the users (change
//! a role, disable or enable) and the organisations (create one); they call the same functions
//! as the admin API.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use reskill_core::UserId;
use reskill_core::accounts::Role;
use serde_json::{Value, json};

use super::{
    PagePath, PageResult, Visitor, field_error, form_error, positive_id, render,
    render_with_status, see_other,
};
use crate::routes::admin::{show_figures, show_import_status};
use crate::services::accounts::{self, AccountChange, ORGANISATION_KINDS};
use crate::{AppError, AppState};

/// Rows shown of users and organisations.
const LISTED: u64 = 200;

/// Roles an admin can give, in the order the role menus list them.
const ROLES: &[Role] = &[Role::Seeker, Role::Caseworker, Role::Employer, Role::Admin];

/// Shows import status and aggregate figures, with links to users and organisations.
#[utoipa::path(get, path = "/admin", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_admin(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Admin])?;
    let status = show_import_status(State(state.clone()), user.clone())
        .await?
        .0;
    let figures = show_figures(State(state.clone()), user.clone()).await?.0;
    let bands = ["high", "medium", "low", "unknown"];
    let most = bands
        .iter()
        .map(|b| figures.workers_by_risk_band.get(*b).copied().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let band_bars: Vec<Value> = bands
        .iter()
        .enumerate()
        .map(|(i, band)| {
            let n = figures
                .workers_by_risk_band
                .get(*band)
                .copied()
                .unwrap_or(0);
            json!({"band": band, "count": n, "y": i * 30, "width": 4 + 300 * n / most})
        })
        .collect();
    render(
        &state,
        &visitor,
        "admin.html",
        "Administration",
        json!({
            "status": status,
            "figures": figures,
            "band_bars": band_bars,
        }),
    )
}

async fn users_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    errors: Vec<Value>,
) -> PageResult {
    let admin = visitor.require(&[Role::Admin])?;
    let users = reskill_store::accounts::list_users(&state.db, None, None, None, LISTED).await?;
    let names: HashMap<i64, String> =
        reskill_store::accounts::list_organisations(&state.db, None, None, 10_000)
            .await?
            .into_iter()
            .map(|o| (o.id.0, o.name))
            .collect();
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "id": u.id.0,
                "name": u.display_name,
                "email": u.email,
                "role": u.role.as_str(),
                "organisation": u.organisation_id.and_then(|o| names.get(&o.0)),
                "created_on": u.created_at.date_naive().to_string(),
                "disabled": u.disabled,
                "is_me": u.id == admin.id,
            })
        })
        .collect();
    let roles: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
    render_with_status(
        state,
        visitor,
        status,
        "admin_users.html",
        "Users",
        json!({"users": rows, "roles": roles, "errors": errors}),
    )
}

/// Lists the accounts with their role, organisation and creation date, each with a form to
/// change the role and a button to disable or enable it.
#[utoipa::path(get, path = "/admin/users", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_admin_users(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    users_page(&state, &visitor, StatusCode::OK, Vec::new()).await
}

/// Applies an admin's change to an account, as `PATCH /api/v1/admin/users/{id}` does; a
/// refused change is shown on the users page, next to the account's row.
async fn change_user(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    body: &[u8],
    read: impl FnOnce(&super::FormData, UserId) -> Result<(AccountChange, String), AppError>,
) -> PageResult {
    let target = UserId(positive_id(id, "user")?);
    let (admin, form) = visitor.posted(&[Role::Admin], body)?;
    let (change, field) = read(&form, target)?;
    match accounts::change_account(&state.db, admin, target, change).await {
        Ok(_) => see_other(&format!("/admin/users#user-{}", target.0)),
        Err(AppError::Internal(e)) => Err(AppError::Internal(e).into()),
        Err(e) => {
            let error = form_error(&e, &[], &field);
            users_page(state, visitor, StatusCode::BAD_REQUEST, vec![error]).await
        }
    }
}

/// Changes an account's role.
#[utoipa::path(post, path = "/admin/users/{user_id}/role", tag = "pages",
    params(("user_id" = i64, Path, description = "User key")),
    responses((status = 303, description = "changed"), (status = 400, content_type = "text/html", body = String)))]
pub async fn change_user_role(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    change_user(&state, &visitor, &id, &body, |form, target| {
        let field = format!("role-{}", target.0);
        let role = Role::parse_field(form.get("role").unwrap_or(""), &field)?;
        let change = AccountChange {
            role: Some(role),
            ..AccountChange::default()
        };
        Ok((change, field))
    })
    .await
}

/// Disables an account (every session is signed out) or enables it again.
#[utoipa::path(post, path = "/admin/users/{user_id}/disabled", tag = "pages",
    params(("user_id" = i64, Path, description = "User key")),
    responses((status = 303, description = "changed"), (status = 400, content_type = "text/html", body = String)))]
pub async fn set_user_disabled(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(id): PagePath<String>,
    body: Bytes,
) -> PageResult {
    change_user(&state, &visitor, &id, &body, |form, target| {
        let disabled = match form.get("disabled") {
            Some("yes") => true,
            Some("no") => false,
            _ => return Err(AppError::invalid("disabled", "disabled must be yes or no")),
        };
        let change = AccountChange {
            disabled: Some(disabled),
            ..AccountChange::default()
        };
        Ok((change, format!("disabled-{}", target.0)))
    })
    .await
}

async fn organisations_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    errors: Vec<Value>,
    form: Value,
) -> PageResult {
    visitor.require(&[Role::Admin])?;
    let organisations =
        reskill_store::accounts::list_organisations(&state.db, None, None, LISTED).await?;
    let rows: Vec<Value> = organisations
        .iter()
        .map(|o| {
            json!({
                "id": o.id.0,
                "name": o.name,
                "kind": o.kind,
                "created_on": o.created_at.date_naive().to_string(),
            })
        })
        .collect();
    render_with_status(
        state,
        visitor,
        status,
        "admin_organisations.html",
        "Organisations",
        json!({"organisations": rows, "kinds": ORGANISATION_KINDS, "errors": errors, "form": form}),
    )
}

/// Lists the organisations, with a form to create one.
#[utoipa::path(get, path = "/admin/organisations", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_admin_organisations(
    State(state): State<AppState>,
    visitor: Visitor,
) -> PageResult {
    let form = json!({"name": "", "kind": "employer"});
    organisations_page(&state, &visitor, StatusCode::OK, Vec::new(), form).await
}

/// Creates an organisation, as `POST /api/v1/admin/organisations` does.
#[utoipa::path(post, path = "/admin/organisations", tag = "pages",
    responses((status = 303, description = "created"), (status = 400, content_type = "text/html", body = String)))]
pub async fn create_admin_organisation(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (_, form) = visitor.posted(&[Role::Admin], &body)?;
    let (name, kind) = (form.text("name"), form.text("kind"));
    let error = match accounts::create_organisation(&state.db, &name, &kind).await {
        Ok(created) => {
            return see_other(&format!(
                "/admin/organisations#organisation-{}",
                created.id.0
            ));
        }
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e).into()),
        Err(AppError::Conflict(_)) => {
            field_error("name", "An organisation with this name already exists")
        }
        Err(e) => form_error(&e, &["name", "kind"], "name"),
    };
    let echo = json!({"name": name, "kind": kind});
    organisations_page(&state, &visitor, StatusCode::BAD_REQUEST, vec![error], echo).await
}
