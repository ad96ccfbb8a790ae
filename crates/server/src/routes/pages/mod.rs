//! Server-rendered pages for seekers, caseworkers and employers (issue #7). Each handler calls
//! the same services as the JSON API and renders a template; forms POST and redirect with 303,
//! so every page works without JavaScript. Errors render as HTML pages, never as JSON.

pub mod admin;
pub mod caseworker;
pub mod employer;
pub mod links;
pub mod public;
pub mod seeker;
pub mod session;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use reskill_core::accounts::Role;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::auth::cookies::{CSRF_COOKIE, cookie, csrf_ok};
use crate::auth::extract::{Carrier, access_token};
use crate::services::engine::{Recommendation, TransitionView};
use crate::services::workers;
use crate::templates::Templates;
use crate::{AppError, AppState};

/// Who is looking at a page: resolved from the access cookie (or Bearer, for API clients and
/// tests); CSRF is checked by [`Visitor::check_csrf`] against the form field, since the
/// extractor cannot see the body.
pub struct Visitor {
    /// The signed-in account, if any.
    pub user: Option<CurrentUser>,
    carrier: Option<Carrier>,
    headers: HeaderMap,
    path: String,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let carrier = match access_token(parts) {
            Ok(found) => found.map(|(_, carrier)| carrier),
            Err(_) => Some(Carrier::Bearer),
        };
        // Resolve as a safe request: pages check the CSRF form field themselves.
        let method = std::mem::replace(&mut parts.method, Method::GET);
        let user = CurrentUser::from_request_parts(parts, state).await.ok();
        parts.method = method;
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        Ok(Self {
            user,
            carrier,
            headers: parts.headers.clone(),
            path,
        })
    }
}

impl Visitor {
    /// Returns the signed-in user when they hold one of `roles`; anonymous visitors (and
    /// expired cookies) are sent to the login page, a bad Bearer token is a 401.
    pub fn require(&self, roles: &[Role]) -> Result<&CurrentUser, PageError> {
        let Some(user) = &self.user else {
            return Err(match self.carrier {
                Some(Carrier::Bearer) => {
                    PageError::App(AppError::unauthorized("the access token is not valid"))
                }
                _ => PageError::SignIn {
                    next: self.path.clone(),
                },
            });
        };
        if !roles.contains(&user.role) {
            return Err(PageError::App(AppError::forbidden(
                "this page is not available to your account",
            )));
        }
        Ok(user)
    }

    /// Checks the double-submit CSRF token of a form posted with the session cookie.
    pub fn check_csrf(&self, form: &FormData) -> Result<(), PageError> {
        if self.carrier == Some(Carrier::Cookie) && !csrf_ok(&self.headers, form.get("csrf_token"))
        {
            return Err(PageError::App(AppError::forbidden(
                "the form has expired; go back, reload the page and try again",
            )));
        }
        Ok(())
    }

    /// Returns the signed-in user (holding one of `roles`) and the posted form, once its CSRF
    /// token is checked: the start of every form handler of a signed-in page.
    pub fn posted(
        &self,
        roles: &[Role],
        body: &[u8],
    ) -> Result<(&CurrentUser, FormData), PageError> {
        let user = self.require(roles)?;
        let form = FormData::parse(body);
        self.check_csrf(&form)?;
        Ok((user, form))
    }

    /// Returns the request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Returns what the page header needs: who is signed in, and the CSRF token for forms.
    pub fn nav(&self) -> Value {
        json!({
            "user": self.user.as_ref().map(|u| json!({
                "display_name": u.display_name,
                "role": u.role.as_str(),
            })),
            "csrf": cookie(&self.headers, CSRF_COOKIE),
        })
    }
}

/// Path segments of a page, read as text (handlers parse keys before checking who may see
/// the page, so a malformed key is the same 400 page for everyone); a segment that is not
/// UTF-8 once decoded is an HTML 400 too, not the framework's plain-text one.
pub struct PagePath<T>(pub T);

impl<T> FromRequestParts<AppState> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|rejection| {
                PageError::App(AppError::invalid(
                    "path",
                    format!("the address is not valid: {}", rejection.body_text()),
                ))
            })
    }
}

/// A page that could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Sign in first, then come back to `next`.
    SignIn {
        /// Path and query to return to.
        next: String,
    },
    /// Anything else, shown as an error page with its status.
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<reskill_store::StorageError> for PageError {
    fn from(error: reskill_store::StorageError) -> Self {
        Self::App(error.into())
    }
}

