//! The crate's error type and its HTTP-free classification.

use std::path::PathBuf;

/// Broad class of a [`SearchError`], so the server maps status codes in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller's request was malformed (bad limit, cursor, filter or query text): a 400.
    Invalid,
    /// The index failed: a 500.
    Internal,
}

/// Errors raised by the search indexes.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request cannot be run as given; the message is safe to show to the user.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// An index directory could not be opened or created.
    #[error("failed to open index at {path}")]
    Open {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another process holds the index's writer (tantivy allows one per index).
    #[error(
        "another Reskill process, such as a running server, is writing the {kind} search index"
    )]
    WriterBusy {
        /// The index kind.
        kind: &'static str,
    },
    /// tantivy failed while reading or writing.
    #[error("search index failure while trying to {action}")]
    Internal {
        /// What the crate was doing, such as `commit the skills index`.
        action: String,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl SearchError {
    /// Returns the class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidQuery(_) => ErrorKind::Invalid,
            Self::Open { .. } | Self::WriterBusy { .. } | Self::Internal { .. } => {
                ErrorKind::Internal
            }
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidQuery(message.into())
    }

    pub(crate) fn internal(
        action: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            action: action.into(),
            source: Box::new(source),
        }
    }
}

/// Adds an action description to tantivy errors.
pub(crate) trait Context<T> {
    /// Wraps the error as [`SearchError::Internal`] with the action that failed.
    fn context(self, action: impl FnOnce() -> String) -> Result<T, SearchError>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for Result<T, E> {
    fn context(self, action: impl FnOnce() -> String) -> Result<T, SearchError> {
        self.map_err(|e| SearchError::internal(action(), e))
    }
}
