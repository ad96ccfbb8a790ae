//! `reskill demo`: load the built-in demo data set.

use crate::Settings;

/// Loads (or refreshes) the demo data; safe to run twice.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    let summary = reskill_server::services::demo::load_demo(&db, &search).await?;
    println!("{summary}");
    Ok(())
}
