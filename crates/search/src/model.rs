//! Plain, serde-serialisable inputs and outputs of the search API: documents to index, requests,
//! filters, hits and facet counts. Nothing here names a tantivy type.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::catalog::{CourseMode, OpeningStatus};
use reskill_core::risk::RiskBand;
use reskill_core::taxonomy::{ReuseLevel, SkillType};
use serde::{Deserialize, Serialize};

/// The four document kinds; each has its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IndexKind {
    /// ESCO occupations.
    Occupations,
    /// ESCO skills and knowledge.
    Skills,
    /// Courses (training programmes).
    Courses,
    /// Job openings.
    Openings,
}

impl IndexKind {
    /// Every kind, in a fixed order.
    pub const ALL: [IndexKind; 4] = [
        IndexKind::Occupations,
        IndexKind::Skills,
        IndexKind::Courses,
        IndexKind::Openings,
    ];

    /// Returns the kind's name, also used as its subdirectory name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Occupations => "occupations",
            Self::Skills => "skills",
            Self::Courses => "courses",
            Self::Openings => "openings",
        }
    }

    pub(crate) fn slot(self) -> usize {
        match self {
            Self::Occupations => 0,
            Self::Skills => 1,
            Self::Courses => 2,
            Self::Openings => 3,
        }
    }

    /// Returns whether documents of this kind carry a date, so [`SortOrder::Date`] applies.
    pub fn has_date(self) -> bool {
        matches!(self, Self::Courses | Self::Openings)
    }
}

impl std::fmt::Display for IndexKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An occupation as indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationDoc {
    /// Database key.
    pub id: i64,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub title: String,
    /// Alternative and hidden labels.
    pub synonyms: Vec<String>,
    /// Description.
    pub description: String,
    /// ISCO-08 unit group code, such as `4222`; its first digit is the major-group facet.
    pub isco_group: String,
    /// Automation risk band (`low`, `medium`, `high`), where scored.
    pub risk_band: Option<String>,
}

/// A skill or knowledge concept as indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillDoc {
    /// Database key.
    pub id: i64,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub title: String,
    /// Alternative and hidden labels.
    pub synonyms: Vec<String>,
    /// Description.
    pub description: String,
    /// ESCO skill type (`skill/competence`, `knowledge`), where known.
    pub skill_type: Option<String>,
    /// ESCO reuse level (`transversal`, …), where known.
    pub reuse_level: Option<String>,
}

/// A course as indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseDoc {
    /// Database key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Who runs it.
    pub provider: String,
    /// Description.
    pub description: String,
    /// Labels of the skills taught (searched like synonyms).
    pub skills: Vec<String>,
    /// Keys of the skills taught (filterable).
    pub skill_ids: Vec<i64>,
    /// Delivery mode as stored (`online`, `in_person`, `hybrid`).
    pub mode: String,
    /// Where it runs, for in-person and hybrid courses.
    pub place_name: Option<String>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Total cost; 0 for free.
    pub cost: f64,
    /// Length in weeks.
    pub duration_weeks: f64,
    /// Last change, used for date sorting.
    pub updated_at: DateTime<Utc>,
}

/// A job opening as indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningDoc {
    /// Database key.
    pub id: i64,
    /// Job title.
    pub title: String,
    /// Employer name.
    pub organisation: String,
    /// Full description.
    pub description: String,
    /// Key of the occupation, where known.
    pub occupation_id: Option<i64>,
    /// Preferred label of the occupation (searched like a synonym).
    pub occupation_label: Option<String>,
    /// Keys of the required skills.
    pub skill_ids: Vec<i64>,
    /// Region or county (a facet).
    pub region: Option<String>,
    /// Town or city.
    pub place_name: Option<String>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Whether it can be done remotely.
    pub remote: bool,
    /// Lower bound of the yearly salary.
    pub salary_min: Option<f64>,
    /// Upper bound of the yearly salary.
    pub salary_max: Option<f64>,
    /// Lifecycle status as stored (`draft`, `open`, `closed`).
    pub status: String,
    /// Date posted, used for date sorting and the "posted within" filter.
    pub posted_on: NaiveDate,
}

