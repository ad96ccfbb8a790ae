//! `reskill import esco|risk|labour|crosswalk|programmes|courses|openings`.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reskill_server::services::catalog::{
    self, CatalogImportReport, CatalogTagger, ImportOptions, OpeningsFormat,
};

use crate::{ImportCommand, OpeningsFormatArg, Settings, progress};

/// Runs one import and prints its summary.
pub async fn run(settings: &Settings, command: ImportCommand) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let (search, deferred) = super::open_search_for_writing(settings)?;
    let started = Instant::now();
    // Files whose every row was rejected: the command fails after importing the others.
    let mut all_rejected: Vec<String> = Vec::new();
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
            if summary.summary.scored == 0 {
                anyhow::bail!(
                    "no row of {} scores an occupation of the taxonomy ({} rows without one); \
                     nothing was stored",
                    file.display(),
                    summary.unmatched_rows
                );
            }
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
            if report.read > 0 && report.summary.stored == 0 {
                anyhow::bail!(
                    "no row of {} names an occupation of the taxonomy; nothing was stored",
                    file.display()
                );
            }
        }
        ImportCommand::Crosswalk { file, source } => {
            let report =
                reskill_server::services::import::import_onet_crosswalk_file(&db, &file, &source)
                    .await
                    .with_context(|| format!("crosswalk import from {} failed", file.display()))?;
            println!("{report}");
        }
        ImportCommand::Programmes {
            definitions,
            crosswalk,
            soc_crosswalk,
            source,
        } => {
            let soc_crosswalk = soc_crosswalk.unwrap_or_else(|| {
                crosswalk.with_file_name(reskill_server::services::demo::BUNDLE_SOC_CROSSWALK)
            });
            let files = reskill_ingest::programmes::ProgrammeFiles {
                definitions: definitions.as_path(),
                crosswalk: crosswalk.as_path(),
                soc_2010_to_2018: soc_crosswalk.as_path(),
            };
            let report =
                reskill_server::services::import::import_programme_types_files(&db, files, &source)
                    .await
                    .with_context(|| {
                        format!(
                            "programme import from {} and {} failed",
                            definitions.display(),
                            crosswalk.display()
                        )
                    })?;
            println!("{report}");
        }
        ImportCommand::Courses { files, batch_size } => {
            let options = ImportOptions { batch_size };
            let tagger = Arc::new(
                CatalogTagger::load_with_model(&db, super::model::for_tagging(settings)).await?,
            );
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
                finish_catalog_file(settings, &report, &mut all_rejected)?;
            }
        }
        ImportCommand::Openings {
            files,
            format,
            batch_size,
        } => {
            let options = ImportOptions { batch_size };
            let tagger = Arc::new(
                CatalogTagger::load_with_model(&db, super::model::for_tagging(settings)).await?,
            );
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
                finish_catalog_file(settings, &report, &mut all_rejected)?;
            }
        }
    }
    super::print_deferred_note(deferred.as_deref());
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    if !all_rejected.is_empty() {
        anyhow::bail!(
            "every row was rejected, nothing was stored from {}",
            all_rejected.join(", ")
        );
    }
    Ok(())
}

/// Prints a catalog file's report, writes its rejected rows (all of them; the report shows
/// ten) to `import-reports/` in the data folder, and notes a file whose every row was
/// rejected.
fn finish_catalog_file(
    settings: &Settings,
    report: &CatalogImportReport,
    all_rejected: &mut Vec<String>,
) -> anyhow::Result<()> {
    println!("{report}");
    if report.rejected.is_empty() {
        return Ok(());
    }
    let dir = settings.data_dir.join("import-reports");
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let name = std::path::Path::new(&report.file)
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let path = dir.join(format!("{name}.rejected.txt"));
    let mut text = String::new();
    for row in &report.rejected {
        text.push_str(&row.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).with_context(|| format!("failed to write {}", path.display()))?;
    println!(
        "  {} of {} rows rejected, each with its line and reason: {}",
        report.rejected.len(),
        report.read,
        path.display()
    );
    if report.all_rejected() {
        all_rejected.push(report.file.clone());
    }
    Ok(())
}
