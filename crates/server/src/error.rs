//! The one error type handlers return; it maps every leaf error to a status code in one place
//! and answers with application/problem+json, never with internal detail.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What went wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The request was invalid; the message names the field.
    #[error("{message}")]
    Invalid {
        /// The offending field, where one is to blame.
        field: Option<String>,
        /// What was wrong, for the user.
        message: String,
    },
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials were presented (missing, expired, forged or revoked).
    #[error("{0}")]
    Unauthorized(String),
    /// The credentials are valid but the policy does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The request body is larger than allowed.
    #[error("the body is larger than {limit_bytes} bytes")]
    TooLarge {
        /// The limit.
        limit_bytes: usize,
    },
    /// The body is not in a format the endpoint reads; the message says which it wants.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database or index is not available right now.
    #[error("service unavailable")]
    Unavailable,
    /// The server is starting or rebuilding what it needs; the reason says what it waits for.
    #[error("not ready: {0}")]
    NotReady(String),
    /// Anything else: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Returns an invalid-input error for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable | Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A short, human-readable summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened, for this request.
    pub detail: String,
    /// The offending input field, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // Services wrap storage errors in anyhow; an unreachable database is still a 503.
        let this = match self {
            Self::Internal(error) if error_is_unavailable(&error) => {
                tracing::warn!(error = format!("{error:#}"), "database unavailable");
                Self::Unavailable
            }
            other => other,
        };
        let status = this.status();
        let detail = match &this {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                "something went wrong on our side; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let field = match &this {
            Self::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let problem = Problem {
            title: status.canonical_reason().unwrap_or("error").to_owned(),
            status: status.as_u16(),
            detail,
            field,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        match &this {
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"reskill\""),
                );
            }
            Self::TooManyRequests { retry_after_secs } => {
                if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            Self::NotReady(_) => {
                headers.insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from_static(NOT_READY_RETRY_AFTER_SECS),
                );
            }
            _ => {}
        }
        response
    }
}

/// Seconds a client is asked to wait while the server is not ready.
pub const NOT_READY_RETRY_AFTER_SECS: &str = "5";

impl AppError {
    /// Returns an unauthorized error with `message`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(message.into())
    }

    /// Returns a forbidden error with `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
}

impl From<reskill_core::ValidationError> for AppError {
    fn from(error: reskill_core::ValidationError) -> Self {
        let message = format!("{} {}", error.field, error.reason);
        Self::Invalid {
            field: Some(error.field),
            message,
        }
    }
}

impl From<reskill_store::StorageError> for AppError {
    fn from(error: reskill_store::StorageError) -> Self {
        use reskill_store::ErrorKind;
        match error.kind() {
            ErrorKind::NotFound => Self::NotFound,
            ErrorKind::Conflict => Self::Conflict(error.to_string()),
            ErrorKind::Invalid => Self::Invalid {
                field: None,
                message: error.to_string(),
            },
            ErrorKind::Unavailable => {
                tracing::warn!(%error, "database unavailable");
                Self::Unavailable
            }
            ErrorKind::Internal => Self::Internal(error.into()),
        }
    }
}

impl From<reskill_search::SearchError> for AppError {
    fn from(error: reskill_search::SearchError) -> Self {
        match error.kind() {
            reskill_search::ErrorKind::Invalid => {
                let message = error.to_string();
                // The crate's messages name what was wrong; point at the parameter carrying it.
                let field = if message.contains("query text") || message.contains("query has") {
                    Some("q")
                } else if message.contains("cursor") {
                    Some("cursor")
                } else if message.contains("limit must") {
                    Some("limit")
                } else {
                    None
                };
                Self::Invalid {
                    field: field.map(str::to_owned),
                    message,
                }
            }
            reskill_search::ErrorKind::Internal => Self::Internal(error.into()),
        }
    }
}

/// Whether a wrapped error comes from a database that cannot be reached.
fn error_is_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<reskill_store::StorageError>()
            .is_some_and(|e| e.kind() == reskill_store::ErrorKind::Unavailable)
            || cause
                .downcast_ref::<sea_orm::DbErr>()
                .is_some_and(reskill_store::error::is_unavailable)
    })
}
