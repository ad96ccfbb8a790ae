//! Keeping the search indexes derived from the database: full rebuilds, and repair at start.
//!
//! Every index commit records the id of the last `changes` row it reflects (its watermark). At
//! start, an index whose watermark is missing, or whose document count disagrees with the
//! database, is rebuilt; otherwise the changes after its watermark are replayed. Taxonomy imports
//! write one `rebuild` change for occupations and skills instead of a row per concept.
//!
//! While the server runs, [`follow_changes`] tails the change log and applies new rows every
//! [`FOLLOW_INTERVAL`] in one commit per tick, so a write is searchable within about a second.
//! Each tick also checks that the index folders still exist (someone may delete them under a
//! running server): when one is gone, the server reports not ready ([`IndexMaintenance`]),
//! opens fresh indexes, rebuilds them from the database and is ready again. Rebuilds an
//! administrator asks for (`POST /api/v1/admin/reindex`) run in the same loop, so they never
//! race the follower's writes.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use reskill_search::{
    AnyDoc, CourseDoc, IndexKind, OccupationDoc, OpeningDoc, SearchIndexes, SkillDoc,
};
use reskill_store::changes::{self, Change, ChangeKind, ChangeOp};
use reskill_store::documents::{self, CourseRow, OccupationRow, OpeningRow, SkillRow};
use sea_orm::DatabaseConnection;

use super::blocking;

/// What the index follower shares with the rest of the server: why the indexes are not ready
/// (a deleted folder being rebuilt), and the rebuilds asked for and not started yet.
#[derive(Debug, Default)]
pub struct IndexMaintenance {
    not_ready: RwLock<Option<String>>,
    requested: Mutex<BTreeSet<IndexKind>>,
    rebuilding: RwLock<Option<String>>,
}

