//! The skill and occupation tagger: finds taxonomy labels (preferred, alternative and hidden) in
//! a document's title and description and returns skills and occupation candidates, each with a
//! confidence.
//!
//! # How it matches
//!
//! Labels and documents go through the same [`tokens`] function: lowercase, common accents
//! folded to ASCII, letters and digits kept (`+` and `#` right after a word too, for `C++` and
//! `C#`), apostrophes dropped, every other character a separator; sentence punctuation (`.`,
//! `;`, `:`, `!`, `?`, brackets, bullets, line breaks) is a *boundary* no label can match
//! across. Each token is stemmed with the Snowball English stemmer, so `nursing` matches
//! `nurse` and `patients` matches `patient`. A label becomes the pattern `" s1 s2 … sn "` and a
//! document the text `" s1 s2 … "` of its stems, with every run of stems that occur in no label
//! replaced by one `_`; one Aho–Corasick automaton finds every (overlapping) pattern, and the
//! spaces around each pattern mean matches fall on token boundaries only. A match strictly
//! inside a longer match of the same kind (skill or occupation) is dropped: "mental health
//! nursing" is one skill, not also "mental health" and "nursing".
//!
//! # Rules against ambiguity
//!
//! - A one-token label shorter than [`MIN_SINGLE_TOKEN_CHARS`] is dropped (`art`, `law`, `IT`),
//!   unless it was written as an acronym of at least three capitals (`SQL`, `PHP`, `CSS`).
//! - A one-token label matches only its own word or its plural (`-s`, `-es`), not every word
//!   with the same stem (`critical` is not `critic`, `staff` is not `STAF`); an acronym label
//!   matches only a word written in capitals (`LESS` the language, not "less").
//! - A one-token label that is only an alternative or hidden label (`developer`, `access`), and
//!   any one-token occupation label (`medium`, `extra`), counts in titles only, like the stop
//!   labels below.
//! - Labels in [`STOP_LABELS`] count only in titles: generic words that ESCO uses as labels
//!   and that descriptions use in passing ("Staff **Nurse**" names the job; "report to the
//!   **nurse** in charge" in a porter's posting does not). The list was chosen from the labels matched in the most NHS
//!   descriptions (see the ingest tests' evidence helper and the comment on the list).
//! - When a label belongs to several concepts of one kind and one of them has it as preferred
//!   label, only that one keeps it; otherwise a label shared by more than
//!   [`MAX_TARGETS_PER_LABEL`] concepts is dropped, and a label shared by fewer splits its
//!   confidence between them.
//!
//! # Confidence
//!
//! Each mention scores `kind × length × field`: preferred 1.0, alternative 0.85, hidden 0.6;
//! one token 0.55, two 0.8, three or more 0.9; title 1.0, description 0.6. For an occupation
//! found in the title the score is also multiplied by `0.5 + 0.5 × share of title tokens the
//! label covers`, so `care assistant` beats `assistant` for "Senior Care Assistant".
//! Mentions of the same concept combine as `1 − Π(1 − cᵢ)` (repeated mentions count, with
//! diminishing returns). Concepts below [`TaggerConfig::min_confidence`] are dropped and at most
//! [`TaggerConfig::max_skills`] skills and [`TaggerConfig::max_occupations`] occupations are
//! kept, best first.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use reskill_core::taxonomy::EscoBundle;
use rust_stemmers::{Algorithm, Stemmer};

use crate::text::{fold_char, normalise};

/// One-token labels shorter than this (in characters) are dropped unless they are acronyms.
pub const MIN_SINGLE_TOKEN_CHARS: usize = 4;
/// A non-preferred label shared by more concepts of one kind than this is dropped.
pub const MAX_TARGETS_PER_LABEL: usize = 3;

