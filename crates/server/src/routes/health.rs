//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::{AppError, AppState};

/// Answers 200 while the process is alive.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Answers 200 when the database answers, 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.db.ping().await.map_err(|_| AppError::Unavailable)?;
    Ok(Json(json!({ "status": "ready" })))
}