/// Any indexable document; `From` impls let [`crate::SearchIndexes::upsert`] take each kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyDoc {
    /// An occupation.
    Occupation(OccupationDoc),
    /// A skill.
    Skill(SkillDoc),
    /// A course.
    Course(CourseDoc),
    /// An opening.
    Opening(OpeningDoc),
}

impl AnyDoc {
    /// Returns the index this document belongs to.
    pub fn kind(&self) -> IndexKind {
        match self {
            Self::Occupation(_) => IndexKind::Occupations,
            Self::Skill(_) => IndexKind::Skills,
            Self::Course(_) => IndexKind::Courses,
            Self::Opening(_) => IndexKind::Openings,
        }
    }

    /// Returns the document's database key.
    pub fn id(&self) -> i64 {
        match self {
            Self::Occupation(d) => d.id,
            Self::Skill(d) => d.id,
            Self::Course(d) => d.id,
            Self::Opening(d) => d.id,
        }
    }
}

impl From<OccupationDoc> for AnyDoc {
    fn from(d: OccupationDoc) -> Self {
        Self::Occupation(d)
    }
}
impl From<SkillDoc> for AnyDoc {
    fn from(d: SkillDoc) -> Self {
        Self::Skill(d)
    }
}
impl From<CourseDoc> for AnyDoc {
    fn from(d: CourseDoc) -> Self {
        Self::Course(d)
    }
}
impl From<OpeningDoc> for AnyDoc {
    fn from(d: OpeningDoc) -> Self {
        Self::Opening(d)
    }
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// BM25 score, best first; ties by ascending id.
    #[default]
    Relevance,
    /// Newest first (`posted_on` for openings, `updated_at` for courses); ties by ascending id.
    Date,
}

/// A search over one index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// User text, at most 500 characters and 32 words; blank matches every document.
    /// Words in double quotes form a phrase that must match.
    pub q: String,
    /// Filters for the index's kind; [`Filters::None`] applies the kind's defaults.
    #[serde(default)]
    pub filters: Filters,
    /// Order of hits.
    #[serde(default)]
    pub sort: SortOrder,
    /// Page size, 1 to 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page, if any.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl SearchRequest {
    /// Returns a relevance-sorted request for `q` with default filters.
    pub fn new(q: impl Into<String>, limit: usize) -> Self {
        Self {
            q: q.into(),
            filters: Filters::None,
            sort: SortOrder::Relevance,
            limit,
            cursor: None,
        }
    }
}

/// Kind-specific filters; the variant must match the searched index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Filters {
    /// The kind's defaults (openings: open only).
    #[default]
    None,
    /// Filters for occupations.
    Occupations(OccupationFilters),
    /// Filters for skills.
    Skills(SkillFilters),
    /// Filters for courses.
    Courses(CourseFilters),
    /// Filters for openings.
    Openings(OpeningFilters),
}

/// Filters over occupations; within a list any value matches, across fields all must.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OccupationFilters {
    /// Risk bands to keep (facet `risk_band`).
    #[serde(default)]
    pub risk_bands: Vec<RiskBand>,
    /// ISCO major groups (one digit, `0` to `9`) to keep (facet `isco_major`).
    #[serde(default)]
    pub isco_major_groups: Vec<String>,
}

/// Filters over skills.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SkillFilters {
    /// Skill types to keep (facet `skill_type`).
    #[serde(default)]
    pub skill_types: Vec<SkillType>,
    /// Reuse levels to keep (facet `reuse_level`).
    #[serde(default)]
    pub reuse_levels: Vec<ReuseLevel>,
}

/// Filters over courses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseFilters {
    /// Delivery modes to keep (facet `mode`).
    #[serde(default)]
    pub modes: Vec<CourseMode>,
    /// Place names to keep, exactly as indexed (facet `place_name`).
    #[serde(default)]
    pub place_names: Vec<String>,
    /// Minimum cost, inclusive.
    pub cost_min: Option<f64>,
    /// Maximum cost, inclusive.
    pub cost_max: Option<f64>,
    /// Minimum length in weeks, inclusive.
    pub duration_min_weeks: Option<f64>,
    /// Maximum length in weeks, inclusive.
    pub duration_max_weeks: Option<f64>,
    /// Keep only courses teaching this skill.
    pub skill_id: Option<i64>,
}

