//! The home page: one question, and proof of what is loaded.

use axum::extract::State;
use axum::response::Html;
use serde_json::json;

use crate::{AppError, AppState};

/// Renders the home page.
#[utoipa::path(get, path = "/", tag = "pages", responses((status = 200, content_type = "text/html", body = String)))]
pub async fn show_home(
    State(state): State<AppState>,
    visitor: crate::routes::pages::Visitor,
) -> Result<Html<String>, AppError> {
    let stats = reskill_store::stats::stats(&state.db).await?;
    let page = state.templates.render(
        "home.html",
        json!({ "title": "What do you do now?", "stats": stats, "nav": visitor.nav() }),
    )?;
    Ok(Html(page))
}
