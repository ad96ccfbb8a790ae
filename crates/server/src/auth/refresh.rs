//! Keeps a page session alive: the access cookie lasts minutes, the refresh cookie days. A page
//! request whose access cookie is gone or expired, but which carries a refresh cookie, is
//! refreshed here (the refresh token rotates as at /api/v1/auth/refresh) before the handler
//! runs, and the answer sets the new cookies; the visitor is not sent to the login page.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::cookies::{
    ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, clearing_cookies, cookie, session_cookies,
};
use crate::services::accounts;
use crate::{AppError, AppState};

/// Paths that are not pages: API clients refresh themselves, assets and probes need no session
/// (and a browser fetching them beside a page must not spend the refresh token twice).
const NOT_PAGES: &[&str] = &[
    "/api/",
    "/static/",
    "/favicon.ico",
    "/robots.txt",
    "/healthz",
    "/readyz",
    "/metrics",
];

/// Returns whether `request` is a page request whose session should be refreshed first.
fn needs_refresh(state: &AppState, request: &Request) -> bool {
    let path = request.uri().path();
    if NOT_PAGES.iter().any(|p| path.starts_with(p))
        || request.headers().contains_key(header::AUTHORIZATION)
        || cookie(request.headers(), REFRESH_COOKIE).is_none()
    {
        return false;
    }
    match cookie(request.headers(), ACCESS_COOKIE) {
        None => true,
        Some(token) => state.auth.tokens.verify(&token).is_err(),
    }
}

/// Rewrites the request's cookies so the handler sees `replaced` values.
fn replace_cookies(headers: &mut HeaderMap, replaced: &[(&str, &str)]) {
    let mut pairs: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            !pair.is_empty() && !replaced.iter().any(|(n, _)| *n == name)
        })
        .map(str::to_owned)
        .collect();
    pairs.extend(
        replaced
            .iter()
            .map(|(name, value)| format!("{name}={value}")),
    );
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&pairs.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
}

/// Returns whether the handler set session cookies itself (signed in, out, or deleted the
/// account); then its cookies win.
fn sets_session(response: &Response) -> bool {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&format!("{ACCESS_COOKIE}=")))
}

/// Middleware: refreshes an expired page session from the refresh cookie (see the module docs).
pub async fn refresh_page_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !needs_refresh(&state, &request) {
        return next.run(request).await;
    }
    let Some(refresh_token) = cookie(request.headers(), REFRESH_COOKIE) else {
        return next.run(request).await;
    };
    let config = &state.auth.config;
    match accounts::refresh(&state, &refresh_token).await {
        Ok(session) => {
            // Forms on the page were rendered with the current CSRF token: keep it.
            let csrf = cookie(request.headers(), CSRF_COOKIE).unwrap_or(session.csrf_token);
            replace_cookies(
                request.headers_mut(),
                &[
                    (ACCESS_COOKIE, &session.access_token),
                    (REFRESH_COOKIE, &session.refresh_token),
                    (CSRF_COOKIE, &csrf),
                ],
            );
            let mut response = next.run(request).await;
            if !sets_session(&response) {
                let cookies =
                    session_cookies(config, &session.access_token, &session.refresh_token, &csrf);
                for value in cookies {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(AppError::Unauthorized(message)) => {
            // A refresh token that is expired, revoked or reused will not work next time
            // either: drop the cookies, and the page asks the visitor to sign in.
            tracing::info!(reason = %message, "page session could not be refreshed");
            let mut response = next.run(request).await;
            if !sets_session(&response) {
                for value in clearing_cookies(config) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(error) => {
            tracing::warn!(error = %error, "page session refresh failed");
            next.run(request).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_cookies_keeps_the_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; reskill_access=old"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        replace_cookies(&mut headers, &[(ACCESS_COOKIE, "new")]);
        assert_eq!(cookie(&headers, ACCESS_COOKIE).as_deref(), Some("new"));
        assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(headers.get_all(header::COOKIE).iter().count(), 1);
    }
}
