//! The pages emailed links open: confirming an address (`/verify-email?token=…`), choosing a
//! new password (`/reset-password?token=…`), and asking for a reset link (`/forgot-password`).
//! They call the same account services as `/api/v1/auth/*`.
//!
//! A GET never uses a token: mail scanners and link previews fetch links, and tokens are
//! single use, so a GET shows a form and the POST does the work.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use reskill_core::accounts::{Email, Role, TokenPurpose};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{FormData, PageResult, Visitor, field_error, form_error, render, render_with_status};
use crate::services::accounts;
use crate::{AppError, AppState};

const EVERY_ROLE: &[Role] = &[Role::Seeker, Role::Caseworker, Role::Employer, Role::Admin];

/// The token of an emailed link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The single-use token from the email.
    pub token: Option<String>,
}

fn is_bad_link(error: &AppError) -> bool {
    matches!(error, AppError::Invalid { field: Some(field), .. } if field == "token")
}

fn verify_context(visitor: &Visitor, state: &str, token: &str) -> Value {
    json!({
        "state": state,
        "token": token,
        "already_verified": visitor.user.as_ref().is_some_and(|u| u.email_verified),
    })
}

/// Shows the email-confirmation page: a button that confirms (the link's token still works),
/// a clear page when it does not, or a way to get a new link.
#[utoipa::path(get, path = "/verify-email", tag = "pages", params(LinkQuery),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 400, content_type = "text/html", body = String, description = "the link has expired, was used or is unknown")))]
pub async fn show_verify_email(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<LinkQuery>,
) -> PageResult {
    let token = query.token.unwrap_or_default().trim().to_owned();
    let title = "Confirm your email address";
    if token.is_empty() {
        return render(
            &state,
            &visitor,
            "verify_email.html",
            title,
            verify_context(&visitor, "request", ""),
        );
    }
    if accounts::link_is_usable(&state.db, TokenPurpose::VerifyEmail, &token).await? {
        return render(
            &state,
            &visitor,
            "verify_email.html",
            title,
            verify_context(&visitor, "confirm", &token),
        );
    }
    render_with_status(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        "verify_email.html",
        "This link does not work",
        verify_context(&visitor, "invalid", ""),
    )
}

/// Confirms the email address with the posted token.
#[utoipa::path(post, path = "/verify-email", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String, description = "confirmed"),
        (status = 400, content_type = "text/html", body = String, description = "the link has expired, was used or is unknown")))]
pub async fn create_verification(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    visitor.check_csrf(&form)?;
    match accounts::verify_email(&state.db, form.text("token").as_str()).await {
        Ok(()) => render(
            &state,
            &visitor,
            "verify_email.html",
            "Your email address is confirmed",
            verify_context(&visitor, "verified", ""),
        ),
        Err(error) if is_bad_link(&error) => render_with_status(
            &state,
            &visitor,
            StatusCode::BAD_REQUEST,
            "verify_email.html",
            "This link does not work",
            verify_context(&visitor, "invalid", ""),
        ),
        Err(error) => Err(error.into()),
    }
}

/// Sends the signed-in visitor a new confirmation link.
#[utoipa::path(post, path = "/verify-email/request", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String, description = "a new link was sent"),
        (status = 303, description = "sign in first"),
        (status = 429, content_type = "text/html", body = String, description = "too many requests; see Retry-After")))]
pub async fn request_verification_page(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let (user, _) = visitor.posted(EVERY_ROLE, &body)?;
    let title = "Confirm your email address";
    match accounts::request_verification(&state, user).await {
        Ok(()) => {
            let hours = state.auth.config.verify_email_ttl.as_secs() / 3600;
            render(
                &state,
                &visitor,
                "verify_email.html",
                "Check your email",
                json!({"state": "sent", "email": user.email, "hours": hours}),
            )
        }
        Err(AppError::Conflict(_)) => render(
            &state,
            &visitor,
            "verify_email.html",
            title,
            json!({"state": "request", "already_verified": true}),
        ),
        Err(error) => Err(error.into()),
    }
}

