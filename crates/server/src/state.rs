//! Application state: a cheap-to-clone handle shared by every handler.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::templates::Templates;

/// What the server needs to know beyond its connections.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Folder for indexes, keys and mail files.
    pub data_dir: PathBuf,
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
}

/// A handle to [`App`]; clones share it.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl AppState {
    /// Wraps an [`App`].
    pub fn new(app: App) -> Self {
        Self(Arc::new(app))
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
