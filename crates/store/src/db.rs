//! Connecting to SQLite or PostgreSQL and applying migrations.
//!
//! The URL's scheme chooses the backend; nothing else in the store branches on it, except where
//! SQLite needs a different transaction mode or parameter limit.

use std::time::Duration;

use reskill_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::StorageError;

/// Pool size for file-backed SQLite: WAL lets readers run beside the single writer.
const SQLITE_POOL_SIZE: u32 = 4;
/// Pool size for PostgreSQL.
const POSTGRES_POOL_SIZE: u32 = 10;

/// Opens a connection pool for `url` (`sqlite:` or `postgres:`).
///
/// For SQLite, the file is created if missing, and every pooled connection gets foreign keys
/// on, `secure_delete` on, WAL journalling, `synchronous=NORMAL` and a busy timeout. An
/// in-memory SQLite database lives in one connection, so its pool holds exactly one that is
/// never recycled.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StorageError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        // A PostgreSQL server that is down must fail requests quickly (503), not hang them.
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        // A SQLite file cannot be down; waiting here means the pool is busy with long writes.
        options.acquire_timeout(Duration::from_secs(30));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if in_memory {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else {
            options.max_connections(SQLITE_POOL_SIZE);
        }
        options.map_sqlx_sqlite_opts(move |sqlite| {
            // secure_delete zeroes deleted rows, so a deleted account's data cannot be read
            // back from the file's free pages.
            let sqlite = sqlite
                .create_if_missing(true)
                .foreign_keys(true)
                .pragma("secure_delete", "ON")
                .busy_timeout(Duration::from_secs(30));
            if in_memory {
                sqlite
            } else {
                // Reads through a memory map instead of a copy per page, and a larger page cache
                // per connection: recommendations read a few hundred scattered openings. The map
                // is 256 MiB, not the whole file: mapped pages count towards the server's RSS,
                // and the start-up scan of every opening would otherwise map a gigabyte.
                sqlite
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .pragma("mmap_size", "268435456")
                    .pragma("cache_size", "-16384")
            }
        });
    } else {
        options.max_connections(POSTGRES_POOL_SIZE);
    }
    let redacted = redact(url);
    Database::connect(options).await.map_err(|err| {
        tracing::error!(database.url = %redacted, error = %err, "failed to connect to {redacted}");
        StorageError::Database(err)
    })
}

/// Applies every pending migration.
///
/// On SQLite all of them run in one write transaction, so a crash never leaves a half-applied
/// migration, and on one connection: a pooled SQLite connection that has not read since another
/// one changed the schema checks names against its cached, stale schema ("index … already
/// exists"); the first statement of a transaction refreshes it.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StorageError> {
    if db.get_database_backend() == DbBackend::Sqlite {
        let txn = begin_write(db).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
    } else {
        Migrator::up(db, None).await?;
    }
    Ok(())
}

/// Rolls back every applied migration (used by tests and by hand), like [`migrate`] in reverse.
pub async fn rollback(db: &DatabaseConnection) -> Result<(), StorageError> {
    if db.get_database_backend() == DbBackend::Sqlite {
        let txn = begin_write(db).await?;
        Migrator::down(&txn, None).await?;
        txn.commit().await?;
    } else {
        Migrator::down(db, None).await?;
    }
    Ok(())
}

/// Makes deletions final on disk: on SQLite, checkpoints the write-ahead log into the database
/// file and truncates it, since the log still holds earlier copies of the pages a deletion
/// zeroed. Nothing to do on PostgreSQL (its vacuum reclaims dead rows). A checkpoint that
/// readers hold back is logged and left to SQLite's next automatic one.
pub async fn flush_deletions(db: &DatabaseConnection) -> Result<(), StorageError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ))
        .await?;
    // One row: busy (1 when readers or a writer kept it from completing), log frames, and
    // frames checkpointed.
    let busy: i32 = match &row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    if busy != 0 {
        tracing::warn!(
            "the write-ahead log could not be truncated now; SQLite's next checkpoint will"
        );
    }
    Ok(())
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// two writers queue on the busy timeout instead of failing when a read lock cannot be upgraded.
pub async fn begin_write<C>(db: &C) -> Result<C::Transaction, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// Returns the most bind parameters one statement may carry on this backend, with headroom:
/// SQLite allows 32,766 and PostgreSQL 65,535.
pub(crate) fn max_params(db: &impl ConnectionTrait) -> usize {
    match db.get_database_backend() {
        DbBackend::Sqlite => 30_000,
        _ => 60_000,
    }
}

/// Returns how many rows of `columns` columns fit in one multi-row statement.
pub(crate) fn rows_per_statement(db: &impl ConnectionTrait, columns: usize) -> usize {
    (max_params(db) / columns.max(1)).clamp(1, 5_000)
}

/// Returns `url` with any password replaced by `***`, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_password() {
        assert_eq!(
            redact("postgres://reskill:secret@localhost/db"),
            "postgres://reskill:***@localhost/db"
        );
        assert_eq!(
            redact("sqlite://data/reskill.db"),
            "sqlite://data/reskill.db"
        );
    }
}
