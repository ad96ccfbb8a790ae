//! Importing courses and openings: read a file, merge duplicates, tag each document with
//! taxonomy skills and an occupation, write in checkpointed batches, then bring the search index
//! up to date. Also re-tagging what is stored (after a taxonomy update) and exporting openings.
//!
//! # Tagging a document
//!
//! 0. A document whose occupation and skills were both set by a person, or given as ESCO URIs
//!    by its source, keeps exactly those tags.
//! 1. Tags the source gave as ESCO URIs (JSON-LD `skills`, a course file's `skill_uris`) are kept
//!    as `manual`, with confidence 1.
//! 2. The tagger ([`reskill_ingest::tagger`]) finds skills in the title and description
//!    (`extracted`); skill names the file lists (LinkedIn's and Coursera's skill columns) are
//!    tagged one by one, each keeping its best skill when that scores at least
//!    [`LISTED_SKILL_MIN_CONFIDENCE`]. An opening's extracted skill is essential when its
//!    confidence is at least [`ESSENTIAL_MIN_CONFIDENCE`], nice to have below.
//! 3. The occupation comes from the title through the occupation search index (the same
//!    typo-tolerant, synonym-aware search people use), see [`OccupationGuess`].
//! 4. An opening with fewer than [`WELL_TAGGED_SKILLS`] skills and an occupation gets that
//!    occupation's essential skills, rarest first, up to [`MAX_INFERRED_SKILLS`], marked
//!    `inferred`: a posting that is only a title still says what the job needs. Courses do not:
//!    a course teaches what it says, not a whole occupation.
//!
//! # Duplicates
//!
//! A document's dedupe key is its normalised title, organisation (provider) and place. Openings
//! without an organisation (Reed's titles) have none: without an employer, "Sales Executive in
//! London" names many jobs. When a document's key is already stored under another
//! `(source, source_id)`, or appears twice in one file, the later one is merged into the first:
//! the stored values stay, the newcomer fills what they lack (a description, coordinates, a
//! salary), and the merged text is tagged again.
//!
//! # Batches and checkpoints
//!
//! Records are written [`BATCH_SIZE`] at a time, each batch in one transaction that also
//! records how far the file has come. An import that dies resumes after the last committed
//! batch; a finished one starts over next time (rows are upserted, so that is harmless).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reskill_core::catalog::{NewCourse, NewOpening, OccupationTag, SkillTag, TagOrigin};
use reskill_ingest::courses::ReadCourse;
use reskill_ingest::openings::ReadOpening;
use reskill_ingest::rejected::RejectedRow;
use reskill_ingest::tagger::{LabelKind, TagTarget, Tagger};
use reskill_ingest::text::{content_hash, normalise};
use reskill_search::{IndexKind, SearchIndexes, SearchRequest};
use reskill_store::catalog::Checkpoint;
use reskill_store::tagging::{DocumentFilter, Stored, WELL_TAGGED_SKILLS};
use sea_orm::DatabaseConnection;

use super::semantic::tagging::{
    DocumentMeaning, DocumentText, MeaningHit, MeaningTagger, Pieces, pieces,
};
use super::{blocking, indexing};

/// Records written per transaction, unless the caller asks for another size.
pub const BATCH_SIZE: usize = 2_000;
/// An opening's extracted skill at or above this confidence is essential.
pub const ESSENTIAL_MIN_CONFIDENCE: f32 = 0.5;
/// A skill name listed by the file is kept when its best skill scores at least this.
pub const LISTED_SKILL_MIN_CONFIDENCE: f32 = 0.45;
/// Most skills inferred from an opening's occupation.
pub const MAX_INFERRED_SKILLS: usize = 12;
/// An opening's occupation guess below this confidence is not stored: reading 100 postings
/// (docs/INGEST.md) found most guesses under 0.45 wrong.
pub const OCCUPATION_MIN_CONFIDENCE: f32 = 0.45;
/// A course's occupation guess below this is not stored: course titles name subjects, not
/// jobs, and the occupation search turns "Comprehensive TypeScript" into a veterinarian.
pub const COURSE_OCCUPATION_MIN_CONFIDENCE: f32 = 0.75;
/// Skills are inferred from an occupation only when its guess is at least this sure: a wrong
/// occupation would bring a dozen wrong skills.
pub const INFER_MIN_OCCUPATION_CONFIDENCE: f32 = 0.5;
/// Extracted skills below this are dropped: a single one-word mention in a description
/// (confidence 0.33) was wrong more often than right in the sample (docs/INGEST.md).
pub const EXTRACTED_MIN_CONFIDENCE: f32 = 0.35;
/// With a model, a label match below this confidence is kept only when the course's own
/// sentences come close to the skill's meaning too (a cosine of at least
/// [`CANDIDATE_FLOOR`](super::semantic::tagging::CANDIDATE_FLOOR)). In the hand-read
/// calibration sample a preferred label in the title (0.55 and up: "CSS", "accounting",
/// "dermatology") was nearly always right, and the matches below it (one-word and alternative
/// labels in descriptions: "packaging engineering", "repossession", "terminology") mostly
/// wrong.
pub const LABEL_SURE_CONFIDENCE: f32 = 0.55;
/// A skill is tagged by meaning alone when its best cosine reaches this …
pub const MEANING_MIN_COSINE: f32 = 0.62;
/// … and lies within this of the document's best cosine (a document about one thing is not
/// tagged with everything faintly near it).
pub const MEANING_SPREAD: f32 = 0.10;
/// A listed skill name's closest skill is tagged when their cosine reaches this: the name is a
/// skill already, so only the mapping is in doubt ("Python Programming" → Python 0.9;
/// "Packaging" → packaging engineering stays out).
pub const LISTED_MEANING_MIN_COSINE: f32 = 0.75;
/// Most skills tagged by meaning alone per document.
pub const MAX_MEANING_SKILLS: usize = 10;

/// Returns the confidence of a tag by meaning: the share of such tags a person judged right at
/// that cosine in the calibration sample (docs/INGEST.md), linear between the measured points.
pub fn meaning_confidence(cosine: f32) -> f32 {
    const POINTS: [(f32, f32); 5] = [
        (0.45, 0.3),
        (0.55, 0.4),
        (0.62, 0.7),
        (0.7, 0.8),
        (0.8, 0.9),
    ];
    let (first, last) = (POINTS[0], POINTS[POINTS.len() - 1]);
    if cosine <= first.0 {
        return first.1;
    }
    if cosine >= last.0 {
        return last.1;
    }
    POINTS
        .windows(2)
        .find(|w| cosine <= w[1].0)
        .map_or(last.1, |w| {
            let t = (cosine - w[0].0) / (w[1].0 - w[0].0);
            w[0].1 + t * (w[1].1 - w[0].1)
        })
}

/// Two independent pieces of evidence for one tag.
fn combine(a: f32, b: f32) -> f32 {
    1.0 - (1.0 - a) * (1.0 - b)
}

