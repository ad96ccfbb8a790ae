//! Application state: a cheap-to-clone handle shared by every handler.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use sea_orm::DatabaseConnection;

use crate::metrics::Metrics;
use crate::middleware::{HttpConfig, RateLimiter};
use crate::services::engine::Engine;
use crate::services::semantic::Semantic;
use crate::templates::Templates;

/// What the server needs to know beyond its connections.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Folder for indexes, keys and mail files.
    pub data_dir: PathBuf,
    /// Limits and headers of the HTTP layer.
    pub http: HttpConfig,
}

/// The shared state behind every request.
pub struct App {
    /// The database: the source of truth.
    pub db: DatabaseConnection,
    /// The search indexes, derived from the database.
    pub search: reskill_search::SearchIndexes,
    /// Page templates.
    pub templates: Templates,
    /// Settings.
    pub config: ServerConfig,
    /// The matching engine, swapped whole when the data it is built from changes; read it with
    /// [`AppState::engine`].
    pub engine: RwLock<Arc<Engine>>,
    /// Token keys, authentication settings and the login rate limiter.
    pub auth: crate::auth::Auth,
    /// Request metrics of this process.
    pub metrics: Metrics,
    /// Search and suggest requests per client address.
    pub search_limiter: RateLimiter,
    /// The sentence-embedding model and the taxonomy's vectors (or why there are none).
    pub semantic: Arc<Semantic>,
    /// Shared with the index follower: whether the indexes can serve, and rebuilds asked for.
    pub indexing: Arc<crate::services::indexing::IndexMaintenance>,
}

/// A handle to [`App`]; clones share it.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl AppState {
    /// Wraps an [`App`].
    pub fn new(app: App) -> Self {
        Self(Arc::new(app))
    }

    /// Returns the current matching engine; requests keep the snapshot they started with.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Rebuilds the matching engine and the taxonomy's vectors from the database (after an
    /// import) and swaps them in.
    pub async fn reload_engine(&self) -> anyhow::Result<()> {
        self.semantic.reload(&self.db).await?;
        let config = self.engine().config.clone();
        let engine = Arc::new(
            Engine::load(&self.db, config)
                .await?
                .with_similarity(self.semantic.similarity_input().as_deref()),
        );
        *self
            .engine
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = engine;
        Ok(())
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        let http = HttpConfig::default();
        Self::new(http.search_per_second, http.search_burst)
    }
}
