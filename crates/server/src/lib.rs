//! Reskill's HTTP server: the axum router, pages rendered from web/templates, the JSON API under
//! /api/v1, and `services` for flows that touch several crates (import, then index).

pub mod error;
pub mod routes;
pub mod services;
pub mod state;
pub mod templates;

pub use error::AppError;
pub use routes::router;
pub use state::{App, AppState, ServerConfig};

/// Serves `state` on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