/// With a model, an occupation guessed from a title's words is kept when the title's cosine
/// with one of its labels reaches this: in the hand-read postings, guesses below it brought a
/// dozen wrong skills ("Registered Nursing Associate" read as a clerk).
pub const OCCUPATION_MEANING_SUPPORT: f32 = 0.6;
/// With a model, a title this close to an occupation's label gets that occupation when the
/// words found none the meaning supports.
pub const OCCUPATION_BY_MEANING: f32 = 0.8;

/// A tagger match of an occupation label in the title at least this sure is taken without
/// asking the search (it covers the title with a multi-word label).
pub const TITLE_LABEL_CONFIDENCE: f32 = 0.7;

/// How an import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Records per transaction (and per checkpoint).
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            batch_size: BATCH_SIZE,
        }
    }
}

/// The format of an openings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpeningsFormat {
    /// One of the job-posting CSVs [`reskill_ingest::openings`] understands.
    Csv,
    /// schema.org JobPosting JSON-LD: one object per line, or an array.
    JsonLd,
}

impl OpeningsFormat {
    /// Returns the format a file name suggests: `.jsonld`, `.json` and `.ndjson` are JSON-LD.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonld" | "json" | "ndjson" | "jsonl") => Self::JsonLd,
            _ => Self::Csv,
        }
    }
}

/// Everything tagging needs, built once from the database.
pub struct CatalogTagger {
    tagger: Tagger,
    /// Occupation guesses by [`search_title`]: job titles repeat (Reed's 30,000 postings have
    /// about 9,000 titles), and a guess depends on the title alone.
    guesses: std::sync::Mutex<HashMap<String, Option<OccupationTag>>>,
    /// Occupation id → URI, to turn search hits into tags.
    occupation_uris: HashMap<i64, String>,
    /// Occupation URI → essential skill URIs, rarest first.
    essential_skills: HashMap<String, Vec<String>>,
    /// Skill id → URI, to turn meaning hits into tags.
    skill_uris: HashMap<i64, String>,
    /// Tagging by meaning, when a model and the skills' vectors are present.
    meaning: Option<MeaningTagger>,
}

impl fmt::Debug for CatalogTagger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogTagger")
            .field("tagger", &self.tagger)
            .field("occupations", &self.occupation_uris.len())
            .field("meaning", &self.meaning)
            .finish_non_exhaustive()
    }
}

impl CatalogTagger {
    /// Builds the tagger from every occupation and skill label stored, tagging by words only.
    pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Self> {
        Self::load_with_model(db, None).await
    }

    /// Like [`load`](Self::load), also tagging by meaning when `embedder` is given and the
    /// skills have vectors under its model.
    pub async fn load_with_model(
        db: &DatabaseConnection,
        embedder: Option<Arc<reskill_embed::Embedder>>,
    ) -> anyhow::Result<Self> {
        let meaning = match embedder {
            Some(embedder) => MeaningTagger::load(db, embedder).await?,
            None => None,
        };
        let occupations = reskill_store::documents::occupations(db, None).await?;
        let skills = reskill_store::documents::skills(db, None).await?;
        let essential_skills = reskill_store::tagging::essential_skills_by_occupation(db).await?;
        let mut labels = Vec::new();
        let mut push = |target: TagTarget, preferred: &str, alt: &[String], hidden: &[String]| {
            labels.push((target.clone(), preferred.to_owned(), LabelKind::Preferred));
            labels.extend(
                alt.iter()
                    .map(|l| (target.clone(), l.clone(), LabelKind::Alternative)),
            );
            labels.extend(
                hidden
                    .iter()
                    .map(|l| (target.clone(), l.clone(), LabelKind::Hidden)),
            );
        };
        for o in &occupations {
            push(
                TagTarget::Occupation(o.uri.clone()),
                &o.preferred_label,
                &o.alt_labels,
                &o.hidden_labels,
            );
        }
        for s in &skills {
            push(
                TagTarget::Skill(s.uri.clone()),
                &s.preferred_label,
                &s.alt_labels,
                &s.hidden_labels,
            );
        }
        let skill_uris = skills.iter().map(|s| (s.id, s.uri.clone())).collect();
        let tagger = blocking(move || Ok(Tagger::build(labels))).await?;
        Ok(Self {
            tagger,
            guesses: std::sync::Mutex::new(HashMap::new()),
            occupation_uris: occupations.into_iter().map(|o| (o.id, o.uri)).collect(),
            essential_skills,
            skill_uris,
            meaning,
        })
    }

    /// Returns whether documents are tagged by meaning too.
    pub fn reads_meaning(&self) -> bool {
        self.meaning.is_some()
    }