impl IndexMaintenance {
    /// Returns why the search indexes cannot serve now, if they cannot.
    pub fn not_ready_reason(&self) -> Option<String> {
        self.not_ready
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Returns which rebuild is running or waiting, if any (searches meanwhile see the old
    /// content, so this does not make the server unready).
    pub fn rebuilding(&self) -> Option<String> {
        let running = self
            .rebuilding
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        running.or_else(|| {
            let requested = self.requested.lock().unwrap_or_else(|p| p.into_inner());
            (!requested.is_empty()).then(|| format!("{} (waiting)", kind_list(&requested)))
        })
    }

    /// Asks the follower to rebuild `kinds` from the database at its next tick.
    pub fn request_rebuild(&self, kinds: &[IndexKind]) {
        self.requested
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(kinds.iter().copied());
    }

    fn set_not_ready(&self, reason: Option<String>) {
        *self.not_ready.write().unwrap_or_else(|p| p.into_inner()) = reason;
    }

    fn set_rebuilding(&self, what: Option<String>) {
        *self.rebuilding.write().unwrap_or_else(|p| p.into_inner()) = what;
    }

    fn take_requested(&self) -> BTreeSet<IndexKind> {
        std::mem::take(&mut *self.requested.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn kind_list(kinds: &BTreeSet<IndexKind>) -> String {
    kinds
        .iter()
        .map(|kind| kind.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

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

/// How often [`follow_changes`] polls the change log.
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(300);
/// Most change rows applied per tick.
const FOLLOW_BATCH: u64 = 10_000;
/// How long a hole in the change-log ids is waited for. On PostgreSQL an id is handed out at
/// insert but visible at commit, so a slower transaction can fill a hole after later ids were
/// read; a rolled-back transaction leaves a hole for ever.
const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// Pause after a failed tick (database down, disk full) before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// Larger holes are not waited for (they are not in-flight transactions but, say, a pruned log).
const MAX_GAP_TRACKED: i64 = 1_000;

/// Where the follower stands in the change log.
#[derive(Debug, Default)]
struct FollowCursor {
    /// Highest change id applied.
    applied: i64,
    /// Ids below `applied` not seen yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
}

impl FollowCursor {
    /// Returns the watermark to commit: every change up to it has been applied.
    fn watermark(&self) -> i64 {
        self.gaps
            .keys()
            .next()
            .map_or(self.applied, |first_gap| first_gap - 1)
    }

    /// Keeps the changes not applied yet and advances the cursor over them.
    fn take_new(&mut self, found: Vec<Change>) -> Vec<Change> {
        let mut fresh = Vec::new();
        for change in found {
            if change.id > self.applied {
                if change.id - self.applied <= MAX_GAP_TRACKED {
                    for missing in self.applied + 1..change.id {
                        self.gaps.insert(missing, Instant::now());
                    }
                }
                self.applied = change.id;
                fresh.push(change);
            } else if self.gaps.remove(&change.id).is_some() {
                fresh.push(change);
            }
        }
        self.gaps
            .retain(|_, first_missed| first_missed.elapsed() < GAP_PATIENCE);
        fresh
    }
}

/// Tails the change log until `shutdown` resolves: every [`FOLLOW_INTERVAL`] the new changes
/// are applied to the indexes (rows that are gone, or openings no longer open, are deleted) and
/// committed together with their watermark. Starts from the lowest index watermark, so call it
/// after [`repair_on_start`]. Errors are logged and retried; a final commit runs on shutdown.
#[tracing::instrument(skip_all)]
pub async fn follow_changes(
    db: DatabaseConnection,
    search: SearchIndexes,
    maintenance: std::sync::Arc<IndexMaintenance>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let start = lowest_watermark(&search);
    let mut cursor = FollowCursor {
        applied: start,
        gaps: BTreeMap::new(),
    };
    tracing::info!(
        watermark = start,
        "following the change log from change {start}"
    );
    tokio::pin!(shutdown);
    let mut ticker = tokio::time::interval(FOLLOW_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticker.tick() => {}
        }
        let maintained = async {
            if rebuild_missing_folders(&db, &search, &maintenance).await? {
                cursor = FollowCursor {
                    applied: lowest_watermark(&search),
                    gaps: BTreeMap::new(),
                };
            }
            rebuild_requested(&db, &search, &maintenance).await?;
            follow_tick(&db, &search, &mut cursor).await
        };
        if let Err(error) = maintained.await {
            tracing::error!(
                error = format!("{error:#}"),
                "applying changes to the search indexes failed; retrying"
            );
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(RETRY_AFTER) => {}
            }
        }
    }
    let search_for_commit = search.clone();
    let watermark = cursor.watermark();
    if !search.missing_folders().is_empty() {
        // Nothing to commit into; the next start rebuilds the indexes from the database.
        tracing::warn!("the search index folder is missing; skipping the final commit");
    } else if let Err(error) =
        blocking(move || Ok(search_for_commit.commit(Some(watermark))?)).await
    {
        tracing::error!(error = format!("{error:#}"), "final search commit failed");
    }
    tracing::info!(
        watermark,
        "stopped following the change log at change {watermark}"
    );
}

fn lowest_watermark(search: &SearchIndexes) -> i64 {
    IndexKind::ALL
        .into_iter()
        .map(|kind| search.watermark(kind).unwrap_or(0))
        .min()
        .unwrap_or(0)
}

/// When an index folder has disappeared, reports not ready, opens fresh indexes and rebuilds
/// them all from the database, then reports ready again; returns whether it did. A failure
/// leaves the server unready and is retried at the next tick.
async fn rebuild_missing_folders(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    maintenance: &IndexMaintenance,
) -> anyhow::Result<bool> {
    let missing = search.missing_folders();
    if missing.is_empty() {
        if maintenance.not_ready_reason().is_some() {
            maintenance.set_not_ready(None);
        }
        return Ok(false);
    }
    let folders = missing
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let reason = format!(
        "the search index folder is missing ({folders}); rebuilding the indexes from the database"
    );
    tracing::warn!("{reason}");
    maintenance.set_not_ready(Some(reason));
    let started = Instant::now();
    let recreate = search.clone();
    blocking(move || Ok(recreate.recreate()?)).await?;
    for kind in IndexKind::ALL {
        rebuild(db, search, kind, &|_, _, _| {}).await?;
    }
    maintenance.set_not_ready(None);
    tracing::info!(
        duration_ms = started.elapsed().as_millis() as u64,
        "search indexes rebuilt after their folder went missing; ready again"
    );
    Ok(true)
}

/// Runs the rebuilds an administrator asked for.
async fn rebuild_requested(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    maintenance: &IndexMaintenance,
) -> anyhow::Result<()> {
    let kinds = maintenance.take_requested();
    for kind in &kinds {
        maintenance.set_rebuilding(Some(kind.as_str().to_owned()));
        let result = rebuild(db, search, *kind, &|_, _, _| {}).await;
        maintenance.set_rebuilding(None);
        if let Err(error) = result {
            // Asked again, so the next tick retries it.
            maintenance.request_rebuild(&[*kind]);
            return Err(error);
        }
    }
    Ok(())
}

/// Applies one batch of changes; returns how many were applied.
async fn follow_tick(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    cursor: &mut FollowCursor,
) -> anyhow::Result<usize> {
    let mut found = Vec::new();
    if let Some((&first_gap, _)) = cursor.gaps.iter().next() {
        // Re-read the window holding the holes; `take_new` keeps only the ones now filled.
        found.extend(
            changes::changes_after(db, first_gap - 1, FOLLOW_BATCH)
                .await?
                .into_iter()
                .filter(|c| c.id <= cursor.applied),
        );
    }
    found.extend(changes::changes_after(db, cursor.applied, FOLLOW_BATCH).await?);
    let fresh = cursor.take_new(found);
    if fresh.is_empty() {
        return Ok(0);
    }
    let started = Instant::now();
    let mut by_kind: BTreeMap<IndexKind, (bool, BTreeSet<i64>)> = BTreeMap::new();
    for change in &fresh {
        let kind = index_kind(change.kind);
        // The follower starts from the lowest watermark; an index already past a change (a
        // rebuild at start) need not apply it again.
        if search
            .watermark(kind)
            .is_some_and(|applied| change.id <= applied)
        {
            continue;
        }
        let entry = by_kind.entry(kind).or_default();
        match change.op {
            ChangeOp::Rebuild => entry.0 = true,
            ChangeOp::Upsert | ChangeOp::Delete => {
                entry.1.insert(change.entity_id);
            }
        }
    }
    for (kind, (full_rebuild, ids)) in by_kind {
        if full_rebuild {
            rebuild(db, search, kind, &|_, _, _| {}).await?;
            continue;
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let docs = load_some(db, kind, &ids).await?;
        let search = search.clone();
        blocking(move || {
            let present: BTreeSet<i64> = docs.iter().map(AnyDoc::id).collect();
            for id in ids.iter().filter(|id| !present.contains(id)) {
                search.delete(kind, *id)?;
            }
            for doc in docs {
                search.upsert(doc)?;
            }
            Ok(())
        })
        .await?;
    }
    let search = search.clone();
    let watermark = cursor.watermark();
    blocking(move || Ok(search.commit(Some(watermark))?)).await?;
    tracing::debug!(
        changes = fresh.len(),
        watermark,
        duration_ms = started.elapsed().as_millis() as u64,
        "applied {} changes to the search indexes",
        fresh.len()
    );
    Ok(fresh.len())
}

fn index_kind(kind: ChangeKind) -> IndexKind {
    match kind {
        ChangeKind::Occupation => IndexKind::Occupations,
        ChangeKind::Skill => IndexKind::Skills,
        ChangeKind::Course => IndexKind::Courses,
        ChangeKind::Opening => IndexKind::Openings,
    }
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
