//! The admin's page: import status, users and organisations, and aggregate figures with a
//! bar chart; the figures come from the same functions as the admin API.

use axum::extract::State;
use reskill_core::accounts::Role;
use serde_json::{Value, json};

use super::{PageResult, Visitor, render};
use crate::AppState;
use crate::routes::admin::{show_figures, show_import_status};

/// Rows shown of users and organisations.
const LISTED: u64 = 50;

/// Shows import status, users, organisations and aggregate figures.
#[utoipa::path(get, path = "/admin", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String), (status = 303, description = "sign in first")))]
pub async fn show_admin(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let user = visitor.require(&[Role::Admin])?;
    let status = show_import_status(State(state.clone()), user.clone())
        .await?
        .0;
    let figures = show_figures(State(state.clone()), user.clone()).await?.0;
    let users = reskill_store::accounts::list_users(&state.db, None, None, None, LISTED).await?;
    let organisations =
        reskill_store::accounts::list_organisations(&state.db, None, None, LISTED).await?;
    let bands = ["high", "medium", "low", "unknown"];
    let most = bands
        .iter()
        .map(|b| figures.workers_by_risk_band.get(*b).copied().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let band_bars: Vec<Value> = bands
        .iter()
        .enumerate()
        .map(|(i, band)| {
            let n = figures
                .workers_by_risk_band
                .get(*band)
                .copied()
                .unwrap_or(0);
            json!({"band": band, "count": n, "y": i * 30, "width": 4 + 300 * n / most})
        })
        .collect();
    render(
        &state,
        &visitor,
        "admin.html",
        "Administration",
        json!({
            "status": status,
            "figures": figures,
            "band_bars": band_bars,
            "users": users.iter().map(|u| json!({
                "email": u.email, "name": u.display_name, "role": u.role.as_str(), "disabled": u.disabled,
            })).collect::<Vec<_>>(),
            "organisations": organisations.iter().map(|o| json!({"name": o.name, "kind": o.kind})).collect::<Vec<_>>(),
        }),
    )
}