    /// Returns each document's meaning hits (empty lists without a model). Embeds and stores
    /// the pieces not embedded before.
    async fn meaning_hits(
        &self,
        db: &DatabaseConnection,
        documents: &[DocumentText<'_>],
    ) -> anyhow::Result<Vec<DocumentMeaning>> {
        match &self.meaning {
            Some(meaning) => {
                let pieces: Vec<Pieces> = documents.iter().map(|d| pieces(*d)).collect();
                meaning.hits(db, &pieces).await
            }
            None => Ok(vec![DocumentMeaning::default(); documents.len()]),
        }
    }

    /// With a model, checks an occupation guessed from a title's words against the title's
    /// meaning: a guess the meaning does not support is dropped (a label the title holds
    /// outright is supported: its cosine is near 1), and a title whose meaning is close to one
    /// occupation gets it even when the words found none. Without a model the guess stands.
    fn weigh_occupation(
        &self,
        guess: Option<OccupationTag>,
        occupations: &[MeaningHit],
    ) -> Option<OccupationTag> {
        if self.meaning.is_none() {
            return guess;
        }
        let uri_of = |hit: &MeaningHit| self.occupation_uris.get(&hit.id);
        let support = |uri: &str| {
            occupations
                .iter()
                .find(|hit| uri_of(hit).is_some_and(|u| u == uri))
                .map_or(0.0, |hit| hit.cosine)
        };
        match guess {
            Some(tag) if support(&tag.uri) >= OCCUPATION_MEANING_SUPPORT => Some(tag),
            _ => occupations
                .first()
                .filter(|hit| hit.cosine >= OCCUPATION_BY_MEANING)
                .and_then(|hit| {
                    Some(OccupationTag {
                        uri: uri_of(hit)?.clone(),
                        origin: TagOrigin::Extracted,
                        confidence: hit.cosine,
                    })
                }),
        }
    }

    /// Adds the skills a document means (see the module docs) and, with a model, drops label
    /// matches its own sentences do not support. `verify` is whether `meaning` read the body.
    fn add_meaning(
        &self,
        skills: &mut SkillSet,
        lexical: Vec<(TagTarget, f32)>,
        meaning: &[MeaningHit],
        verify: bool,
        essential: impl Fn(f32) -> bool,
    ) {
        let reads_meaning = self.meaning.is_some();
        let support: HashMap<&str, f32> = meaning
            .iter()
            .filter_map(|hit| Some((self.skill_uris.get(&hit.id)?.as_str(), hit.cosine)))
            .collect();
        for (target, confidence) in lexical {
            if confidence < EXTRACTED_MIN_CONFIDENCE {
                continue;
            }
            let supported = support.contains_key(target.uri());
            if reads_meaning && verify && confidence < LABEL_SURE_CONFIDENCE && !supported {
                continue;
            }
            let confidence = match support.get(target.uri()) {
                Some(&cosine) => combine(confidence, meaning_confidence(cosine)),
                None => confidence,
            };
            skills.add(SkillTag {
                uri: target.uri().to_owned(),
                essential: essential(confidence),
                origin: TagOrigin::Extracted,
                confidence,
            });
        }
        let best = meaning.first().map_or(0.0, |hit| hit.cosine);
        for hit in meaning
            .iter()
            .filter(|hit| hit.cosine >= MEANING_MIN_COSINE && hit.cosine >= best - MEANING_SPREAD)
            .take(MAX_MEANING_SKILLS)
        {
            let Some(uri) = self.skill_uris.get(&hit.id) else {
                continue;
            };
            let confidence = meaning_confidence(hit.cosine);
            skills.add(SkillTag {
                uri: uri.clone(),
                essential: essential(confidence),
                origin: TagOrigin::Extracted,
                confidence,
            });
        }
    }

    /// Returns the occupation for a title, or `None` when nothing is sure enough. Blocking.
    pub fn guess_occupation(&self, search: &SearchIndexes, title: &str) -> Option<OccupationTag> {
        let query = search_title(title);
        let cached = self
            .guesses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&query)
            .cloned();
        if let Some(guess) = cached {
            return guess;
        }
        let candidates = self.tagger.tag(&query, "").occupation_candidates;
        let guess = match candidates.first() {
            Some((target, confidence)) if *confidence >= TITLE_LABEL_CONFIDENCE => {
                Some(OccupationTag {
                    uri: target.uri().to_owned(),
                    origin: TagOrigin::Extracted,
                    confidence: *confidence,
                })
            }
            _ => OccupationGuess::new(self, search, &query, &candidates).into_tag(),
        };
        self.guesses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(query, guess.clone());
        guess
    }

    /// Tags an opening in place (see the module docs). Blocking.
    pub fn tag_opening(
        &self,
        search: &SearchIndexes,
        opening: &mut NewOpening,
        listed: &[String],
        meaning: &DocumentMeaning,
    ) {
        if curated(opening.occupation.as_ref(), &opening.skills) {
            return;
        }
        let tags = self.tagger.tag(&opening.title, &opening.description);
        opening.skills.retain(|tag| tag.origin == TagOrigin::Manual);
        let mut skills = SkillSet::new(std::mem::take(&mut opening.skills));
        self.add_meaning(
            &mut skills,
            tags.skills,
            &meaning.skills,
            false,
            |confidence| confidence >= ESSENTIAL_MIN_CONFIDENCE,
        );
        for tag in self.listed_skills(listed, meaning) {
            skills.add(tag);
        }
        if opening
            .occupation
            .as_ref()
            .is_none_or(|o| o.origin != TagOrigin::Manual)
        {
            let guess = self.guess_occupation(search, &opening.title);
            opening.occupation = self
                .weigh_occupation(guess, &meaning.occupations)
                .filter(|o| o.confidence >= OCCUPATION_MIN_CONFIDENCE);
        }
        if skills.len() < WELL_TAGGED_SKILLS as usize
            && let Some(occupation) = &opening.occupation
            && occupation.confidence >= INFER_MIN_OCCUPATION_CONFIDENCE
        {
            let inferred = self
                .essential_skills
                .get(&occupation.uri)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for uri in inferred.iter().take(MAX_INFERRED_SKILLS) {
                skills.add(SkillTag {
                    uri: uri.clone(),
                    essential: true,
                    origin: TagOrigin::Inferred,
                    confidence: occupation.confidence * 0.8,
                });
            }
        }
        opening.skills = skills.into_vec();
    }

    /// Tags a course in place (see the module docs). Blocking.
    pub fn tag_course(
        &self,
        search: &SearchIndexes,
        course: &mut NewCourse,
        listed: &[String],
        meaning: &DocumentMeaning,
    ) {
        if curated(course.occupation.as_ref(), &course.skills) {
            return;
        }
        let tags = self.tagger.tag(&course.title, &course.description);
        course.skills.retain(|tag| tag.origin == TagOrigin::Manual);
        let mut skills = SkillSet::new(std::mem::take(&mut course.skills));
        self.add_meaning(&mut skills, tags.skills, &meaning.skills, true, |_| true);
        for tag in self.listed_skills(listed, meaning) {
            skills.add(tag);
        }
        course.skills = skills.into_vec();
        if course
            .occupation
            .as_ref()
            .is_none_or(|o| o.origin != TagOrigin::Manual)
        {
            let guess = self.guess_occupation(search, &course.title);
            course.occupation = self
                .weigh_occupation(guess, &meaning.occupations)
                .filter(|o| o.confidence >= COURSE_OCCUPATION_MIN_CONFIDENCE);
        }
    }

    /// Tags each skill name a file lists, keeping its best skill when sure enough: by meaning
    /// with a model (each name's closest skill at a cosine of [`LISTED_MEANING_MIN_COSINE`],
    /// when the title or sentences come near that skill too), by words without.
    fn listed_skills<'a>(
        &'a self,
        listed: &'a [String],
        meaning: &'a DocumentMeaning,
    ) -> Box<dyn Iterator<Item = SkillTag> + 'a> {
        if self.meaning.is_some() {
            // Sources list skills loosely (edX lists "mergers and acquisitions" for a front-end
            // course), so a listed skill needs the document's own text near it too.
            let support: HashMap<i64, f32> = meaning
                .skills
                .iter()
                .map(|hit| (hit.id, hit.cosine))
                .collect();
            return Box::new(
                meaning
                    .listed
                    .iter()
                    .filter(|hit| hit.cosine >= LISTED_MEANING_MIN_COSINE)
                    .filter_map(move |hit| {
                        let text = *support.get(&hit.id)?;
                        Some(SkillTag {
                            uri: self.skill_uris.get(&hit.id)?.clone(),
                            essential: true,
                            origin: TagOrigin::Extracted,
                            confidence: combine(
                                meaning_confidence(hit.cosine),
                                meaning_confidence(text),
                            ),
                        })
                    }),
            );
        }
        Box::new(listed.iter().filter_map(|name| {
            let (target, confidence) = self.tagger.tag(name, "").skills.into_iter().next()?;
            (confidence >= LISTED_SKILL_MIN_CONFIDENCE).then(|| SkillTag {
                uri: target.uri().to_owned(),
                essential: true,
                origin: TagOrigin::Extracted,
                confidence,
            })
        }))
    }
}

