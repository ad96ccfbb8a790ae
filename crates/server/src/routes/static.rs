//! Static assets from web/static, compiled in.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_str!("../../../../web/static/site.css"),
    ),
    (
        "suggest.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../../web/static/suggest.js"),
    ),
];

/// Serves one asset with a day of caching.
#[utoipa::path(get, path = "/static/{file}", tag = "pages", params(("file" = String, Path, description = "asset name")), responses((status = 200, description = "the asset"), (status = 404, description = "no such asset")))]
pub async fn serve_static(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
