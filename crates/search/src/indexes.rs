//! [`SearchIndexes`]: the four tantivy indexes, their writers and readers, batched commits with
//! a change-log watermark, rebuilds, search and suggestions.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::SearchError;
use crate::collector::{
    COUNT_CAP, Collected, ColumnCache, FacetSpec, PostFilter, SearchCollector, SortKey, SortMode,
};
use crate::error::Context;
use crate::filtered::FilteredUnion;
use crate::highlight;
use crate::model::{
    AnyDoc, CourseFilters, FacetCount, Filters, GeoFilter, Hit, IndexKind, OccupationFilters,
    OpeningFilters, SearchRequest, SearchResponse, SkillFilters, SortOrder, Suggestion,
};
use crate::query::{self, AnalyzerPool, Analyzers, Matcher, Matching};
use crate::schema::{self, Fields, Stored};

/// Largest page size.
pub const MAX_LIMIT: usize = 100;
/// How often [`SearchIndexes::rebuild`] reports progress, in documents.
const PROGRESS_EVERY: u64 = 1_000;
/// Suggestions are the best of the first this many matches in index order: a short prefix of
/// a common word matches a large share of a million openings, and suggestions must be instant.
const SUGGEST_SCAN: u64 = 3_000;
/// A query matching every word with fewer hits than this is run again matching half of them.
const RELAX_BELOW: u64 = 5;
/// Writer memory budget per index on disk (tantivy needs at least 15 MB per thread). It is a
/// flush threshold, not an allocation: everyday writes stay small, and a rebuild of a million
/// openings writes a few large segments instead of many small ones to merge.
const DISK_WRITER_BYTES: usize = 768_000_000;
const DISK_WRITER_THREADS: usize = 2;
/// Writer memory budget per in-RAM (test) index.
const RAM_WRITER_BYTES: usize = 15_000_000;

/// What each commit records in tantivy's commit payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct CommitPayload {
    /// Last change-log id whose effect is included in this commit.
    watermark: Option<i64>,
    /// Documents in the index as of this commit.
    doc_count: u64,
}

struct WriterState {
    /// Opened on the first write: tantivy allows one writer per index across processes, and a
    /// command that only reads (the CLI beside a running server) must not take it.
    writer: Option<IndexWriter<TantivyDocument>>,
    /// Ids of the documents the index will hold once pending changes are committed; gives the
    /// payload's `doc_count` before the commit is visible.
    live_ids: HashSet<i64>,
    pending_ops: u64,
    pending_since: Option<Instant>,
    /// Watermark of the last commit.
    watermark: Option<i64>,
}

struct KindIndex {
    kind: IndexKind,
    index: Index,
    writer_threads: usize,
    writer_bytes: usize,
    fields: Fields,
    reader: IndexReader,
    analyzers: AnalyzerPool,
    columns: ColumnCache,
    writer: Mutex<WriterState>,
    /// The folder the index was opened in and its identity then (inode on Unix), so a folder
    /// deleted and created again by someone else is told apart from the one this index uses.
    folder: Option<(PathBuf, u64)>,
}

/// The four search indexes. Cheap to clone (an `Arc`); `Send + Sync`. Every method blocks, so
/// async callers use `spawn_blocking`.
///
/// # Writing, batching and crash recovery
///
/// [`upsert`](Self::upsert) and [`delete`](Self::delete) stage changes in each kind's single
/// `IndexWriter`; nothing is searchable until a commit. The server applies change-log rows as
/// they arrive and calls [`commit_if_due`](Self::commit_if_due) with the last applied change-log
/// id about once a second (and [`commit`](Self::commit) on shutdown), so a write reaches search
/// within about a second while commits stay batched.
///
/// Each commit stores a payload `{watermark, doc_count}` in tantivy's `meta.json`. A tantivy
/// commit is atomic and durable (files are fsynced before `meta.json` is swapped), so after a
/// SIGKILL or power loss the index reopens at its last commit: staged, uncommitted changes are
/// lost. On start the server reads [`watermark`](Self::watermark) per kind and replays the change
/// log from the smallest one (upserts and deletes are idempotent), or calls
/// [`rebuild`](Self::rebuild) when it is `None` (new, wiped or schema-changed index) or when
/// [`doc_count`](Self::doc_count) disagrees with the database.
///
/// # A deleted folder
///
/// Open indexes keep reading the files they mapped after the folder is deleted, but nothing
/// written afterwards can be committed. [`missing_folders`](Self::missing_folders) notices;
/// [`recreate`](Self::recreate) opens fresh, empty indexes in their place for every clone of the
/// handle (the caller then rebuilds them from the database).
#[derive(Clone)]
pub struct SearchIndexes {
    inner: Arc<RwLock<Arc<[KindIndex; 4]>>>,
    /// The folder holding one subfolder per kind; `None` in memory.
    root: Option<Arc<PathBuf>>,
    /// Set when another process holds the writers: writes become no-ops, since that process
    /// indexes the same changes from the change log.
    writes_deferred: Arc<AtomicBool>,
}

/// One kind's index, keeping the set it belongs to alive while in use (a [`SearchIndexes::recreate`]
/// may swap the set meanwhile).
struct KindRef {
    all: Arc<[KindIndex; 4]>,
    slot: usize,
}

impl std::ops::Deref for KindRef {
    type Target = KindIndex;

    fn deref(&self) -> &KindIndex {
        &self.all[self.slot]
    }
}

impl std::fmt::Debug for SearchIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndexes").finish_non_exhaustive()
    }
}

fn open_reader(index: &Index, kind: IndexKind) -> Result<IndexReader, SearchError> {
    // Reloaded by hand right after each commit, so a commit is visible as soon as it returns.
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .context(|| format!("open a reader on the {kind} index"))
}

