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
