//! `reskill import esco|risk`.

use std::time::Instant;

use anyhow::Context;

use crate::{ImportCommand, Settings, progress};

/// Runs one import and prints its summary.
pub async fn run(settings: &Settings, command: ImportCommand) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    let started = Instant::now();
    match command {
        ImportCommand::Esco { dir } => {
            let summary = reskill_server::services::import::import_esco_dir(
                &db,
                &search,
                &dir,
                &progress::phased(),
            )
            .await
            .with_context(|| format!("ESCO import from {} failed", dir.display()))?;
            println!("{summary}");
        }
        ImportCommand::Risk {
            file,
            source,
            year,
            crosswalk,
            no_activate,
        } => {
            let summary = reskill_server::services::import::import_risk_file(
                &db,
                &search,
                &file,
                &source,
                year,
                crosswalk.as_deref(),
                !no_activate,
            )
            .await
            .with_context(|| format!("risk import from {} failed", file.display()))?;
            println!("{summary}");
        }
    }
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
