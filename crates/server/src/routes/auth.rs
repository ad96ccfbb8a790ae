//! `/api/v1/auth/*` and `/api/v1/me`: register, log in, refresh, log out, passwords and email
//! verification. Sessions come back in the body (for Bearer clients) and as cookies (for pages).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use reskill_core::accounts::{Email, Role};
use reskill_store::accounts::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::auth::cookies::{REFRESH_COOKIE, clearing_cookies, cookie, csrf_ok, session_cookies};
use crate::auth::{ClientIp, CurrentUser};
use crate::error::Problem;
use crate::services::accounts::{self, NewAccount, Session};
use crate::{AppError, AppState};

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    /// Key.
    pub id: i64,
    /// Address.
    pub email: String,
    /// `seeker`, `caseworker`, `employer` or `admin`.
    pub role: String,
    /// Name shown.
    pub display_name: String,
    /// Organisation.
    pub organisation_id: Option<i64>,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// Whether sign-in is refused.
    pub disabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email,
            role: user.role.as_str().to_owned(),
            display_name: user.display_name,
            organisation_id: user.organisation_id.map(|o| o.0),
            email_verified: user.email_verified,
            disabled: user.disabled,
            created_at: user.created_at,
        }
    }
}

/// A signed-in session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    /// The account.
    pub user: UserView,
    /// JWT access token for `Authorization: Bearer` (at most 15 minutes).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use refresh token; exchange it at /api/v1/auth/refresh.
    pub refresh_token: String,
    /// Echo this in `X-CSRF-Token` on unsafe requests carried by cookie.
    pub csrf_token: String,
}

fn session_response(state: &AppState, status: StatusCode, session: Session) -> Response {
    let cookies = session_cookies(
        &state.auth.config,
        &session.access_token,
        &session.refresh_token,
        &session.csrf_token,
    );
    let body = SessionView {
        user: session.user.into(),
        access_token: session.access_token,
        token_type: "Bearer".to_owned(),
        expires_in: session.expires_in,
        refresh_token: session.refresh_token,
        csrf_token: session.csrf_token,
    };
    let mut response = (status, Json(body)).into_response();
    for value in cookies {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Address (lower-cased).
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    /// Name shown, 1 to 100 characters.
    pub display_name: String,
    /// `seeker` (default) or `employer`.
    pub role: Option<String>,
    /// For employers: the organisation to create.
    pub organisation_name: Option<String>,
}

/// Registers a seeker or an employer and signs them in; rate limited per client address
/// (it sends a confirmation email).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses((status = 201, body = SessionView), (status = 400, body = Problem), (status = 409, body = Problem),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "too many requests from this address; see Retry-After")))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<Response, AppError> {
    let role = match body.role.as_deref() {
        None => Role::Seeker,
        Some(role) => Role::parse_field(role, "role")?,
    };
    let account = NewAccount {
        email: Email::parse(&body.email)?,
        password: body.password,
        display_name: body.display_name,
        role,
        organisation_id: None,
        new_organisation: body.organisation_name,
        email_verified: false,
    };
    let session = accounts::register(&state, account).await?;
    Ok(session_response(&state, StatusCode::CREATED, session))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Signs in; rate limited per client address and per account.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = SessionView), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    if body.password.len() > 1024 {
        return Err(AppError::invalid("password", "password is too long"));
    }
    let session = accounts::login(&state, &client, &body.email, body.password).await?;
    Ok(session_response(&state, StatusCode::OK, session))
}

/// A refresh request; without a body field, the refresh cookie is used (CSRF checked).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token.
    pub refresh_token: Option<String>,
}

fn refresh_token_from(headers: &HeaderMap, body: Option<String>) -> Result<String, AppError> {
    if let Some(token) = body.filter(|t| !t.is_empty()) {
        return Ok(token);
    }
    let token = cookie(headers, REFRESH_COOKIE)
        .ok_or_else(|| AppError::unauthorized("no refresh token: send refresh_token"))?;
    if !csrf_ok(headers, None) {
        return Err(AppError::forbidden(
            "the X-CSRF-Token header must match the reskill_csrf cookie",
        ));
    }
    Ok(token)
}

/// Exchanges a refresh token for a new access and refresh token (the old one is revoked).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let request: RefreshRequest = if body.is_empty() {
        RefreshRequest::default()
    } else {
        crate::api::parse_json(&body)?
    };
    let token = refresh_token_from(&headers, request.refresh_token)?;
    let session = accounts::refresh(&state, &token).await?;
    Ok(session_response(&state, StatusCode::OK, session))
}

/// A logout request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token to revoke (default: the refresh cookie).
    pub refresh_token: Option<String>,
    /// Revoke every session of the account.
    #[serde(default)]
    pub everywhere: bool,
}

/// Logs out: revokes the refresh token (or all of them) and clears the cookies.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    request_body(content = Option<LogoutRequest>, description = "optional: with no body, the session's own refresh token is revoked"),
    responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let request: LogoutRequest = if body.is_empty() {
        LogoutRequest::default()
    } else {
        crate::api::parse_json(&body)?
    };
    let token = request
        .refresh_token
        .or_else(|| cookie(&headers, REFRESH_COOKIE));
    accounts::logout(&state.db, user.id, token.as_deref(), request.everywhere).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    for value in clearing_cookies(&state.auth.config) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new one, 10 to 128 characters.
    pub new_password: String,
}

/// Changes the password; every session is signed out.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    user: CurrentUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    accounts::change_password(
        &state,
        &client,
        &user,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a new verification email; rate limited per client address and per account.
#[utoipa::path(post, path = "/api/v1/auth/verify-email/request", tag = "auth",
    responses((status = 202), (status = 409, body = Problem),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "too many requests from this address, or verification emails to this account; see Retry-After")),
    security(("bearer" = [])))]
pub async fn request_verification(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<StatusCode, AppError> {
    accounts::request_verification(&state, &user).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A single-use token from an emailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token.
    pub token: String,
}

/// Verifies the email address with the emailed token.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth",
    request_body = TokenRequest,
    responses((status = 204), (status = 400, body = Problem)))]
pub async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<StatusCode, AppError> {
    accounts::verify_email(&state.db, body.token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A reset request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's address.
    pub email: String,
}

/// Emails a password-reset link if an account has this address and has not had a few this
/// hour (the answer is the same either way); rate limited per client address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/request", tag = "auth",
    request_body = ResetRequest,
    responses((status = 202), (status = 400, body = Problem),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "too many requests from this address; see Retry-After")))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<StatusCode, AppError> {
    accounts::request_password_reset(&state, &body.email).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A new password with a reset token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The emailed token.
    pub token: String,
    /// The new password.
    pub new_password: String,
}

/// Sets a new password with the emailed token; every session is signed out.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = PasswordReset,
    responses((status = 204), (status = 400, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode, AppError> {
    accounts::reset_password(&state.db, body.token.trim(), body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns the signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn show_me(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<UserView>, AppError> {
    let account = reskill_store::accounts::user_by_id(&state.db, user.id).await?;
    Ok(Json(account.into()))
}
