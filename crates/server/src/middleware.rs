//! What every request passes through, outermost first: a request id (kept from the client's
//! `X-Request-Id` or made here, and echoed), a tracing span naming the route template (never the
//! raw path or query, which may carry tokens), latency metrics, security headers, a time limit,
//! a body size limit, on search and on the requests that send email a rate limit per client
//! address, and on pages the renewal of an expired session from its refresh cookie
//! (`crate::auth::refresh`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::LatencyUnit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::{AppError, AppState};

/// Limits and headers of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Whether to send Strict-Transport-Security (only behind HTTPS).
    pub hsts: bool,
    /// Search and suggest requests one client address may make per second, sustained; `None`
    /// turns the limit off (benchmarks).
    pub search_per_second: Option<f64>,
    /// Requests above the sustained rate a client may burst.
    pub search_burst: f64,
    /// Reverse proxies whose `X-Forwarded-For` is believed: behind one, the client is the
    /// right-most address of that header that is not itself a trusted proxy. Empty: the header
    /// is ignored and the client is the socket's peer.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// When set, `/metrics` needs `Authorization: Bearer <token>` (or an admin), from any address.
    pub metrics_token: Option<MetricsToken>,
}

/// The bearer token `/metrics` asks for; never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// Wraps a token; `None` for an empty one.
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| Self(token.to_owned()))
    }

    /// Returns whether `presented` is the token, in time independent of where they differ
    /// (both are hashed first, so the length does not show either).
    pub fn matches(&self, presented: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        let want = Sha256::digest(self.0.as_bytes());
        let got = Sha256::digest(presented.as_bytes());
        want[..].ct_eq(&got[..]).into()
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            hsts: false,
            search_per_second: Some(20.0),
            search_burst: 60.0,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

/// Scripts and styles only from this origin, no inline code, no framing, forms post only here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Wraps `router` in every layer of this module.
pub fn wrap(router: Router, state: &AppState) -> Router {
    let http = &state.config.http;
    let request_id = HeaderName::from_static("x-request-id");
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::refresh::refresh_page_session,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(DefaultBodyLimit::max(http.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(http.max_body_bytes))
        .layer(middleware::from_fn(api_problems))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            http.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(http.hsts, security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), route, request_id)
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_client_address,
        ))
}

/// The address a request comes from, as rate limits and `/metrics` see it: the socket's peer,
/// or behind a trusted proxy the client that proxy names (see [`client_address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

async fn resolve_client_address(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    if let Some(peer) = peer {
        let forwarded = request.headers().get_all("x-forwarded-for");
        let address = client_address(peer, forwarded, &state.config.http.trusted_proxies);
        request.extensions_mut().insert(ClientAddress(address));
    }
    next.run(request).await
}

/// Returns the client of a request from `peer`: the peer itself unless it is a trusted proxy;
/// otherwise `X-Forwarded-For` is read from the right (each proxy appends the address it got
/// the request from), skipping trusted proxies, and the first other address is the client.
/// Entries left of it were written by the client and are never believed. An unreadable entry
/// stops the walk at the last trusted hop, so a forged header cannot choose an address.
pub fn client_address<'h>(
    peer: std::net::IpAddr,
    forwarded_for: impl IntoIterator<Item = &'h HeaderValue>,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<String> = forwarded_for
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|entry| entry.trim().to_owned())
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let parsed = entry
            .parse::<std::net::IpAddr>()
            .or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip()));
        let Ok(address) = parsed else {
            break;
        };
        // An IPv4 client reaching an IPv6 socket is named as ::ffff:a.b.c.d by some proxies.
        client = address.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// Gives the API's error answers that come from the HTTP layer rather than a handler (no such
