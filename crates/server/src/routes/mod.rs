//! The router: pages, the API under /api/v1, health and static assets.

mod health;
mod home;
mod occupations;
mod recommendations;
mod search;
mod r#static;
mod stats;

use axum::Router;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::show_home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/stats", get(stats::show_stats))
        .route(
            "/api/v1/occupations/{id}",
            get(occupations::show_occupation),
        )
        .route(
            "/api/v1/occupations/{id}/transitions",
            get(occupations::list_transitions),
        )
        .route(
            "/api/v1/recommendations",
            post(recommendations::create_recommendation),
        )
        .route("/search", get(search::show_search))
        .route("/api/v1/search/{kind}", get(search::search_documents))
        .route("/api/v1/suggest", get(search::suggest_titles))
        .route("/static/{file}", get(r#static::serve_static))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
