//! Sign up, log in and log out as HTML forms: the same account services as the API, and the
//! same session cookies (`session_cookies`).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use reskill_core::accounts::{Email, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FormData, PageResult, Visitor, field_error, form_error, home_of, render_with_status};
use crate::auth::ClientIp;
use crate::auth::cookies::{
    CSRF_COOKIE, REFRESH_COOKIE, clearing_cookies, cookie, csrf_cookie, csrf_ok, session_cookies,
};
use crate::auth::tokens::random_token;
use crate::services::accounts::{self, NewAccount, Session};
use crate::{AppError, AppState};

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Returns `next` when it is a path on this site, else `None` (the role's home page then).
///
/// One `/`, then visible ASCII only: browsers drop tabs and newlines from a `Location` and read
/// `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would lead to another site, and a
/// control character cannot go in a header at all.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.chars().all(|c| c.is_ascii_graphic() && c != '\\')
        && next.parse::<PathAndQuery>().is_ok();
    local.then(|| next.to_owned())
}

/// Returns the CSRF token a sign-in or sign-up form carries, with the `Set-Cookie` header to
/// send when the visitor has no CSRF cookie yet. These forms start a session, so without the
/// token another site could post its own credentials and sign the visitor into an account it
/// watches (login CSRF).
fn form_csrf(state: &AppState, visitor: &Visitor) -> (String, Option<HeaderValue>) {
    match cookie(visitor.headers(), CSRF_COOKIE) {
        Some(token) => (token, None),
        None => {
            let token = random_token();
            let set_cookie = csrf_cookie(&state.auth.config, &token);
            (token, set_cookie)
        }
    }
}

/// Renders the login or sign-up form `template` with its CSRF token.
fn session_form(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    template: &str,
    title: &str,
    mut context: Value,
) -> PageResult {
    let (token, set_cookie) = form_csrf(state, visitor);
    if let Some(map) = context.as_object_mut() {
        map.insert("csrf".into(), token.into());
    }
    let mut response = render_with_status(state, visitor, status, template, title, context)?;
    if let Some(value) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The error shown when a sign-in or sign-up form comes without its CSRF token: from another
/// site, or shown before its cookie was cleared. The form comes back with a fresh token.
fn expired_form() -> Value {
    field_error(
        "email",
        "This form had expired. Enter your details again and send it once more",
    )
}

fn signed_in(state: &AppState, session: Session, next: Option<String>) -> PageResult {
    let to = next.unwrap_or_else(|| home_of(session.user.role).to_owned());
    let mut response = Redirect::to(&to).into_response();
    for value in session_cookies(
        &state.auth.config,
        &session.access_token,
        &session.refresh_token,
        &session.csrf_token,
    ) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Returns the context of the login and sign-up forms: the form's own `fields`, its `errors`,
/// and where the visitor was going (`next`).
fn form_context(next: Option<String>, errors: Vec<Value>, mut fields: Value) -> Value {
    if let Some(map) = fields.as_object_mut() {
        map.insert(
            "next_q".into(),
            next.as_deref().map(super::query_escape).into(),
        );
        map.insert("next".into(), next.into());
        map.insert("errors".into(), errors.into());
    }
    fields
}

/// Shows the login form.
#[utoipa::path(get, path = "/login", tag = "pages",
    params(("next" = Option<String>, Query, description = "Path to return to")),
    responses((status = 200, content_type = "text/html", body = String)))]
pub async fn show_login(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    let next = safe_next(query.next.as_deref());
    session_form(
        &state,
        &visitor,
        StatusCode::OK,
        "login.html",
        "Sign in",
        form_context(next, Vec::new(), json!({"email": ""})),
    )
}

/// Signs in from the login form (its CSRF token checked) and redirects to where the visitor
/// was going.
#[utoipa::path(post, path = "/login", tag = "pages",
    responses((status = 303, description = "signed in"), (status = 400, content_type = "text/html", body = String),
        (status = 403, content_type = "text/html", body = String, description = "no CSRF token: the form is shown again")))]
