//! A cache of sentence-embedding vectors outside the clone, for the tests that embed the whole
//! real taxonomy (minutes on two cores).
//!
//! `RESKILL_TEST_VECTOR_CACHE` names a SQLite file (`.ci/run` keeps it beside the model cache).
//! Vectors are stored by model and text hash, exactly as the product stores them, so a cached
//! vector is what embedding the same text with the same model gives: a text that changed has a
//! new hash and is embedded again. The embedding path itself is still tested on the demo
//! (`semantic::vectors_are_stored_once_and_only_changed_texts_are_embedded_again`) and on a cold
//! cache.

use sea_orm::DatabaseConnection;

/// The cache database.
pub struct VectorCache {
    db: DatabaseConnection,
}

impl VectorCache {
    /// Opens (creating if needed) the cache of `RESKILL_TEST_VECTOR_CACHE`; `None` when unset.
    pub async fn open() -> anyhow::Result<Option<Self>> {
        let Some(path) = std::env::var_os("RESKILL_TEST_VECTOR_CACHE") else {
            return Ok(None);
        };
        let path = std::path::PathBuf::from(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let db = reskill_store::connect(&format!("sqlite://{}", path.display())).await?;
        reskill_store::migrate(&db).await?;
        Ok(Some(Self { db }))
    }

    /// Copies every cached vector of `model` into `db`; returns how many.
    pub async fn seed(&self, db: &DatabaseConnection, model: &str) -> anyhow::Result<usize> {
        let rows = reskill_store::embeddings::all(&self.db, model).await?;
        let n = rows.len();
        reskill_store::embeddings::insert(db, model, rows).await?;
        Ok(n)
    }

    /// Adds every vector of `model` stored in `db` to the cache.
    pub async fn keep(&self, db: &DatabaseConnection, model: &str) -> anyhow::Result<()> {
        let rows = reskill_store::embeddings::all(db, model).await?;
        reskill_store::embeddings::insert(&self.db, model, rows).await?;
        Ok(())
    }
}
