//! Runs a query: applies the filters that a query cannot express cheaply (exact distance,
//! remote-or-near, salary overlap, facet selections), counts the total and facets exactly over
//! the first [`COUNT_CAP`] matches, and keeps the top hits after the cursor — exactly, over
//! every match, with tantivy's block-max pruning where the query allows it (see
//! [`SearchCollector::run`]).
//!
//! Facets are "disjunctive": a document that fails only facet F's selection still counts
//! towards F's values, so a facet lists the values the user could switch to. Facet values are
//! read from string fast-field columns by term ordinal and resolved to strings once per segment.
//!
//! A segment's columns are opened once and kept in a [`ColumnCache`]: opening a column parses
//! its header, and a blockwise-linear one (ids, dates) decodes every block's parameters, which
//! per query and segment was a tenth of a search at 1M openings.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use reskill_core::catalog::haversine_km;
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocId, Score, Searcher, TERMINATED};

use crate::model::GeoFilter;

/// Ordering of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortMode {
    /// Score, then ascending id.
    Relevance,
    /// Sort date, then ascending id.
    Date,
    /// Score, then shorter titles, then ascending id.
    Suggest,
}

/// Position of a hit in the result order; larger `primary` is better, then smaller `id`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SortKey {
    pub primary: f64,
    pub id: i64,
}

impl SortKey {
    /// Returns `Greater` when `self` ranks before `other`.
    pub(crate) fn goodness(&self, other: &SortKey) -> Ordering {
        self.primary
            .total_cmp(&other.primary)
            .then_with(|| other.id.cmp(&self.id))
    }
}

/// A facet to count and, when `allowed` is not empty, to filter on.
#[derive(Debug, Clone)]
pub(crate) struct FacetSpec {
    pub name: &'static str,
    pub field: &'static str,
    pub allowed: Vec<String>,
}

/// Filters evaluated per document from fast fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct PostFilter {
    /// Statuses to keep (openings); empty keeps all.
    pub statuses: Vec<String>,
    /// Earliest `sort_date` to keep, Unix seconds.
    pub since: Option<i64>,
    pub near: Option<GeoFilter>,
    pub remote: Option<bool>,
    /// Wanted salary range; openings overlapping it pass.
    pub salary: Option<(f64, f64)>,
}

pub(crate) struct SearchCollector {
    pub mode: SortMode,
    pub limit: usize,
    pub after: Option<SortKey>,
    pub facets: Vec<FacetSpec>,
    pub post: PostFilter,
    /// Count the `remote` field of the hits as a facet.
    pub remote_facet: bool,
    /// Matches visited before the total becomes a lower bound ([`COUNT_CAP`]).
    pub count_cap: u64,
    /// Whether the top hits must be the best of every match (search), or may be the best of
    /// the first `count_cap` matches in index order (suggestions, where speed matters more).
    pub exhaustive_top: bool,
}

/// Matches of the query visited (their hits counted, with facets) before a total is reported
/// as "at least".
pub(crate) const COUNT_CAP: u64 = 10_000;

/// One retained hit.
#[derive(Debug, Clone)]
pub(crate) struct TopEntry {
    pub key: SortKey,
    pub addr: DocAddress,
    pub score: Score,
    pub distance_km: Option<f64>,
}

impl PartialEq for TopEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for TopEntry {}
impl PartialOrd for TopEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TopEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .goodness(&other.key)
            .then_with(|| other.addr.cmp(&self.addr))
    }
}

/// What the collector found.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    /// Hits across all pages; a lower bound when `exact` is false.
    pub total: u64,
    /// Whether `total` and the facet counts cover every hit.
    pub exact: bool,
    /// Whether a page may follow this one.
    pub more: bool,
    /// Best hits after the cursor, best first, at most `limit`.
    pub top: Vec<TopEntry>,
    /// Counts per facet spec, in spec order.
    pub facets: Vec<HashMap<String, u64>>,
    /// Counted hits that are on-site (`[0]`) and remote (`[1]`).
    pub remote: [u64; 2],
}

struct SegmentFacet {
    column: Option<StrValues>,
    /// `None`: no selection on this facet; otherwise the selected values' ordinals here.
    allowed: Option<Vec<u64>>,
    counts: Vec<u64>,
}

impl SegmentFacet {
    fn passes(&self, doc: DocId) -> bool {
        match &self.allowed {
            None => true,
            Some(allowed) => self.column.as_ref().is_some_and(|c| {
                c.column
                    .ords()
                    .values_for_doc(doc)
                    .any(|ord| allowed.contains(&ord))
            }),
        }
    }

    fn count(&mut self, doc: DocId) {
        if let Some(column) = &self.column {
            for ord in column.column.ords().values_for_doc(doc) {
                if let Some(slot) = self.counts.get_mut(ord as usize) {
                    *slot += 1;
                }
            }
        }
    }
}

