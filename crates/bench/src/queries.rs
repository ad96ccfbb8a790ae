//! The query set: classes of openings searches (single word, multi-word, typo'd, filtered,
//! faceted, geo) and suggestion prefixes, drawn deterministically from the real postings, and
//! their forms for each system (Reskill's API, the peers' handler, `SearchIndexes::search`).

use std::collections::HashMap;

use chrono::Utc;
use reskill_ingest::text::normalise;
use reskill_search::{Filters, GeoFilter, OpeningFilters, SearchRequest};
use serde::{Deserialize, Serialize};

use crate::generator::{Corpus, Posting};
use crate::rng::Rng;

/// Hits per page in every system.
pub const PAGE: usize = 20;
/// Suggestions per prefix.
pub const SUGGESTIONS: usize = 8;
/// Radius of geo queries, in km.
pub const GEO_RADIUS_KM: f64 = 25.0;

/// A kind of query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryClass {
    /// One frequent title word.
    Single,
    /// A real title of 2–4 words.
    Multi,
    /// A title or word with one typing error in a word of 5+ letters.
    Typo,
    /// Multi-word plus remote, salary or recency filters.
    Filtered,
    /// One word restricted to a region, with region facet counts.
    Faceted,
    /// One or more words within 25 km of a real place.
    Geo,
}

impl QueryClass {
    /// Every class, in report order.
    pub const ALL: [QueryClass; 6] = [
        Self::Single,
        Self::Multi,
        Self::Typo,
        Self::Filtered,
        Self::Faceted,
        Self::Geo,
    ];

    /// Returns the report name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single word",
            Self::Multi => "multi-word",
            Self::Typo => "typo'd",
            Self::Filtered => "filtered",
            Self::Faceted => "faceted",
            Self::Geo => "geo 25 km",
        }
    }
}

/// One openings search, in terms every system understands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchQuery {
    /// Free text.
    pub q: String,
    /// Remote only.
    pub remote: Option<bool>,
    /// Salary overlap range.
    pub salary: Option<(f64, f64)>,
    /// Posted within this many days of today (UTC).
    pub posted_within_days: Option<u32>,
    /// Regions to keep.
    pub regions: Vec<String>,
    /// Centre and radius in km.
    pub near: Option<(f64, f64, f64)>,
    /// Whether peers compute region facet counts (Reskill always does).
    pub facets: bool,
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

