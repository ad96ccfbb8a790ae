//! Keeping the search indexes derived from the database: full rebuilds, and repair at start.
//!
//! Every index commit records the id of the last `changes` row it reflects (its watermark). At
//! start, an index whose watermark is missing, or whose document count disagrees with the
//! database, is rebuilt; otherwise the changes after its watermark are replayed. Taxonomy imports
//! write one `rebuild` change for occupations and skills instead of a row per concept.

use reskill_search::{
    AnyDoc, CourseDoc, IndexKind, OccupationDoc, OpeningDoc, SearchIndexes, SkillDoc,
};
use reskill_store::documents::{self, CourseRow, OccupationRow, OpeningRow, SkillRow};
use sea_orm::DatabaseConnection;

use super::blocking;

/// Rebuilds one index from the database; returns the number of documents.
pub async fn rebuild(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    kind: IndexKind,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<u64> {
    let watermark = documents::last_change_id(db).await?;
    let docs: Vec<AnyDoc> = load_all(db, kind).await?;
    let total = docs.len() as u64;
    let phase = format!("index {kind}");
    progress(&phase, 0, total);
    let search = search.clone();
    let count =
        blocking(move || Ok(search.rebuild(kind, docs, Some(watermark.unwrap_or(0)), |_| {})?))
            .await?;
    progress(&phase, total, total);
    Ok(count)
}

/// Checks every index against the database and repairs or rebuilds it.
pub async fn repair_on_start(
    db: &DatabaseConnection,
    search: &SearchIndexes,
) -> anyhow::Result<()> {
    let counts = documents::document_counts(db).await?;
    for kind in IndexKind::ALL {
        let in_db = match kind {
            IndexKind::Occupations => counts.occupations,
            IndexKind::Skills => counts.skills,
            IndexKind::Courses => counts.courses,
            IndexKind::Openings => counts.searchable_openings,
        };
        let watermark = search.watermark(kind);
        let replayed = match watermark {
            Some(after) => replay(db, search, kind, after).await?,
            None => false,
        };
        let in_index = search.doc_count(kind);
        if watermark.is_none() || !replayed || in_index != in_db {
            tracing::info!(
                index = %kind,
                in_index,
                in_db,
                "search index out of date; rebuilding from the database"
            );
            rebuild(db, search, kind, &|_, _, _| {}).await?;
        }
    }
    Ok(())
}

/// Applies the changes after `after` to one index. Returns false when a change asks for a full
/// rebuild (the caller then rebuilds).
pub async fn replay(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    kind: IndexKind,
    after: i64,
) -> anyhow::Result<bool> {
    let changes = documents::changes_after(db, kind.as_str(), after).await?;
    let Some(last) = changes.last().map(|c| c.id) else {
        return Ok(true);
    };
    if changes.iter().any(|c| c.op == "rebuild") {
        return Ok(false);
    }
    let mut ids: Vec<i64> = changes.iter().map(|c| c.entity_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let docs = load_some(db, kind, &ids).await?;
    let search = search.clone();
    blocking(move || {
        for id in &ids {
            search.delete(kind, *id)?;
        }
        for doc in docs {
            search.upsert(doc)?;
        }
        search.commit(Some(last))?;
        Ok(())
    })
    .await?;
    Ok(true)
}

async fn load_all(db: &DatabaseConnection, kind: IndexKind) -> anyhow::Result<Vec<AnyDoc>> {
    load(db, kind, None).await
}

async fn load_some(
    db: &DatabaseConnection,
    kind: IndexKind,
    ids: &[i64],
) -> anyhow::Result<Vec<AnyDoc>> {
    load(db, kind, Some(ids)).await
}

async fn load(
    db: &DatabaseConnection,
    kind: IndexKind,
    ids: Option<&[i64]>,
) -> anyhow::Result<Vec<AnyDoc>> {
    Ok(match kind {
        IndexKind::Occupations => documents::occupations(db, ids)
            .await?
            .into_iter()
            .map(|row| occupation_doc(row).into())
            .collect(),
        IndexKind::Skills => documents::skills(db, ids)
            .await?
            .into_iter()
            .map(|row| skill_doc(row).into())
            .collect(),
        IndexKind::Courses => documents::courses(db, ids)
            .await?
            .into_iter()
            .map(|row| course_doc(row).into())
            .collect(),
        // Drafts never reach the index; closed openings stay out of it too, so they disappear.
        IndexKind::Openings => documents::openings(db, ids)
            .await?
            .into_iter()
            .filter(|row| row.status == "open")
            .map(|row| opening_doc(row).into())
            .collect(),
    })
}

fn occupation_doc(row: OccupationRow) -> OccupationDoc {
    let mut synonyms = row.alt_labels;
    synonyms.extend(row.hidden_labels);
    OccupationDoc {
        id: row.id,
        uri: row.uri,
        title: row.preferred_label,
        synonyms,
        description: row.description,
        isco_group: row.isco_group,
        risk_band: row.risk_band,
    }
}

fn skill_doc(row: SkillRow) -> SkillDoc {
    let mut synonyms = row.alt_labels;
    synonyms.extend(row.hidden_labels);
    SkillDoc {
        id: row.id,
        uri: row.uri,
        title: row.preferred_label,
        synonyms,
        description: row.description,
        skill_type: row.skill_type,
        reuse_level: row.reuse_level,
    }
}

fn course_doc(row: CourseRow) -> CourseDoc {
    CourseDoc {
        id: row.id,
        title: row.title,
        provider: row.provider,
        description: row.description,
        skills: row.skill_labels,
        skill_ids: row.skill_ids,
        mode: row.mode,
        place_name: row.place_name,
        lat: row.lat,
        lon: row.lon,
        cost: row.cost,
        duration_weeks: row.duration_weeks,
        updated_at: row.updated_at,
    }
}

fn opening_doc(row: OpeningRow) -> OpeningDoc {
    OpeningDoc {
        id: row.id,
        title: row.title,
        organisation: row.organisation,
        description: row.description,
        occupation_id: row.occupation_id,
        occupation_label: row.occupation_label,
        skill_ids: row.skill_ids,
        region: row.region,
        place_name: row.place_name,
        lat: row.lat,
        lon: row.lon,
        remote: row.remote,
        salary_min: row.salary_min,
        salary_max: row.salary_max,
        status: row.status,
        posted_on: row.posted_on,
    }
}