pub async fn create_login(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(client): ClientIp,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    let (email, password) = (form.text("email"), form.get("password").unwrap_or(""));
    let next = safe_next(form.get("next"));
    if !csrf_ok(visitor.headers(), form.get("csrf_token")) {
        return session_form(
            &state,
            &visitor,
            StatusCode::FORBIDDEN,
            "login.html",
            "Sign in",
            form_context(next, vec![expired_form()], json!({"email": email})),
        );
    }
    let mut errors: Vec<Value> = Vec::new();
    if email.is_empty() {
        errors.push(field_error("email", "Enter your email address"));
    }
    if password.is_empty() {
        errors.push(field_error("password", "Enter your password"));
    }
    if errors.is_empty() {
        match accounts::login(&state, &client, &email, password.to_owned()).await {
            Ok(session) => return signed_in(&state, session, next),
            Err(error) => errors.push(form_error(&error, &["email", "password"], "email")),
        }
    }
    session_form(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        "login.html",
        "Sign in",
        form_context(next, errors, json!({"email": email})),
    )
}

/// Shows the sign-up form.
#[utoipa::path(get, path = "/signup", tag = "pages",
    params(("next" = Option<String>, Query, description = "Path to return to")),
    responses((status = 200, content_type = "text/html", body = String)))]
pub async fn show_signup(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    let next = safe_next(query.next.as_deref());
    session_form(
        &state,
        &visitor,
        StatusCode::OK,
        "signup.html",
        "Create an account",
        form_context(next, Vec::new(), json!({"form": {"role": "seeker"}})),
    )
}

/// Creates an account from the sign-up form (its CSRF token checked), signs it in and
/// redirects.
#[utoipa::path(post, path = "/signup", tag = "pages",
    responses((status = 303, description = "account created and signed in"), (status = 400, content_type = "text/html", body = String),
        (status = 403, content_type = "text/html", body = String, description = "no CSRF token: the form is shown again")))]
pub async fn create_signup(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    let display_name = form.text("display_name");
    let email = form.text("email");
    let password = form.get("password").unwrap_or("").to_owned();
    let organisation = form.text("organisation_name");
    let role = match form.get("role") {
        Some("employer") => Role::Employer,
        _ => Role::Seeker,
    };
    let filled = json!({"form": {"display_name": display_name, "email": email, "role": role.as_str(), "organisation_name": organisation}});
    if !csrf_ok(visitor.headers(), form.get("csrf_token")) {
        return session_form(
            &state,
            &visitor,
            StatusCode::FORBIDDEN,
            "signup.html",
            "Create an account",
            form_context(next, vec![expired_form()], filled),
        );
    }
    let mut errors: Vec<Value> = Vec::new();
    if display_name.is_empty() {
        errors.push(field_error("display_name", "Enter your name"));
    }
    let parsed_email = match Email::parse(&email) {
        Ok(e) => Some(e),
        Err(_) => {
            errors.push(field_error(
                "email",
                "Enter an email address like name@example.org",
            ));
            None
        }
    };
    if password.chars().count() < 10 {
        errors.push(field_error(
            "password",
            "Choose a password of at least 10 characters",
        ));
    }
    if role == Role::Employer && organisation.is_empty() {
        errors.push(field_error(
            "organisation_name",
            "Enter the name of your organisation",
        ));
    }
    if let (true, Some(email)) = (errors.is_empty(), parsed_email) {
        let account = NewAccount {
            email,
            password,
            display_name: display_name.clone(),
            role,
            organisation_id: None,
            new_organisation: (role == Role::Employer).then(|| organisation.clone()),
            email_verified: false,
        };
        match accounts::register(&state, account).await {
            Ok(session) => return signed_in(&state, session, next),
            Err(AppError::Conflict(_)) => errors.push(field_error(
                "email",
                "An account with this email address already exists; sign in instead",
            )),
            Err(error) => errors.push(form_error(
                &error,
                &["display_name", "email", "password", "organisation_name"],
                "email",
            )),
        }
    }
    session_form(
        &state,
        &visitor,
        StatusCode::BAD_REQUEST,
        "signup.html",
        "Create an account",
        form_context(next, errors, filled),
    )
}

/// Signs out: clears the session cookies and goes home.
#[utoipa::path(post, path = "/logout", tag = "pages",
    responses((status = 303, description = "signed out")))]
pub async fn create_logout(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body);
    if let Some(user) = &visitor.user {
        visitor.check_csrf(&form)?;
        // Revoke this session's refresh token; without the cookie (a session started before
        // the cookie reached the pages), every refresh token of the account.
        let refresh = cookie(visitor.headers(), REFRESH_COOKIE);
        accounts::logout(&state.db, user.id, refresh.as_deref(), refresh.is_none()).await?;
    }
    let mut response = Redirect::to("/").into_response();
    for value in clearing_cookies(&state.auth.config) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