/// Generic labels that count in titles only, as written in ESCO (compared after normalisation
/// and stemming).
///
/// Chosen from evidence: the `stop_label_evidence` test in `tests/ingest/tagger_real.rs` tags
/// 3,000 real NHS Jobs descriptions with this list off and prints the labels matched in the
/// most of them. The first were `care` 72.6 %, `communication` 31.8 %, `lead` 29.9 %, `access`
/// 27.7 %, `terms` 24.9 %, `interview` 24.8 %, `standard` 23.7 %, `plan` 23.0 %, `general`
/// 19.7 %, `commitment` 19.7 %, `leadership` 17.4 %, `current` 15.2 %, `flexible working`
/// 14.3 %, `be responsible` 11.5 %, `report` 10.3 %, `initiative` 10.1 %; reading the matches
/// showed they come from boilerplate ("terms and conditions", "interview date", "flexible
/// working", "access to NHS pension", "report to") rather than the skill the job needs. Kept,
/// though frequent, because they name real clinical specialisms: `rehabilitation` 10.6 %,
/// `surgery` 9.8 %, `recovery` 9.2 %, `primary care` 6.6 %, `mental health nursing` 4.4 %.
pub const STOP_LABELS: &[&str] = &[
    // Matched in more than 5 % of NHS descriptions, incidental.
    "care",
    "communication",
    "lead",
    "access",
    "terms",
    "interview",
    "standard",
    "plan",
    "general",
    "commitment",
    "leadership",
    "current",
    "flexible working",
    "be responsible",
    "report",
    "initiative",
    "form",
    "forward thinking",
    "director",
    "doctor",
    "work life balance",
    "transport",
    "innovation",
    "equipment",
    "data",
    "pattern",
    "major",
    "assist",
    "consult",
    // 3–5 %, incidental.
    "reserve",
    "process",
    "dedication",
    "activity",
    "board",
    "retail",
    "compassion",
    "fit",
    "conduct",
    "language",
    // ESCO's language skills: every UK posting is written in English.
    "english",
];

/// A concept a label points to: a skill or an occupation, by ESCO URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagTarget {
    /// A skill's concept URI.
    Skill(String),
    /// An occupation's concept URI.
    Occupation(String),
}

impl TagTarget {
    /// Returns the concept URI.
    pub fn uri(&self) -> &str {
        match self {
            Self::Skill(uri) | Self::Occupation(uri) => uri,
        }
    }

    fn is_skill(&self) -> bool {
        matches!(self, Self::Skill(_))
    }
}

/// Which of a concept's labels a label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelKind {
    /// The preferred label.
    Preferred,
    /// An alternative label (a synonym).
    Alternative,
    /// A hidden label (a misspelling or obsolete term, searchable but not shown).
    Hidden,
}

impl LabelKind {
    fn weight(self) -> f32 {
        match self {
            Self::Preferred => 1.0,
            Self::Alternative => 0.85,
            Self::Hidden => 0.6,
        }
    }
}

/// Caps and thresholds for [`Tagger::tag_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaggerConfig {
    /// At most this many skills per document.
    pub max_skills: usize,
    /// At most this many occupation candidates per document.
    pub max_occupations: usize,
    /// Concepts scoring below this are dropped.
    pub min_confidence: f32,
    /// Whether [`STOP_LABELS`] count in titles only (off only to gather evidence for the list).
    pub apply_stop_labels: bool,
}

impl Default for TaggerConfig {
    fn default() -> Self {
        Self {
            max_skills: 20,
            max_occupations: 5,
            min_confidence: 0.3,
            apply_stop_labels: true,
        }
    }
}

/// The tags found in one document, best first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    /// Skills with their confidence in (0, 1).
    pub skills: Vec<(TagTarget, f32)>,
    /// Occupations with their confidence in (0, 1).
    pub occupation_candidates: Vec<(TagTarget, f32)>,
}

/// What one pattern stands for.
#[derive(Debug, Clone)]
struct Pattern {
    /// (target index, label kind, share of the confidence).
    entries: Vec<(u32, LabelKind, f32)>,
    /// Number of tokens.
    tokens: u16,
    /// A [`STOP_LABELS`] label, or a one-token label that is not preferred: counted in titles
    /// only.
    title_only: bool,
    /// For one-token patterns, the words accepted in the text (the label's word, its plural in
    /// `s` or `es`), and whether it must be written in capitals (an acronym): stems alone are
    /// too loose for single words (`critical` → `critic`, `staff` → `staf`).
    forms: Vec<(String, bool)>,
}

