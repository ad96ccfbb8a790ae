//! `reskill demo`: load the built-in demo data set, or the whole real bundle.

use anyhow::Context;

use crate::{DemoArgs, Settings, progress};

/// Loads (or refreshes) the demo data, or the real bundle; safe to run twice.
pub async fn run(settings: &Settings, args: DemoArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let (search, deferred) = super::open_search_for_writing(settings)?;
    match args.real_data {
        None => {
            let summary = reskill_server::services::demo::load_demo(&db, &search).await?;
            println!("{summary}");
            super::model::embed_after_import(settings, &db).await?;
            // The demo people too (idempotent), so digests and logins have someone to serve.
            let engine = reskill_server::services::engine::Engine::load(&db, Default::default())
                .await
                .context("failed to load the matching engine")?;
            let created =
                reskill_server::services::demo_accounts::load_demo_accounts(&db, &engine).await?;
            if created > 0 {
                println!(
                    "{created} demo accounts created (password {:?}; demo data only)",
                    reskill_server::services::demo_accounts::DEMO_PASSWORD
                );
            }
        }
        Some(dir) => {
            let report = reskill_server::services::demo::load_real_bundle(
                &db,
                &search,
                &dir,
                super::model::for_tagging(settings),
                &progress::phased(),
            )
            .await
            .with_context(|| format!("loading the real bundle from {} failed", dir.display()))?;
            println!("{report}");
            super::model::embed_after_import(settings, &db).await?;
        }
    }
    super::print_deferred_note(deferred.as_deref());
    Ok(())
}