/// route, wrong method, body over the limit, wrong content type) the same
/// `application/problem+json` body every handler error has; other headers (`Allow`) are kept.
async fn api_problems(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let already = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let detail = match status {
        StatusCode::NOT_FOUND => "there is no such endpoint; see /api/v1/openapi.json",
        StatusCode::METHOD_NOT_ALLOWED => {
            "the endpoint does not take this method; the Allow header lists those it takes"
        }
        StatusCode::PAYLOAD_TOO_LARGE => "the body is larger than the server accepts",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "the body is not in a format this endpoint reads",
        _ => return response,
    };
    if already {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let problem = crate::error::Problem {
        title: status.canonical_reason().unwrap_or("error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        field: None,
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Returns the method as a metrics label: the standard ones by name, anything else as `OTHER`,
/// so requests with made-up methods cannot add series without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

async fn security_headers(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(self)",
    );
    if !is_static {
        // Pages and API answers may hold personal data: no shared or back-button caching.
        set(header::CACHE_CONTROL, "no-store");
    }
    if hsts {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let Some(route) = route else {
        return next.run(request).await;
    };
    let search = is_search_route(&route);
    // A signed-in route asked without credentials is answered 401 and mails nobody, so it does
    // not spend the client's budget (and the answer says what is wrong: the missing token).
    let anonymous = !request.headers().contains_key(header::AUTHORIZATION)
        && !request.headers().contains_key(header::COOKIE);
    let mail = request.method() == axum::http::Method::POST
        && is_mail_route(&route)
        && !(anonymous && SIGNED_IN_MAIL_ROUTES.contains(&route.as_str()));
    if search || mail {
        let address = request
            .extensions()
            .get::<ClientAddress>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.to_string());
        let checked = if search {
            state.search_limiter.check(&address)
        } else {
            state.auth.mail_limiter.check_address(&address)
        };
        if let Err(retry_after_secs) = checked {
            let error = AppError::TooManyRequests { retry_after_secs };
            if route.starts_with("/api/") {
                return error.into_response();
            }
            return crate::routes::pages::PageError::App(error).into_response();
        }
    }
    next.run(request).await
}

fn is_search_route(route: &str) -> bool {
    route.starts_with("/api/v1/search/") || route == "/api/v1/suggest" || route == "/search"
}

/// Routes whose POST may send an email to an address the client chooses (or to itself):
/// limited per client address, so nobody can make the service mail anyone at will.
pub const MAIL_ROUTES: &[&str] = &[
    "/api/v1/auth/register",
    "/api/v1/auth/verify-email/request",
    "/api/v1/auth/password-reset/request",
    "/api/v1/organisations/{organisation_id}/members",
    "/signup",
    "/forgot-password",
    "/verify-email/request",
];

/// The mail routes that need a signed-in user.
const SIGNED_IN_MAIL_ROUTES: &[&str] = &[
    "/api/v1/auth/verify-email/request",
    "/api/v1/organisations/{organisation_id}/members",
];

fn is_mail_route(route: &str) -> bool {
    MAIL_ROUTES.contains(&route)
}

/// Token buckets per key: `per_second` sustained, `burst` at once.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Option<(f64, f64)>,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Keys tracked before full buckets are pruned.
const PRUNE_AT: usize = 10_000;

impl RateLimiter {
    /// Returns a limiter of `per_second` with `burst`, or one that never refuses for `None`.
    pub fn new(per_second: Option<f64>, burst: f64) -> Self {
        Self {
            rate: per_second.filter(|r| *r > 0.0).map(|r| (r, burst.max(1.0))),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how many seconds until one is free.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let Some((per_second, burst)) = self.rate else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(value: &str) -> HeaderValue {
        HeaderValue::from_str(value).unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = [10, 0, 0, 2].into();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let client = |peer, value: &str| {
            let values = [header(value)];
            client_address(peer, values.iter(), &trusted)
        };
        // From the proxy: the right-most address it did not add itself.
        assert_eq!(client(proxy, "203.0.113.9").to_string(), "203.0.113.9");
        assert_eq!(
            client(proxy, "198.51.100.1, 203.0.113.9, 10.0.0.7").to_string(),
            "203.0.113.9",
            "a client-written entry on the left is not believed; trusted hops are skipped"
        );
        assert_eq!(client(proxy, "203.0.113.9:4711").to_string(), "203.0.113.9");
        assert_eq!(client(proxy, "not-an-address").to_string(), "10.0.0.2");
        assert_eq!(client(proxy, "").to_string(), "10.0.0.2");
        // From anyone else the header is ignored.
        let stranger: std::net::IpAddr = [192, 0, 2, 1].into();
        assert_eq!(client(stranger, "203.0.113.9"), stranger);
        assert_eq!(
            client_address(proxy, [].iter(), &[]),
            proxy,
            "no trusted proxies"
        );
    }

    #[test]
    fn the_metrics_token_matches_only_itself() {
        let token = MetricsToken::new(" s3cret-token ").unwrap();
        assert!(token.matches("s3cret-token"));
        assert!(!token.matches("s3cret-tokeN"));
        assert!(!token.matches(""));
        assert!(MetricsToken::new("  ").is_none());
        assert_eq!(format!("{token:?}"), "MetricsToken(***)");
    }

    #[test]
    fn a_burst_is_allowed_then_refused_per_key() {
        let limiter = RateLimiter::new(Some(1.0), 3.0);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        assert_eq!(limiter.check("a"), Err(1));
        assert!(
            limiter.check("b").is_ok(),
            "another address has its own bucket"
        );
        assert!(RateLimiter::new(None, 1.0).check("a").is_ok());
    }
}
