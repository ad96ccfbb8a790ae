//! The semantic layer: the in-process sentence-embedding model, the vectors of the taxonomy's
//! labels and texts (stored in the database, held here in memory), and search that fuses the
//! words' BM25 with meaning.
//!
//! Each occupation and skill has one vector per label (preferred and alternative) and one for
//! its text (preferred label and description). A query's score for an item blends its BM25
//! (divided by the best BM25 of the query), its most similar label and its text; the weights
//! were chosen on the development half of the job-title gold set (docs/MATCHING.md). Without a
//! model, or before the vectors are built, search is the lexical search alone.

mod abbreviations;
pub mod tagging;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use anyhow::Context;
use reskill_core::matching::SimilarityInput;
use reskill_core::{OccupationId, SkillId};
use reskill_embed::Embedder;
use reskill_search::{IndexKind, SearchError, SearchIndexes, SearchRequest, SearchResponse};
use reskill_store::documents;
use reskill_store::embeddings;
use sea_orm::DatabaseConnection;

/// Texts embedded per model call: bounds memory, and a crash loses at most one batch.
const EMBED_BATCH: usize = 256;
/// Lexical hits taken into the fusion.
const LEXICAL_DEPTH: usize = 50;
/// Items taken from the semantic side alone.
const SEMANTIC_DEPTH: usize = 30;
/// A label this similar to the query is the query (up to case and punctuation).
const EXACT_LABEL: f32 = 0.99;
/// How far down a hybrid ranking can be paged.
pub const HYBRID_DEPTH: usize = 100;
/// Cursor prefix of a hybrid ranking's pages (the lexical cursor never starts with it).
const CURSOR_PREFIX: &str = "hybrid:";

/// Weights of the signals in a hybrid score, chosen on the development half of the job-title
/// gold set (docs/MATCHING.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// Weight of BM25 divided by the query's best BM25.
    pub lexical: f32,
    /// Weight of the cosine of the item's most similar label.
    pub label: f32,
    /// Weight of the cosine of the item's text (label and the description's first sentence).
    pub text: f32,
    /// Subtracted from a narrower occupation's score unless the query is one of its labels: a
    /// title people use names the broader occupation unless it says more, and the broader one
    /// carries the measured risk and earnings that narrower ones only inherit.
    pub narrower: f32,
    /// A narrower occupation lends its semantic score, less this, to its broader one.
    pub roll_up: f32,
}

impl Default for Fusion {
    fn default() -> Self {
        Self {
            lexical: 0.05,
            label: 1.0,
            text: 0.5,
            narrower: 0.08,
            roll_up: 0.04,
        }
    }
}

impl Fusion {
    /// Reads `RESKILL_FUSION=lexical,label,text,narrower,roll_up` when set (for tuning runs on
    /// the development set), else the default.
    pub fn from_env() -> Self {
        std::env::var("RESKILL_FUSION")
            .ok()
            .and_then(|v| {
                let parts: Vec<f32> = v.split(',').filter_map(|p| p.trim().parse().ok()).collect();
                (parts.len() == 5).then(|| Self {
                    lexical: parts[0],
                    label: parts[1],
                    text: parts[2],
                    narrower: parts[3],
                    roll_up: parts[4],
                })
            })
            .unwrap_or_default()
    }
}

/// The texts of one taxonomy item that get vectors.
struct ItemTexts {
    id: i64,
    parent: Option<i64>,
    labels: Vec<String>,
    text: String,
}

/// Longest description excerpt embedded with a label, in bytes.
const TEXT_EXCERPT_BYTES: usize = 200;

/// Returns the description's first sentence, cut at a word within [`TEXT_EXCERPT_BYTES`]:
/// the sentence that says what the item is. Whole descriptions (up to 128 tokens) took three
/// times as long to embed for the same accuracy on the development set.
/// Nearest skills kept per skill for transition similarity; a skill further away counts for
/// the last one's cosine. 16, 32 and 64 score the same on the dev transitions (docs/MATCHING.md).
const SKILL_NEIGHBOURS: usize = 32;