fn load_payload(index: &Index, kind: IndexKind) -> CommitPayload {
    let payload = index.load_metas().ok().and_then(|m| m.payload);
    match payload
        .as_deref()
        .map(serde_json::from_str::<CommitPayload>)
    {
        Some(Ok(payload)) => payload,
        Some(Err(error)) => {
            tracing::warn!(index = %kind, %error, "ignoring unreadable commit payload");
            CommitPayload::default()
        }
        None => CommitPayload::default(),
    }
}

fn live_ids(searcher: &Searcher, kind: IndexKind) -> Result<HashSet<i64>, SearchError> {
    let mut ids = HashSet::with_capacity(searcher.num_docs() as usize);
    for segment in searcher.segment_readers() {
        let column = segment
            .fast_fields()
            .i64("id")
            .context(|| format!("read ids of the {kind} index"))?;
        ids.extend(segment.doc_ids_alive().filter_map(|doc| column.first(doc)));
    }
    Ok(ids)
}

impl KindIndex {
    fn new(
        kind: IndexKind,
        index: Index,
        writer_threads: usize,
        writer_bytes: usize,
    ) -> Result<Self, SearchError> {
        let fields = Fields::new(&index.schema());
        // Same output as the built-in analyzer of that name, with stems cached.
        index
            .tokenizers()
            .register(schema::STEMMED, crate::stem::english_analyzer());
        index.tokenizers().register(
            schema::STEMMED_CONTENT,
            crate::stem::english_analyzer_without_stop_words(),
        );
        index.tokenizers().register(
            crate::edge::EDGE_WORDS,
            crate::edge::EdgeTokenizer::default(),
        );
        let tokenizer = |name: &str| {
            index.tokenizers().get(name).ok_or_else(|| {
                SearchError::internal(
                    format!("find tokenizer {name} for the {kind} index"),
                    std::io::Error::other("tokenizer not registered"),
                )
            })
        };
        let analyzers = Analyzers {
            stemmed: tokenizer(schema::STEMMED)?,
            unstemmed: tokenizer(schema::UNSTEMMED)?,
        };
        let reader = open_reader(&index, kind)?;
        let payload = load_payload(&index, kind);
        let ids = live_ids(&reader.searcher(), kind)?;
        if payload.doc_count != ids.len() as u64 && payload.watermark.is_some() {
            tracing::warn!(
                index = %kind,
                expected = payload.doc_count,
                found = ids.len(),
                "document count differs from the last commit payload"
            );
        }
        Ok(Self {
            kind,
            index,
            writer_threads,
            writer_bytes,
            fields,
            reader,
            analyzers: AnalyzerPool::new(analyzers),
            columns: ColumnCache::default(),
            writer: Mutex::new(WriterState {
                writer: None,
                live_ids: ids,
                pending_ops: 0,
                pending_since: None,
                watermark: payload.watermark,
            }),
            folder: None,
        })
    }

    fn lock(&self) -> MutexGuard<'_, WriterState> {
        // A panic while holding the lock leaves tantivy's writer usable; carry on.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns the index's writer, opening it on first use.
    fn writer<'s>(
        &self,
        state: &'s mut WriterState,
    ) -> Result<&'s mut IndexWriter<TantivyDocument>, SearchError> {
        if state.writer.is_none() {
            let kind = self.kind;
            let writer = self
                .index
                .writer_with_num_threads(self.writer_threads, self.writer_bytes)
                .map_err(|error| match error {
                    tantivy::TantivyError::LockFailure(
                        tantivy::directory::error::LockError::LockBusy,
                        _,
                    ) => SearchError::WriterBusy {
                        kind: kind.as_str(),
                    },
                    error => {
                        SearchError::internal(format!("open a writer on the {kind} index"), error)
                    }
                })?;
            state.writer = Some(writer);
        }
        state.writer.as_mut().ok_or_else(|| {
            SearchError::internal(
                format!("open a writer on the {} index", self.kind),
                std::io::Error::other("writer missing after opening"),
            )
        })
    }

    fn id_term(&self, id: i64) -> Term {
        Term::from_field_i64(self.fields.id, id)
    }

    /// Commits staged changes with the given watermark; returns whether a commit happened.
    fn commit(
        &self,
        state: &mut WriterState,
        watermark: Option<i64>,
        force: bool,
    ) -> Result<bool, SearchError> {
        let watermark = watermark.or(state.watermark);
        if !force && state.pending_ops == 0 && watermark == state.watermark {
            return Ok(false);
        }
        let payload = CommitPayload {
            watermark,
            doc_count: state.live_ids.len() as u64,
        };
        let payload =
            serde_json::to_string(&payload).context(|| "serialise a commit payload".into())?;
        let kind = self.kind;
        let result = self
            .writer(state)?
            .prepare_commit()
            .and_then(|mut prepared| {
                prepared.set_payload(&payload);
                prepared.commit()
            });
        if let Err(error) = result {
            self.recover(state);
            return Err(SearchError::internal(
                format!("commit the {kind} index"),
                error,
            ));
        }
        state.watermark = watermark;
        state.pending_ops = 0;
        state.pending_since = None;
        self.reader
            .reload()
            .context(|| format!("reload the {kind} index after a commit"))?;
        Ok(true)
    }

    /// Discards staged changes after a failure and resynchronises the live id set.
    fn recover(&self, state: &mut WriterState) {
        if let Some(writer) = state.writer.as_mut()
            && let Err(error) = writer.rollback()
        {
            tracing::error!(index = %self.kind, %error, "rollback failed");
        }
        state.pending_ops = 0;
        state.pending_since = None;
        match live_ids(&self.reader.searcher(), self.kind) {
            Ok(ids) => state.live_ids = ids,
            Err(error) => tracing::error!(index = %self.kind, %error, "could not reload ids"),
        }
    }
}

/// Uncompressed bytes per doc-store block. Each hit's stored fields cost decompressing its
/// whole block; tantivy's 16 kB default held about five openings, and decompressing them was a
/// tenth of a search. Applies to indexes created from now on (an index keeps its settings).
const DOCSTORE_BLOCK_BYTES: usize = 4_096;

fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..Default::default()
    }
}

/// Returns what tells a folder apart from another created later at the same path: its inode
/// on Unix; elsewhere a constant, so only a missing folder is noticed.
fn folder_identity(folder: &Path) -> Option<u64> {
    let metadata = std::fs::metadata(folder).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some(1)
    }
}

fn open_all_in_dir(root: &Path) -> Result<Vec<Index>, SearchError> {
    IndexKind::ALL
        .into_iter()
        .map(|kind| open_in_dir(root, kind))
        .collect()
}

fn open_in_dir(root: &Path, kind: IndexKind) -> Result<Index, SearchError> {
    let path = root.join(kind.as_str());
    let open_error = |source: Box<dyn std::error::Error + Send + Sync>| SearchError::Open {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&path).map_err(|e| open_error(Box::new(e)))?;
    let schema = schema::build_schema(kind);
    let directory = MmapDirectory::open(&path).map_err(|e| open_error(Box::new(e)))?;
    let builder = || {
        Index::builder()
            .schema(schema.clone())
            .settings(index_settings())
    };
    match builder().open_or_create(directory) {
        Ok(index) => Ok(index),
        Err(tantivy::TantivyError::SchemaError(message)) => {
            // The schema changed in a new release: the index is derived data, so start afresh;
            // its watermark is then `None` and the server rebuilds it from the database.
            tracing::warn!(index = %kind, path = %path.display(), %message, "schema changed; recreating index");
            std::fs::remove_dir_all(&path).map_err(|e| open_error(Box::new(e)))?;
            std::fs::create_dir_all(&path).map_err(|e| open_error(Box::new(e)))?;
            let directory = MmapDirectory::open(&path).map_err(|e| open_error(Box::new(e)))?;
            builder()
                .open_or_create(directory)
                .map_err(|e| open_error(Box::new(e)))
        }
        Err(error) => Err(open_error(Box::new(error))),
    }
}

/// Validates the page size.
fn check_limit(limit: usize) -> Result<(), SearchError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(SearchError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {limit}"
        )))
    }
}

fn cursor_tag(sort: SortOrder) -> char {
    match sort {
        SortOrder::Relevance => 'r',
        SortOrder::Date => 'd',
    }
}

/// Encodes the last hit of a page: a sort tag, then the sort value's bits and the id in hex.
fn encode_cursor(sort: SortOrder, key: SortKey) -> String {
    format!(
        "{}{:016x}{:016x}",
        cursor_tag(sort),
        key.primary.to_bits(),
        key.id as u64
    )
}

fn decode_cursor(sort: SortOrder, cursor: &str) -> Result<SortKey, SearchError> {
    let bad = || SearchError::invalid("cursor is malformed or belongs to another sort order");
    let rest = cursor.strip_prefix(cursor_tag(sort)).ok_or_else(bad)?;
    if rest.len() != 32 || !rest.is_ascii() {
        return Err(bad());
    }
    let primary = u64::from_str_radix(&rest[..16], 16).map_err(|_| bad())?;
    let id = u64::from_str_radix(&rest[16..], 16).map_err(|_| bad())?;
    let primary = f64::from_bits(primary);
    if primary.is_nan() {
        return Err(bad());
    }
    Ok(SortKey {
        primary,
        id: id as i64,
    })
}

fn filter_query(query: Box<dyn Query>) -> Box<dyn Query> {
    // Filters must not change scores.
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn term_filter(term: Term) -> Box<dyn Query> {
    filter_query(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
}

fn f64_range(
    field: Option<Field>,
    min: Option<f64>,
    max: Option<f64>,
    name: &str,
) -> Result<Option<Box<dyn Query>>, SearchError> {
    let Some(field) = field else { return Ok(None) };
    for v in [min, max].into_iter().flatten() {
        if !v.is_finite() {
            return Err(SearchError::invalid(format!(
                "{name} bounds must be finite numbers"
            )));
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(SearchError::invalid(format!(
            "{name} minimum {lo} is above maximum {hi}"
        )));
    }
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    let bound = |v: Option<f64>| {
        v.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_f64(field, v))
        })
    };
    Ok(Some(filter_query(Box::new(
        tantivy::query::RangeQuery::new(bound(min), bound(max)),
    ))))
}

/// Everything derived from the request's filters.
#[derive(Default)]
struct CompiledFilters {
    must: Vec<Box<dyn Query>>,
    /// The latitude/longitude box around `near` (or remote), a cheap prefilter for broad
    /// queries; the collector checks the exact distance either way.
    geo_prefilter: Option<Box<dyn Query>>,
    /// The cells the circle covers (with `remote: true` when remote openings pass too).
    geo_cells: Option<Vec<Term>>,
    facets: Vec<FacetSpec>,
    post: PostFilter,
    remote_facet: bool,
}

