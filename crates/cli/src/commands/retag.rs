//! `reskill retag`: tag stored courses and openings again with the current taxonomy.

use std::sync::Arc;

use reskill_search::IndexKind;
use reskill_server::services::catalog::{CatalogTagger, retag};

use crate::{CatalogKindArg, RetagArgs, Settings, progress};

/// Re-tags courses, openings or both; manual tags are kept.
pub async fn run(settings: &Settings, args: RetagArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let (search, deferred) = super::open_search_for_writing(settings)?;
    let tagger =
        Arc::new(CatalogTagger::load_with_model(&db, super::model::for_tagging(settings)).await?);
    let kinds = match args.kind {
        Some(CatalogKindArg::Courses) => vec![IndexKind::Courses],
        Some(CatalogKindArg::Openings) => vec![IndexKind::Openings],
        None => vec![IndexKind::Courses, IndexKind::Openings],
    };
    for kind in kinds {
        let report = retag(&db, &search, &tagger, kind, &progress::phased()).await?;
        println!(
            "{kind}: {} re-tagged, {} with an occupation and 3+ skills",
            report.documents, report.well_tagged
        );
    }
    super::print_deferred_note(deferred.as_deref());
    Ok(())
}