fn first_sentence(description: &str) -> &str {
    let text = description.trim();
    let sentence = text
        .char_indices()
        .find(|&(i, c)| c == '.' && text[i + 1..].starts_with(char::is_whitespace))
        .map_or(text, |(i, _)| &text[..i]);
    if sentence.len() <= TEXT_EXCERPT_BYTES {
        return sentence;
    }
    let mut end = TEXT_EXCERPT_BYTES;
    while !sentence.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &sentence[..end];
    cut.rfind(char::is_whitespace)
        .map_or(cut, |space| &cut[..space])
}

fn occupation_texts(rows: Vec<documents::OccupationRow>) -> Vec<ItemTexts> {
    rows.into_iter()
        .map(|row| {
            let mut item = item_texts(
                row.id,
                row.preferred_label,
                row.alt_labels,
                &row.description,
            );
            item.parent = row.parent_id;
            item
        })
        .collect()
}

/// Skills get their preferred label and text only: their 97,000 alternative labels would
/// triple the time to embed ESCO (about 440 labels a second on two cores), and the words'
/// side of the fusion already matches them.
fn skill_texts(rows: Vec<documents::SkillRow>) -> Vec<ItemTexts> {
    rows.into_iter()
        .map(|row| item_texts(row.id, row.preferred_label, Vec::new(), &row.description))
        .collect()
}

fn item_texts(id: i64, preferred: String, alt: Vec<String>, description: &str) -> ItemTexts {
    let excerpt = first_sentence(description);
    let text = if excerpt.is_empty() {
        preferred.clone()
    } else {
        format!("{preferred}: {excerpt}")
    };
    let mut seen = HashSet::new();
    let labels = std::iter::once(preferred)
        .chain(alt)
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty() && seen.insert(l.to_lowercase()))
        .collect();
    ItemTexts {
        id,
        parent: None,
        labels,
        text,
    }
}

/// Vectors of one kind: rows of labels and of texts, each naming its item.
#[derive(Debug, Default)]
pub struct KindVectors {
    dims: usize,
    ids: Vec<i64>,
    /// Narrower item → its broader one.
    parents: HashMap<i64, i64>,
    /// Items with at least one vector.
    with_vectors: usize,
    labels: Vec<f32>,
    label_item: Vec<u32>,
    texts: Vec<f32>,
    text_item: Vec<u32>,
}

/// Per-item similarities to a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Cosine of the item's most similar label.
    pub label: f32,
    /// Cosine of the item's text.
    pub text: f32,
}

impl KindVectors {
    fn build(dims: usize, items: &[ItemTexts], vectors: &HashMap<String, Vec<f32>>) -> Self {
        let mut out = Self {
            dims,
            ..Self::default()
        };
        for item in items {
            let index = out.ids.len() as u32;
            out.ids.push(item.id);
            if let Some(parent) = item.parent {
                out.parents.insert(item.id, parent);
            }
            let labels_before = out.label_item.len();
            for label in &item.labels {
                if let Some(v) = vectors.get(&embeddings::text_hash(label)) {
                    out.labels.extend_from_slice(v);
                    out.label_item.push(index);
                }
            }
            let has_text = if let Some(v) = vectors.get(&embeddings::text_hash(&item.text)) {
                out.texts.extend_from_slice(v);
                out.text_item.push(index);
                true
            } else {
                false
            };
            if has_text || out.label_item.len() > labels_before {
                out.with_vectors += 1;
            }
        }
        out
    }

    /// Returns the items with a text vector and those vectors, row-major.
    fn text_rows(&self) -> (Vec<i64>, Vec<f32>) {
        let ids = self
            .text_item
            .iter()
            .map(|&item| self.ids[item as usize])
            .collect();
        (ids, self.texts.clone())
    }

    /// Whether both hold the same items with the same text vectors.
    fn same_texts(&self, other: &KindVectors) -> bool {
        self.ids == other.ids && self.text_item == other.text_item && self.texts == other.texts
    }

