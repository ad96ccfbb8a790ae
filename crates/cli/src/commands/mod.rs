//! One module per subcommand.

pub mod demo;
pub mod docs;
pub mod export;
pub mod fit;
pub mod gap;
pub mod healthcheck;
pub mod import;
pub mod mail;
pub mod model;
pub mod plan;
pub mod reindex;
pub mod resolve;
pub mod retag;
pub mod serve;
pub mod stats;
pub mod transitions;
pub mod user;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::Settings;

/// Connects to the configured database and brings its schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    settings.ensure_data_dir()?;
    let db = reskill_store::db::connect(&settings.database_url)
        .await
        .context("failed to open the database")?;
    reskill_store::db::migrate(&db)
        .await
        .context("failed to run database migrations")?;
    Ok(db)
}

/// Opens (or creates) the search indexes under the data folder.
pub fn open_search(settings: &Settings) -> anyhow::Result<reskill_search::SearchIndexes> {
    let dir = settings.index_dir();
    reskill_search::SearchIndexes::open_or_create(&dir)
        .with_context(|| format!("failed to open the search indexes in {}", dir.display()))
}

/// Opens the search indexes for a command that writes. When another process (a running
/// server) holds the index writers, this command's index writes become no-ops: what it writes
/// to the database reaches the change log, which that server's follower indexes within seconds.
/// Returns the note to print in that case.
pub fn open_search_for_writing(
    settings: &Settings,
) -> anyhow::Result<(reskill_search::SearchIndexes, Option<String>)> {
    let search = open_search(settings)?;
    match search.open_writers() {
        Ok(()) => Ok((search, None)),
        Err(reskill_search::SearchError::WriterBusy { .. }) => {
            search.defer_writes();
            Ok((
                search,
                Some(format!(
                    "a running server holds the search indexes in {}: the database is updated, \
                     and a running server will index these changes from the change log within \
                     seconds",
                    settings.index_dir().display()
                )),
            ))
        }
        Err(error) => Err(error).with_context(|| {
            format!(
                "failed to open the search indexes in {} for writing",
                settings.index_dir().display()
            )
        }),
    }
}

/// Prints the note of [`open_search_for_writing`], if any.
pub fn print_deferred_note(note: Option<&str>) {
    if let Some(note) = note {
        println!("{note}");
    }
}
