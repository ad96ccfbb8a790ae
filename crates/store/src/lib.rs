//! Reskill's storage: sea-orm entities and the query functions (repositories) over SQLite and
//! PostgreSQL.
//!
//! Functions take `&impl ConnectionTrait` (or a `TransactionTrait` when they must be atomic), so
//! the caller chooses a pooled connection or an open transaction, and they return plain structs,
//! never sea-orm models.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod changes;
pub mod crosswalk;
pub mod db;
pub mod digests;
pub mod documents;
pub mod embeddings;
pub mod entities;
pub mod erasure;
pub mod error;
mod inherit;
pub mod labour;
pub mod matching;
pub mod openings;
pub mod outbox;
pub mod people;
pub mod programmes;
pub mod risk;
pub mod stats;
pub mod tagging;
pub mod taxonomy;
mod upsert;

pub use db::{connect, migrate, rollback};
pub use error::{ErrorKind, StorageError};
pub use upsert::Progress;

#[cfg(test)]
mod tests {
    use reskill_core::taxonomy::EscoBundle;
    use sea_orm::DatabaseConnection;

    fn assert_send<T: Send>(_: T) {}

    /// Storage futures must be `Send` so the server can run them on any runtime thread.
    #[allow(dead_code)]
    fn storage_futures_are_send(db: &DatabaseConnection, bundle: &EscoBundle) {
        assert_send(crate::taxonomy::import_esco(db, bundle, &|_, _, _| {}));
        assert_send(crate::catalog::upsert_courses(db, &[]));
        assert_send(crate::catalog::upsert_openings(db, &[]));
        assert_send(crate::documents::openings(db, None));
        assert_send(crate::stats::stats(db));
    }
}