    /// Returns how many items have at least one vector.
    pub fn len(&self) -> usize {
        self.with_vectors
    }

    /// Returns whether no item has a vector.
    pub fn is_empty(&self) -> bool {
        self.label_item.is_empty() && self.text_item.is_empty()
    }

    /// Returns every item's similarity to `query`, keyed by id (items with no vector left out).
    pub fn similarities(&self, query: &[f32]) -> HashMap<i64, Similarity> {
        let mut best = vec![None::<Similarity>; self.ids.len()];
        if query.len() != self.dims || self.dims == 0 {
            return HashMap::new();
        }
        for (row, &item) in self.labels.chunks_exact(self.dims).zip(&self.label_item) {
            let cos = reskill_embed::cosine(row, query);
            let slot = best[item as usize].get_or_insert(Similarity {
                label: f32::MIN,
                text: 0.0,
            });
            slot.label = slot.label.max(cos);
        }
        for (row, &item) in self.texts.chunks_exact(self.dims).zip(&self.text_item) {
            let cos = reskill_embed::cosine(row, query);
            let slot = best[item as usize].get_or_insert(Similarity {
                label: f32::MIN,
                text: 0.0,
            });
            slot.text = cos;
        }
        best.into_iter()
            .zip(&self.ids)
            .filter_map(|(s, id)| {
                s.map(|mut s| {
                    if s.label == f32::MIN {
                        s.label = s.text;
                    }
                    (*id, s)
                })
            })
            .collect()
    }
}

/// The taxonomy's vectors under one model.
#[derive(Debug, Default)]
pub struct TaxonomyVectors {
    /// Occupations.
    pub occupations: KindVectors,
    /// Skills.
    pub skills: KindVectors,
    /// What transition similarity needs from them: each skill's nearest skills and each
    /// occupation's text vector. Empty when no skill has a vector.
    pub similarity: Arc<SimilarityInput>,
}

impl TaxonomyVectors {
    /// Loads the stored vectors of every occupation's and skill's texts under `model`, keeping
    /// `previous`'s nearest skills when the skills' text vectors have not changed.
    pub async fn load(
        db: &DatabaseConnection,
        model: &str,
        dims: usize,
        previous: &TaxonomyVectors,
    ) -> anyhow::Result<Self> {
        let occupations = occupation_texts(documents::occupations(db, None).await?);
        let skills = skill_texts(documents::skills(db, None).await?);
        let hashes: Vec<String> = all_texts(&occupations)
            .chain(all_texts(&skills))
            .map(embeddings::text_hash)
            .collect();
        let stored = embeddings::vectors(db, model, &hashes).await?;
        let mut vectors = HashMap::with_capacity(stored.len());
        for (hash, bytes) in stored {
            vectors.insert(hash, reskill_embed::from_bytes(&bytes)?);
        }
        let occupations = KindVectors::build(dims, &occupations, &vectors);
        let skills = KindVectors::build(dims, &skills, &vectors);
        let (skill_ids, skill_rows) = skills.text_rows();
        let (occupation_ids, occupation_rows) = occupations.text_rows();
        // Reloads follow every catalog change; the neighbours change only with the skills' texts.
        let unchanged =
            skills.same_texts(&previous.skills) && !previous.similarity.skill_neighbours.is_empty();
        let kept = unchanged.then(|| previous.similarity.skill_neighbours.clone());
        let similarity = tokio::task::spawn_blocking(move || {
            let occupation_vectors = occupation_ids
                .iter()
                .zip(occupation_rows.chunks_exact(dims.max(1)))
                .map(|(&id, row)| (OccupationId(id), row.to_vec()))
                .collect();
            if let Some(skill_neighbours) = kept {
                return anyhow::Ok(SimilarityInput {
                    skill_neighbours,
                    occupation_vectors,
                });
            }
            let started = Instant::now();
            let near = reskill_embed::nearest_neighbours(&skill_rows, dims, SKILL_NEIGHBOURS)?;
            tracing::info!(
                skills = near.len(),
                duration_ms = started.elapsed().as_millis() as u64,
                "nearest skills computed"
            );
            let skill_neighbours = near
                .into_iter()
                .zip(&skill_ids)
                .map(|(list, &id)| {
                    let list = list
                        .into_iter()
                        .map(|(row, cos)| (SkillId(skill_ids[row as usize]), cos))
                        .collect();
                    (SkillId(id), list)
                })
                .collect();
            anyhow::Ok(SimilarityInput {
                skill_neighbours,
                occupation_vectors,
            })
        })
        .await??;
        Ok(Self {
            occupations,
            skills,
            similarity: Arc::new(similarity),
        })
    }

