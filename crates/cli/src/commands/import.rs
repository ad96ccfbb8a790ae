//! `reskill import esco|risk|labour|courses|openings`.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reskill_server::services::catalog::{self, CatalogTagger, ImportOptions, OpeningsFormat};

use crate::{ImportCommand, OpeningsFormatArg, Settings, progress};

/// Runs one import and prints its summary.
pub async fn run(settings: &Settings, command: ImportCommand) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let (search, deferred) = super::open_search_for_writing(settings)?;
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
            super::model::embed_after_import(settings, &db).await?;
        }
        ImportCommand::Risk {
            file,
            source,
            year,
            description,
            crosswalk,
            soc_crosswalk,
            no_activate,
        } => {
            use reskill_server::services::import::{RiskFile, import_risk_file};
            let request = RiskFile {
                file: &file,
                source: &source,
                year,
                description: description.as_deref(),
                crosswalks: reskill_ingest::risk::Crosswalks {
                    esco_onet: crosswalk.as_deref(),
                    soc_2010_to_2018: soc_crosswalk.as_deref(),
                },
                activate: !no_activate,
            };
            let summary = import_risk_file(&db, &search, &request)
                .await
                .with_context(|| format!("risk import from {} failed", file.display()))?;
            println!("{summary}");
        }
        ImportCommand::Labour {
            file,
            currency,
            source,
        } => {
            let report = reskill_server::services::import::import_attributes_file(
                &db, &file, &currency, &source,
            )
            .await
            .with_context(|| format!("labour import from {} failed", file.display()))?;
            println!("{report}");
        }
        ImportCommand::Courses { files, batch_size } => {
            let options = ImportOptions { batch_size };
            let tagger = Arc::new(CatalogTagger::load(&db).await?);
            for file in files {
                let report = catalog::import_courses_file(
                    &db,
                    &search,
                    &tagger,
                    &file,
                    &options,
                    &progress::phased(),
                )
                .await
                .with_context(|| format!("course import from {} failed", file.display()))?;
                println!("{report}");
            }
        }
        ImportCommand::Openings {
            files,
            format,
            batch_size,
        } => {
            let options = ImportOptions { batch_size };
            let tagger = Arc::new(CatalogTagger::load(&db).await?);
            for file in files {
                let format = match format {
                    Some(OpeningsFormatArg::Csv) => OpeningsFormat::Csv,
                    Some(OpeningsFormatArg::Jsonld) => OpeningsFormat::JsonLd,
                    None => OpeningsFormat::from_path(&file),
                };
                let report = catalog::import_openings_file(
                    &db,
                    &search,
                    &tagger,
                    &file,
                    format,
                    &options,
                    &progress::phased(),
                )
                .await
                .with_context(|| format!("opening import from {} failed", file.display()))?;
                println!("{report}");
            }
        }
    }
    super::print_deferred_note(deferred.as_deref());
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
