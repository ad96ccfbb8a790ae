//! One-pass collector: applies the filters that a query cannot express cheaply (exact distance,
//! remote-or-near, salary overlap, facet selections), counts facets, and keeps the top hits
//! after the cursor.
//!
//! Facets are "disjunctive": a document that fails only facet F's selection still counts
//! towards F's values, so a facet lists the values the user could switch to. Facet values are
//! read from string fast-field columns by term ordinal and resolved to strings once per segment.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};

use reskill_core::catalog::haversine_km;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentReader;
use tantivy::{DocAddress, DocId, Score};

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
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PostFilter {
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
}

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
    /// Hits across all pages.
    pub total: u64,
    /// Hits after the cursor (this page and later ones).
    pub remaining: u64,
    /// Best hits after the cursor, best first, at most `limit`.
    pub top: Vec<TopEntry>,
    /// Counts per facet spec, in spec order.
    pub facets: Vec<HashMap<String, u64>>,
    /// Hits that are on-site (`[0]`) and remote (`[1]`).
    pub remote: [u64; 2],
}

struct SegmentFacet {
    column: Option<StrColumn>,
    /// `None`: no selection on this facet; otherwise the selected values' ordinals here.
    allowed: Option<HashSet<u64>>,
    counts: Vec<u64>,
}

impl SegmentFacet {
    fn passes(&self, doc: DocId) -> bool {
        match &self.allowed {
            None => true,
            Some(allowed) => self.column.as_ref().is_some_and(|c| {
                c.ords()
                    .values_for_doc(doc)
                    .any(|ord| allowed.contains(&ord))
            }),
        }
    }

    fn count(&mut self, doc: DocId) {
        if let Some(column) = &self.column {
            for ord in column.ords().values_for_doc(doc) {
                if let Some(slot) = self.counts.get_mut(ord as usize) {
                    *slot += 1;
                }
            }
        }
    }
}

pub(crate) struct SearchSegmentCollector {
    segment_ord: u32,
    mode: SortMode,
    limit: usize,
    after: Option<SortKey>,
    post: PostFilter,
    id: Column<i64>,
    sort_date: Option<Column<i64>>,
    title_len: Option<Column<u64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
    remote: Option<Column<bool>>,
    salary_min: Option<Column<f64>>,
    salary_max: Option<Column<f64>>,
    facets: Vec<SegmentFacet>,
    remote_facet: bool,
    heap: BinaryHeap<Reverse<TopEntry>>,
    total: u64,
    remaining: u64,
    remote_counts: [u64; 2],
}

impl Collector for SearchCollector {
    type Fruit = Collected;
    type Child = SearchSegmentCollector;

    fn for_segment(
        &self,
        segment_ord: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SearchSegmentCollector> {
        let ff = segment.fast_fields();
        let mut facets = Vec::with_capacity(self.facets.len());
        for spec in &self.facets {
            let column = ff.str(spec.field)?;
            let num_terms = column.as_ref().map_or(0, |c| c.dictionary().num_terms());
            let allowed = if spec.allowed.is_empty() {
                None
            } else {
                let mut ords = HashSet::new();
                if let Some(column) = &column {
                    for value in &spec.allowed {
                        if let Some(ord) = column.dictionary().term_ord(value.as_bytes())? {
                            ords.insert(ord);
                        }
                    }
                }
                Some(ords)
            };
            facets.push(SegmentFacet {
                column,
                allowed,
                counts: vec![0; num_terms],
            });
        }
        let needs_location = self.post.near.is_some() || self.post.remote.is_some();
        Ok(SearchSegmentCollector {
            segment_ord,
            mode: self.mode,
            limit: self.limit,
            after: self.after,
            post: self.post,
            id: ff.i64("id")?,
            sort_date: ff.column_opt("sort_date")?,
            title_len: ff.column_opt("title_len")?,
            lat: if needs_location {
                ff.column_opt("lat")?
            } else {
                None
            },
            lon: if needs_location {
                ff.column_opt("lon")?
            } else {
                None
            },
            remote: if needs_location || self.remote_facet {
                ff.column_opt("remote")?
            } else {
                None
            },
            salary_min: ff.column_opt("salary_min")?,
            salary_max: ff.column_opt("salary_max")?,
            facets,
            remote_facet: self.remote_facet,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            total: 0,
            remaining: 0,
            remote_counts: [0; 2],
        })
    }

    fn requires_scoring(&self) -> bool {
        self.mode != SortMode::Date
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut merged = Collected {
            facets: vec![HashMap::new(); self.facets.len()],
            ..Collected::default()
        };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.remaining += fruit.remaining;
            merged.top.extend(fruit.top);
            for (into, from) in merged.facets.iter_mut().zip(fruit.facets) {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
            }
            merged.remote[0] += fruit.remote[0];
            merged.remote[1] += fruit.remote[1];
        }
        merged.top.sort_by(|a, b| b.cmp(a));
        merged.top.truncate(self.limit);
        Ok(merged)
    }
}