impl BenchQuery {
    /// Returns the query parameters shared by Reskill's API and the peers' handler.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut params = vec![("q".to_owned(), self.q.clone())];
        params.push(("limit".to_owned(), PAGE.to_string()));
        if let Some(remote) = self.remote {
            params.push(("remote".to_owned(), remote.to_string()));
        }
        if let Some((lo, hi)) = self.salary {
            params.push(("salary_min".to_owned(), lo.to_string()));
            params.push(("salary_max".to_owned(), hi.to_string()));
        }
        if let Some(days) = self.posted_within_days {
            params.push(("posted_within_days".to_owned(), days.to_string()));
        }
        for region in &self.regions {
            params.push(("region".to_owned(), region.clone()));
        }
        if let Some((lat, lon, radius)) = self.near {
            params.push(("lat".to_owned(), lat.to_string()));
            params.push(("lon".to_owned(), lon.to_string()));
            params.push(("radius_km".to_owned(), radius.to_string()));
        }
        params
    }

    fn query_string(&self, extra: &[(&str, &str)]) -> String {
        self.params()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.iter().copied())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Returns the path of Reskill's openings search API for this query.
    pub fn reskill_path(&self) -> String {
        format!("/api/v1/search/openings?{}", self.query_string(&[]))
    }

    /// Returns the path of a peer's handler for this query.
    pub fn peer_path(&self) -> String {
        let extra: &[(&str, &str)] = if self.facets { &[("facets", "1")] } else { &[] };
        format!("/search?{}", self.query_string(extra))
    }

    /// Returns the request Reskill's API builds from the same parameters.
    pub fn search_request(&self) -> SearchRequest {
        SearchRequest {
            q: self.q.clone(),
            filters: Filters::Openings(OpeningFilters {
                regions: self.regions.clone(),
                near: self.near.map(|(lat, lon, radius_km)| GeoFilter {
                    lat,
                    lon,
                    radius_km,
                }),
                remote: self.remote,
                salary_min: self.salary.map(|s| s.0),
                salary_max: self.salary.map(|s| s.1),
                posted_within_days: self.posted_within_days,
                today: None,
                ..OpeningFilters::default()
            }),
            ..SearchRequest::new("", PAGE)
        }
    }

    /// Parses the peers' query parameters.
    pub fn from_params(params: &[(String, String)]) -> anyhow::Result<(Self, usize)> {
        let mut query = BenchQuery::default();
        let mut limit = PAGE;
        let (mut lat, mut lon, mut radius) = (None, None, None);
        let (mut lo, mut hi) = (None, None);
        for (k, v) in params {
            match k.as_str() {
                "q" => query.q = v.clone(),
                "limit" => limit = v.parse()?,
                "remote" => query.remote = Some(v.parse()?),
                "salary_min" => lo = Some(v.parse::<f64>()?),
                "salary_max" => hi = Some(v.parse::<f64>()?),
                "posted_within_days" => query.posted_within_days = Some(v.parse()?),
                "region" => query.regions.push(v.clone()),
                "lat" => lat = Some(v.parse::<f64>()?),
                "lon" => lon = Some(v.parse::<f64>()?),
                "radius_km" => radius = Some(v.parse::<f64>()?),
                "facets" => query.facets = v == "1",
                other => anyhow::bail!("unknown parameter {other}"),
            }
        }
        if lo.is_some() || hi.is_some() {
            query.salary = Some((lo.unwrap_or(f64::MIN), hi.unwrap_or(f64::MAX)));
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            query.near = Some((lat, lon, radius.unwrap_or(GEO_RADIUS_KM)));
        }
        Ok((query, limit.clamp(1, 100)))
    }

    /// Returns the first day of the `posted_within_days` window, as the API computes it.
    pub fn posted_since(&self) -> Option<chrono::NaiveDate> {
        let days = self.posted_within_days?;
        Utc::now()
            .date_naive()
            .checked_sub_days(chrono::Days::new(u64::from(days)))
    }

    /// Returns the latitude/longitude box around `near` that Reskill's index pre-filters with
    /// (longitude open near the poles and the antimeridian).
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        let (lat, lon, radius) = self.near?;
        let dlat = radius / 110.0;
        let cos = (lat.abs() + dlat).min(90.0).to_radians().cos();
        let mut lon_range = None;
        if cos > 0.01 {
            let dlon = radius / (111.0 * cos);
            if dlon < 180.0 && lon - dlon >= -180.0 && lon + dlon <= 180.0 {
                lon_range = Some((lon - dlon, lon + dlon));
            }
        }
        Some(BoundingBox {
            lat: (lat - dlat, lat + dlat),
            lon: lon_range,
        })
    }
}

/// A latitude/longitude box, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Latitude range.
    pub lat: (f64, f64),
    /// Longitude range; `None` when open.
    pub lon: Option<(f64, f64)>,
}

/// The whole query set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuerySet {
    /// Searches by class.
    pub searches: Vec<(QueryClass, Vec<BenchQuery>)>,
    /// Suggestion prefixes.
    pub suggest: Vec<String>,
}

/// Words too common in titles to search for alone.
const STOP: &[&str] = &[
    "and", "the", "for", "with", "band", "senior", "junior", "time", "part", "full", "lead",
];