/// A circle on the map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoFilter {
    /// Latitude of the centre in degrees.
    pub lat: f64,
    /// Longitude of the centre in degrees.
    pub lon: f64,
    /// Radius in kilometres, more than 0 and at most 20,000.
    pub radius_km: f64,
}

/// Filters over openings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpeningFilters {
    /// Regions to keep, exactly as indexed (facet `region`).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Keep openings within this circle. With `remote: Some(true)` too, keeps openings that are
    /// remote *or* within the circle.
    pub near: Option<GeoFilter>,
    /// `Some(true)`: remote only (or within `near`); `Some(false)`: on-site only.
    pub remote: Option<bool>,
    /// Keep openings whose salary range overlaps `[salary_min, salary_max]`; openings with no
    /// salary are dropped when either bound is set.
    pub salary_min: Option<f64>,
    /// Upper end of the wanted salary range.
    pub salary_max: Option<f64>,
    /// Keep openings for this occupation.
    pub occupation_id: Option<i64>,
    /// Keep openings requiring this skill.
    pub skill_id: Option<i64>,
    /// Keep openings posted on or after `today - posted_within_days`.
    pub posted_within_days: Option<u32>,
    /// The reference date for `posted_within_days`; the current UTC date when `None`.
    pub today: Option<NaiveDate>,
    /// Statuses to keep; empty means open only.
    #[serde(default)]
    pub statuses: Vec<OpeningStatus>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    /// Number of documents matching the query and all filters (across every page); past
    /// 10,000 a lower bound (`total_exact` false).
    pub total: u64,
    /// Whether `total` and the facet counts are exact. Past 10,000 hits they are counted over
    /// the first 10,000 in index order (oldest documents first), and the page still holds
    /// the best hits of all.
    pub total_exact: bool,
    /// This page.
    pub hits: Vec<Hit>,
    /// Facet name → values with counts, most frequent first. A facet's counts honour the query
    /// and every *other* filter, so unselected values stay visible; `remote` counts the hits.
    /// Sampled like `total` when `total_exact` is false.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Pass as `cursor` to fetch the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A facet value and the number of matching documents carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct FacetCount {
    /// The value, as indexed.
    pub value: String,
    /// Matching documents.
    pub count: u64,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Hit {
    /// Database key.
    pub id: i64,
    /// BM25 score (0 when sorted by date).
    pub score: f32,
    /// Plain title.
    pub title: String,
    /// HTML-escaped title with matched words in `<mark>`.
    pub title_html: String,
    /// HTML-escaped description excerpt with matched words in `<mark>`.
    pub snippet_html: String,
    /// Kind-specific display fields.
    pub details: HitDetails,
}

/// Kind-specific display fields of a [`Hit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HitDetails {
    /// An occupation.
    Occupation {
        /// ESCO URI.
        uri: String,
        /// ISCO unit group code.
        isco_group: String,
        /// Risk band, where scored.
        risk_band: Option<String>,
    },
    /// A skill.
    Skill {
        /// ESCO URI.
        uri: String,
        /// Skill type, where known.
        skill_type: Option<String>,
        /// Reuse level, where known.
        reuse_level: Option<String>,
    },
    /// A course.
    Course {
        /// Provider.
        provider: String,
        /// Delivery mode.
        mode: String,
        /// Where it runs.
        place_name: Option<String>,
        /// Cost.
        cost: f64,
        /// Length in weeks.
        duration_weeks: f64,
        /// Last change.
        updated_at: Option<DateTime<Utc>>,
    },
    /// An opening.
    Opening {
        /// Employer.
        organisation: String,
        /// Occupation label, where known.
        occupation_label: Option<String>,
        /// Town or city.
        place_name: Option<String>,
        /// Region.
        region: Option<String>,
        /// Remote allowed.
        remote: bool,
        /// Salary lower bound.
        salary_min: Option<f64>,
        /// Salary upper bound.
        salary_max: Option<f64>,
        /// Status.
        status: String,
        /// Date posted.
        posted_on: Option<NaiveDate>,
        /// Distance from the `near` point in km, when that filter was given.
        distance_km: Option<f64>,
    },
}

/// An autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// Database key.
    pub id: i64,
    /// Title (preferred label).
    pub title: String,
}
