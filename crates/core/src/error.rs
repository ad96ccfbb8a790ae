//! The domain's validation error.

/// Says which field of which input was rejected and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct ValidationError {
    /// The offending field, as the user named it (a CSV column, a JSON field).
    pub field: String,
    /// Why the value was rejected, lowercase, no trailing period.
    pub reason: String,
}

impl ValidationError {
    /// Returns an error for `field` with the given reason.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
