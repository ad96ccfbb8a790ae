//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::{AppError, AppState};

/// Answers 200 while the process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = crate::views::JsonDocument)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Answers 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = crate::views::JsonDocument), (status = 503, body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.db.ping().await.map_err(|_| AppError::Unavailable)?;
    Ok(Json(json!({ "status": "ready" })))
}