/// Returns whether a person (or the source, in ESCO terms) set both the occupation and skills:
/// such a document keeps exactly its tags, so a tag a person removed stays removed.
fn curated(occupation: Option<&OccupationTag>, skills: &[SkillTag]) -> bool {
    occupation.is_some_and(|o| o.origin == TagOrigin::Manual)
        && skills.iter().any(|t| t.origin == TagOrigin::Manual)
}

/// An occupation for a title: the best hit of the occupation search, with a confidence from
/// how far it leads the runner-up and whether the tagger found the same occupation's label in
/// the title. `title` is already cut by [`search_title`].
///
/// `confidence = 0.4 + 0.3 × lead + 0.3 × agreement`, where `lead = (s₁ − s₂) / s₁` over the
/// first two search scores (1 with one hit) and `agreement` is the tagger's confidence for the
/// same occupation (0 when it found none). When the search finds nothing, the tagger's best
/// candidate is used at `0.8 ×` its confidence.
struct OccupationGuess {
    tag: Option<OccupationTag>,
}

impl OccupationGuess {
    fn new(
        tagger: &CatalogTagger,
        search: &SearchIndexes,
        title: &str,
        candidates: &[(TagTarget, f32)],
    ) -> Self {
        let hits = if title.is_empty() {
            Vec::new()
        } else {
            search
                .search(IndexKind::Occupations, &SearchRequest::new(title, 2))
                .map(|r| r.hits)
                .unwrap_or_default()
        };
        let tag = match hits.first() {
            Some(best) => tagger.occupation_uris.get(&best.id).map(|uri| {
                let lead = match hits.get(1) {
                    Some(second) if best.score > 0.0 => {
                        ((best.score - second.score) / best.score).clamp(0.0, 1.0)
                    }
                    _ => 1.0,
                };
                let agreement = candidates
                    .iter()
                    .find(|(t, _)| t.uri() == uri)
                    .map_or(0.0, |(_, c)| *c);
                OccupationTag {
                    uri: uri.clone(),
                    origin: TagOrigin::Extracted,
                    confidence: 0.4 + 0.3 * lead + 0.3 * agreement,
                }
            }),
            None => candidates
                .first()
                .map(|(target, confidence)| OccupationTag {
                    uri: target.uri().to_owned(),
                    origin: TagOrigin::Extracted,
                    confidence: 0.8 * confidence,
                }),
        };
        Self { tag }
    }

    fn into_tag(self) -> Option<OccupationTag> {
        self.tag
    }
}

/// Returns the part of a job title that names the job: grades, places, contract terms and
/// reference numbers after a dash, a comma, a slash or in brackets are dropped
/// ("Staff Nurse - Band 5 - Ward 23" → "Staff Nurse").
pub fn search_title(title: &str) -> String {
    let mut text = String::with_capacity(title.len());
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ => text.push(c),
        }
    }
    // The first segment that names something: "Band 4 - Safeguarding Administrator" is about
    // the administrator, not a band saw.
    let head = text
        .split([',', '|', '/', '–', '—'])
        .flat_map(|part| part.split(" - "))
        .find(|segment| !is_grade_or_pay(segment))
        .unwrap_or_default();
    let words: Vec<&str> = head.split_whitespace().take(12).collect();
    words.join(" ")
}

/// Returns whether a title segment only gives a pay band, a grade or a salary ("Band 6",
/// "Level 2", "£45k", "20K").
fn is_grade_or_pay(segment: &str) -> bool {
    let words: Vec<String> = segment.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return true;
    }
    words.iter().all(|w| {
        matches!(
            w.as_str(),
            "band" | "grade" | "level" | "tier" | "salary" | "up" | "to"
        ) || w
            .chars()
            .any(|c| c.is_ascii_digit() || c == '£' || c == '$' || c == '€')
    })
}

/// Skill tags of one document, one per skill, the most sure origin kept.
struct SkillSet {
    tags: Vec<SkillTag>,
    index: HashMap<String, usize>,
}

impl SkillSet {
    fn new(tags: Vec<SkillTag>) -> Self {
        let mut set = Self {
            tags: Vec::new(),
            index: HashMap::new(),
        };
        for tag in tags {
            set.add(tag);
        }
        set
    }

    fn add(&mut self, tag: SkillTag) {
        match self.index.get(&tag.uri) {
            Some(&i) => {
                let existing = &mut self.tags[i];
                let rank = |o: TagOrigin| match o {
                    TagOrigin::Manual => 2,
                    TagOrigin::Extracted => 1,
                    TagOrigin::Inferred => 0,
                };
                if (rank(tag.origin), tag.confidence) > (rank(existing.origin), existing.confidence)
                {
                    let essential = existing.essential || tag.essential;
                    *existing = SkillTag { essential, ..tag };
                }
            }
            None => {
                self.index.insert(tag.uri.clone(), self.tags.len());
                self.tags.push(tag);
            }
        }
    }

    fn len(&self) -> usize {
        self.tags.len()
    }

    fn into_vec(self) -> Vec<SkillTag> {
        self.tags
    }
}

/// Returns the dedupe key of an opening, or `None` without an organisation.
pub fn opening_dedupe_key(opening: &NewOpening) -> Option<String> {
    (!normalise(&opening.organisation).is_empty())
        .then(|| reskill_ingest::openings::dedupe_key(opening))
}

/// Returns the dedupe key of a course: normalised title and provider.
pub fn course_dedupe_key(course: &NewCourse) -> Option<String> {
    let title = normalise(&course.title);
    (!title.is_empty()).then(|| format!("{title}|{}", normalise(&course.provider)))
}

/// A catalog record that can be merged with a duplicate of itself.
trait Mergeable: Clone + Send + 'static {
    fn source_key(&self) -> (&str, &str);
    fn dedupe_key(&self) -> Option<&str>;
    /// Fills what `self` lacks from `other`, keeping `self`'s source key and values.
    fn fill_from(&mut self, other: Self);
}

impl Mergeable for NewOpening {
    fn source_key(&self) -> (&str, &str) {
        (&self.source, &self.source_id)
    }

    fn dedupe_key(&self) -> Option<&str> {
        self.dedupe_key.as_deref()
    }