/// A string column and its values by term ordinal.
#[derive(Clone)]
struct StrValues {
    column: StrColumn,
    /// Every value, by ordinal (sorted, as the dictionary is).
    values: Arc<[String]>,
}

impl StrValues {
    fn ord(&self, value: &str) -> Option<u64> {
        self.values
            .binary_search_by(|v| v.as_str().cmp(value))
            .ok()
            .map(|i| i as u64)
    }
}

/// The fast-field columns of one segment that searches read.
struct SegmentColumns {
    id: Column<i64>,
    sort_date: Option<Column<i64>>,
    title_len: Option<Column<u64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
    remote: Option<Column<bool>>,
    salary_min: Option<Column<f64>>,
    salary_max: Option<Column<f64>>,
    strs: HashMap<String, StrValues>,
}

impl SegmentColumns {
    fn open(segment: &SegmentReader) -> tantivy::Result<Self> {
        let ff = segment.fast_fields();
        let mut strs = HashMap::new();
        for (_, entry) in segment.schema().fields() {
            if !(entry.is_fast()
                && matches!(entry.field_type(), tantivy::schema::FieldType::Str(_)))
            {
                continue;
            }
            let Some(column) = ff.str(entry.name())? else {
                continue;
            };
            // The string fast fields are facets and statuses: a few to a few thousand values.
            let dictionary = column.dictionary();
            let mut values = Vec::with_capacity(dictionary.num_terms());
            let mut stream = dictionary.stream()?;
            while stream.advance() {
                values.push(String::from_utf8_lossy(stream.key()).into_owned());
            }
            strs.insert(
                entry.name().to_owned(),
                StrValues {
                    column,
                    values: values.into(),
                },
            );
        }
        Ok(Self {
            id: ff.i64("id")?,
            sort_date: ff.column_opt("sort_date")?,
            title_len: ff.column_opt("title_len")?,
            lat: ff.column_opt("lat")?,
            lon: ff.column_opt("lon")?,
            remote: ff.column_opt("remote")?,
            salary_min: ff.column_opt("salary_min")?,
            salary_max: ff.column_opt("salary_max")?,
            strs,
        })
    }
}

/// Opened columns per segment, shared by the searches of one index.
#[derive(Default)]
pub(crate) struct ColumnCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    /// Returns the columns of each of the searcher's segments, opening those not seen before
    /// and forgetting segments merged away.
    fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<Vec<Arc<SegmentColumns>>> {
        let readers = searcher.segment_readers();
        let mut cached = self.segments.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.len() > readers.len() {
            cached.retain(|id, _| readers.iter().any(|r| r.segment_id() == *id));
        }
        readers
            .iter()
            .map(|reader| {
                if let Some(columns) = cached.get(&reader.segment_id()) {
                    return Ok(Arc::clone(columns));
                }
                let columns = Arc::new(SegmentColumns::open(reader)?);
                cached.insert(reader.segment_id(), Arc::clone(&columns));
                Ok(columns)
            })
            .collect()
    }
}

/// Per-segment state: the fast-field columns the filters, facets and sort read.
struct Segment {
    ord: u32,
    columns: Arc<SegmentColumns>,
    /// The `status` column and the ordinals of the wanted statuses, when filtering on them.
    status: Option<(StrColumn, Vec<u64>)>,
    facets: Vec<SegmentFacet>,
}

/// The best hits after the cursor, across segments.
struct Top {
    limit: usize,
    after: Option<SortKey>,
    heap: BinaryHeap<Reverse<TopEntry>>,
    /// Hits after the cursor offered to the heap.
    offered: u64,
}

impl Top {
    fn new(limit: usize, after: Option<SortKey>) -> Self {
        Top {
            limit,
            after,
            heap: BinaryHeap::with_capacity(limit + 1),
            offered: 0,
        }
    }

    /// Offers a hit; returns whether it is after the cursor.
    fn offer(&mut self, entry: TopEntry) -> bool {
        if self
            .after
            .is_some_and(|after| entry.key.goodness(&after) != Ordering::Less)
        {
            return false;
        }
        self.offered += 1;
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(entry));
        } else if self.heap.peek().is_some_and(|worst| entry > worst.0) {
            self.heap.pop();
            self.heap.push(Reverse(entry));
        }
        true
    }

    /// The score a document must beat to enter a full heap, lowered by one step so that ties
    /// (broken by id) are still seen; `None` while the heap has room.
    fn threshold(&self, mode: SortMode) -> Option<Score> {
        if self.heap.len() < self.limit {
            return None;
        }
        let worst = self.heap.peek()?.0.key.primary;
        let score = match mode {
            SortMode::Relevance => worst,
            // primary = score × 1000 − title length (0–999): a better key needs score > worst / 1000.
            SortMode::Suggest => worst / 1000.0,
            SortMode::Date => return None,
        } as f32;
        Some(if score > 0.0 {
            f32::from_bits(score.to_bits() - 1)
        } else {
            f32::MIN
        })
    }
}

