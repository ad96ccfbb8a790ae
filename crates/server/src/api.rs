//! Building blocks of the JSON API: extractors whose rejections are problem+json naming the
//! offending field, cursor pagination, and small validation helpers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppError;

/// Largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Default page size.
pub const DEFAULT_PAGE: u32 = 50;
/// Largest page size.
pub const MAX_PAGE: u32 = 200;

/// A JSON body whose parse errors name the field (`steps[2].title`).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let content_type = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("application/json") {
            return Err(AppError::UnsupportedMediaType(
                "the body must be JSON (Content-Type: application/json)".to_owned(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                // The HTTP layer's size limit surfaces here when no Content-Length was sent.
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge {
                        limit_bytes: MAX_BODY_BYTES,
                    }
                } else {
                    AppError::invalid("body", "the body could not be read")
                }
            })?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(AppError::TooLarge {
                limit_bytes: MAX_BODY_BYTES,
            });
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses `bytes` as `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(invalid_body)
}

/// Reads an already parsed JSON value as `T`, naming the offending field on failure.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(invalid_body)
}

fn invalid_body<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> AppError {
    let path = error.path().to_string();
    let message = error.into_inner().to_string();
    // serde reports missing and unknown fields at their parent; name the field itself.
    let field = field_of(&path, &message, "body");
    let message = strip_position(&message);
    AppError::invalid(field.clone(), format!("{field}: {message}"))
}

/// Names the offending field: serde reports a missing field at its parent (so the name is
/// appended), an unknown one at itself.
fn field_of(path: &str, message: &str, root: &str) -> String {
    let missing = message
        .starts_with("missing field")
        .then(|| backticked(message))
        .flatten();
    let unknown = message
        .starts_with("unknown field")
        .then(|| backticked(message))
        .flatten();
    match (path, missing, unknown) {
        (".", Some(name), _) | (".", _, Some(name)) => name.to_owned(),
        (".", None, None) => root.to_owned(),
        (parent, Some(name), _) => format!("{parent}.{name}"),
        (path, _, _) => path.to_owned(),
    }
}

fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Query parameters whose errors are problem+json.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded_parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                let field = field_of(&path, &message, "query");
                AppError::invalid(field.clone(), format!("{field}: {message}"))
            })
    }
}

fn form_urlencoded_parse(input: &[u8]) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(input)
}

/// Path parameters whose errors are problem+json.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| AppError::invalid("path", rejection.body_text()))
    }
}

/// `?cursor=…&limit=…` of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

impl PageQuery {
    /// Returns the validated page size.
    pub fn limit(&self) -> Result<u32, AppError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(AppError::invalid(
                "limit",
                format!("limit must be from 1 to {MAX_PAGE}"),
            )),
        }
    }

    /// Returns the position the cursor encodes (a key or an offset), if any.
    pub fn position(&self) -> Result<Option<i64>, AppError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// Encodes a position (the last key of a page, or an offset) as an opaque cursor.
pub fn encode_cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("p:{position}"))
}

fn decode_cursor(cursor: &str) -> Result<i64, AppError> {
    let invalid = || AppError::invalid("cursor", "cursor is not one this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("p:")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(invalid)
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items fetched after a key: the extra one only
    /// tells that a next page exists.
    pub fn by_key(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> i64) -> Self {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = if more {
            items.last().map(|last| encode_cursor(key(last)))
        } else {
            None
        };
        Self { items, next_cursor }
    }

    /// Builds a page from a fully sorted list at `offset`.
    pub fn by_offset(all: Vec<T>, offset: i64, limit: u32) -> Self {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(all.len());
        let end = start.saturating_add(limit as usize).min(all.len());
        let next_cursor = (end < all.len()).then(|| encode_cursor(end as i64));
        let items = all.into_iter().skip(start).take(end - start).collect();
        Self { items, next_cursor }
    }
}

/// Checks an optional number lies in `[min, max]`.
pub fn check_range(
    value: Option<f64>,
    field: &str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, AppError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
        Some(_) => Err(AppError::invalid(
            field,
            format!("{field} must be a number from {min} to {max}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        weeks: u32,
    }

    fn field_of(json: &str) -> String {
        match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Invalid { field, .. }) => field.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_errors_name_the_field() {
        assert_eq!(field_of("{}"), "name");
        assert_eq!(field_of(r#"{"name": 1}"#), "name");
        assert_eq!(field_of(r#"{"name": "a", "extra": 1}"#), "extra");
        assert_eq!(
            field_of(r#"{"name": "a", "inner": {"weeks": -1}}"#),
            "inner.weeks"
        );
        assert_eq!(field_of(r#"{"name": "a", "inner": {}}"#), "inner.weeks");
        assert_eq!(field_of("not json"), "body");
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let query = PageQuery {
            cursor: Some(encode_cursor(42)),
            limit: None,
        };
        assert_eq!(query.position().unwrap(), Some(42));
        let forged = PageQuery {
            cursor: Some("bm9wZQ".into()),
            limit: Some(0),
        };
        assert!(forged.position().is_err());
        assert!(forged.limit().is_err());
    }

    #[test]
    fn pages_by_offset() {
        let page = Page::by_offset((0..5).collect::<Vec<i64>>(), 3, 10);
        assert_eq!(page.items, vec![3, 4]);
        assert!(page.next_cursor.is_none());
        let page = Page::by_offset((0..5).collect::<Vec<i64>>(), 0, 2);
        assert_eq!(page.next_cursor, Some(encode_cursor(2)));
    }
}
