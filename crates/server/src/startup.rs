//! Serving while the server starts. The port opens first, so a supervisor sees the process
//! alive at once; until the indexes are rebuilt and the matching engine is loaded (tens of
//! seconds per million openings), `/healthz` answers 200, `/readyz` 503 naming the step under
//! way, and every other request 503 with `Retry-After` (problem+json under `/api/`). Then the
//! full router takes over on the same listener.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::AppState;
use crate::error::NOT_READY_RETRY_AFTER_SECS;

/// What the server is doing before it can answer, and the router once it can.
#[derive(Default)]
pub struct Startup {
    step: RwLock<String>,
    app: OnceLock<Router>,
}

impl Startup {
    /// Returns a handle at its first step.
    pub fn new(step: impl Into<String>) -> Arc<Self> {
        let startup = Arc::new(Self::default());
        startup.step(step);
        startup
    }

    /// Records the step under way (shown by `/readyz`) and logs it.
    pub fn step(&self, step: impl Into<String>) {
        let step = step.into();
        tracing::info!("starting: {step}");
        *self.step.write().unwrap_or_else(|p| p.into_inner()) = step;
    }

    /// Returns the step under way, or `None` once the server is ready.
    pub fn waiting_for(&self) -> Option<String> {
        self.app
            .get()
            .is_none()
            .then(|| self.step.read().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Hands every request from now on to the full router over `state`.
    pub fn finish(&self, state: AppState) {
        let _ = self.app.set(crate::router(state));
        tracing::info!("ready");
    }

    async fn call(self: Arc<Self>, request: Request) -> Result<Response, Infallible> {
        if let Some(app) = self.app.get() {
            return app.clone().oneshot(request).await;
        }
        let step = self.waiting_for().unwrap_or_default();
        let path = request.uri().path();
        let mut response = if path == "/healthz" {
            axum::Json(serde_json::json!({ "status": "ok", "starting": step })).into_response()
        } else if path == "/readyz" || path.starts_with("/api/") {
            crate::AppError::NotReady(format!("starting: {step}")).into_response()
        } else {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::RETRY_AFTER, NOT_READY_RETRY_AFTER_SECS),
                ],
                STARTING_PAGE,
            )
                .into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        Ok(response)
    }
}

const STARTING_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Reskill is starting</title></head><body><h1>Reskill is starting</h1>\
<p>The service will be ready in a moment. Please try again shortly.</p></body></html>";

/// Serves on `listener` at once: the starting answers until [`Startup::finish`], then the full
/// router; stops when `shutdown` resolves, draining open requests.
pub async fn serve_while_starting(
    listener: tokio::net::TcpListener,
    startup: Arc<Startup>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let dispatch = tower::service_fn(move |request: Request| startup.clone().call(request));
    // The peer address feeds the rate limiters.
    let app = Router::new()
        .fallback_service(dispatch)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