    fn kind(&self, kind: IndexKind) -> Option<&KindVectors> {
        match kind {
            IndexKind::Occupations => Some(&self.occupations),
            IndexKind::Skills => Some(&self.skills),
            _ => None,
        }
    }
}

fn all_texts(items: &[ItemTexts]) -> impl Iterator<Item = &str> {
    items.iter().flat_map(|item| {
        item.labels
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(item.text.as_str()))
    })
}

/// What `reskill stats`, `/readyz` and the log say about the model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ModelStatus {
    /// The model is loaded.
    Ready {
        /// Its name.
        model: String,
        /// Occupations with vectors.
        occupations: usize,
        /// Skills with vectors.
        skills: usize,
    },
    /// No model: matching is lexical only.
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// The model and the taxonomy's vectors, shared by every request.
pub struct Semantic {
    embedder: Option<Arc<Embedder>>,
    unavailable: Option<String>,
    vectors: RwLock<Arc<TaxonomyVectors>>,
    /// Weights of the hybrid score.
    pub fusion: Fusion,
}

impl Semantic {
    /// Lexical matching only, saying why.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            embedder: None,
            unavailable: Some(reason.into()),
            vectors: RwLock::default(),
            fusion: Fusion::from_env(),
        }
    }

    /// Loads the model folder; when it cannot, logs why and falls back to lexical matching.
    pub fn open(dir: &Path) -> Self {
        match Embedder::load(dir) {
            Ok(embedder) => {
                tracing::info!(
                    model = embedder.model().name,
                    dir = %dir.display(),
                    "sentence-embedding model loaded"
                );
                Self::with_embedder(Arc::new(embedder))
            }
            Err(error) => {
                let reason = format!("no sentence-embedding model at {}: {error}", dir.display());
                tracing::warn!("{reason}; matching words only");
                Self::unavailable(reason)
            }
        }
    }

    /// Uses a loaded model.
    pub fn with_embedder(embedder: Arc<Embedder>) -> Self {
        Self {
            embedder: Some(embedder),
            unavailable: None,
            vectors: RwLock::default(),
            fusion: Fusion::from_env(),
        }
    }

    /// Returns the model, when one is loaded.
    pub fn embedder(&self) -> Option<&Arc<Embedder>> {
        self.embedder.as_ref()
    }

    /// Returns the vectors in use; requests keep the snapshot they started with.
    pub fn vectors(&self) -> Arc<TaxonomyVectors> {
        self.vectors
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reloads the taxonomy's vectors from the database (after an import or an embedding run).
    pub async fn reload(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let Some(embedder) = &self.embedder else {
            return Ok(());
        };
        let started = Instant::now();
        let vectors = TaxonomyVectors::load(
            db,
            embedder.model().name,
            embedder.dimensions(),
            &self.vectors(),
        )
        .await?;
        tracing::info!(
            occupations = vectors.occupations.len(),
            skills = vectors.skills.len(),
            duration_ms = started.elapsed().as_millis() as u64,
            "taxonomy vectors loaded"
        );
        *self
            .vectors
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(vectors);
        Ok(())
    }

    /// Returns what transition similarity needs from the vectors, or `None` without a model or
    /// before any skill has a vector.
    pub fn similarity_input(&self) -> Option<Arc<SimilarityInput>> {
        self.embedder.as_ref()?;
        let vectors = self.vectors();
        (!vectors.similarity.skill_neighbours.is_empty()).then(|| vectors.similarity.clone())
    }

    /// Returns what the model is doing.
    pub fn status(&self) -> ModelStatus {
        match &self.embedder {
            Some(embedder) => {
                let vectors = self.vectors();
                ModelStatus::Ready {
                    model: embedder.model().name.to_owned(),
                    occupations: vectors.occupations.len(),
                    skills: vectors.skills.len(),
                }
            }
            None => ModelStatus::Unavailable {
                reason: self
                    .unavailable
                    .clone()
                    .unwrap_or_else(|| "no model".to_owned()),
            },
        }
    }
}

