//! Row-level rejections shared by the course and opening readers: a bad row is reported with
//! file, line and reason, and the good rows of the same file are kept.

use std::fmt;

use crate::error::IngestError;

/// A row a reader left out, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The file's display name.
    pub file: String,
    /// The physical line (1-based) where the record starts.
    pub line: u64,
    /// Why it was left out (`column title: empty value`).
    pub reason: String,
}

impl fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

impl RejectedRow {
    /// Returns a rejection from a row-level [`IngestError`]; other errors keep their message.
    pub(crate) fn from_error(file: &str, line: u64, err: IngestError) -> Self {
        let reason = match err {
            IngestError::Row { column, reason, .. } => format!("column {column}: {reason}"),
            other => other.to_string(),
        };
        Self {
            file: file.to_owned(),
            line,
            reason,
        }
    }
}

/// What a reader got from one file: the good records and the rows it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOutcome<T> {
    /// The records read, in file order.
    pub records: Vec<T>,
    /// The rows left out, in file order.
    pub rejected: Vec<RejectedRow>,
}

impl<T> Default for ReadOutcome<T> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            rejected: Vec::new(),
        }
    }
}