    fn fill_from(&mut self, other: Self) {
        if self.description.trim().is_empty() {
            self.description = other.description;
        }
        match (&mut self.place, other.place) {
            (None, place) => self.place = place,
            (Some(mine), Some(theirs)) => {
                mine.region = mine.region.take().or(theirs.region);
                mine.country = mine.country.take().or(theirs.country);
                if mine.lat.is_none() || mine.lon.is_none() {
                    (mine.lat, mine.lon) = (theirs.lat, theirs.lon);
                }
            }
            (Some(_), None) => {}
        }
        if self.salary_min.is_none() && self.salary_max.is_none() {
            (self.salary_min, self.salary_max) = (other.salary_min, other.salary_max);
            if self.currency.is_empty() {
                self.currency = other.currency;
            }
        }
        self.expires_on = self.expires_on.or(other.expires_on);
        self.remote |= other.remote;
        if self.url.is_empty() {
            self.url = other.url;
        }
        if self.occupation.is_none() {
            self.occupation = other.occupation;
        }
        for tag in other.skills {
            if tag.origin == TagOrigin::Manual && !self.skills.iter().any(|t| t.uri == tag.uri) {
                self.skills.push(tag);
            }
        }
    }
}

impl Mergeable for NewCourse {
    fn source_key(&self) -> (&str, &str) {
        (&self.source, &self.source_id)
    }

    fn dedupe_key(&self) -> Option<&str> {
        self.dedupe_key.as_deref()
    }

    fn fill_from(&mut self, other: Self) {
        if self.description.trim().is_empty() {
            self.description = other.description;
        }
        self.hours = self.hours.or(other.hours);
        self.place = self.place.take().or(other.place);
        self.next_start = self.next_start.or(other.next_start);
        if self.url.is_empty() {
            self.url = other.url;
        }
        if self.funding.is_empty() {
            self.funding = other.funding;
        }
        if self.occupation.is_none() {
            self.occupation = other.occupation;
        }
        for tag in other.skills {
            if tag.origin == TagOrigin::Manual && !self.skills.iter().any(|t| t.uri == tag.uri) {
                self.skills.push(tag);
            }
        }
    }
}

/// Keeps one record per `(source, source_id)`: a row repeated in the file is merged into its
/// first occurrence, whose place it keeps, with the later row's values (the later one is the
/// newer). Returns the records and how many were merged.
fn dedupe_by_source_key<T: Mergeable>(
    records: Vec<(T, Vec<String>)>,
) -> (Vec<(T, Vec<String>)>, u64) {
    let mut seen: HashMap<(String, String), usize> = HashMap::with_capacity(records.len());
    let mut out: Vec<(T, Vec<String>)> = Vec::with_capacity(records.len());
    let mut merged = 0;
    for (record, listed) in records {
        let (source, source_id) = record.source_key();
        let key = (source.to_owned(), source_id.to_owned());
        if let Some(&i) = seen.get(&key) {
            out[i] = (record, listed);
            merged += 1;
        } else {
            seen.insert(key, out.len());
            out.push((record, listed));
        }
    }
    (out, merged)
}

/// What [`merge_batch`] did with a batch.
struct MergedBatch<T> {
    /// The records to write, each with the skill names its file listed.
    records: Vec<(T, Vec<String>)>,
    /// Input records merged into another record of the batch or into a stored row.
    merged: u64,
    /// Records that are stored rows written again only to take in what merged newcomers
    /// brought: the store counts them as updated, but no row of the file is behind them.
    stand_ins: u64,
}

/// Merges a batch's duplicates into each other and into stored rows (see the module docs);
/// each record keeps the skill names its file listed. The batch holds one record per source
/// key ([`dedupe_by_source_key`]).
fn merge_batch<T: Mergeable>(
    batch: Vec<(T, Vec<String>)>,
    stored: Vec<Stored<T>>,
) -> MergedBatch<T> {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<(T, Vec<String>)> = Vec::with_capacity(batch.len());
    let mut stand_in: Vec<bool> = Vec::with_capacity(batch.len());
    let stored: HashMap<String, T> = stored
        .into_iter()
        .filter_map(|s| Some((s.record.dedupe_key()?.to_owned(), s.record)))
        .collect();
    let mut merged = 0;
    for (record, listed) in batch {
        let Some(key) = record.dedupe_key().map(str::to_owned) else {
            out.push((record, listed));
            stand_in.push(false);
            continue;
        };
        if let Some(&i) = by_key.get(&key) {
            let (first, first_listed) = &mut out[i];
            if first.source_key() == record.source_key() {
                // The stored row this batch merged others into is itself in the file: the
                // file's version is the newer, and it stands for its own row.
                *first = record;
                *first_listed = listed;
                stand_in[i] = false;
            } else {
                merged += 1;
                first.fill_from(record);
                first_listed.extend(listed);
            }
            continue;
        }
        let (record, is_stand_in) = match stored.get(&key) {
            Some(existing) if existing.source_key() != record.source_key() => {
                merged += 1;
                let mut base = existing.clone();
                base.fill_from(record);
                (base, true)
            }
            _ => (record, false),
        };
        by_key.insert(key, out.len());
        out.push((record, listed));
        stand_in.push(is_stand_in);
    }
    MergedBatch {
        records: out,
        merged,
        stand_ins: stand_in.iter().filter(|&&s| s).count() as u64,
    }
}

/// What a course or opening import did. Every row of the file is counted once:
/// `read = inserted + updated + merged + rejected + resumed_after` ([`Self::unaccounted`]).
#[derive(Debug, Default)]
pub struct CatalogImportReport {
    /// `courses` or `openings`.
    pub kind: &'static str,
    /// The file.
    pub file: String,
    /// The format the reader recognised.
    pub format: String,
    /// Rows (records) in the file, good and rejected.
    pub read: u64,
    /// Rows skipped because an earlier, interrupted run had committed them.
    pub resumed_after: u64,
    /// Rows left out, with file, line and reason; nothing of them is stored.
    pub rejected: Vec<RejectedRow>,
    /// Rows merged into another row of the file or a stored one: the same source id again, or
    /// the same dedupe key under another source id (see the module docs).
    pub merged: u64,
    /// Rows stored as new documents.
    pub inserted: u64,
    /// Rows that replaced the stored document with their source id.
    pub updated: u64,
    /// Skill tags written.
    pub skill_tags: u64,
    /// Written documents with an occupation.
    pub with_occupation: u64,
    /// Written documents with an occupation and at least 3 skills.
    pub well_tagged: u64,
    /// Seconds spent reading the file.
    pub read_seconds: f64,
    /// Seconds spent tagging.
    pub tag_seconds: f64,
    /// Seconds spent writing.
    pub write_seconds: f64,
    /// Seconds spent indexing.
    pub index_seconds: f64,
}

impl CatalogImportReport {
    /// Returns the rows the other counts do not explain: 0 when the counts add up.
    pub fn unaccounted(&self) -> i64 {
        let explained = self.inserted
            + self.updated
            + self.merged
            + self.rejected.len() as u64
            + self.resumed_after;
        self.read as i64 - explained as i64
    }

    /// Returns whether the file had rows and every one of them was rejected.
    pub fn all_rejected(&self) -> bool {
        self.read > 0 && self.rejected.len() as u64 == self.read
    }
}