/// What an embedding run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbedReport {
    /// Distinct texts of the taxonomy.
    pub texts: usize,
    /// Texts embedded now (the others were stored already).
    pub embedded: usize,
    /// Seconds spent.
    pub seconds: f64,
}

/// Embeds every occupation and skill text that has no stored vector under the model, in
/// batches, each written before the next is embedded (so an interrupted run resumes).
pub async fn embed_taxonomy(
    db: &DatabaseConnection,
    embedder: &Arc<Embedder>,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<EmbedReport> {
    embed_kinds(
        db,
        embedder,
        &[IndexKind::Occupations, IndexKind::Skills],
        progress,
    )
    .await
}

/// Like [`embed_taxonomy`], for the texts of `kinds` only (occupations, skills).
pub async fn embed_kinds(
    db: &DatabaseConnection,
    embedder: &Arc<Embedder>,
    kinds: &[IndexKind],
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<EmbedReport> {
    let started = Instant::now();
    let mut items = Vec::new();
    if kinds.contains(&IndexKind::Occupations) {
        items.extend(occupation_texts(documents::occupations(db, None).await?));
    }
    if kinds.contains(&IndexKind::Skills) {
        items.extend(skill_texts(documents::skills(db, None).await?));
    }
    let mut by_hash: HashMap<String, String> = HashMap::new();
    for text in all_texts(&items) {
        by_hash
            .entry(embeddings::text_hash(text))
            .or_insert_with(|| text.to_owned());
    }
    let hashes: Vec<String> = by_hash.keys().cloned().collect();
    let model = embedder.model().name;
    let mut missing = embeddings::missing(db, model, &hashes).await?;
    // Similar lengths in a batch keep padding small.
    missing.sort_by_key(|hash| by_hash[hash].len());
    let total = missing.len() as u64;
    progress("embeddings", 0, total);
    let mut done = 0u64;
    for chunk in missing.chunks(EMBED_BATCH) {
        let texts: Vec<String> = chunk.iter().map(|hash| by_hash[hash].clone()).collect();
        let embedder = embedder.clone();
        let vectors = super::blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            Ok(embedder.embed(&refs)?)
        })
        .await
        .context("failed to embed taxonomy texts")?;
        let rows = chunk
            .iter()
            .cloned()
            .zip(vectors.iter().map(|v| reskill_embed::to_bytes(v)))
            .collect();
        embeddings::insert(db, model, rows).await?;
        done += chunk.len() as u64;
        progress("embeddings", done, total);
    }
    Ok(EmbedReport {
        texts: hashes.len(),
        embedded: missing.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Searches one index, fusing the words' BM25 with the query's similarity to each item's
/// labels and text for occupations and skills when a model and vectors are present; lexical
/// search otherwise (and for courses, openings, empty queries and date order). Blocking.
pub fn search(
    search: &SearchIndexes,
    semantic: &Semantic,
    kind: IndexKind,
    request: &SearchRequest,
) -> Result<SearchResponse, SearchError> {
    let vectors = semantic.vectors();
    let hybrid_cursor = request
        .cursor
        .as_deref()
        .and_then(|c| c.strip_prefix(CURSOR_PREFIX));
    let usable = semantic.embedder.is_some()
        && !request.q.trim().is_empty()
        && request.sort == reskill_search::SortOrder::Relevance
        && vectors.kind(kind).is_some_and(|v| !v.is_empty())
        && (request.cursor.is_none() || hybrid_cursor.is_some());
    let (Some(embedder), Some(kind_vectors), true) =
        (semantic.embedder.as_ref(), vectors.kind(kind), usable)
    else {
        return search.search(kind, request);
    };
    let offset = match hybrid_cursor {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| SearchError::InvalidQuery("cursor is malformed".to_owned()))?,
        None => 0,
    };
    let text = abbreviations::expand(request.q.trim()).unwrap_or_else(|| request.q.trim().into());
    let mut lexical_request = request.clone();
    lexical_request.q = text.clone();
    lexical_request.limit = LEXICAL_DEPTH;
    lexical_request.cursor = None;
    let lexical = search.search(kind, &lexical_request)?;
    let query = match embedder.embed_query(&text) {
        Ok(query) => query,
        Err(error) => {
            tracing::warn!(error = %error, "query embedding failed; matching words only");
            return search.search(kind, request);
        }
    };
    let similarities = kind_vectors.similarities(&query);
    let ranked = fuse(
        &lexical
            .hits
            .iter()
            .map(|h| (h.id, h.score))
            .collect::<Vec<_>>(),
        &similarities,
        &kind_vectors.parents,
        semantic.fusion,
    );
    let lexical_ids: HashSet<i64> = lexical.hits.iter().map(|h| h.id).collect();
    let extra: Vec<i64> = ranked
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !lexical_ids.contains(id))
        .collect();
    let mut hits: HashMap<i64, reskill_search::Hit> =
        lexical.hits.into_iter().map(|h| (h.id, h)).collect();
    // Semantic-only candidates pass through the same filters as the words' hits.
    for hit in search.hits_by_ids(kind, &extra, &text, &request.filters)? {
        hits.insert(hit.id, hit);
    }
    let ranked: Vec<(i64, f32)> = ranked
        .into_iter()
        .filter(|(id, _)| hits.contains_key(id))
        .take(HYBRID_DEPTH)
        .collect();
    let page: Vec<reskill_search::Hit> = ranked
        .iter()
        .skip(offset)
        .take(request.limit)
        .filter_map(|(id, score)| {
            hits.remove(id).map(|mut hit| {
                hit.score = *score;
                hit
            })
        })
        .collect();
    let end = offset + page.len();
    let added = ranked
        .iter()
        .filter(|(id, _)| !lexical_ids.contains(id))
        .count() as u64;
    Ok(SearchResponse {
        total: lexical.total + added,
        total_exact: lexical.total_exact,
        hits: page,
        facets: lexical.facets,
        next_cursor: (end < ranked.len()).then(|| format!("{CURSOR_PREFIX}{end}")),
    })
}

/// Shortest typed text for which suggestions are filled up by meaning.
const SUGGEST_BY_MEANING_MIN_CHARS: usize = 3;

/// Autocomplete: titles and synonyms starting with what was typed, then — for occupations and
/// skills, when those are fewer than `limit` — the best hybrid matches ("CSR" has no title
/// starting with it). Blocking.
pub fn suggest(
    search: &SearchIndexes,
    semantic: &Semantic,
    kind: IndexKind,
    q: &str,
    limit: usize,
) -> Result<Vec<reskill_search::Suggestion>, SearchError> {
    let mut suggestions = search.suggest(kind, q, limit)?;
    let fill = suggestions.len() < limit
        && semantic.embedder.is_some()
        && matches!(kind, IndexKind::Occupations | IndexKind::Skills)
        && q.trim().chars().count() >= SUGGEST_BY_MEANING_MIN_CHARS;
    if fill {
        let hits = self::search(search, semantic, kind, &SearchRequest::new(q.trim(), limit))?;
        for hit in hits.hits {
            if suggestions.len() >= limit {
                break;
            }
            if suggestions.iter().all(|s| s.id != hit.id) {
                suggestions.push(reskill_search::Suggestion {
                    id: hit.id,
                    title: hit.title,
                });
            }
        }
    }
    Ok(suggestions)
}

/// One candidate's signals, for `reskill resolve --explain`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Signals {
    /// The item.
    pub id: i64,
    /// BM25 over the query's best BM25 (0 when the words did not find it).
    pub lexical: f32,
    /// Cosine of its most similar label.
    pub label: f32,
    /// Cosine of its text.
    pub text: f32,
    /// The fused score.
    pub score: f32,
}