/// A matcher over every label of a taxonomy. Cheap to share between threads (`Sync`).
pub struct Tagger {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    targets: Vec<TagTarget>,
    vocabulary: HashSet<String>,
    stemmer: Stemmer,
    config: TaggerConfig,
    /// Unique per tagger built in this process, so a thread's stem cache is never reused
    /// against another tagger's vocabulary.
    id: u64,
}

/// The next [`Tagger::id`].
static NEXT_TAGGER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("patterns", &self.patterns.len())
            .field("targets", &self.targets.len())
            .field("vocabulary", &self.vocabulary.len())
            .finish_non_exhaustive()
    }
}

/// One token of a text, or a boundary no label may cross.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A word, lowercased and accent-folded, not yet stemmed.
    Word(String),
    /// Sentence punctuation or a line break.
    Boundary,
}

/// Splits text into [`Token`]s (see the module docs).
pub fn tokens(text: &str) -> Vec<Token> {
    raw_tokens(text)
        .into_iter()
        .map(|t| match t {
            RawToken::Word(word, _) => Token::Word(word),
            RawToken::Boundary => Token::Boundary,
        })
        .collect()
}

/// A [`Token`] that also says whether the word was written in capitals (`SQL`, `LESS`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum RawToken {
    Word(String, bool),
    Boundary,
}

fn raw_tokens(text: &str) -> Vec<RawToken> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut upper = true;
    let flush = |word: &mut String, upper: &mut bool, out: &mut Vec<RawToken>| {
        if !word.is_empty() {
            out.push(RawToken::Word(std::mem::take(word), *upper));
        }
        *upper = true;
    };
    for original in text.chars() {
        let c = fold_char(original);
        if c.is_alphanumeric() {
            if original.is_lowercase() {
                upper = false;
            }
            word.push(c);
        } else if (c == '+' || c == '#') && !word.is_empty() {
            word.push(c);
        } else if c == '\'' {
            // "nurse's" → "nurses"
        } else {
            flush(&mut word, &mut upper, &mut out);
            if matches!(
                c,
                '.' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '\n' | '•' | '·' | '|' | '"'
            ) && out.last().is_some_and(|t| *t != RawToken::Boundary)
            {
                out.push(RawToken::Boundary);
            }
        }
    }
    flush(&mut word, &mut upper, &mut out);
    out
}

impl Tagger {
    /// Builds a tagger from `(target, label, kind)` triples with the default [`TaggerConfig`].
    pub fn build(labels: impl IntoIterator<Item = (TagTarget, String, LabelKind)>) -> Self {
        Self::build_with(labels, TaggerConfig::default())
    }

    /// Builds a tagger from every skill and occupation label of an ESCO bundle.
    pub fn from_bundle(bundle: &EscoBundle) -> Self {
        Self::build(bundle_labels(bundle))
    }

