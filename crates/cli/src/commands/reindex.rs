//! `reskill reindex`: rebuild search indexes from the database.

use crate::{IndexKindArg, ReindexArgs, Settings, progress};
use reskill_search::IndexKind;

/// Rebuilds one index, or all of them. Beside a running server, which holds the index writers,
/// it says how to ask that server instead.
pub async fn run(settings: &Settings, args: ReindexArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    if let Err(reskill_search::SearchError::WriterBusy { .. }) = search.open_writers() {
        let kind = args
            .kind
            .map(|kind| format!("?kind={}", to_kind(kind).as_str()))
            .unwrap_or_default();
        anyhow::bail!(
            "a running server holds the search indexes in {}, so this command cannot rebuild \
             them; ask that server to, as an administrator:\n  curl -X POST -H \
             'Authorization: Bearer ACCESS_TOKEN' {}/api/v1/admin/reindex{kind}\n(it answers \
             202 and rebuilds in the background; /readyz shows the rebuild under way)",
            settings.index_dir().display(),
            settings.public_url,
        );
    }
    let kinds: Vec<IndexKind> = match args.kind {
        Some(kind) => vec![to_kind(kind)],
        None => IndexKind::ALL.to_vec(),
    };
    for kind in kinds {
        let count =
            reskill_server::services::indexing::rebuild(&db, &search, kind, &progress::phased())
                .await?;
        println!("{kind:?}: {count} documents indexed");
    }
    Ok(())
}

fn to_kind(kind: IndexKindArg) -> IndexKind {
    match kind {
        IndexKindArg::Occupations => IndexKind::Occupations,
        IndexKindArg::Skills => IndexKind::Skills,
        IndexKindArg::Courses => IndexKind::Courses,
        IndexKindArg::Openings => IndexKind::Openings,
    }
}
