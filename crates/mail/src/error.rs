//! Errors of rendering, building and sending messages.

/// A failure to configure, render or build a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The transport URL or another setting is unusable.
    #[error("invalid mail setting: {0}")]
    Config(String),
    /// A template is unknown or failed to render.
    #[error("failed to render email template {template}: {detail}")]
    Render {
        /// The template name.
        template: String,
        /// What went wrong.
        detail: String,
    },
    /// The message could not be assembled (a bad address, say).
    #[error("failed to build the email to {to}: {detail}")]
    Build {
        /// The recipient as stored.
        to: String,
        /// What went wrong.
        detail: String,
    },
}

/// Whether a failed send may succeed later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// A 4xx answer, a refused or dropped connection, a timeout: try again later.
    Temporary,
    /// A 5xx answer or a message that can never be built: give up.
    Permanent,
}

/// A failed send, classified for the retry policy.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    /// Temporary or permanent.
    pub kind: SendErrorKind,
    /// The server's answer or the local error, for the attempt log.
    pub detail: String,
}

impl SendError {
    /// Returns a temporary failure.
    pub fn temporary(detail: impl Into<String>) -> Self {
        Self {
            kind: SendErrorKind::Temporary,
            detail: detail.into(),
        }
    }

    /// Returns a permanent failure.
    pub fn permanent(detail: impl Into<String>) -> Self {
        Self {
            kind: SendErrorKind::Permanent,
            detail: detail.into(),
        }
    }

    /// Returns whether a later attempt may succeed.
    pub fn is_temporary(&self) -> bool {
        self.kind == SendErrorKind::Temporary
    }
}

impl From<MailError> for SendError {
    fn from(error: MailError) -> Self {
        // A message that cannot be rendered or built will not render tomorrow either.
        Self::permanent(error.to_string())
    }
}