impl fmt::Display for CatalogImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({}, {})", self.file, self.kind, self.format)?;
        write!(
            f,
            "  read {} rows: inserted {}, updated {}, merged {} duplicates, rejected {}",
            self.read,
            self.inserted,
            self.updated,
            self.merged,
            self.rejected.len()
        )?;
        if self.resumed_after > 0 {
            write!(
                f,
                ", resumed after {} stored by an earlier run",
                self.resumed_after
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  skill tags {}, with an occupation {}, with an occupation and 3+ skills {}",
            self.skill_tags, self.with_occupation, self.well_tagged
        )?;
        for row in self.rejected.iter().take(10) {
            writeln!(f, "  rejected {row}")?;
        }
        if self.rejected.len() > 10 {
            writeln!(f, "  … and {} more rejected rows", self.rejected.len() - 10)?;
        }
        write!(
            f,
            "  read {:.1} s, tag {:.1} s, write {:.1} s, index {:.1} s",
            self.read_seconds, self.tag_seconds, self.write_seconds, self.index_seconds
        )
    }
}

/// Imports a course file (any format [`reskill_ingest::courses`] reads).
pub async fn import_courses_file(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    tagger: &Arc<CatalogTagger>,
    path: &Path,
    options: &ImportOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<CatalogImportReport> {
    let started = Instant::now();
    let owned: PathBuf = path.to_owned();
    let (read, file_hash) = blocking(move || {
        let hash = file_hash(&owned)?;
        Ok((reskill_ingest::courses::read_courses_file(&owned)?, hash))
    })
    .await?;
    let mut report = CatalogImportReport {
        kind: "courses",
        file: path.display().to_string(),
        format: read.format.map_or_else(String::new, |f| format!("{f:?}")),
        read: (read.outcome.records.len() + read.outcome.rejected.len()) as u64,
        rejected: read.outcome.rejected,
        read_seconds: started.elapsed().as_secs_f64(),
        ..CatalogImportReport::default()
    };
    let records: Vec<(NewCourse, Vec<String>)> = read
        .outcome
        .records
        .into_iter()
        .map(
            |ReadCourse {
                 mut course,
                 skill_tags,
             }| {
                course.dedupe_key = course_dedupe_key(&course);
                (course, skill_tags)
            },
        )
        .collect();
    run_batches(
        db,
        search,
        tagger,
        records,
        &file_hash,
        &mut report,
        options,
        progress,
        CourseOps,
    )
    .await?;
    Ok(report)
}

/// Imports an openings file: a job-posting CSV or JobPosting JSON-LD.
pub async fn import_openings_file(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    tagger: &Arc<CatalogTagger>,
    path: &Path,
    format: OpeningsFormat,
    options: &ImportOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<CatalogImportReport> {
    let started = Instant::now();
    let owned: PathBuf = path.to_owned();
    let (read, format_name, file_hash) = blocking(move || {
        let hash = file_hash(&owned)?;
        Ok(match format {
            OpeningsFormat::Csv => {
                let read = reskill_ingest::openings::read_openings_file(&owned)?;
                let name = read.format.map_or_else(String::new, |f| format!("{f:?}"));
                (read.outcome, name, hash)
            }
            OpeningsFormat::JsonLd => {
                let text = std::fs::read_to_string(&owned)
                    .with_context(|| format!("failed to read {}", owned.display()))?;
                let name = owned.file_name().map_or_else(
                    || owned.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let outcome = reskill_ingest::jsonld::read_jobpostings(&name, &text);
                (outcome, "JobPosting JSON-LD".to_owned(), hash)
            }
        })
    })
    .await?;
    let mut report = CatalogImportReport {
        kind: "openings",
        file: path.display().to_string(),
        format: format_name,
        read: (read.records.len() + read.rejected.len()) as u64,
        rejected: read.rejected,
        read_seconds: started.elapsed().as_secs_f64(),
        ..CatalogImportReport::default()
    };
    let records: Vec<(NewOpening, Vec<String>)> = read
        .records
        .into_iter()
        .map(
            |ReadOpening {
                 mut opening,
                 skill_tags,
                 occupation_hint,
             }| {
                opening.dedupe_key = opening_dedupe_key(&opening);
                let mut listed = skill_tags;
                // A non-ESCO occupation name (JSON-LD occupationalCategory) helps the skills
                // and is tried as a title below when the posting's own title finds nothing.
                if let Some(hint) = occupation_hint {
                    listed.push(hint);
                }
                (opening, listed)
            },
        )
        .collect();
    run_batches(
        db,
        search,
        tagger,
        records,
        &file_hash,
        &mut report,
        options,
        progress,
        OpeningOps,
    )
    .await?;
    Ok(report)
}

/// The per-kind steps of [`run_batches`].
trait CatalogOps: Copy + Send + Sync + 'static {
    type Record: Mergeable;
    const KIND: IndexKind;
    fn stored<'a>(
        db: &'a DatabaseConnection,
        keys: &'a [String],
    ) -> impl Future<Output = anyhow::Result<Vec<Stored<Self::Record>>>> + Send + 'a;
    /// The text tagging by meaning reads.
    fn document<'a>(record: &'a Self::Record, listed: &'a [String]) -> DocumentText<'a>;
    fn tag(
        tagger: &CatalogTagger,
        search: &SearchIndexes,
        record: &mut Self::Record,
        listed: &[String],
        meaning: &DocumentMeaning,
    );
    fn tagged(record: &Self::Record) -> (bool, bool);
    fn write<'a>(
        db: &'a DatabaseConnection,
        records: &'a [Self::Record],
        checkpoint: &'a Checkpoint,
    ) -> impl Future<Output = anyhow::Result<(u64, u64, u64)>> + Send + 'a;
}

#[derive(Clone, Copy)]
struct CourseOps;

impl CatalogOps for CourseOps {
    type Record = NewCourse;
    const KIND: IndexKind = IndexKind::Courses;

    async fn stored(
        db: &DatabaseConnection,
        keys: &[String],
    ) -> anyhow::Result<Vec<Stored<NewCourse>>> {
        Ok(reskill_store::tagging::courses(db, DocumentFilter::DedupeKeys(keys)).await?)
    }

    fn document<'a>(record: &'a NewCourse, listed: &'a [String]) -> DocumentText<'a> {
        DocumentText {
            title: &record.title,
            listed,
            body: Some(&record.description),
        }
    }

    fn tag(
        tagger: &CatalogTagger,
        search: &SearchIndexes,
        record: &mut NewCourse,
        listed: &[String],
        meaning: &DocumentMeaning,
    ) {
        tagger.tag_course(search, record, listed, meaning);
    }

    fn tagged(record: &NewCourse) -> (bool, bool) {
        tag_state(record.occupation.is_some(), record.skills.len())
    }

    async fn write(
        db: &DatabaseConnection,
        records: &[NewCourse],
        checkpoint: &Checkpoint,
    ) -> anyhow::Result<(u64, u64, u64)> {
        let summary =
            reskill_store::catalog::upsert_courses_batch(db, records, Some(checkpoint)).await?;
        Ok((summary.inserted, summary.updated, summary.skill_tags))
    }
}

