//! Reskill's HTTP server: the axum router, pages rendered from web/templates, the JSON API under
//! /api/v1, and `services` for flows that touch several crates (import, then index).

pub mod api;
pub mod auth;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod policy;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod templates;
pub mod views;

pub use error::AppError;
pub use routes::router;
pub use state::{App, AppState, ServerConfig};

/// Serves `state` on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the login rate limiter.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