impl SearchSegmentCollector {
    /// Applies the location and salary filters; returns the distance when `near` was given.
    fn passes_post_filters(&self, doc: DocId) -> Option<Option<f64>> {
        let mut distance = None;
        if self.post.near.is_some() || self.post.remote.is_some() {
            let is_remote = self
                .remote
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(false);
            let within = self.post.near.map(|near| {
                let lat = self.lat.as_ref().and_then(|c| c.first(doc));
                let lon = self.lon.as_ref().and_then(|c| c.first(doc));
                match (lat, lon) {
                    (Some(lat), Some(lon)) => {
                        let km = haversine_km(near.lat, near.lon, lat, lon);
                        distance = Some(km);
                        km <= near.radius_km
                    }
                    _ => false,
                }
            });
            let ok = match (within, self.post.remote) {
                (None, None) => true,
                (None, Some(wanted)) => is_remote == wanted,
                (Some(within), None) => within,
                (Some(within), Some(true)) => within || is_remote,
                (Some(within), Some(false)) => within && !is_remote,
            };
            if !ok {
                return None;
            }
        }
        if let Some((low, high)) = self.post.salary {
            let min = self.salary_min.as_ref().and_then(|c| c.first(doc));
            let max = self.salary_max.as_ref().and_then(|c| c.first(doc));
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

    fn key(&self, doc: DocId, score: Score, id: i64) -> SortKey {
        let primary = match self.mode {
            SortMode::Relevance => f64::from(score),
            SortMode::Date => self
                .sort_date
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(i64::MIN) as f64,
            SortMode::Suggest => {
                let len = self
                    .title_len
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .unwrap_or(999)
                    .min(999);
                f64::from(score) * 1000.0 - len as f64
            }
        };
        SortKey { primary, id }
    }
}

impl SegmentCollector for SearchSegmentCollector {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(distance_km) = self.passes_post_filters(doc) else {
            return;
        };
        let mut failed = None;
        for (i, facet) in self.facets.iter().enumerate() {
            if !facet.passes(doc) {
                if failed.is_some() {
                    return;
                }
                failed = Some(i);
            }
        }
        if let Some(i) = failed {
            self.facets[i].count(doc);
            return;
        }
        for facet in &mut self.facets {
            facet.count(doc);
        }
        self.total += 1;
        if self.remote_facet {
            let is_remote = self
                .remote
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(false);
            self.remote_counts[usize::from(is_remote)] += 1;
        }
        let id = self.id.first(doc).unwrap_or_default();
        let key = self.key(doc, score, id);
        if self
            .after
            .is_some_and(|after| key.goodness(&after) != Ordering::Less)
        {
            return;
        }
        self.remaining += 1;
        let entry = TopEntry {
            key,
            addr: DocAddress::new(self.segment_ord, doc),
            score,
            distance_km,
        };
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(entry));
        } else if self.heap.peek().is_some_and(|worst| entry > worst.0) {
            self.heap.pop();
            self.heap.push(Reverse(entry));
        }
    }

    fn harvest(self) -> Collected {
        let facets = self
            .facets
            .into_iter()
            .map(|facet| {
                let mut out = HashMap::new();
                if let Some(column) = &facet.column {
                    let mut value = String::new();
                    for (ord, &count) in facet.counts.iter().enumerate() {
                        if count > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                            out.insert(value.clone(), count);
                        }
                    }
                }
                out
            })
            .collect();
        Collected {
            total: self.total,
            remaining: self.remaining,
            top: self.heap.into_iter().map(|r| r.0).collect(),
            facets,
            remote: self.remote_counts,
        }
    }
}