/// Returns every fusion candidate of `q` with its signals, best first (empty without a
/// model or vectors). Blocking.
pub fn explain(
    search: &SearchIndexes,
    semantic: &Semantic,
    kind: IndexKind,
    q: &str,
) -> Result<Vec<Signals>, SearchError> {
    let vectors = semantic.vectors();
    let (Some(embedder), Some(kind_vectors)) = (semantic.embedder.as_ref(), vectors.kind(kind))
    else {
        return Ok(Vec::new());
    };
    let text = abbreviations::expand(q).unwrap_or_else(|| q.to_owned());
    let lexical = search.search(kind, &SearchRequest::new(&text, LEXICAL_DEPTH))?;
    let query = embedder
        .embed_query(&text)
        .map_err(|e| SearchError::InvalidQuery(format!("cannot embed the query: {e}")))?;
    let similarities = kind_vectors.similarities(&query);
    let pairs: Vec<(i64, f32)> = lexical.hits.iter().map(|h| (h.id, h.score)).collect();
    let bm25_of: HashMap<i64, f32> = pairs.iter().copied().collect();
    let best = pairs.iter().map(|(_, s)| *s).fold(0.0f32, f32::max);
    Ok(fuse(
        &pairs,
        &similarities,
        &kind_vectors.parents,
        semantic.fusion,
    )
    .into_iter()
    .map(|(id, score)| {
        let s = similarities.get(&id).copied().unwrap_or(Similarity {
            label: 0.0,
            text: 0.0,
        });
        let bm25 = bm25_of.get(&id).copied().unwrap_or(0.0);
        Signals {
            id,
            lexical: if best > 0.0 { bm25 / best } else { 0.0 },
            label: s.label,
            text: s.text,
            score,
        }
    })
    .collect())
}

