//! `reskill send-mail` and `reskill send-digests`.

use reskill_server::services::semantic::Semantic;
use std::sync::Arc;

use anyhow::Context;

use crate::{SendDigestsArgs, SendMailArgs, Settings};

/// Sends one batch of due outbox rows (or, with `--all`, batches until none is due).
pub async fn send_mail(settings: &Settings, args: SendMailArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let auth = settings.auth()?;
    let mailer = Arc::new(settings.mailer(&auth)?);
    let report = if args.all {
        reskill_server::services::mail::drain(&db, &mailer).await?
    } else {
        reskill_server::services::mail::send_batch(&db, &mailer).await?
    };
    println!("{report} (via {})", mailer.transport.describe());
    Ok(())
}

/// Enqueues this week's digests and caseload summaries, or lists them with `--dry-run`.
pub async fn send_digests(settings: &Settings, args: SendDigestsArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    // Digests rank transitions as the server does: by similarity when the model is present.
    let semantic = match super::model::open(settings) {
        Ok(embedder) => Semantic::with_embedder(embedder),
        Err(error) => Semantic::unavailable(format!("{error:#}")),
    };
    semantic.reload(&db).await?;
    let engine = reskill_server::services::engine::Engine::load(&db, Default::default())
        .await
        .context("failed to load the matching engine")?
        .with_similarity(semantic.similarity_input().as_deref());
    let report = reskill_server::services::digests::run_weekly(
        &db,
        &engine,
        &settings.public_url,
        chrono::Utc::now(),
        args.dry_run,
    )
    .await?;
    let verb = if args.dry_run {
        "would enqueue"
    } else {
        "enqueued"
    };
    println!(
        "{verb} {} digests and {} caseload summaries",
        report.digests.len(),
        report.summaries.len()
    );
    for email in report.digests.iter().chain(&report.summaries) {
        println!(
            "  {} {} ({}) {}",
            email.list, email.to, email.headline, email.dedupe_key
        );
    }
    println!(
        "skipped: {} with nothing new, {} unsubscribed, {} already this week",
        report.nothing_new, report.unsubscribed, report.already_this_week
    );
    Ok(())
}