    /// Builds a tagger from labels with the given caps.
    pub fn build_with(
        labels: impl IntoIterator<Item = (TagTarget, String, LabelKind)>,
        config: TaggerConfig,
    ) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let stop: HashSet<String> = STOP_LABELS
            .iter()
            .filter_map(|label| stem_label(&stemmer, label))
            .collect();
        let mut targets: Vec<TagTarget> = Vec::new();
        let mut target_ids: HashMap<TagTarget, u32> = HashMap::new();
        // pattern text → (target, kind) entries, in first-seen order.
        let mut by_pattern: HashMap<String, Vec<(u32, LabelKind)>> = HashMap::new();
        let mut forms: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for (target, label, kind) in labels {
            let Some(pattern) = stem_label(&stemmer, &label) else {
                continue;
            };
            if !pattern.contains(' ') {
                if !long_enough(&label, &pattern) {
                    continue;
                }
                let form = (normalise(&label), is_acronym(&label));
                let known = forms.entry(pattern.clone()).or_default();
                if !known.contains(&form) {
                    known.push(form);
                }
            }
            let id = *target_ids.entry(target.clone()).or_insert_with(|| {
                targets.push(target);
                (targets.len() - 1) as u32
            });
            let entries = by_pattern.entry(pattern.clone()).or_insert_with(|| {
                order.push(pattern.clone());
                Vec::new()
            });
            match entries.iter_mut().find(|(t, _)| *t == id) {
                // The same label twice for one concept: keep its best kind.
                Some(existing) => {
                    if kind.weight() > existing.1.weight() {
                        existing.1 = kind;
                    }
                }
                None => entries.push((id, kind)),
            }
        }
        let mut patterns = Vec::with_capacity(order.len());
        let mut texts = Vec::with_capacity(order.len());
        let mut vocabulary = HashSet::new();
        for text in order {
            let entries = &by_pattern[&text];
            let mut kept = Vec::new();
            for skill_side in [true, false] {
                let side: Vec<(u32, LabelKind)> = entries
                    .iter()
                    .copied()
                    .filter(|(t, _)| targets[*t as usize].is_skill() == skill_side)
                    .collect();
                let preferred: Vec<_> = side
                    .iter()
                    .copied()
                    .filter(|(_, k)| *k == LabelKind::Preferred)
                    .collect();
                let side = if preferred.is_empty() {
                    side
                } else {
                    preferred
                };
                if side.is_empty() || side.len() > MAX_TARGETS_PER_LABEL {
                    continue;
                }
                let share = 1.0 / side.len() as f32;
                kept.extend(side.into_iter().map(|(t, k)| (t, k, share)));
            }
            if kept.is_empty() {
                continue;
            }
            vocabulary.extend(text.split(' ').map(str::to_owned));
            let single = !text.contains(' ');
            let title_only = config.apply_stop_labels
                && (stop.contains(&text)
                    || (single
                        && kept.iter().all(|(t, k, _)| {
                            *k != LabelKind::Preferred || !targets[*t as usize].is_skill()
                        })));
            patterns.push(Pattern {
                tokens: text.split(' ').count() as u16,
                title_only,
                forms: if single {
                    forms.remove(&text).unwrap_or_default()
                } else {
                    Vec::new()
                },
                entries: kept,
            });
            texts.push(format!(" {text} "));
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .expect("label patterns are small enough for an automaton");
        Self {
            automaton,
            patterns,
            targets,
            vocabulary,
            stemmer,
            config,
            id: NEXT_TAGGER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Returns the number of label patterns the automaton holds.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Tags a document with the tagger's configuration.
    pub fn tag(&self, title: &str, description: &str) -> Tags {
        self.tag_with(title, description, &self.config)
    }

    /// Tags a document with explicit caps.
    pub fn tag_with(&self, title: &str, description: &str, config: &TaggerConfig) -> Tags {
        // target → Π(1 − c) over mentions.
        let mut miss: HashMap<u32, f32> = HashMap::new();
        for (text, field_weight, is_title) in [(title, 1.0f32, true), (description, 0.6, false)] {
            if text.is_empty() {
                continue;
            }
            let haystack = self.haystack(text);
            let word_count = haystack.words;
            for (pattern, _) in self.matches(&haystack) {
                let info = &self.patterns[pattern];
                if info.title_only && !is_title {
                    continue;
                }
                let length_weight = match info.tokens {
                    1 => 0.55,
                    2 => 0.8,
                    _ => 0.9,
                };
                for &(target, kind, share) in &info.entries {
                    let mut confidence = kind.weight() * length_weight * field_weight * share;
                    if is_title && !self.targets[target as usize].is_skill() {
                        let coverage = f32::from(info.tokens) / word_count.max(1) as f32;
                        confidence *= 0.5 + 0.5 * coverage.min(1.0);
                    }
                    let slot = miss.entry(target).or_insert(1.0);
                    *slot *= 1.0 - confidence.min(0.99);
                }
            }
        }
        let mut skills = Vec::new();
        let mut occupations = Vec::new();
        for (target, m) in miss {
            let confidence = 1.0 - m;
            if confidence < config.min_confidence {
                continue;
            }
            let target = &self.targets[target as usize];
            if target.is_skill() {
                skills.push((target.clone(), confidence));
            } else {
                occupations.push((target.clone(), confidence));
            }
        }
        let best_first = |a: &(TagTarget, f32), b: &(TagTarget, f32)| {
            b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))
        };
        skills.sort_by(best_first);
        occupations.sort_by(best_first);
        skills.truncate(config.max_skills);
        occupations.truncate(config.max_occupations);
        Tags {
            skills,
            occupation_candidates: occupations,
        }
    }

