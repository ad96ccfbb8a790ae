//! The router: pages, the API under /api/v1, health and static assets.

mod health;
mod home;
mod r#static;
mod stats;

use axum::Router;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::show_home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/stats", get(stats::show_stats))
        .route("/static/{file}", get(r#static::serve_static))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
