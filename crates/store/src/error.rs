//! The storage error and its classification, free of HTTP.

use sea_orm::{DbErr, SqlErr};

/// What kind of failure a [`StorageError`] is, so the server maps status codes in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The requested row does not exist.
    NotFound,
    /// The write collides with existing data (a unique key is taken, or a row is still referenced).
    Conflict,
    /// The input refers to something that does not exist or breaks a rule.
    Invalid,
    /// The database cannot be reached or has no free connection; retrying later may work.
    Unavailable,
    /// Anything else: a query failed, a bug.
    Internal,
}

/// A failure of a storage function.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No row matched.
    #[error("{what} {key} not found")]
    NotFound {
        /// The kind of row, such as `occupation`.
        what: &'static str,
        /// The key that was looked up.
        key: String,
    },
    /// A unique constraint was violated, or a row is still referenced.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input was rejected.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] DbErr),
}

impl StorageError {
    /// Returns how the failure should be reported.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::Database(err) if is_unavailable(err) => ErrorKind::Unavailable,
            Self::Corrupt(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }

    /// Returns a [`StorageError::NotFound`] for `what` looked up by `key`.
    pub fn not_found(what: &'static str, key: impl ToString) -> Self {
        Self::NotFound {
            what,
            key: key.to_string(),
        }
    }
}

impl From<DbErr> for StorageError {
    /// Classifies constraint violations portably (SQLite and PostgreSQL): a taken unique key is
    /// a conflict; a broken foreign key is invalid input (it names a row that does not exist, or
    /// deletes one still referenced).
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => Self::Conflict(detail),
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => {
                Self::Invalid(format!("foreign key violated: {detail}"))
            }
            _ => Self::Database(err),
        }
    }
}

/// Whether `err` says the database is out of reach (down, restarting, pool exhausted) rather
/// than that the statement was wrong: such requests get a 503 and may be retried.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            match error.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Tls(_) => true,
                // PostgreSQL's connection-exception class, and shutdown or start-up in progress.
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}