    /// Returns the labels (as stemmed patterns) matched in `text`, for inspection and for
    /// choosing stop labels: `(pattern text, targets)`.
    pub fn matched_patterns(&self, text: &str) -> Vec<(String, Vec<TagTarget>)> {
        let haystack = self.haystack(text);
        self.matches(&haystack)
            .into_iter()
            .map(|(pattern, span)| {
                let info = &self.patterns[pattern];
                (
                    haystack.text[span.0..span.1].trim().to_owned(),
                    info.entries
                        .iter()
                        .map(|(t, _, _)| self.targets[*t as usize].clone())
                        .collect(),
                )
            })
            .collect()
    }

    /// Returns the stem text of `text` (see the module docs) and its number of words.
    fn haystack(&self, text: &str) -> Haystack {
        let mut haystack = String::with_capacity(text.len() / 2 + 2);
        haystack.push(' ');
        let mut words = 0;
        let mut known = Vec::new();
        let mut last_unknown = false;
        for token in raw_tokens(text) {
            match token {
                RawToken::Boundary => {
                    haystack.push_str("| ");
                    last_unknown = false;
                }
                RawToken::Word(word, upper) => {
                    words += 1;
                    let offset = haystack.len();
                    let is_known = self.push_stem(&word, &mut haystack);
                    if is_known {
                        known.push((offset, word, upper));
                        last_unknown = false;
                    } else if !last_unknown {
                        haystack.push_str("_ ");
                        last_unknown = true;
                    }
                }
            }
        }
        Haystack {
            text: haystack,
            words,
            known,
        }
    }

    /// Appends the stem of `word` and a space to `haystack` when the stem is in a label, and
    /// returns whether it was. Stems are cached per thread (documents repeat their words), so
    /// the Snowball stemmer runs once per distinct word; the cache is emptied when it grows past
    /// [`STEM_CACHE_LIMIT`] words or when another tagger uses the thread.
    fn push_stem(&self, word: &str, haystack: &mut String) -> bool {
        STEM_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let owner = self.id;
            if cache.owner != owner || cache.stems.len() > STEM_CACHE_LIMIT {
                cache.owner = owner;
                cache.stems.clear();
            }
            if let Some(known) = cache.stems.get(word) {
                return match known {
                    Some(stem) => {
                        haystack.push_str(stem);
                        haystack.push(' ');
                        true
                    }
                    None => false,
                };
            }
            let stem = self.stemmer.stem(word);
            let known = self.vocabulary.contains(stem.as_ref());
            if known {
                haystack.push_str(&stem);
                haystack.push(' ');
            }
            let entry = known.then(|| stem.into_owned().into_boxed_str());
            cache.stems.insert(word.to_owned(), entry);
            known
        })
    }

    /// Returns `(pattern, byte span)` of every match, less those strictly inside a longer match
    /// of the same kind.
    fn matches(&self, haystack: &Haystack) -> Vec<(usize, (usize, usize))> {
        let found: Vec<(usize, (usize, usize))> = self
            .automaton
            .find_overlapping_iter(&haystack.text)
            .map(|m| (m.pattern().as_usize(), (m.start(), m.end())))
            .filter(|(pattern, (start, _))| {
                let forms = &self.patterns[*pattern].forms;
                forms.is_empty()
                    || haystack.word_at(start + 1).is_some_and(|(word, upper)| {
                        forms.iter().any(|(form, acronym)| {
                            (!acronym || upper)
                                && word.strip_prefix(form.as_str()).is_some_and(|rest| {
                                    rest.is_empty() || rest == "s" || rest == "es"
                                })
                        })
                    })
            })
            .collect();
        let side_of = |pattern: usize| {
            let entries = &self.patterns[pattern].entries;
            let skill = entries
                .iter()
                .any(|(t, _, _)| self.targets[*t as usize].is_skill());
            let occupation = entries
                .iter()
                .any(|(t, _, _)| !self.targets[*t as usize].is_skill());
            [skill, occupation]
        };
        // Sorted by start, longest first, a match is strictly inside a longer one of the same
        // side exactly when an earlier match of that side ends at or after its end (patterns
        // are distinct strings, so no two matches share a span).
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by_key(|&i| (found[i].1.0, std::cmp::Reverse(found[i].1.1)));
        let mut max_end = [0usize; 2];
        let mut keep = vec![false; found.len()];
        for i in order {
            let (pattern, (_, end)) = found[i];
            let sides = side_of(pattern);
            let mut kept = false;
            for side in 0..2 {
                if sides[side] {
                    kept |= max_end[side] < end;
                    max_end[side] = max_end[side].max(end);
                }
            }
            keep[i] = kept;
        }
        found
            .into_iter()
            .zip(keep)
            .filter_map(|(m, keep)| keep.then_some(m))
            .collect()
    }
}