impl SearchCollector {
    fn segment(&self, ord: u32, columns: &Arc<SegmentColumns>) -> Segment {
        let facets = self
            .facets
            .iter()
            .map(|spec| {
                let column = columns.strs.get(spec.field).cloned();
                let num_terms = column.as_ref().map_or(0, |c| c.values.len());
                let allowed = (!spec.allowed.is_empty()).then(|| {
                    column.as_ref().map_or_else(Vec::new, |c| {
                        spec.allowed.iter().filter_map(|v| c.ord(v)).collect()
                    })
                });
                SegmentFacet {
                    column,
                    allowed,
                    counts: vec![0; num_terms],
                }
            })
            .collect();
        let status = if self.post.statuses.is_empty() {
            None
        } else {
            columns.strs.get("status").map(|c| {
                let wanted = self.post.statuses.iter().filter_map(|v| c.ord(v));
                (c.column.clone(), wanted.collect())
            })
        };
        Segment {
            ord,
            columns: Arc::clone(columns),
            status,
            facets,
        }
    }

    /// Runs `query` over every segment.
    ///
    /// Pass one visits matches of the query in index order, counting the hits that pass the
    /// filters and their facets, until it has visited `count_cap` matches; when the matches
    /// run out first, it is exact and the only pass. Otherwise the total is a lower bound, the
    /// facets count the hits among those first matches, and pass two finds the true top hits
    /// over every match — with tantivy's block-max pruning when the query allows it, starting
    /// from the first pass's threshold. The cap is on matches visited, not on hits, so that a
    /// selective filter (a region, a salary band) does not make pass one read a large share of
    /// a broad word's postings before pass two skips through them anyway.
    pub(crate) fn run(
        &self,
        searcher: &Searcher,
        columns: &ColumnCache,
        query: &dyn Query,
    ) -> tantivy::Result<Collected> {
        let scoring = self.mode != SortMode::Date;
        let weight = query.weight(if scoring {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        })?;
        let readers = searcher.segment_readers();
        let columns = columns.for_searcher(searcher)?;
        let mut segments = Vec::with_capacity(readers.len());
        let mut top = Top::new(self.limit, self.after);
        let mut total = 0u64;
        let mut visited = 0u64;
        let mut remote_counts = [0u64; 2];
        let mut capped = false;
        'segments: for (ord, reader) in readers.iter().enumerate() {
            let mut segment = self.segment(ord as u32, &columns[ord]);
            let alive = reader.alive_bitset();
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if visited >= self.count_cap {
                    capped = true;
                    segments.push(segment);
                    break 'segments;
                }
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    visited += 1;
                    let score = if scoring { scorer.score() } else { 0.0 };
                    if let Some(entry) = self.count(&mut segment, doc, score, &mut remote_counts) {
                        total += 1;
                        top.offer(entry);
                    }
                }
                doc = scorer.advance();
            }
            segments.push(segment);
        }
        let exact = !capped;
        if capped && self.exhaustive_top {
            let mut full = Top::new(self.limit, self.after);
            // The first pass's k-th best is a floor for the true k-th best.
            let floor = top.threshold(self.mode).unwrap_or(f32::MIN);
            for (ord, reader) in readers.iter().enumerate() {
                let segment = self.segment(ord as u32, &columns[ord]);
                let alive = reader.alive_bitset();
                let start = full.threshold(self.mode).unwrap_or(f32::MIN).max(floor);
                let mut visit = |doc: DocId, score: Score| -> Score {
                    if alive.is_none_or(|a| a.is_alive(doc))
                        && let Some(entry) = self.accept(&segment, doc, score)
                    {
                        full.offer(entry);
                    }
                    full.threshold(self.mode).unwrap_or(f32::MIN).max(floor)
                };
                if scoring {
                    weight.for_each_pruning(start, reader, &mut visit)?;
                } else {
                    weight.for_each_no_score(reader, &mut |docs: &[DocId]| {
                        for &doc in docs {
                            visit(doc, 0.0);
                        }
                    })?;
                }
            }
            top = full;
        }
        let facets = self.harvest_facets(&segments);
        let more = if exact {
            top.offered > top.heap.len() as u64
        } else {
            // Beyond the cap some hits were skipped unseen; a full page may have a next one.
            top.heap.len() == self.limit
        };
        let mut hits: Vec<TopEntry> = top.heap.into_iter().map(|r| r.0).collect();
        hits.sort_by(|a, b| b.cmp(a));
        Ok(Collected {
            total,
            exact,
            more,
            top: hits,
            facets,
            remote: remote_counts,
        })
    }

    /// First pass: filters, counts facets, and returns the hit when it passes every filter.
    fn count(
        &self,
        segment: &mut Segment,
        doc: DocId,
        score: Score,
        remote_counts: &mut [u64; 2],
    ) -> Option<TopEntry> {
        let distance_km = segment.passes_post_filters(&self.post, doc)?;
        let mut failed = None;
        for (i, facet) in segment.facets.iter().enumerate() {
            if !facet.passes(doc) {
                if failed.is_some() {
                    return None;
                }
                failed = Some(i);
            }
        }
        if let Some(i) = failed {
            segment.facets[i].count(doc);
            return None;
        }
        for facet in &mut segment.facets {
            facet.count(doc);
        }
        if self.remote_facet {
            let is_remote = segment
                .columns
                .remote
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(false);
            remote_counts[usize::from(is_remote)] += 1;
        }
        Some(segment.entry(self.mode, doc, score, distance_km))
    }

    /// Second pass: the same filters, nothing counted.
    fn accept(&self, segment: &Segment, doc: DocId, score: Score) -> Option<TopEntry> {
        let distance_km = segment.passes_post_filters(&self.post, doc)?;
        if !segment.facets.iter().all(|f| f.passes(doc)) {
            return None;
        }
        Some(segment.entry(self.mode, doc, score, distance_km))
    }

    fn harvest_facets(&self, segments: &[Segment]) -> Vec<HashMap<String, u64>> {
        let mut out = vec![HashMap::new(); self.facets.len()];
        for segment in segments {
            for (into, facet) in out.iter_mut().zip(&segment.facets) {
                if let Some(column) = &facet.column {
                    for (value, &count) in column.values.iter().zip(&facet.counts) {
                        if count > 0 {
                            *into.entry(value.clone()).or_default() += count;
                        }
                    }
                }
            }
        }
        out
    }
}