fn compile_filters(
    kind: IndexKind,
    f: &Fields,
    filters: &Filters,
) -> Result<CompiledFilters, SearchError> {
    let mismatch = || SearchError::invalid(format!("filters do not apply to the {kind} index"));
    let mut out = CompiledFilters::default();
    match kind {
        IndexKind::Occupations => {
            let default = OccupationFilters::default();
            let filters = match filters {
                Filters::None => &default,
                Filters::Occupations(x) => x,
                _ => return Err(mismatch()),
            };
            for group in &filters.isco_major_groups {
                if group.len() != 1 || !group.chars().all(|c| c.is_ascii_digit()) {
                    return Err(SearchError::invalid(format!(
                        "ISCO major group must be one digit, got {group:?}"
                    )));
                }
            }
            out.facets = vec![
                FacetSpec {
                    name: "risk_band",
                    field: "risk_band",
                    allowed: filters
                        .risk_bands
                        .iter()
                        .map(|b| b.as_str().to_owned())
                        .collect(),
                },
                FacetSpec {
                    name: "isco_major",
                    field: "isco_major",
                    allowed: filters.isco_major_groups.clone(),
                },
            ];
        }
        IndexKind::Skills => {
            let default = SkillFilters::default();
            let filters = match filters {
                Filters::None => &default,
                Filters::Skills(x) => x,
                _ => return Err(mismatch()),
            };
            out.facets = vec![
                FacetSpec {
                    name: "skill_type",
                    field: "skill_type",
                    allowed: filters
                        .skill_types
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect(),
                },
                FacetSpec {
                    name: "reuse_level",
                    field: "reuse_level",
                    allowed: filters
                        .reuse_levels
                        .iter()
                        .map(|r| r.as_str().to_owned())
                        .collect(),
                },
            ];
        }
        IndexKind::Courses => {
            let default = CourseFilters::default();
            let filters = match filters {
                Filters::None => &default,
                Filters::Courses(x) => x,
                _ => return Err(mismatch()),
            };
            out.facets = vec![
                FacetSpec {
                    name: "mode",
                    field: "mode",
                    allowed: filters
                        .modes
                        .iter()
                        .map(|m| m.as_str().to_owned())
                        .collect(),
                },
                FacetSpec {
                    name: "place_name",
                    field: "place_name",
                    allowed: filters.place_names.clone(),
                },
            ];
            out.must.extend(f64_range(
                f.cost,
                filters.cost_min,
                filters.cost_max,
                "cost",
            )?);
            out.must.extend(f64_range(
                f.duration_weeks,
                filters.duration_min_weeks,
                filters.duration_max_weeks,
                "duration",
            )?);
            if let (Some(skill), Some(field)) = (filters.skill_id, f.skill_ids) {
                out.must
                    .push(term_filter(Term::from_field_i64(field, skill)));
            }
        }
        IndexKind::Openings => {
            let default = OpeningFilters::default();
            let filters = match filters {
                Filters::None => &default,
                Filters::Openings(x) => x,
                _ => return Err(mismatch()),
            };
            compile_opening_filters(f, filters, &mut out)?;
        }
    }
    Ok(out)
}

fn compile_opening_filters(
    f: &Fields,
    filters: &OpeningFilters,
    out: &mut CompiledFilters,
) -> Result<(), SearchError> {
    let field = |field: Option<Field>| {
        field.ok_or_else(|| {
            SearchError::internal(
                "build an openings filter",
                std::io::Error::other("openings schema lacks a field"),
            )
        })
    };
    out.facets = vec![FacetSpec {
        name: "region",
        field: "region",
        allowed: filters.regions.clone(),
    }];
    out.remote_facet = true;
    // Status (open only unless asked otherwise) and posting date are checked per hit from fast
    // fields, not as query clauses: almost every opening passes them, and a clause would turn
    // a single word's flat term union into an intersection that block-max pruning cannot skip.
    out.post.statuses = if filters.statuses.is_empty() {
        vec!["open".to_owned()]
    } else {
        filters
            .statuses
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect()
    };
    if let Some(occupation) = filters.occupation_id {
        let field = field(f.occupation_id)?;
        out.must
            .push(term_filter(Term::from_field_i64(field, occupation)));
    }
    if let Some(skill) = filters.skill_id {
        let field = field(f.skill_ids)?;
        out.must
            .push(term_filter(Term::from_field_i64(field, skill)));
    }
    if let Some(days) = filters.posted_within_days {
        let today = filters.today.unwrap_or_else(|| Utc::now().date_naive());
        let since = today
            .checked_sub_days(Days::new(u64::from(days)))
            .ok_or_else(|| {
                SearchError::invalid(format!("posted within {days} days reaches before year 0"))
            })?;
        out.post.since = Some(schema::date_seconds(since));
    }
    if filters.salary_min.is_some() || filters.salary_max.is_some() {
        let low = filters.salary_min.unwrap_or(f64::NEG_INFINITY);
        let high = filters.salary_max.unwrap_or(f64::INFINITY);
        if low.is_nan() || high.is_nan() || low > high {
            return Err(SearchError::invalid(
                "salary range is empty or not a number",
            ));
        }
        out.post.salary = Some((low, high));
    }
    out.post.remote = filters.remote;
    if let Some(near) = filters.near {
        let valid = near.lat.is_finite()
            && near.lon.is_finite()
            && (-90.0..=90.0).contains(&near.lat)
            && (-180.0..=180.0).contains(&near.lon)
            && near.radius_km > 0.0
            && near.radius_km <= 20_000.0;
        if !valid {
            return Err(SearchError::invalid(
                "near needs lat in [-90, 90], lon in [-180, 180] and 0 < radius_km <= 20000",
            ));
        }
        out.post.near = Some(near);
        if let (Some(cell_field), Some(cells)) = (f.geo_cell, crate::geo::cells_covering(near)) {
            let mut terms: Vec<Term> = cells
                .into_iter()
                .map(|cell| Term::from_field_i64(cell_field, cell))
                .collect();
            if filters.remote == Some(true) {
                terms.push(Term::from_field_bool(field(f.remote)?, true));
            }
            out.geo_cells = Some(terms);
        }
        let bbox = bounding_box(f, near)?;
        let prefilter: Box<dyn Query> = if filters.remote == Some(true) {
            let remote = field(f.remote)?;
            let remote: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_bool(remote, true),
                IndexRecordOption::Basic,
            ));
            Box::new(BooleanQuery::new(vec![
                (Occur::Should, bbox),
                (Occur::Should, remote),
            ]))
        } else {
            bbox
        };
        out.geo_prefilter = Some(filter_query(prefilter));
    }
    Ok(())
}

/// Share of an index's documents under which a circle's cells count as sparse.
const SPARSE_CELLS_SHARE: f64 = 0.05;