impl From<reskill_core::ValidationError> for PageError {
    fn from(error: reskill_core::ValidationError) -> Self {
        Self::App(error.into())
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        Self::App(AppError::Internal(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = match self {
            Self::SignIn { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                return Redirect::to(&format!("/login?next={next}")).into_response();
            }
            Self::App(error) => error,
        };
        let (status, title, detail) = match &error {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. Check it, or start again from the home page."
                    .to_owned(),
            ),
            AppError::Invalid { message, .. } => (
                StatusCode::BAD_REQUEST,
                "There is a problem with the request",
                message.clone(),
            ),
            AppError::Conflict(message) => (
                StatusCode::CONFLICT,
                "That cannot be done now",
                message.clone(),
            ),
            AppError::Unauthorized(message) => {
                (StatusCode::UNAUTHORIZED, "Sign in first", message.clone())
            }
            AppError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                "You cannot see this page",
                message.clone(),
            ),
            AppError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                error.to_string(),
            ),
            AppError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "What you sent is too large",
                error.to_string(),
            ),
            AppError::UnsupportedMediaType(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "What you sent is in a form this page does not read",
                message.clone(),
            ),
            AppError::Unavailable | AppError::NotReady(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is unavailable",
                "Try again in a few minutes.".to_owned(),
            ),
            AppError::Internal(inner) => {
                tracing::error!(error = format!("{inner:#}"), "internal error on a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, something went wrong",
                    "Something went wrong on our side; it has been logged. Try again later."
                        .to_owned(),
                )
            }
        };
        let body = Templates::shared()
            .render(
                "error.html",
                json!({"title": title, "detail": detail, "nav": {"user": null}}),
            )
            .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><p>{detail}"));
        let mut response = (status, Html(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = error
            && let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// Renders template `name` titled `title` with `context` plus the navigation of `visitor`.
pub fn render(
    state: &AppState,
    visitor: &Visitor,
    name: &str,
    title: &str,
    context: Value,
) -> PageResult {
    render_with_status(state, visitor, StatusCode::OK, name, title, context)
}

/// Renders like [`render`] with another status (a form re-rendered with errors is a 400).
pub fn render_with_status(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    name: &str,
    title: &str,
    mut context: Value,
) -> PageResult {
    if let Some(map) = context.as_object_mut() {
        map.insert("title".into(), title.into());
        map.insert("nav".into(), visitor.nav());
    }
    let page = state.templates.render(name, context)?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response())
}

/// Redirects to `to` with 303 See Other (the answer to a form post).
pub fn see_other(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

/// A posted `application/x-www-form-urlencoded` body, read without rejecting other content
/// types, so authorization is decided before the body is judged.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Parses a form body.
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Returns the first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns the trimmed value of `name`, or "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_owned()
    }

    /// Returns every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One error of a form: the field's id and what is wrong with it.
pub fn field_error(field: &str, message: impl Into<String>) -> Value {
    json!({"field": field, "message": message.into()})
}

/// Returns a form error for an application error, naming `fallback` when the error names no
/// field of the form.
pub fn form_error(error: &AppError, fields: &[&str], fallback: &str) -> Value {
    let field = match error {
        AppError::Invalid {
            field: Some(field), ..
        } if fields.contains(&field.as_str()) => field.as_str(),
        _ => fallback,
    };
    let message = match error {
        AppError::Internal(_) => "something went wrong on our side; try again".to_owned(),
        other => other.to_string(),
    };
    field_error(field, message)
}

/// Parses a positive integer path or form value, as a 400 naming `field` otherwise.
pub fn positive_id(value: &str, field: &str) -> Result<i64, PageError> {
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(PageError::App(AppError::invalid(
            field,
            format!("{field} must be a positive whole number"),
        ))),
    }
}

/// Where each role starts after signing in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Seeker => "/my/plans",
        Role::Caseworker => "/caseload",
        Role::Employer => "/employer/openings",
        Role::Admin => "/admin",
    }
}

/// Percent-encodes `text` for a query string value.
pub fn query_escape(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Returns a length in weeks as people write it ("under a week", "1 week", "2.5 weeks").
pub fn weeks(weeks: f64) -> String {
    if weeks < 1.0 {
        "under a week".to_owned()
    } else if (weeks - weeks.round()).abs() < 0.05 {
        let whole = weeks.round() as i64;
        format!("{whole} week{}", if whole == 1 { "" } else { "s" })
    } else {
        format!("{weeks:.1} weeks")
    }
}

/// Returns a share in [0, 1] as a whole percentage.
pub fn percent(share: f64) -> i64 {
    (share * 100.0).round() as i64
}

/// Returns a number rounded to a whole one, for display.
pub fn whole(value: f64) -> i64 {
    value.round() as i64
}

/// Returns the engine's recommendation for `worker`, or `None` while the profile has neither an
/// occupation nor skills (the service's Conflict), so the page can ask for them instead.
pub async fn recommendations_or_none(
    state: &AppState,
    worker: &reskill_store::people::Worker,
    transitions: usize,
    openings: usize,
) -> Result<Option<Recommendation>, PageError> {
    match workers::recommendations(state, worker, transitions, openings).await {
        Ok(r) => Ok(Some(r)),
        Err(AppError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Returns what pages show of a change in exposure: bands, percentiles and the drop in points,
/// all on the combined measure, and how many sources it averages.
pub fn risk_change_view(r: &reskill_core::matching::RiskChange) -> Value {
    json!({
        "before": r.before.as_ref().map(|b| b.band.as_str()),
        "before_percentile": r.before.as_ref().map(|b| whole(b.percentile)),
        "after": r.after.band.as_str(),
        "after_percentile": whole(r.after.percentile),
        "reduction": r.reduction_points.map(whole),
        "sources": r.after.sources,
    })
}

/// Returns what the seeker's and the caseworker's pages show of one recommended transition.
pub fn transition_view(t: &TransitionView) -> Value {
    json!({
        "id": t.occupation.id.0,
        "label": t.occupation.label,
        "fit": percent(t.fit),
        "matched": t.matched_skills.iter().take(5).map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "missing": t.gap.essential.iter().take(5).map(|s| s.skill.label.clone()).collect::<Vec<_>>(),
        "weeks": t.plan.as_ref().map(|p| p.plan.total_weeks),
        "risk": t.risk.as_ref().map(risk_change_view),
        "band_after": t.risk.as_ref().map(|r| r.after.band.as_str()),
        "demand": t.demand,
    })
}