/// Distinct words whose stems a thread keeps before starting afresh.
const STEM_CACHE_LIMIT: usize = 200_000;

/// Per-thread stems of words seen: `None` when the stem is in no label.
#[derive(Default)]
struct StemCache {
    /// The [`Tagger::id`] the stems were checked against (vocabularies differ); 0 = none.
    owner: u64,
    stems: HashMap<String, Option<Box<str>>>,
}

thread_local! {
    static STEM_CACHE: std::cell::RefCell<StemCache> = std::cell::RefCell::new(StemCache::default());
}

/// A document's stem text, its word count, and the words behind its known stems.
struct Haystack {
    text: String,
    words: usize,
    /// (byte offset of the stem in `text`, the word, written in capitals).
    known: Vec<(usize, String, bool)>,
}

impl Haystack {
    /// Returns the word whose stem starts at byte `offset`.
    fn word_at(&self, offset: usize) -> Option<(&str, bool)> {
        let i = self.known.binary_search_by_key(&offset, |k| k.0).ok()?;
        let (_, word, upper) = &self.known[i];
        Some((word, *upper))
    }
}

/// Returns every skill and occupation label of a bundle as tagger input.
pub fn bundle_labels(bundle: &EscoBundle) -> Vec<(TagTarget, String, LabelKind)> {
    let mut labels = Vec::new();
    for occupation in &bundle.occupations {
        let target = TagTarget::Occupation(occupation.uri.clone());
        push_labels(
            &mut labels,
            &target,
            &occupation.preferred_label,
            &occupation.alt_labels,
            &occupation.hidden_labels,
        );
    }
    for skill in &bundle.skills {
        let target = TagTarget::Skill(skill.uri.clone());
        push_labels(
            &mut labels,
            &target,
            &skill.preferred_label,
            &skill.alt_labels,
            &skill.hidden_labels,
        );
    }
    labels
}

fn push_labels(
    labels: &mut Vec<(TagTarget, String, LabelKind)>,
    target: &TagTarget,
    preferred: &str,
    alt: &[String],
    hidden: &[String],
) {
    labels.push((target.clone(), preferred.to_owned(), LabelKind::Preferred));
    for label in alt {
        labels.push((target.clone(), label.clone(), LabelKind::Alternative));
    }
    for label in hidden {
        labels.push((target.clone(), label.clone(), LabelKind::Hidden));
    }
}

