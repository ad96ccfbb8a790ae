//! The cookie carrier for the web pages: an HttpOnly access cookie, an HttpOnly SameSite=Strict
//! refresh cookie (sent to the pages too, so they can renew an expired access cookie; see
//! `super::refresh`), and a readable CSRF cookie whose value every unsafe request carried by
//! cookie must echo (header `X-CSRF-Token`, or form field `csrf_token`).

use axum::http::{HeaderMap, HeaderValue, header};

use super::AuthConfig;
use super::tokens::constant_time_eq;

/// The access token's cookie.
pub const ACCESS_COOKIE: &str = "reskill_access";
/// The refresh token's cookie.
pub const REFRESH_COOKIE: &str = "reskill_refresh";
/// The CSRF token's cookie (readable by the page, so forms can echo it).
pub const CSRF_COOKIE: &str = "reskill_csrf";
/// The header echoing the CSRF cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Path of the refresh cookie: every page, so a page can refresh an expired session.
const REFRESH_PATH: &str = "/";
/// Path the refresh cookie had before pages refreshed sessions; cleared on sign-out so an old
/// cookie does not linger beside the new one.
const LEGACY_REFRESH_PATH: &str = "/api/v1/auth";

/// Returns the value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: u64,
    http_only: bool,
    same_site: &str,
    config: &AuthConfig,
) -> Option<HeaderValue> {
    let mut text = format!("{name}={value}; Path={path}; Max-Age={max_age}; SameSite={same_site}");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if config.cookie_secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).ok()
}

/// Returns the `Set-Cookie` headers of a new session.
pub fn session_cookies(
    config: &AuthConfig,
    access: &str,
    refresh: &str,
    csrf: &str,
) -> Vec<HeaderValue> {
    [
        set_cookie(
            ACCESS_COOKIE,
            access,
            "/",
            config.access_ttl.as_secs(),
            true,
            "Lax",
            config,
        ),
        set_cookie(
            REFRESH_COOKIE,
            refresh,
            REFRESH_PATH,
            config.refresh_ttl.as_secs(),
            true,
            "Strict",
            config,
        ),
        csrf_cookie(config, csrf),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Returns the `Set-Cookie` header of a CSRF token alone, for the forms that start a session
/// (sign in, sign up) before there is one.
pub fn csrf_cookie(config: &AuthConfig, csrf: &str) -> Option<HeaderValue> {
    set_cookie(
        CSRF_COOKIE,
        csrf,
        "/",
        config.refresh_ttl.as_secs(),
        false,
        "Strict",
        config,
    )
}

/// Returns the `Set-Cookie` headers that end a session.
pub fn clearing_cookies(config: &AuthConfig) -> Vec<HeaderValue> {
    [
        set_cookie(ACCESS_COOKIE, "", "/", 0, true, "Lax", config),
        set_cookie(REFRESH_COOKIE, "", REFRESH_PATH, 0, true, "Strict", config),
        set_cookie(
            REFRESH_COOKIE,
            "",
            LEGACY_REFRESH_PATH,
            0,
            true,
            "Strict",
            config,
        ),
        set_cookie(CSRF_COOKIE, "", "/", 0, false, "Strict", config),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Checks the double-submit CSRF token: the `X-CSRF-Token` header (or `form_token`, a form's
/// `csrf_token` field) must equal the CSRF cookie.
pub fn csrf_ok(headers: &HeaderMap, form_token: Option<&str>) -> bool {
    let Some(expected) = cookie(headers, CSRF_COOKIE) else {
        return false;
    };
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(form_token);
    presented.is_some_and(|token| constant_time_eq(token, &expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_and_csrf_must_match() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; reskill_csrf=tok; reskill_access=jwt"),
        );
        assert_eq!(cookie(&headers, ACCESS_COOKIE).as_deref(), Some("jwt"));
        assert!(!csrf_ok(&headers, None));
        assert!(csrf_ok(&headers, Some("tok")));
        headers.insert(CSRF_HEADER, HeaderValue::from_static("other"));
        assert!(!csrf_ok(&headers, Some("tok")));
        let config = AuthConfig::default();
        let set = session_cookies(&config, "a", "r", "c");
        assert!(set[0].to_str().unwrap().contains("HttpOnly"));
        assert!(set[1].to_str().unwrap().contains("Path=/;"));
        assert!(set[1].to_str().unwrap().contains("SameSite=Strict"));
        assert!(!set[2].to_str().unwrap().contains("HttpOnly"));
    }
}
