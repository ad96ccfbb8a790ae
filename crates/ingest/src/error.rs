//! The ingest crate's error: every rejected input names the file, and row-level problems also name
//! the line, the column and the reason, so a person can open the file and fix it.

use std::path::PathBuf;

/// A coarse classification of [`IngestError`], so callers map errors without matching variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is wrong: a missing file or column, a malformed row, an unknown format.
    Invalid,
    /// Reading failed for a reason unrelated to the input's content (an IO error).
    Internal,
}

/// Why reading an outside file failed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A value in one row was rejected.
    ///
    /// `line` is the 1-based physical line on which the record starts (a record with multi-line
    /// quoted fields spans several lines).
    #[error("{file}:{line}: column {column}: {reason}")]
    Row {
        /// The file's display name, such as `occupations_en.csv`.
        file: String,
        /// The physical line (1-based) where the record starts.
        line: u64,
        /// The column's header name.
        column: String,
        /// What is wrong, lowercase, no trailing period.
        reason: String,
    },
    /// A required file is not in the folder.
    #[error("required file {name} not found in {}", dir.display())]
    MissingFile {
        /// The folder that was searched.
        dir: PathBuf,
        /// The file's name (or the accepted names, joined with "or").
        name: String,
    },
    /// A file's header lacks a column the reader needs.
    #[error("{file}: header has no column {column:?}")]
    MissingColumn {
        /// The file's display name.
        file: String,
        /// The missing column's name.
        column: String,
    },
    /// The file is not valid CSV (or not UTF-8) at the given line.
    #[error("{file}:{line}: malformed CSV: {reason}")]
    Csv {
        /// The file's display name.
        file: String,
        /// The physical line (1-based) where the bad record starts.
        line: u64,
        /// What the CSV parser reported.
        reason: String,
    },
    /// The file's header matches none of the formats the reader understands.
    #[error("{file}: unrecognised format: {reason}")]
    UnknownFormat {
        /// The file's display name.
        file: String,
        /// Which columns were expected.
        reason: String,
    },
    /// A table needs a crosswalk file that was not given.
    #[error("{file}: {reason}")]
    MissingCrosswalk {
        /// The file's display name.
        file: String,
        /// Why a crosswalk is needed.
        reason: String,
    },
    /// The file could not be opened or read.
    #[error("failed to read {}: {source}", path.display())]
    Io {
        /// The path (or display name) of the file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl IngestError {
    /// Returns whether the error is the input's fault or an internal failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { .. } => ErrorKind::Internal,
            Self::Row { .. }
            | Self::MissingFile { .. }
            | Self::MissingColumn { .. }
            | Self::Csv { .. }
            | Self::UnknownFormat { .. }
            | Self::MissingCrosswalk { .. } => ErrorKind::Invalid,
        }
    }

    /// Returns a row-level error; a shorthand for [`IngestError::Row`].
    pub fn row(
        file: impl Into<String>,
        line: u64,
        column: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Row {
            file: file.into(),
            line,
            column: column.into(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_error_reads_file_line_column_reason() {
        let err = IngestError::row(
            "occupations_en.csv",
            1234,
            "conceptUri",
            "not an ESCO occupation URI: \"foo\"",
        );
        assert_eq!(
            err.to_string(),
            "occupations_en.csv:1234: column conceptUri: not an ESCO occupation URI: \"foo\""
        );
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn io_errors_are_internal() {
        let err = IngestError::Io {
            path: PathBuf::from("/nope/risk.csv"),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        };
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.to_string().starts_with("failed to read /nope/risk.csv"));
    }
}