/// Returns a label as its pattern text (stems joined by spaces, `|` for a boundary), or `None`
/// when it has no words.
fn stem_label(stemmer: &Stemmer, label: &str) -> Option<String> {
    let mut parts = Vec::new();
    for token in tokens(label) {
        match token {
            Token::Word(word) => parts.push(stemmer.stem(&word).into_owned()),
            Token::Boundary => parts.push("|".to_owned()),
        }
    }
    while parts.last().is_some_and(|p| p == "|") {
        parts.pop();
    }
    while parts.first().is_some_and(|p| p == "|") {
        parts.remove(0);
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Returns whether a one-token label is long enough, or an acronym such as `SQL`.
fn long_enough(label: &str, pattern: &str) -> bool {
    let letters = label.trim();
    (letters.chars().count() >= MIN_SINGLE_TOKEN_CHARS && pattern.chars().count() >= 3)
        || is_acronym(label)
}

/// Returns whether a label is written as an acronym: three or more capitals, no lowercase.
fn is_acronym(label: &str) -> bool {
    let label = label.trim();
    label.chars().filter(char::is_ascii_uppercase).count() >= 3
        && !label.chars().any(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(uri: &str) -> TagTarget {
        TagTarget::Skill(uri.to_owned())
    }

    fn occupation(uri: &str) -> TagTarget {
        TagTarget::Occupation(uri.to_owned())
    }

    fn small() -> Tagger {
        Tagger::build([
            (
                skill("s:nursing"),
                "provide nursing care".to_owned(),
                LabelKind::Preferred,
            ),
            (
                skill("s:mh"),
                "mental health".to_owned(),
                LabelKind::Preferred,
            ),
            (
                skill("s:mhn"),
                "mental health nursing".to_owned(),
                LabelKind::Preferred,
            ),
            (skill("s:sql"), "SQL".to_owned(), LabelKind::Preferred),
            (skill("s:art"), "art".to_owned(), LabelKind::Preferred),
            (skill("s:eng"), "English".to_owned(), LabelKind::Preferred),
            (
                skill("s:phleb"),
                "phlebotomy".to_owned(),
                LabelKind::Preferred,
            ),
            (
                occupation("o:ca"),
                "care assistant".to_owned(),
                LabelKind::Preferred,
            ),
            (
                occupation("o:sca"),
                "senior care assistant".to_owned(),
                LabelKind::Alternative,
            ),
        ])
    }

    #[test]
    fn tokens_fold_and_mark_boundaries() {
        assert_eq!(
            tokens("Nurse’s role. C++ and C#"),
            vec![
                Token::Word("nurses".into()),
                Token::Word("role".into()),
                Token::Boundary,
                Token::Word("c++".into()),
                Token::Word("and".into()),
                Token::Word("c#".into()),
            ]
        );
    }

    #[test]
    fn stems_match_across_word_forms_and_only_on_boundaries() {
        let tagger = small();
        let tags = tagger.tag(
            "",
            "Providing nursing care to patients; phlebotomy skills. Phlebotomy training.",
        );
        let uris: Vec<&str> = tags.skills.iter().map(|(t, _)| t.uri()).collect();
        assert!(uris.contains(&"s:nursing"), "{uris:?}");
        assert!(uris.contains(&"s:phleb"), "{uris:?}");
        // "sqlite" and "party" contain "sql" and "art" but not on token boundaries.
        let tags = tagger.tag("", "We use SQLite at every party and for artwork.");
        assert!(tags.skills.is_empty(), "{:?}", tags.skills);
    }

    #[test]
    fn short_and_stop_labels_are_dropped_and_acronyms_kept() {
        let tagger = small();
        let tags = tagger.tag("", "Art, English and SQL. Art and English and SQL again.");
        let uris: Vec<&str> = tags.skills.iter().map(|(t, _)| t.uri()).collect();
        assert_eq!(uris, vec!["s:sql"]);
    }

    #[test]
    fn longer_matches_subsume_shorter_ones() {
        let tagger = small();
        let tags = tagger.tag("", "Experience in mental health nursing is essential.");
        let uris: Vec<&str> = tags.skills.iter().map(|(t, _)| t.uri()).collect();
        assert_eq!(uris, vec!["s:mhn"]);
    }

    #[test]
    fn title_occupations_rank_by_coverage_and_labels() {
        let tagger = small();
        let tags = tagger.tag("Senior Care Assistant - Nights", "");
        let first = &tags.occupation_candidates[0];
        assert_eq!(first.0, occupation("o:sca"));
        // "care assistant" is inside "senior care assistant", so it is subsumed.
        assert_eq!(tags.occupation_candidates.len(), 1);
        let tags = tagger.tag("Care Assistant", "");
        assert_eq!(tags.occupation_candidates[0].0, occupation("o:ca"));
        assert!(tags.occupation_candidates[0].1 > 0.75);
    }

    #[test]
    fn repeated_mentions_raise_confidence_and_titles_beat_descriptions() {
        let tagger = small();
        let once = tagger.tag("", "We need SQL.");
        let twice = tagger.tag("", "We need SQL. More SQL.");
        let title = tagger.tag("SQL developer", "");
        let c = |t: &Tags| t.skills[0].1;
        assert!(c(&twice) > c(&once));
        assert!(c(&title) > c(&once));
    }

    #[test]
    fn caps_limit_the_output() {
        let tagger = small();
        let config = TaggerConfig {
            max_skills: 1,
            ..TaggerConfig::default()
        };
        let tags = tagger.tag_with("", "SQL and phlebotomy and mental health", &config);
        assert_eq!(tags.skills.len(), 1);
    }
}
