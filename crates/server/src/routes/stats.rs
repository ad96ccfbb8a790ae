//! Counts of what is loaded.

use axum::Json;
use axum::extract::State;

use crate::{AppError, AppState};

/// Returns the counts `reskill stats` prints.
#[utoipa::path(get, path = "/api/v1/stats", tag = "catalog", responses((status = 200, body = reskill_store::stats::Stats, description = "counts of what is loaded")))]
pub async fn show_stats(
    State(state): State<AppState>,
) -> Result<Json<reskill_store::stats::Stats>, AppError> {
    Ok(Json(reskill_store::stats::stats(&state.db).await?))
}