/// Ranks candidates — the lexical hits and the items nearest by label and by text — by
/// `lexical × BM25/best BM25 + label × label cosine + text × text cosine`, where a broader
/// item scores at least what a narrower candidate lends it (its own semantic score less
/// `roll_up`) and a narrower item loses `narrower` unless the query is one of its labels; best
/// first, ties by id.
pub fn fuse(
    lexical: &[(i64, f32)],
    similarities: &HashMap<i64, Similarity>,
    parents: &HashMap<i64, i64>,
    weights: Fusion,
) -> Vec<(i64, f32)> {
    let best_bm25 = lexical.iter().map(|(_, s)| *s).fold(0.0f32, f32::max);
    let bm25: HashMap<i64, f32> = lexical
        .iter()
        .map(|(id, s)| (*id, if best_bm25 > 0.0 { s / best_bm25 } else { 0.0 }))
        .collect();
    let semantic_score = |s: &Similarity| weights.label * s.label + weights.text * s.text;
    let mut candidates: Vec<i64> = lexical.iter().map(|(id, _)| *id).collect();
    // The items nearest by label and those nearest by text, whatever the weights.
    for signal in [|s: &Similarity| s.label, |s: &Similarity| s.text] {
        let mut nearest: Vec<(i64, f32)> = similarities
            .iter()
            .map(|(id, s)| (*id, signal(s)))
            .collect();
        nearest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.extend(nearest.iter().take(SEMANTIC_DEPTH).map(|(id, _)| *id));
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut semantic: HashMap<i64, f32> = candidates
        .iter()
        .map(|id| (*id, similarities.get(id).map(semantic_score).unwrap_or(0.0)))
        .collect();
    for id in &candidates {
        if let Some(parent) = parents.get(id) {
            let lent = semantic[id] - weights.roll_up;
            let own = similarities.get(parent).map(semantic_score).unwrap_or(0.0);
            let entry = semantic.entry(*parent).or_insert(own);
            *entry = entry.max(lent);
        }
    }
    let mut scored: Vec<(i64, f32)> = semantic
        .into_iter()
        .map(|(id, semantic)| {
            let lexical = bm25.get(&id).copied().unwrap_or(0.0);
            let exact = similarities
                .get(&id)
                .is_some_and(|s| s.label >= EXACT_LABEL);
            let narrower = if parents.contains_key(&id) && !exact {
                weights.narrower
            } else {
                0.0
            };
            (id, weights.lexical * lexical + semantic - narrower)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

/// Where the model folder is: `RESKILL_MODEL_DIR` or `DATA_DIR/model`.
pub fn model_dir(explicit: Option<&Path>, data_dir: &Path) -> PathBuf {
    explicit.map_or_else(|| data_dir.join("model"), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(label: f32, text: f32) -> Similarity {
        Similarity { label, text }
    }

    #[test]
    fn fusion_adds_semantic_candidates_the_words_missed() {
        let lexical = [(1, 10.0), (2, 5.0)];
        let similarities =
            HashMap::from([(1, sim(0.2, 0.1)), (2, sim(0.3, 0.2)), (3, sim(0.9, 0.6))]);
        let ranked = fuse(&lexical, &similarities, &HashMap::new(), Fusion::default());
        assert_eq!(ranked[0].0, 3, "{ranked:?}");
        assert_eq!(ranked.len(), 3);
    }

    #[test]
    fn fusion_with_no_semantic_weight_keeps_the_lexical_order() {
        let lexical = [(5, 3.0), (4, 2.0), (9, 1.0)];
        let similarities = HashMap::from([(4, sim(0.9, 0.9)), (9, sim(0.8, 0.8))]);
        let weights = Fusion {
            lexical: 1.0,
            label: 0.0,
            text: 0.0,
            narrower: 0.0,
            roll_up: 0.0,
        };
        let ranked: Vec<i64> = fuse(&lexical, &similarities, &HashMap::new(), weights)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ranked, vec![5, 4, 9]);
    }

    #[test]
    fn item_labels_are_deduplicated_ignoring_case() {
        let item = item_texts(
            1,
            "Call Centre Agent".into(),
            vec!["call centre agent".into(), " ".into(), "CSR".into()],
            "Answers calls.",
        );
        assert_eq!(item.labels, vec!["Call Centre Agent", "CSR"]);
        assert_eq!(item.text, "Call Centre Agent: Answers calls.");
    }

    #[test]
    fn a_broader_occupation_scores_what_its_narrower_one_lends_it() {
        // 2 is narrower than 1; only 2 is near the query.
        let similarities = HashMap::from([(1, sim(0.2, 0.2)), (2, sim(0.9, 0.6))]);
        let parents = HashMap::from([(2, 1)]);
        let ranked = fuse(&[], &similarities, &parents, Fusion::default());
        assert_eq!(ranked[0].0, 1, "{ranked:?}");
        let exact = HashMap::from([(1, sim(0.2, 0.2)), (2, sim(1.0, 0.9))]);
        let ranked = fuse(&[], &exact, &parents, Fusion::default());
        assert_eq!(ranked[0].0, 2, "the query is its label: {ranked:?}");
    }

    #[test]
    fn the_text_is_the_label_and_the_first_sentence() {
        assert_eq!(
            first_sentence("Sells things. Also stocks shelves."),
            "Sells things"
        );
        assert_eq!(first_sentence("Version 2.0 of it"), "Version 2.0 of it");
        let long = "word ".repeat(100);
        let cut = first_sentence(&long);
        assert!(
            cut.len() <= TEXT_EXCERPT_BYTES && !cut.ends_with(' '),
            "{cut:?}"
        );
    }
}