impl Segment {
    /// Applies the location and salary filters; returns the distance when `near` was given.
    fn passes_post_filters(&self, post: &PostFilter, doc: DocId) -> Option<Option<f64>> {
        if let Some((column, wanted)) = &self.status
            && !column
                .ords()
                .values_for_doc(doc)
                .any(|ord| wanted.contains(&ord))
        {
            return None;
        }
        if let Some(since) = post.since
            && self
                .columns
                .sort_date
                .as_ref()
                .and_then(|c| c.first(doc))
                .is_none_or(|date| date < since)
        {
            return None;
        }
        let mut distance = None;
        if post.near.is_some() || post.remote.is_some() {
            // Read only when the remote filter needs it: one column read fewer per hit.
            let is_remote = || {
                self.columns
                    .remote
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .unwrap_or(false)
            };
            let within = post.near.map(|near| {
                let lat = self.columns.lat.as_ref().and_then(|c| c.first(doc));
                let lon = self.columns.lon.as_ref().and_then(|c| c.first(doc));
                match (lat, lon) {
                    (Some(lat), Some(lon)) => {
                        let km = haversine_km(near.lat, near.lon, lat, lon);
                        distance = Some(km);
                        km <= near.radius_km
                    }
                    _ => false,
                }
            });
            let ok = match (within, post.remote) {
                (None, None) => true,
                (None, Some(wanted)) => is_remote() == wanted,
                (Some(within), None) => within,
                (Some(within), Some(true)) => within || is_remote(),
                (Some(within), Some(false)) => within && !is_remote(),
            };
            if !ok {
                return None;
            }
        }
        if let Some((low, high)) = post.salary {
            let min = self.columns.salary_min.as_ref().and_then(|c| c.first(doc));
            let max = self.columns.salary_max.as_ref().and_then(|c| c.first(doc));
            let (min, max) = match (min, max) {
                (None, None) => return None,
                (min, max) => (min.or(max)?, max.or(min)?),
            };
            if max < low || min > high {
                return None;
            }
        }
        Some(distance)
    }

    fn entry(
        &self,
        mode: SortMode,
        doc: DocId,
        score: Score,
        distance_km: Option<f64>,
    ) -> TopEntry {
        let primary = match mode {
            SortMode::Relevance => f64::from(score),
            SortMode::Date => self
                .columns
                .sort_date
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(i64::MIN) as f64,
            SortMode::Suggest => {
                let len = self
                    .columns
                    .title_len
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .unwrap_or(999)
                    .min(999);
                f64::from(score) * 1000.0 - len as f64
            }
        };
        TopEntry {
            key: SortKey {
                primary,
                id: self.columns.id.first(doc).unwrap_or_default(),
            },
            addr: DocAddress::new(self.ord, doc),
            score,
            distance_km,
        }
    }
}