/// Whether the documents in `cells` are a small share of the index.
fn sparse(searcher: &Searcher, cells: &[Term]) -> bool {
    let limit = searcher.num_docs() as f64 * SPARSE_CELLS_SHARE;
    let mut docs = 0u64;
    for term in cells {
        docs += searcher.doc_freq(term).unwrap_or(u64::MAX / 2);
        if docs as f64 > limit {
            return false;
        }
    }
    true
}

/// Matches the documents in any of `cells`, without changing scores (a bitset per segment).
fn geo_clause(cells: Vec<Term>) -> Box<dyn Query> {
    filter_query(Box::new(TermSetQuery::new(cells)))
}

/// Returns a cheap latitude/longitude range query enclosing the circle (exact distance is
/// checked by the collector). Longitude is left open near the poles and the antimeridian.
fn bounding_box(f: &Fields, near: GeoFilter) -> Result<Box<dyn Query>, SearchError> {
    let (Some(lat_field), Some(lon_field)) = (f.lat, f.lon) else {
        return Err(SearchError::internal(
            "build a geo filter",
            std::io::Error::other("no lat/lon fields"),
        ));
    };
    // One degree of latitude is at least 110.5 km; pad a little for rounding.
    let dlat = near.radius_km / 110.0;
    let range = |field: Field, lo: f64, hi: f64| -> (Occur, Box<dyn Query>) {
        let q = tantivy::query::RangeQuery::new(
            Bound::Included(Term::from_field_f64(field, lo)),
            Bound::Included(Term::from_field_f64(field, hi)),
        );
        (Occur::Must, Box::new(q))
    };
    let mut clauses = vec![range(lat_field, near.lat - dlat, near.lat + dlat)];
    let cos = (near.lat.abs() + dlat).min(90.0).to_radians().cos();
    if cos > 0.01 {
        let dlon = near.radius_km / (111.0 * cos);
        if dlon < 180.0 && near.lon - dlon >= -180.0 && near.lon + dlon <= 180.0 {
            clauses.push(range(lon_field, near.lon - dlon, near.lon + dlon));
        }
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

impl SearchIndexes {
    fn from_indexes(
        indexes: Vec<Index>,
        threads: usize,
        bytes: usize,
        root: Option<&Path>,
    ) -> Result<Self, SearchError> {
        let mut kinds = Vec::with_capacity(4);
        for (kind, index) in IndexKind::ALL.into_iter().zip(indexes) {
            let mut opened = KindIndex::new(kind, index, threads, bytes)?;
            opened.folder = root.map(|root| {
                let folder = root.join(kind.as_str());
                let identity = folder_identity(&folder).unwrap_or(0);
                (folder, identity)
            });
            kinds.push(opened);
        }
        let inner: [KindIndex; 4] = kinds.try_into().map_err(|_| {
            SearchError::internal(
                "open the indexes",
                std::io::Error::other("expected four indexes"),
            )
        })?;
        Ok(Self {
            inner: Arc::new(RwLock::new(Arc::new(inner))),
            root: None,
            writes_deferred: Arc::default(),
        })
    }

    /// Opens the four indexes under `dir` (one subdirectory per kind), creating missing ones.
    /// An index whose schema no longer matches this build is wiped and recreated empty.
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        let mut opened = Self::from_indexes(
            open_all_in_dir(dir)?,
            DISK_WRITER_THREADS,
            DISK_WRITER_BYTES,
            Some(dir),
        )?;
        opened.root = Some(Arc::new(dir.to_owned()));
        Ok(opened)
    }

    /// Returns the index folders that are gone (or lost their `meta.json`), or were replaced by
    /// another folder of the same name, since the indexes were opened: someone deleted the index
    /// folder under a running server. Empty in memory.
    pub fn missing_folders(&self) -> Vec<PathBuf> {
        self.set()
            .iter()
            .filter_map(|index| index.folder.clone())
            .filter(|(folder, identity)| {
                !folder.join("meta.json").is_file()
                    || folder_identity(folder).is_none_or(|now| now != *identity)
            })
            .map(|(folder, _)| folder)
            .collect()
    }

    /// Opens fresh indexes under the same folder (creating what is missing) and swaps them in
    /// for every clone of this handle; the old ones close once the last search using them ends.
    /// The new ones are empty where their folder was gone: rebuild them from the database.
    /// Staged, uncommitted writes of the old ones are dropped.
    pub fn recreate(&self) -> Result<(), SearchError> {
        let Some(root) = &self.root else {
            return Ok(());
        };
        let fresh = Self::from_indexes(
            open_all_in_dir(root)?,
            DISK_WRITER_THREADS,
            DISK_WRITER_BYTES,
            Some(root),
        )?;
        let fresh_set = fresh.set();
        let old = std::mem::replace(
            &mut *self
                .inner
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            fresh_set,
        );
        for index in old.iter() {
            // Their folder is gone: drop what they staged instead of committing it anywhere.
            if let Some(writer) = index.lock().writer.as_mut()
                && let Err(error) = writer.rollback()
            {
                tracing::warn!(index = %index.kind, %error, "rolling back the replaced index failed");
            }
        }
        Ok(())
    }

    /// Makes every write (upsert, delete, commit, rebuild) a no-op, for a command running beside
    /// a server that holds the writers: the server indexes the same rows from the change log.
    pub fn defer_writes(&self) {
        self.writes_deferred.store(true, Ordering::SeqCst);
    }

    /// Returns whether writes are left to another process ([`defer_writes`](Self::defer_writes)).
    pub fn writes_deferred(&self) -> bool {
        self.writes_deferred.load(Ordering::SeqCst)
    }

    fn set(&self) -> Arc<[KindIndex; 4]> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Creates four empty in-memory indexes, for tests.
    pub fn in_ram() -> Result<Self, SearchError> {
        let indexes = IndexKind::ALL
            .into_iter()
            .map(|kind| {
                Index::builder()
                    .schema(schema::build_schema(kind))
                    .settings(index_settings())
                    .create_in_ram()
                    .context(|| format!("create the in-memory {kind} index"))
            })
            .collect::<Result<_, _>>()?;
        Self::from_indexes(indexes, 1, RAM_WRITER_BYTES, None)
    }

    /// Opens every index's writer now rather than on the first write, so a server learns at
    /// start, not at its first commit, that another process is writing the same folder.
    pub fn open_writers(&self) -> Result<(), SearchError> {
        for kind in IndexKind::ALL {
            let index = self.kind(kind);
            index.writer(&mut index.lock())?;
        }
        Ok(())
    }

    fn kind(&self, kind: IndexKind) -> KindRef {
        KindRef {
            all: self.set(),
            slot: kind.slot(),
        }
    }

    /// Stages a document, replacing any document with the same id (a delete by id term followed
    /// by an add). Visible after the next commit.
    pub fn upsert(&self, doc: impl Into<AnyDoc>) -> Result<(), SearchError> {
        if self.writes_deferred() {
            return Ok(());
        }
        let doc = doc.into();
        let index = self.kind(doc.kind());
        let tantivy_doc = schema::to_tantivy(&index.fields, &doc);
        let mut state = index.lock();
        let writer = index.writer(&mut state)?;
        writer.delete_term(index.id_term(doc.id()));
        writer
            .add_document(tantivy_doc)
            .context(|| format!("add document {} to the {} index", doc.id(), index.kind))?;
        state.live_ids.insert(doc.id());
        state.pending_ops += 1;
        state.pending_since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Stages the removal of a document by id. Visible after the next commit.
    pub fn delete(&self, kind: IndexKind, id: i64) -> Result<(), SearchError> {
        if self.writes_deferred() {
            return Ok(());
        }
        let index = self.kind(kind);
        let mut state = index.lock();
        index.writer(&mut state)?.delete_term(index.id_term(id));
        state.live_ids.remove(&id);
        state.pending_ops += 1;
        state.pending_since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Commits every index with staged changes and makes them searchable. `applied_through` is
    /// the last change-log id whose effects have all been staged; it becomes each committed
    /// index's [`watermark`](Self::watermark) (indexes without staged changes are committed too
    /// when it advances their watermark). `None` keeps the previous watermark.
    pub fn commit(&self, applied_through: Option<i64>) -> Result<(), SearchError> {
        if self.writes_deferred() {
            return Ok(());
        }
        for kind in IndexKind::ALL {
            let index = self.kind(kind);
            let mut state = index.lock();
            index.commit(&mut state, applied_through, false)?;
        }
        Ok(())
    }

    /// Commits (as [`commit`](Self::commit)) when some index has had staged changes for at least
    /// `max_delay`; returns whether it did. The server calls this about once a second with
    /// `max_delay` of one second, so bursts of writes share a commit.
    pub fn commit_if_due(
        &self,
        applied_through: Option<i64>,
        max_delay: Duration,
    ) -> Result<bool, SearchError> {
        let due = IndexKind::ALL.into_iter().any(|kind| {
            self.kind(kind)
                .lock()
                .pending_since
                .is_some_and(|since| since.elapsed() >= max_delay)
        });
        if due {
            self.commit(applied_through)?;
        }
        Ok(due)
    }

    /// Replaces the whole content of one index with `docs` and commits with `watermark`.
    /// `progress` receives the number of documents added so far every 1,000 documents and at the
    /// end. Searches see the old content until the final commit. On error the index keeps its
    /// last commit and staged changes of this kind are discarded. Returns the document count.
    pub fn rebuild<I, D>(
        &self,
        kind: IndexKind,
        docs: I,
        watermark: Option<i64>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SearchError>
    where
        I: IntoIterator<Item = D>,
        D: Into<AnyDoc>,
    {
        if self.writes_deferred() {
            return Ok(0);
        }
        let index = self.kind(kind);
        let mut state = index.lock();
        // No merging while the rebuild writes its segments: merges would compete with indexing
        // for the cores and rewrite segments about to be superseded.
        index
            .writer(&mut state)?
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let result = (|| {
            index
                .writer(&mut state)?
                .delete_all_documents()
                .context(|| format!("clear the {kind} index"))?;
            state.live_ids.clear();
            let mut count = 0u64;
            for doc in docs {
                let doc = doc.into();
                if doc.kind() != kind {
                    return Err(SearchError::internal(
                        format!("rebuild the {kind} index"),
                        std::io::Error::other(format!("got a document of kind {}", doc.kind())),
                    ));
                }
                index
                    .writer(&mut state)?
                    .add_document(schema::to_tantivy(&index.fields, &doc))
                    .context(|| format!("add document {} to the {kind} index", doc.id()))?;
                state.live_ids.insert(doc.id());
                count += 1;
                if count.is_multiple_of(PROGRESS_EVERY) {
                    progress(count);
                }
            }
            Ok(count)
        })();
        let committed = match result {
            Ok(count) => {
                state.watermark = None;
                // A failed commit has already rolled back and resynchronised.
                index.commit(&mut state, watermark, true).map(|_| count)
            }
            Err(error) => {
                index.recover(&mut state);
                Err(error)
            }
        };
        if let Some(writer) = state.writer.as_mut() {
            writer.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
        }
        let count = committed?;
        progress(count);
        tracing::info!(index = %kind, documents = count, "rebuilt index");
        Ok(count)
    }

    /// Returns the number of searchable (committed) documents of one kind.
    pub fn doc_count(&self, kind: IndexKind) -> u64 {
        self.kind(kind).reader.searcher().num_docs()
    }

    /// Returns the change-log id recorded by the last commit of one kind, or `None` if the index
    /// has never been committed with one (new, wiped, or rebuilt without a watermark).
    pub fn watermark(&self, kind: IndexKind) -> Option<i64> {
        self.kind(kind).lock().watermark
    }

    /// Runs a search over one index.
    pub fn search(
        &self,
        kind: IndexKind,
        request: &SearchRequest,
    ) -> Result<SearchResponse, SearchError> {
        check_limit(request.limit)?;
        if request.sort == SortOrder::Date && !kind.has_date() {
            return Err(SearchError::invalid(format!(
                "{kind} cannot be sorted by date"
            )));
        }
        let after = request
            .cursor
            .as_deref()
            .map(|c| decode_cursor(request.sort, c))
            .transpose()?;
        let index = self.kind(kind);
        let mut analyzers = index.analyzers.take();
        let parsed = query::parse(&request.q, &mut analyzers)?;
        let searcher = index.reader.searcher();
        let mut filters = compile_filters(kind, &index.fields, &request.filters)?;
        let cells = filters.geo_cells.take();
        let prefilter = filters.geo_prefilter.take();
        let mut cells_clause = false;
        if request.q.trim().is_empty() {
            // No text to narrow the matches: the circle's cells, or the latitude/longitude box
            // (a scan of two columns) when it has too many, are the cheapest way to its places.
            filters.must.extend(cells.map(geo_clause).or(prefilter));
        } else if let Some(cells) =
            cells.filter(|c| query::can_relax(&parsed) && sparse(&searcher, c))
        {
            // Several words and a circle where few openings are: visiting only the circle's
            // cells beats skipping through the words' matches and checking each one's place,
            // most of which fail (worst when the query is relaxed to any of its words). A
            // single word's postings are skipped through fast enough with the check, and where
            // openings are dense it passes often enough for block-max pruning to work; a clause
            // would disable that pruning.
            filters.must.push(geo_clause(cells));
            cells_clause = true;
        }
        let collector = SearchCollector {
            mode: match request.sort {
                SortOrder::Relevance => SortMode::Relevance,
                SortOrder::Date => SortMode::Date,
            },
            limit: request.limit,
            after,
            facets: filters.facets.clone(),
            post: filters.post.clone(),
            remote_facet: filters.remote_facet,
            count_cap: COUNT_CAP,
            exhaustive_top: true,
        };
        let plans = query::plan(&index.fields, &parsed, &searcher, &mut analyzers);
        let run = |matching: Matching| {
            if matching == Matching::Half && cells_clause && parsed.phrases.is_empty() {
                let groups = query::catch_all_word_groups(&index.fields, &parsed, &plans);
                // Any word among the circle's openings: each word seeked along the filter's
                // documents (see `filtered`), not their union along the filter.
                let filter: Box<dyn Query> = Box::new(BooleanQuery::new(
                    filters
                        .must
                        .iter()
                        .map(|q| (Occur::Must, q.box_clone()))
                        .collect(),
                ));
                let query = FilteredUnion::new(filter, groups);
                return collector
                    .run(&searcher, &index.columns, &query)
                    .context(|| format!("search the {kind} index"));
            }
            let text_query: Box<dyn Query> = if request.q.trim().is_empty() {
                Box::new(AllQuery)
            } else if parsed.is_empty() {
                // Only punctuation or symbols: nothing can match.
                Box::new(EmptyQuery)
            } else {
                query::build(&index.fields, &parsed, &plans, matching)
            };
            let query: Box<dyn Query> = if filters.must.is_empty() {
                text_query
            } else {
                let mut clauses = vec![(Occur::Must, text_query)];
                clauses.extend(filters.must.iter().map(|q| (Occur::Must, q.box_clone())));
                Box::new(BooleanQuery::new(clauses))
            };
            collector
                .run(&searcher, &index.columns, query.as_ref())
                .context(|| format!("search the {kind} index"))
        };
        // Every word first; when that finds almost nothing, half of them (the same decision on
        // every page, as it depends only on the query).
        let mut collected = run(Matching::All)?;
        // Not when the count was capped: then every word matched thousands of documents, and
        // fewer hits mean the filters are selective, which matching fewer words does not change.
        if collected.exact && collected.total < RELAX_BELOW && query::can_relax(&parsed) {
            collected = run(Matching::Half)?;
        }
        let matcher = Matcher::new(&parsed, &plans);
        self.response(
            &index,
            &searcher,
            &matcher,
            request,
            &filters.facets,
            collected,
        )
    }

    /// Returns those of `ids` that pass `filters` as hits scored 0, highlighted for `q`: the
    /// documents a semantic match found that the query's words did not. Occupations and
    /// skills only (openings' circles are not applied here).
    pub fn hits_by_ids(
        &self,
        kind: IndexKind,
        ids: &[i64],
        q: &str,
        filters: &Filters,
    ) -> Result<Vec<Hit>, SearchError> {
        if !matches!(kind, IndexKind::Occupations | IndexKind::Skills) {
            return Err(SearchError::invalid(format!(
                "{kind} cannot be looked up by id"
            )));
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let index = self.kind(kind);
        let mut analyzers = index.analyzers.take();
        let parsed = query::parse(q, &mut analyzers)?;
        let searcher = index.reader.searcher();
        let compiled = compile_filters(kind, &index.fields, filters)?;
        let terms = ids
            .iter()
            .map(|id| Term::from_field_i64(index.fields.id, *id));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            filter_query(Box::new(TermSetQuery::new(terms))),
        )];
        clauses.extend(compiled.must.iter().map(|q| (Occur::Must, q.box_clone())));
        let collector = SearchCollector {
            mode: SortMode::Relevance,
            limit: ids.len(),
            after: None,
            facets: compiled.facets.clone(),
            post: compiled.post.clone(),
            remote_facet: compiled.remote_facet,
            count_cap: COUNT_CAP,
            exhaustive_top: true,
        };
        let collected = collector
            .run(&searcher, &index.columns, &BooleanQuery::new(clauses))
            .context(|| format!("look up documents of the {kind} index"))?;
        let plans = query::plan(&index.fields, &parsed, &searcher, &mut analyzers);
        let matcher = Matcher::new(&parsed, &plans);
        let request = SearchRequest::new(q, ids.len());
        Ok(self
            .response(
                &index,
                &searcher,
                &matcher,
                &request,
                &compiled.facets,
                collected,
            )?
            .hits)
    }

    fn response(
        &self,
        index: &KindIndex,
        searcher: &Searcher,
        matcher: &Matcher,
        request: &SearchRequest,
        facets: &[FacetSpec],
        collected: Collected,
    ) -> Result<SearchResponse, SearchError> {
        let kind = index.kind;
        let mut analyzers = index.analyzers.take();
        let mut hits = Vec::with_capacity(collected.top.len());
        for entry in &collected.top {
            let doc: TantivyDocument = searcher
                .doc(entry.addr)
                .context(|| format!("load a stored document of the {kind} index"))?;
            let stored = Stored { doc: &doc };
            let title = stored.str(Some(index.fields.title)).unwrap_or_default();
            let body = stored.str(Some(index.fields.body)).unwrap_or_default();
            hits.push(Hit {
                id: entry.key.id,
                score: if request.sort == SortOrder::Relevance {
                    entry.score
                } else {
                    0.0
                },
                title_html: highlight::highlight_all(&title, matcher, &mut analyzers),
                snippet_html: highlight::snippet(&body, matcher, &mut analyzers),
                title,
                details: stored.details(kind, &index.fields, entry.distance_km),
            });
        }
        let mut facet_map = BTreeMap::new();
        for (spec, counts) in facets.iter().zip(collected.facets) {
            let mut values: Vec<FacetCount> = counts
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            facet_map.insert(spec.name.to_owned(), values);
        }
        if kind == IndexKind::Openings {
            let [on_site, remote] = collected.remote;
            let values = [("true", remote), ("false", on_site)]
                .into_iter()
                .filter(|(_, count)| *count > 0)
                .map(|(value, count)| FacetCount {
                    value: value.into(),
                    count,
                })
                .collect();
            facet_map.insert("remote".to_owned(), values);
        }
        let next_cursor = match collected.top.last() {
            Some(last) if collected.more => Some(encode_cursor(request.sort, last.key)),
            _ => None,
        };
        Ok(SearchResponse {
            total: collected.total,
            total_exact: collected.exact,
            hits,
            facets: facet_map,
            next_cursor,
        })
    }

    /// Returns the ids of up to `limit` openings for any of `occupations` that pass `filters`
    /// (open only unless `filters.statuses` says otherwise; `near` with `remote: Some(true)`
    /// keeps remote ones too), newest first then by id — the candidate set a recommendation
    /// re-ranks exactly. No text query, no facets, no stored fields read.
    pub fn opening_ids(
        &self,
        occupations: &[i64],
        filters: &OpeningFilters,
        limit: usize,
    ) -> Result<Vec<i64>, SearchError> {
        if occupations.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let index = self.kind(IndexKind::Openings);
        let field = index.fields.occupation_id.ok_or_else(|| {
            SearchError::internal(
                "find opening candidates",
                std::io::Error::other("openings schema lacks occupation_id"),
            )
        })?;
        let compiled = compile_filters(
            IndexKind::Openings,
            &index.fields,
            &Filters::Openings(filters.clone()),
        )?;
        let any_occupation: Box<dyn Query> = Box::new(BooleanQuery::new(
            occupations
                .iter()
                .map(|&id| (Occur::Should, term_filter(Term::from_field_i64(field, id))))
                .collect(),
        ));
        // No geo prefilter: a few occupations' openings are fewer than the rows a range scan
        // of the latitude and longitude columns reads, and the collector checks each place.
        let mut clauses = vec![(Occur::Must, any_occupation)];
        clauses.extend(compiled.must.into_iter().map(|q| (Occur::Must, q)));
        let query = BooleanQuery::new(clauses);
        let collector = SearchCollector {
            mode: SortMode::Date,
            limit,
            after: None,
            // Region selections still filter; nothing is counted for display.
            facets: compiled.facets,
            post: compiled.post,
            remote_facet: false,
            count_cap: COUNT_CAP,
            exhaustive_top: true,
        };
        let searcher = index.reader.searcher();
        let collected = collector
            .run(&searcher, &index.columns, &query)
            .context(|| "find opening candidates in the openings index".to_owned())?;
        Ok(collected.top.iter().map(|e| e.key.id).collect())
    }

    /// Returns up to `limit` (1 to 100) documents whose title or synonyms contain words
    /// starting with the words of `prefix` (all but the last must match whole), title matches
    /// first, then shorter titles. Blank or symbol-only input gives no suggestions.
    pub fn suggest(
        &self,
        kind: IndexKind,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Suggestion>, SearchError> {
        check_limit(limit)?;
        let index = self.kind(kind);
        let mut analyzers = index.analyzers.take();
        let parsed = query::parse(&prefix.replace('"', " "), &mut analyzers)?;
        if parsed.words.is_empty() {
            return Ok(Vec::new());
        }
        let query = query::build_suggest(&index.fields, &parsed.words);
        let collector = SearchCollector {
            mode: SortMode::Suggest,
            limit,
            after: None,
            facets: Vec::new(),
            post: PostFilter::default(),
            remote_facet: false,
            count_cap: SUGGEST_SCAN,
            exhaustive_top: false,
        };
        let searcher = index.reader.searcher();
        let collected = collector
            .run(&searcher, &index.columns, query.as_ref())
            .context(|| format!("suggest from the {kind} index"))?;
        collected
            .top
            .iter()
            .map(|entry| {
                let doc: TantivyDocument = searcher
                    .doc(entry.addr)
                    .context(|| format!("load a stored document of the {kind} index"))?;
                let title = Stored { doc: &doc }
                    .str(Some(index.fields.title))
                    .unwrap_or_default();
                Ok(Suggestion {
                    id: entry.key.id,
                    title,
                })
            })
            .collect()
    }
}
