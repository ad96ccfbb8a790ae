//! `reskill reindex`: rebuild search indexes from the database.

use crate::{IndexKindArg, ReindexArgs, Settings, progress};
use reskill_search::IndexKind;

/// Rebuilds one index, or all of them.
pub async fn run(settings: &Settings, args: ReindexArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
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