fn reset_context(state: &str, token: &str, errors: Vec<Value>) -> Value {
    json!({"state": state, "token": token, "errors": errors})
}

/// Shows the new-password form while the reset link works, and a clear page when it does not.
#[utoipa::path(get, path = "/reset-password", tag = "pages", params(LinkQuery),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 400, content_type = "text/html", body = String, description = "the link has expired, was used or is unknown")))]
pub async fn show_reset_password(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<LinkQuery>,
) -> PageResult {
    let token = query.token.unwrap_or_default().trim().to_owned();
    if !token.is_empty()
        && accounts::link_is_usable(&state.db, TokenPurpose::ResetPassword, &token).await?
    {
        return render(
            &state,
            &visitor,
            "reset_password.html",
            "Choose a new password",
            reset_context("form", &token, Vec::new()),
        );
    }
    render_with_status(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        "reset_password.html",
        "This link does not work",
        reset_context("invalid", "", Vec::new()),
    )
}

/// Sets the new password with the posted token, under the same rules as the API.
#[utoipa::path(post, path = "/reset-password", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String, description = "the password is changed"),
        (status = 400, content_type = "text/html", body = String, description = "a weak password, or a link that no longer works")))]
pub async fn create_password_reset(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    visitor.check_csrf(&form)?;
    let token = form.text("token");
    let password = form.get("new_password").unwrap_or("").to_owned();
    let title = "Choose a new password";
    if password.is_empty() {
        let errors = vec![field_error("new_password", "Enter a new password")];
        return render_with_status(
            &state,
            &visitor,
            StatusCode::BAD_REQUEST,
            "reset_password.html",
            title,
            reset_context("form", &token, errors),
        );
    }
    match accounts::reset_password(&state.db, &token, password).await {
        Ok(()) => render(
            &state,
            &visitor,
            "reset_password.html",
            "Your password is changed",
            reset_context("done", "", Vec::new()),
        ),
        Err(error) if is_bad_link(&error) => render_with_status(
            &state,
            &visitor,
            StatusCode::BAD_REQUEST,
            "reset_password.html",
            "This link does not work",
            reset_context("invalid", "", Vec::new()),
        ),
        Err(error @ AppError::Invalid { .. }) => render_with_status(
            &state,
            &visitor,
            StatusCode::BAD_REQUEST,
            "reset_password.html",
            title,
            reset_context(
                "form",
                &token,
                vec![form_error(&error, &["new_password"], "new_password")],
            ),
        ),
        Err(error) => Err(error.into()),
    }
}

/// Shows the form asking for a password-reset link.
#[utoipa::path(get, path = "/forgot-password", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String)))]
pub async fn show_forgot_password(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    render(
        &state,
        &visitor,
        "forgot_password.html",
        "Forgot your password?",
        json!({"email": "", "errors": []}),
    )
}

/// Emails a reset link when an account has the address; the answer is the same either way,
/// so the page cannot tell anyone which addresses have accounts.
#[utoipa::path(post, path = "/forgot-password", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String, description = "the same answer whether or not an account has the address"),
        (status = 400, content_type = "text/html", body = String, description = "not an email address"),
        (status = 429, content_type = "text/html", body = String, description = "too many requests from this address; see Retry-After")))]
pub async fn create_forgot_password(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    visitor.check_csrf(&form)?;
    let email = form.text("email");
    let Ok(parsed) = Email::parse(&email) else {
        let errors = vec![field_error(
            "email",
            "Enter an email address like name@example.org",
        )];
        return render_with_status(
            &state,
            &visitor,
            StatusCode::BAD_REQUEST,
            "forgot_password.html",
            "Forgot your password?",
            json!({"email": email, "errors": errors}),
        );
    };
    accounts::request_password_reset(&state, parsed.as_str()).await?;
    render(
        &state,
        &visitor,
        "forgot_password.html",
        "Check your email",
        json!({"sent": true, "email": parsed.as_str()}),
    )
}