#[derive(Clone, Copy)]
struct OpeningOps;

impl CatalogOps for OpeningOps {
    type Record = NewOpening;
    const KIND: IndexKind = IndexKind::Openings;

    async fn stored(
        db: &DatabaseConnection,
        keys: &[String],
    ) -> anyhow::Result<Vec<Stored<NewOpening>>> {
        Ok(reskill_store::tagging::openings(db, DocumentFilter::DedupeKeys(keys)).await?)
    }

    fn document<'a>(record: &'a NewOpening, listed: &'a [String]) -> DocumentText<'a> {
        // Titles only: see the semantic tagging module on the cost of descriptions.
        DocumentText {
            title: &record.title,
            listed,
            body: None,
        }
    }

    fn tag(
        tagger: &CatalogTagger,
        search: &SearchIndexes,
        record: &mut NewOpening,
        listed: &[String],
        meaning: &DocumentMeaning,
    ) {
        tagger.tag_opening(search, record, listed, meaning);
    }

    fn tagged(record: &NewOpening) -> (bool, bool) {
        tag_state(record.occupation.is_some(), record.skills.len())
    }

    async fn write(
        db: &DatabaseConnection,
        records: &[NewOpening],
        checkpoint: &Checkpoint,
    ) -> anyhow::Result<(u64, u64, u64)> {
        let summary =
            reskill_store::catalog::upsert_openings_batch(db, records, Some(checkpoint)).await?;
        Ok((summary.inserted, summary.updated, summary.skill_tags))
    }
}

fn tag_state(has_occupation: bool, skills: usize) -> (bool, bool) {
    (
        has_occupation,
        has_occupation && skills >= WELL_TAGGED_SKILLS as usize,
    )
}

/// Merges, tags and writes `records` in checkpointed batches, then catches the index up.
#[allow(clippy::too_many_arguments)]
async fn run_batches<O: CatalogOps>(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    tagger: &Arc<CatalogTagger>,
    records: Vec<(O::Record, Vec<String>)>,
    file_hash: &str,
    report: &mut CatalogImportReport,
    options: &ImportOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
    _ops: O,
) -> anyhow::Result<()> {
    let kind = report.kind;
    let (records, repeated) = dedupe_by_source_key(records);
    report.merged += repeated;
    let total = records.len() as u64;
    let resume = reskill_store::catalog::resume_point(db, kind, file_hash)
        .await?
        .unwrap_or(0)
        .min(total);
    report.resumed_after = resume;
    let file_name = Path::new(&report.file)
        .file_name()
        .map_or_else(|| report.file.clone(), |n| n.to_string_lossy().into_owned());
    let stage = format!("import {kind}");
    let mut done = resume;
    progress(&stage, done, total);
    let mut records = records.into_iter().skip(resume as usize).peekable();
    while records.peek().is_some() {
        let batch: Vec<(O::Record, Vec<String>)> =
            records.by_ref().take(options.batch_size.max(1)).collect();
        let batch_len = batch.len() as u64;
        let keys: Vec<String> = batch
            .iter()
            .filter_map(|(r, _)| r.dedupe_key().map(str::to_owned))
            .collect();
        let started = Instant::now();
        let stored = O::stored(db, &keys).await?;
        let MergedBatch {
            records: merged_batch,
            merged,
            stand_ins,
        } = merge_batch(batch, stored);
        report.merged += merged;
        let tagged = tag_records::<O>(db, tagger, search, merged_batch).await?;
        report.tag_seconds += started.elapsed().as_secs_f64();
        for record in &tagged {
            let (with_occupation, well_tagged) = O::tagged(record);
            report.with_occupation += u64::from(with_occupation);
            report.well_tagged += u64::from(well_tagged);
        }
        done += batch_len;
        let checkpoint = Checkpoint {
            kind: kind.to_owned(),
            file_name: file_name.clone(),
            file_hash: file_hash.to_owned(),
            records_done: done,
            records_total: total,
        };
        let started = Instant::now();
        let (inserted, updated, skill_tags) = O::write(db, &tagged, &checkpoint).await?;
        report.write_seconds += started.elapsed().as_secs_f64();
        report.inserted += inserted;
        report.updated += updated.saturating_sub(stand_ins);
        report.skill_tags += skill_tags;
        progress(&stage, done, total);
    }
    reskill_store::catalog::finish_checkpoint(db, kind, file_hash).await?;
    let started = Instant::now();
    catch_up_index(db, search, O::KIND).await?;
    report.index_seconds = started.elapsed().as_secs_f64();
    Ok(())
}

/// Tags records: their meaning first (embedding what is new), then words and meaning together.
async fn tag_records<O: CatalogOps>(
    db: &DatabaseConnection,
    tagger: &Arc<CatalogTagger>,
    search: &SearchIndexes,
    records: Vec<(O::Record, Vec<String>)>,
) -> anyhow::Result<Vec<O::Record>> {
    let documents: Vec<DocumentText<'_>> = records
        .iter()
        .map(|(record, listed)| O::document(record, listed))
        .collect();
    let hits = tagger.meaning_hits(db, &documents).await?;
    drop(documents);
    let (tagger, search) = (tagger.clone(), search.clone());
    blocking(move || Ok(tag_all::<O>(&tagger, &search, records, hits))).await
}

/// Tags records on every core: tagging is CPU-bound and the tagger and index are shared.
fn tag_all<O: CatalogOps>(
    tagger: &CatalogTagger,
    search: &SearchIndexes,
    mut records: Vec<(O::Record, Vec<String>)>,
    hits: Vec<DocumentMeaning>,
) -> Vec<O::Record> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = records.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (chunk, hits) in records.chunks_mut(per_thread).zip(hits.chunks(per_thread)) {
            scope.spawn(move || {
                for ((record, listed), meaning) in chunk.iter_mut().zip(hits) {
                    O::tag(tagger, search, record, listed, meaning);
                }
            });
        }
    });
    records.into_iter().map(|(r, _)| r).collect()
}

/// Applies the change log to one index, or rebuilds it when it cannot be replayed.
pub async fn catch_up_index(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    kind: IndexKind,
) -> anyhow::Result<()> {
    let replayed = match search.watermark(kind) {
        Some(after) => indexing::replay(db, search, kind, after).await?,
        None => false,
    };
    if !replayed {
        indexing::rebuild(db, search, kind, &|_, _, _| {}).await?;
    }
    Ok(())
}

fn file_hash(path: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    Ok(content_hash(&[&String::from_utf8_lossy(&bytes)]))
}

/// What a re-tag did.
#[derive(Debug, Default)]
pub struct RetagReport {
    /// Documents re-tagged.
    pub documents: u64,
    /// Documents with an occupation and at least 3 skills afterwards.
    pub well_tagged: u64,
}

