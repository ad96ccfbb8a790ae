//! Liveness, readiness and metrics.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use reskill_core::accounts::Role;
use reskill_search::IndexKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::middleware::ClientAddress;
use crate::services::semantic::ModelStatus;
use crate::{AppError, AppState};

/// The body of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// The body of `/readyz` when ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    pub status: &'static str,
    /// Each index (`occupations`, `skills`, `courses`, `openings`).
    pub indexes: BTreeMap<String, IndexReadiness>,
    /// Whether the sentence-embedding model is loaded.
    pub semantic: ModelStatus,
    /// The rebuild an administrator asked for, while one runs or waits.
    pub rebuilding: Option<String>,
}

/// One index's state in `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexReadiness {
    /// Documents in the index.
    pub documents: u64,
    /// Database changes the index has not applied yet.
    pub lag_changes: i64,
}

/// Answers 200 while the process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Answers 200 when the database answers and the indexes are open (with the changes each has
/// not applied yet, any rebuild an administrator asked for, and whether the sentence-embedding
/// model is loaded: without it matching uses words only, which is degraded but ready), 503
/// otherwise, saying what it waits for (a deleted index folder being rebuilt, the database).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = Readiness), (status = 503, body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, AppError> {
    if let Some(reason) = state.indexing.not_ready_reason() {
        return Err(AppError::NotReady(reason));
    }
    // Noticed here at once, before the follower's next tick starts the rebuild.
    if let Some(folder) = state.search.missing_folders().first() {
        return Err(AppError::NotReady(format!(
            "the search index folder {} is missing; it is rebuilt from the database",
            folder.display()
        )));
    }
    state.db.ping().await.map_err(|_| AppError::Unavailable)?;
    let last_change = reskill_store::changes::last_change_id(&state.db)
        .await?
        .unwrap_or(0);
    let indexes = IndexKind::ALL
        .into_iter()
        .map(|kind| {
            let watermark = state.search.watermark(kind).unwrap_or(0);
            (
                kind.as_str().to_owned(),
                IndexReadiness {
                    documents: state.search.doc_count(kind),
                    lag_changes: (last_change - watermark).max(0),
                },
            )
        })
        .collect();
    Ok(Json(Readiness {
        status: "ready",
        indexes,
        semantic: state.semantic.status(),
        rebuilding: state.indexing.rebuilding(),
    }))
}

/// Prometheus metrics: latency per route, outbox depth and age, index lag, row counts, the
/// process's CPU, memory and file descriptors, and the build. With `RESKILL_METRICS_TOKEN` set,
/// served to a request bearing that token and to administrators; otherwise to the machine
/// itself (a scraper beside the process; behind a trusted proxy, the client it names) and to
/// administrators.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, content_type = "text/plain", body = String, description = "Prometheus text format 0.0.4"),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    ))]
pub async fn show_metrics(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    user: Result<CurrentUser, AppError>,
) -> Result<impl IntoResponse, AppError> {
    let admin = user.as_ref().is_ok_and(|u| u.role == Role::Admin);
    let allowed = match &state.config.http.metrics_token {
        Some(token) => {
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            admin || presented.is_some_and(|presented| token.matches(presented))
        }
        None => admin || client.is_some_and(|Extension(ClientAddress(ip))| ip.is_loopback()),
    };
    if !allowed {
        if state.config.http.metrics_token.is_some() {
            return Err(AppError::unauthorized(
                "metrics need the metrics token (Authorization: Bearer) or an administrator",
            ));
        }
        // Bad or missing credentials are a 401, like everywhere else; a valid non-admin a 403.
        user?;
        return Err(AppError::forbidden(
            "metrics are served to the local machine and to administrators",
        ));
    }
    let body = crate::metrics::render(&state).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    ))
}
