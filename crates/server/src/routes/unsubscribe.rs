//! One-click unsubscribe (RFC 8058): the link in a list email's body and its
//! `List-Unsubscribe` header. GET shows a confirmation page (so link scanners that fetch URLs
//! unsubscribe nobody); POST, as mail clients send it with `List-Unsubscribe=One-Click`, records
//! the unsubscription. The signed token is the only credential: no sign-in needed.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use reskill_mail::List;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::{AppError, AppState};

/// The signed link's parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeParams {
    /// The account.
    pub user: i64,
    /// `digest` or `caseload_summary`.
    pub list: String,
    /// HMAC-SHA256 of user and list under the server's key.
    pub token: String,
}

fn checked(state: &AppState, params: &UnsubscribeParams) -> Option<List> {
    let list = List::parse(&params.list)?;
    state
        .auth
        .unsubscribe
        .verify(params.user, list, &params.token)
        .then_some(list)
}

/// Reads the link's parameters; a missing or malformed one is the same invalid link as a
/// wrong token, shown as this page (not the framework's plain-text rejection).
fn link(query: Result<Query<UnsubscribeParams>, QueryRejection>) -> Option<UnsubscribeParams> {
    query.ok().map(|Query(params)| params)
}

fn invalid(state: &AppState) -> Result<Response, AppError> {
    page(
        state,
        StatusCode::BAD_REQUEST,
        json!({"title": "Unsubscribe", "invalid": true}),
    )
}

fn page(
    state: &AppState,
    status: StatusCode,
    context: serde_json::Value,
) -> Result<Response, AppError> {
    Ok((
        status,
        Html(state.templates.render("unsubscribe.html", context)?),
    )
        .into_response())
}

/// Shows the unsubscribe confirmation page.
#[utoipa::path(get, path = "/unsubscribe", tag = "pages", params(UnsubscribeParams),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 400, content_type = "text/html", body = String, description = "the link is not valid")))]
pub async fn show_unsubscribe(
    State(state): State<AppState>,
    query: Result<Query<UnsubscribeParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(params) = link(query) else {
        return invalid(&state);
    };
    match checked(&state, &params) {
        Some(list) => page(
            &state,
            StatusCode::OK,
            json!({"title": "Unsubscribe", "list_title": list.title(), "user": params.user,
                "list": list.as_str(), "token": params.token}),
        ),
        None => invalid(&state),
    }
}

/// Unsubscribes with one click (the body, `List-Unsubscribe=One-Click`, is not needed).
#[utoipa::path(post, path = "/unsubscribe", tag = "pages", params(UnsubscribeParams),
    responses((status = 200, content_type = "text/html", body = String, description = "unsubscribed (also when already)"),
        (status = 400, content_type = "text/html", body = String, description = "the link is not valid")))]
pub async fn create_unsubscription(
    State(state): State<AppState>,
    query: Result<Query<UnsubscribeParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(params) = link(query) else {
        return invalid(&state);
    };
    let Some(list) = checked(&state, &params) else {
        return invalid(&state);
    };
    // A deleted account has nothing to unsubscribe: its foreign key would refuse the row.
    if reskill_store::accounts::user_by_id(&state.db, reskill_core::UserId(params.user))
        .await
        .is_ok()
    {
        let left =
            reskill_store::outbox::unsubscribe(&state.db, params.user, list.as_str()).await?;
        if left {
            tracing::info!(
                user.id = params.user,
                "user {} unsubscribed from {}",
                params.user,
                list.as_str()
            );
        }
    }
    page(
        &state,
        StatusCode::OK,
        json!({"title": "You are unsubscribed", "done": true, "list_title": list.title()}),
    )
}