/// Re-tags every stored course or opening with the current taxonomy, keeping manual tags.
pub async fn retag(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    tagger: &Arc<CatalogTagger>,
    kind: IndexKind,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<RetagReport> {
    let mut report = RetagReport::default();
    let stage = format!("retag {kind}");
    let mut after = 0;
    loop {
        let page = DocumentFilter::Page {
            after,
            limit: BATCH_SIZE as u64,
        };
        let written = match kind {
            IndexKind::Courses => {
                let stored = reskill_store::tagging::courses(db, page).await?;
                let Some(last) = stored.last().map(|s| s.id) else {
                    break;
                };
                after = last;
                let batch = stored.into_iter().map(|s| (s.record, Vec::new())).collect();
                let tagged = tag_records::<CourseOps>(db, tagger, search, batch).await?;
                report.well_tagged +=
                    tagged.iter().filter(|r| CourseOps::tagged(r).1).count() as u64;
                reskill_store::catalog::upsert_courses(db, &tagged).await?;
                tagged.len()
            }
            IndexKind::Openings => {
                let stored = reskill_store::tagging::openings(db, page).await?;
                let Some(last) = stored.last().map(|s| s.id) else {
                    break;
                };
                after = last;
                let batch = stored.into_iter().map(|s| (s.record, Vec::new())).collect();
                let tagged = tag_records::<OpeningOps>(db, tagger, search, batch).await?;
                report.well_tagged +=
                    tagged.iter().filter(|r| OpeningOps::tagged(r).1).count() as u64;
                reskill_store::catalog::upsert_openings(db, &tagged).await?;
                tagged.len()
            }
            other => anyhow::bail!("only courses and openings are tagged, not {other}"),
        };
        report.documents += written as u64;
        progress(&stage, report.documents, 0);
    }
    catch_up_index(db, search, kind).await?;
    Ok(report)
}

/// Writes every stored opening (all statuses) as one JobPosting JSON-LD object per line.
pub async fn export_openings_jsonld(
    db: &DatabaseConnection,
    out: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut written = 0;
    loop {
        let page = reskill_store::tagging::openings(
            db,
            DocumentFilter::Page {
                after,
                limit: BATCH_SIZE as u64,
            },
        )
        .await?;
        let Some(last) = page.last().map(|s| s.id) else {
            break;
        };
        after = last;
        for stored in page {
            let value = reskill_ingest::jsonld::to_jobposting_jsonld(&stored.record);
            serde_json::to_writer(&mut *out, &value)?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_title_keeps_the_job() {
        assert_eq!(
            search_title("Staff Nurse - Band 5 - Ward 23"),
            "Staff Nurse"
        );
        assert_eq!(
            search_title("Customer Service Advisor (Remote), Leeds"),
            "Customer Service Advisor"
        );
        assert_eq!(search_title("Data Analyst / Scientist"), "Data Analyst");
        assert_eq!(
            search_title("Band 4 - Safeguarding Administrator, Corporate Nursing"),
            "Safeguarding Administrator"
        );
        assert_eq!(
            search_title("Junior Administrator - 20K"),
            "Junior Administrator"
        );
        assert_eq!(search_title("  "), "");
        assert_eq!(search_title("(((("), "");
    }

    fn opening(source: &str, id: &str, description: &str) -> NewOpening {
        let mut o = NewOpening {
            source: source.to_owned(),
            source_id: id.to_owned(),
            organisation: "Leeds Teaching Hospitals".to_owned(),
            title: "Staff Nurse".to_owned(),
            occupation: None,
            description: description.to_owned(),
            skills: Vec::new(),
            place: None,
            remote: false,
            salary_min: None,
            salary_max: None,
            currency: "GBP".to_owned(),
            status: reskill_core::catalog::OpeningStatus::Open,
            posted_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            expires_on: None,
            url: String::new(),
            dedupe_key: None,
        };
        o.dedupe_key = opening_dedupe_key(&o);
        o
    }

    #[test]
    fn duplicates_merge_into_the_first_and_fill_gaps() {
        let first = opening("a", "1", "");
        let mut second = opening("b", "9", "a full description");
        second.salary_min = Some(1.0);
        let batch = merge_batch(
            vec![(first.clone(), vec![]), (second, vec!["x".to_owned()])],
            Vec::new(),
        );
        let out = batch.records;
        assert_eq!((batch.merged, batch.stand_ins), (1, 0));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.source_key(), ("a", "1"));
        assert_eq!(out[0].0.description, "a full description");
        assert_eq!(out[0].1, vec!["x".to_owned()]);
    }

    #[test]
    fn a_duplicate_of_a_stored_row_updates_that_row() {
        let stored = opening("a", "1", "stored text");
        let incoming = opening("b", "2", "other text");
        let batch = merge_batch(
            vec![(incoming, vec![])],
            vec![Stored {
                id: 7,
                record: stored,
            }],
        );
        // The stored row is rewritten, but the file's row is the merged one, not an update.
        assert_eq!((batch.merged, batch.stand_ins), (1, 1));
        let out = batch.records;
        assert_eq!(out[0].0.source_key(), ("a", "1"));
        assert_eq!(out[0].0.description, "stored text");
    }

    #[test]
    fn reimporting_the_same_row_is_not_a_merge() {
        let row = opening("a", "1", "text");
        let batch = merge_batch(
            vec![(row.clone(), vec![])],
            vec![Stored { id: 7, record: row }],
        );
        assert_eq!((batch.merged, batch.stand_ins), (0, 0));
        assert_eq!(batch.records.len(), 1);
    }

    #[test]
    fn a_stored_row_that_is_also_in_the_file_stands_for_itself() {
        let stored = opening("a", "1", "stored text");
        let batch = merge_batch(
            vec![
                (opening("b", "2", "other text"), vec![]),
                (opening("a", "1", "new text"), vec![]),
            ],
            vec![Stored {
                id: 7,
                record: stored,
            }],
        );
        // b merged; a's own row is an update, so nothing is subtracted from the updates.
        assert_eq!((batch.merged, batch.stand_ins), (1, 0));
        assert_eq!(batch.records.len(), 1);
        assert_eq!(batch.records[0].0.description, "new text");
    }

    #[test]
    fn a_row_repeated_in_the_file_is_merged_into_its_first_place() {
        let rows: Vec<(NewOpening, Vec<String>)> = (0..100)
            .map(|i| (opening("a", "1", &format!("v{i}")), vec![]))
            .chain([(opening("a", "2", "other"), vec![])])
            .collect();
        let (out, merged) = dedupe_by_source_key(rows);
        assert_eq!(merged, 99);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0.description, "v99");
        assert_eq!(out[1].0.source_key(), ("a", "2"));
    }

    #[test]
    fn openings_without_an_organisation_have_no_dedupe_key() {
        let mut o = opening("a", "1", "");
        o.organisation = " ".to_owned();
        assert_eq!(opening_dedupe_key(&o), None);
    }
}
