//! Reskill search: one tantivy index per document kind (occupations, skills, courses,
//! openings), derived from the database and rebuildable from it at any time. This is the only
//! crate that names tantivy types; its API speaks in the plain types of [`model`].
//!
//! Entry point: [`SearchIndexes`] (`upsert`, `delete`, `commit`, `commit_if_due`, `rebuild`,
//! `search`, `suggest`, `watermark`, `doc_count`). All calls block; call them from async code
//! through `spawn_blocking`. See [`SearchIndexes`] for batching and crash recovery.
//!
//! # Analyzers
//!
//! * `en_stem` — tantivy's English analyzer: `SimpleTokenizer` (splits on
//!   non-alphanumeric characters), `RemoveLongFilter(40)`, `LowerCaser`, `Stemmer(English)`
//!   (Snowball/Porter2: "nursing" → "nurs", "accounting" → "account", but "nurse" → "nurs" too),
//!   registered under the built-in's name with a cache of stems (`stem`, same output).
//! * `en_stem_content` — `en_stem` without Lucene's English stop words; the other words keep
//!   their positions (the openings' catch-all field).
//! * `default` — `en_stem` without the stemmer; used for typo-tolerant and prefix matching.
//! * `edge_words` — every 1–12 character prefix of each `default` word (`edge`), for the prefix
//!   fields: a title is one value, not one value per prefix.
//!
//! User text goes through the same analyzers and is turned into term, fuzzy, prefix and phrase
//! queries by the private `query` module — never through tantivy's query parser.
//!
//! # Schema (every index)
//!
//! | field | type | analyzer / options | content |
//! |---|---|---|---|
//! | `id` | i64 | indexed, fast, stored | database key; the delete term of an upsert |
//! | `title` | text | `en_stem`, positions, stored | preferred label or title (boost 3) |
//! | `title_raw` | text | `default`, freqs | title again, for typos and prefixes |
//! | `alt` | text | `en_stem`, positions | synonyms (boost 2): occupation/skill alt+hidden labels, course skill labels, opening occupation label |
//! | `alt_raw` | text | `default`, freqs | `alt` again, for typos and prefixes |
//! | `body` | text | `en_stem`, positions, stored (openings: stored only) | description (boost 1; the snippet source) |
//! | `extra` | text | `en_stem`, positions | provider, place name (boost 1); empty in openings |
//! | `title_len` | u64 | fast | title length in characters, for suggestion order |
//! | `title_prefix` | text | `edge_words`, docs only, no norms | every 1–12 character prefix of every title word (edge n-grams) |
//! | `alt_prefix` | text | `edge_words`, docs only, no norms | the same for `alt`; prefix matching is one term lookup |
//!
//! # Kind-specific fields
//!
//! | kind | field | type | options | notes |
//! |---|---|---|---|---|
//! | occupations | `uri`, `isco_group` | string | indexed raw, stored | |
//! | occupations | `isco_major` | string | indexed raw, fast | first digit of `isco_group`; facet |
//! | occupations | `risk_band` | string | indexed raw, fast, stored | facet |
//! | skills | `uri` | string | indexed raw, stored | |
//! | skills | `skill_type`, `reuse_level` | string | indexed raw, fast, stored | facets |
//! | courses | `sort_date` | i64 | fast, stored | `updated_at`, Unix seconds; date sort |
//! | courses | `provider` | text | stored | also in `extra` |
//! | courses | `mode`, `place_name` | string | indexed raw, fast, stored | facets |
//! | courses | `lat`, `lon` | f64 | fast, stored | |
//! | courses | `cost`, `duration_weeks` | f64 | fast, stored | range filters (fast-field range queries) |
//! | courses | `skill_ids` | i64, multi | indexed | "teaches skill" filter |
//! | openings | `all` | text | `en_stem_content` (`en_stem` without stop words), positions | catch-all: title ×3, occupation label ×2, description, organisation, place, region; every word and phrase query of openings is scored on it alone (term frequency stands in for the boosts) so that an all-words query is a term intersection tantivy prunes with block-max scores |
//! | openings | `sort_date` | i64 | fast, stored | `posted_on` at 00:00 UTC, Unix seconds; date sort and "posted within" |
//! | openings | `organisation`, `occupation_label`, `place_name` | text | stored | searchable through `all` (the label also through `alt`) |
//! | openings | `occupation_id`, `skill_ids` | i64 | indexed | term filters |
//! | openings | `region` | string | indexed raw, fast, stored | facet |
//! | openings | `lat`, `lon` | f64 | fast, stored | exact haversine in the collector; bounding-box range query for wide circles |
//! | openings | `geo_cell` | i64 | indexed | the 0.1° cell of `lat`/`lon`: a term-set clause for circles in sparse areas |
//! | openings | `remote` | bool | indexed, fast, stored | filter and facet |
//! | openings | `salary_min`, `salary_max` | f64 | fast, stored | overlap filter in the collector |
//! | openings | `status` | string | indexed raw, fast, stored | open only unless asked |
//!
//! Each commit stores `{"watermark": <change-log id>, "doc_count": <n>}` as tantivy's commit
//! payload.

mod collector;
mod edge;
pub mod error;
mod filtered;
mod geo;
mod highlight;
mod indexes;
pub mod model;
mod query;
mod schema;
mod stem;

#[cfg(test)]
mod tests;

pub use error::{ErrorKind, SearchError};
pub use indexes::{MAX_LIMIT, SearchIndexes};
pub use model::*;
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS};
