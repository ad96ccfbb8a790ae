//! `reskill export openings`: every stored opening as JobPosting JSON-LD.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::Context;

use crate::{ExportCommand, Settings};

/// Writes the export to a file or standard output.
pub async fn run(settings: &Settings, command: ExportCommand) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    match command {
        ExportCommand::Openings { output } => {
            let mut out: Box<dyn Write + Send> = match &output {
                Some(path) => {
                    Box::new(BufWriter::new(File::create(path).with_context(|| {
                        format!("failed to create {}", path.display())
                    })?))
                }
                None => Box::new(BufWriter::new(std::io::stdout())),
            };
            let written =
                reskill_server::services::catalog::export_openings_jsonld(&db, &mut *out).await?;
            out.flush()?;
            eprintln!("{written} openings exported");
        }
    }
    Ok(())
}