fn title_words(posting: &Posting) -> Vec<String> {
    normalise(&posting.title)
        .split(' ')
        .filter(|w| w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .filter(|w| !STOP.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Returns `word` with one typing error at its middle letter, cycling through a swap with the
/// previous letter, a deletion and a substitution by the right-hand QWERTY neighbour (the typo
/// set of the search quality test).
pub fn typo(word: &str, variant: usize) -> String {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let mut chars: Vec<char> = word.chars().collect();
    let mid = chars.len() / 2;
    match variant % 3 {
        0 if mid > 0 => chars.swap(mid - 1, mid),
        1 if chars.len() >= 6 => {
            chars.remove(mid);
        }
        _ => {
            let c = chars[mid];
            let neighbour = ROWS
                .iter()
                .find_map(|row| {
                    let i = row.find(c)?;
                    row.chars()
                        .nth(i + 1)
                        .or_else(|| row.chars().nth(i.saturating_sub(1)))
                })
                .unwrap_or('e');
            chars[mid] = neighbour;
        }
    }
    chars.into_iter().collect()
}

/// Draws `per_class` queries of every class and `per_class` suggestion prefixes from the corpus.
pub fn build(corpus: &Corpus, seed: u64, per_class: usize) -> QuerySet {
    let postings = corpus.postings();
    let mut rng = Rng::new(seed ^ 0x5157_4552_5945_5321);
    // Frequent title words.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in postings {
        for w in title_words(p) {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let singles: Vec<String> = words.iter().take(per_class).map(|w| w.0.clone()).collect();
    // Real titles of 2–4 searchable words, distinct.
    let mut multis: Vec<String> = Vec::new();
    let mut tries = 0;
    while multis.len() < per_class && tries < 100_000 {
        tries += 1;
        let p = rng.pick(postings);
        let words: Vec<String> = normalise(&p.title)
            .split(' ')
            .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
            .map(str::to_owned)
            .collect();
        if (2..=4).contains(&words.len()) && words.iter().any(|w| w.len() >= 5) {
            let q = words.join(" ");
            if !multis.contains(&q) {
                multis.push(q);
            }
        }
    }
    let typos: Vec<String> = multis
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let longest = q.split(' ').max_by_key(|w| w.len()).unwrap_or_default();
            q.replacen(longest, &typo(longest, i), 1)
        })
        .collect();
    // Regions and places with coordinates, most postings first.
    let mut region_counts: HashMap<String, usize> = HashMap::new();
    for p in postings {
        if let Some(region) = p.place.as_ref().and_then(|p| p.region.clone()) {
            *region_counts.entry(region).or_default() += 1;
        }
    }
    let mut regions: Vec<(String, usize)> = region_counts.into_iter().collect();
    regions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let regions: Vec<String> = regions.into_iter().take(10).map(|r| r.0).collect();
    let places = corpus.busiest_places(10);

    let plain = |q: &str| BenchQuery {
        q: q.to_owned(),
        ..BenchQuery::default()
    };
    let filtered = multis
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut query = plain(q);
            match i % 4 {
                0 => query.remote = Some(true),
                1 => query.salary = Some((25_000.0, 45_000.0)),
                2 => query.posted_within_days = Some(30),
                _ => {
                    query.salary = Some((30_000.0, 80_000.0));
                    query.posted_within_days = Some(90);
                }
            }
            query
        })
        .collect();
    let faceted = singles
        .iter()
        .enumerate()
        .map(|(i, q)| BenchQuery {
            regions: regions
                .get(i % regions.len().max(1))
                .cloned()
                .into_iter()
                .collect(),
            facets: true,
            ..plain(q)
        })
        .collect();
    let geo = (0..per_class)
        .filter_map(|i| {
            let (_, lat, lon) = places.get(i % places.len().max(1))?;
            let q = if i % 2 == 0 {
                &singles[i % singles.len()]
            } else {
                &multis[i % multis.len()]
            };
            Some(BenchQuery {
                near: Some((*lat, *lon, GEO_RADIUS_KM)),
                ..plain(q)
            })
        })
        .collect();
    let suggest = (0..per_class)
        .map(|i| {
            if i % 2 == 0 {
                let w = &singles[i % singles.len()];
                w.chars().take(3 + i % 3).collect()
            } else {
                let q = &multis[i % multis.len()];
                let mut words: Vec<&str> = q.split(' ').collect();
                let last = words.pop().unwrap_or_default();
                let prefix: String = last.chars().take(3).collect();
                words.push(&prefix);
                words.join(" ")
            }
        })
        .collect();
    QuerySet {
        searches: vec![
            (
                QueryClass::Single,
                singles.iter().map(|q| plain(q)).collect(),
            ),
            (QueryClass::Multi, multis.iter().map(|q| plain(q)).collect()),
            (QueryClass::Typo, typos.iter().map(|q| plain(q)).collect()),
            (QueryClass::Filtered, filtered),
            (QueryClass::Faceted, faceted),
            (QueryClass::Geo, geo),
        ],
        suggest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_one_letter() {
        assert_eq!(typo("nurse", 0), "nruse");
        assert_eq!(typo("teacher", 1), "teaher");
        assert_eq!(typo("nurse", 2), "nutse");
        assert_eq!(encode("care & support"), "care%20%26%20support");
    }

    #[test]
    fn params_round_trip() {
        let query = BenchQuery {
            q: "staff nurse".into(),
            remote: Some(true),
            salary: Some((1.0, 2.0)),
            posted_within_days: Some(30),
            regions: vec!["Kent".into()],
            near: Some((51.5, -0.1, 25.0)),
            facets: true,
        };
        let mut params = query.params();
        params.push(("facets".into(), "1".into()));
        let (parsed, limit) = BenchQuery::from_params(&params).unwrap();
        assert_eq!(parsed, query);
        assert_eq!(limit, PAGE);
    }
}
