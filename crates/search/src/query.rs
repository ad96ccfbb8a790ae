//! Turns user text into a tantivy query built from terms — never through tantivy's query
//! parser, so no input can trigger its syntax — and into the matcher used for highlighting.
//!
//! Per word: the stemmed term in `title` (×3), `alt` (×2), `body` and `extra` (×1); for words of
//! 5+ letters a typo-tolerant [`FuzzyTermQuery`] (1 edit, 2 for 9+ letters, transpositions count
//! once) on the unstemmed `title_raw` (×1.0) and `alt_raw` (×0.6), which is constant-scored so
//! it ranks below an exact match; the last word (2+ letters) also as a constant-scored prefix
//! (×0.8 title / ×0.5 synonyms) for search-as-you-type, looked up in the edge n-gram fields
//! `title_prefix` / `alt_prefix` (a prefix automaton over the unstemmed fields beyond 12 letters). Each word is one group; a document must match every non-stop
//! word, or, when that finds almost nothing, half of them rounded up ("call center rep" then
//! needs two of its three words, and matching more words scores higher). Quoted phrases are `Must` clauses over title, synonyms
//! and description.
//!
//! Openings have a catch-all field (`all`, see the crate docs): there a word is one plain term
//! query on it, stop words and the whole-query phrase boost are left out, and phrases match in
//! it, so that a query of common words is a pure term intersection — the shape tantivy's
//! block-max pruning handles. Typo, correction and prefix clauses are added as for the other
//! kinds, only for rare words.

use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Searcher, Term};

use crate::SearchError;
use crate::schema::{Fields, MAX_EDGE_CHARS};

/// Longest accepted query text, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words (including words inside phrases) in one query.
pub const MAX_QUERY_TERMS: usize = 32;

/// One word of the query in both forms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    /// Lowercased, unstemmed.
    pub raw: String,
    /// As the `en_stem` analyzer indexes it.
    pub stem: String,
}

impl Word {
    fn is_stop(&self) -> bool {
        crate::stem::STOP_WORDS.contains(&self.raw.as_str())
    }

    /// Returns the edit distance allowed for typos: 0 below 5 letters, 1 from 5, 2 from 9.
    pub(crate) fn typo_distance(&self) -> u8 {
        match self.raw.chars().count() {
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        }
    }
}

/// User text split into free words and quoted phrases.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ParsedQuery {
    pub words: Vec<Word>,
    pub phrases: Vec<Vec<Word>>,
    /// Whether the last free word should also match as a prefix (it ends the text).
    pub prefix_last: bool,
}

impl ParsedQuery {
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }
}

/// The two analyzers, cloned per request because tokenizing needs `&mut`.
#[derive(Clone)]
pub(crate) struct Analyzers {
    pub stemmed: TextAnalyzer,
    pub unstemmed: TextAnalyzer,
}

impl Analyzers {
    /// Returns the words of `text`, lowercased and stemmed.
    pub(crate) fn words(&mut self, text: &str) -> Vec<Word> {
        let mut raw = Vec::new();
        let mut stream = self.unstemmed.token_stream(text);
        while stream.advance() {
            raw.push(stream.token().text.clone());
        }
        drop(stream);
        let mut stems = Vec::with_capacity(raw.len());
        let mut stream = self.stemmed.token_stream(text);
        while stream.advance() {
            stems.push(stream.token().text.clone());
        }
        // Both analyzers share the tokenizer and length filter, so tokens align one to one.
        raw.into_iter()
            .zip(stems)
            .map(|(raw, stem)| Word { raw, stem })
            .collect()
    }

    /// Calls `f(from, to, stem)` for each stemmed token of `text` with its byte offsets, for
    /// highlighting; no allocation per token (snippets tokenize every hit's whole body).
    pub(crate) fn for_each_token(&mut self, text: &str, mut f: impl FnMut(usize, usize, &str)) {
        let mut stream = self.stemmed.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            f(t.offset_from, t.offset_to, &t.text);
        }
    }
}

/// Analyzers kept between requests so that their caches of stems stay warm: a fresh clone
/// starts with an empty cache, and highlighting 20 descriptions would refill it every time.
pub(crate) struct AnalyzerPool {
    template: Analyzers,
    free: Mutex<Vec<Analyzers>>,
}

/// Most analyzers a pool keeps (about one per concurrent request).
const POOLED_ANALYZERS: usize = 8;

impl AnalyzerPool {
    pub(crate) fn new(template: Analyzers) -> Self {
        Self {
            template,
            free: Mutex::new(Vec::new()),
        }
    }

    /// Lends a set of analyzers; it goes back to the pool when dropped.
    pub(crate) fn take(&self) -> PooledAnalyzers<'_> {
        let pooled = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        PooledAnalyzers {
            pool: self,
            analyzers: Some(pooled.unwrap_or_else(|| self.template.clone())),
        }
    }
}

/// Analyzers lent by an [`AnalyzerPool`].
pub(crate) struct PooledAnalyzers<'a> {
    pool: &'a AnalyzerPool,
    analyzers: Option<Analyzers>,
}

impl Deref for PooledAnalyzers<'_> {
    type Target = Analyzers;
    fn deref(&self) -> &Analyzers {
        self.analyzers.as_ref().expect("present until dropped")
    }
}

impl DerefMut for PooledAnalyzers<'_> {
    fn deref_mut(&mut self) -> &mut Analyzers {
        self.analyzers.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledAnalyzers<'_> {
    fn drop(&mut self) {
        if let Some(analyzers) = self.analyzers.take() {
            let mut free = self
                .pool
                .free
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if free.len() < POOLED_ANALYZERS {
                free.push(analyzers);
            }
        }
    }
}

/// Splits user text into words and phrases, enforcing the length limits.
pub(crate) fn parse(text: &str, analyzers: &mut Analyzers) -> Result<ParsedQuery, SearchError> {
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(SearchError::invalid(format!(
            "query text is {chars} characters long; the limit is {MAX_QUERY_CHARS}"
        )));
    }
    let mut parsed = ParsedQuery::default();
    // Odd-numbered segments between double quotes are phrases; a lone quote opens a phrase that
    // runs to the end of the text.
    for (i, segment) in text.split('"').enumerate() {
        let words = analyzers.words(segment);
        if i % 2 == 0 {
            parsed.words.extend(words);
        } else if !words.is_empty() {
            parsed.phrases.push(words);
        }
    }
    let count = parsed.words.len() + parsed.phrases.iter().map(Vec::len).sum::<usize>();
    if count > MAX_QUERY_TERMS {
        return Err(SearchError::invalid(format!(
            "query has {count} words; the limit is {MAX_QUERY_TERMS}"
        )));
    }
    // Prefix-match the last word only when the text ends in it (not in a quote or a space), as
    // someone typing would.
    let ends_in_word = text.chars().last().is_some_and(char::is_alphanumeric);
    let quotes_balanced = text.matches('"').count().is_multiple_of(2);
    parsed.prefix_last = ends_in_word && quotes_balanced && !parsed.words.is_empty();
    Ok(parsed)
}

fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Box::new(BoostQuery::new(Box::new(q), boost))
}

fn fuzzy(field: Field, text: &str, distance: u8, boost: f32) -> Box<dyn Query> {
    let q = FuzzyTermQuery::new(Term::from_field_text(field, text), distance, true);
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// Matches words starting with `text`, with a constant score of `boost`: one term lookup in the
/// edge field for short prefixes, a prefix automaton over the unstemmed field for long ones.
fn prefix(edge_field: Field, raw_field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q: Box<dyn Query> = if text.chars().count() <= MAX_EDGE_CHARS {
        Box::new(TermQuery::new(
            Term::from_field_text(edge_field, text),
            IndexRecordOption::Basic,
        ))
    } else {
        Box::new(FuzzyTermQuery::new_prefix(
            Term::from_field_text(raw_field, text),
            0,
            true,
        ))
    };
    Box::new(ConstScoreQuery::new(q, boost))
}

/// Boosts of the exact (stemmed) term per field.
const TITLE_BOOST: f32 = 3.0;
const ALT_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
/// Typo matches score a constant (BM25 is not computed for them), set below a typical exact
/// title match.
const FUZZY_TITLE_BOOST: f32 = 1.0;
const FUZZY_ALT_BOOST: f32 = 0.6;
const PREFIX_TITLE_BOOST: f32 = 0.8;
const PREFIX_ALT_BOOST: f32 = 0.5;
/// Shortest last word (in characters) that is also matched as a prefix in full search.
const MIN_PREFIX_CHARS: usize = 2;

/// Weight of a spelling correction's BM25 score relative to the word spelled right.
const CORRECTION_FACTOR: f32 = 0.7;
/// Most spelling corrections kept per word (the most frequent ones).
const MAX_CORRECTIONS: usize = 6;
/// Weight of the whole query matching as a phrase in a title or synonym.
const PHRASE_TITLE_BOOST: f32 = 3.0;
const PHRASE_ALT_BOOST: f32 = 2.0;

/// Returns whether any document has `text` in `field`.
fn has_term(searcher: &Searcher, field: Field, text: &str) -> bool {
    searcher
        .doc_freq(&Term::from_field_text(field, text))
        .is_ok_and(|n| n > 0)
}

/// Returns likely corrections of a misspelt word (5+ letters): the words one edit away
/// (insertion, deletion, substitution of a letter, or a swap of neighbours, over a–z) that
/// titles or synonyms have, most frequent first, with their stems; not those with the word's
/// own stem (a plural adds nothing the stem does not match). [`plan`] decides which words
/// need them. Fuzzy queries score a constant, so without this a typo'd
/// rare word ("prinmtaker") counts for less than a common word spelled right ("designer"); a
/// correction is scored by BM25 like the word itself, only damped by [`CORRECTION_FACTOR`].
/// The candidates are found by streaming each segment's term dictionary through a Levenshtein
/// automaton (one pass over the few dictionary branches the word allows), not by looking up
/// every one of the ~50 × length edits.
pub(crate) fn corrections(
    f: &Fields,
    word: &Word,
    searcher: &Searcher,
    analyzers: &mut Analyzers,
) -> Vec<(u64, Word)> {
    if word.typo_distance() == 0 || !word.raw.chars().all(|c| c.is_ascii_lowercase()) {
        return Vec::new();
    }
    let Ok(automaton) =
        FuzzyTermQuery::new(Term::from_field_text(f.title_raw, &word.raw), 1, true).automaton()
    else {
        return Vec::new();
    };
    let mut freqs: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        for field in [f.title_raw, f.alt_raw] {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                let key = stream.key();
                if key != word.raw.as_bytes()
                    && !key.is_empty()
                    && key.iter().all(u8::is_ascii_lowercase)
                    && let Ok(candidate) = std::str::from_utf8(key)
                {
                    *freqs.entry(candidate.to_owned()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    let mut found: Vec<(u64, String)> = freqs.into_iter().map(|(w, n)| (n, w)).collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found
        .into_iter()
        .take(MAX_CORRECTIONS)
        .filter_map(|(freq, raw)| {
            analyzers
                .words(&raw)
                .into_iter()
                .next()
                .filter(|fix| fix.stem != word.stem)
                .map(|fix| (freq, fix))
        })
        .collect()
}

/// Returns the part of a word the edge n-gram fields index: its first [`MAX_EDGE_CHARS`]
/// characters.
fn edge_head(raw: &str) -> &str {
    raw.char_indices()
        .nth(MAX_EDGE_CHARS)
        .map_or(raw, |(end, _)| &raw[..end])
}

/// Returns whether some title or synonym has the word's stem.
fn stem_known(f: &Fields, word: &Word, searcher: &Searcher) -> bool {
    has_term(searcher, f.title, &word.stem) || has_term(searcher, f.alt, &word.stem)
}

/// Returns whether `word` is common enough in titles and synonyms (unstemmed) to be taken as
/// spelled right and complete: then typo and prefix expansions are left out. They would add
/// mostly other real words, and they cost the most on common words (a fuzzy or prefix match
/// gathers every posting of every matching term, and it stops block-max pruning).
fn well_attested(f: &Fields, word: &Word, searcher: &Searcher) -> bool {
    let freq: u64 = [f.title_raw, f.alt_raw]
        .into_iter()
        .map(|field| {
            searcher
                .doc_freq(&Term::from_field_text(field, &word.raw))
                .unwrap_or(0)
        })
        .sum();
    freq >= (searcher.num_docs() / ATTESTED_PER_DOCS).max(ATTESTED_MIN)
}

/// A word is well attested from 1 title or synonym in 10,000, and at least 3.
const ATTESTED_PER_DOCS: u64 = 10_000;
const ATTESTED_MIN: u64 = 3;

/// How one word of the query may match.
pub(crate) struct WordPlan<'a> {
    word: &'a Word,
    corrected: Vec<Word>,
    /// Whether the word as typed is matched too (catch-all only: left out when it is much
    /// rarer than its best correction, which then replaces it).
    as_typed: bool,
    fuzzy: bool,
    prefix: bool,
}

/// With a catch-all field, corrections less than a tenth as frequent as the most frequent one
/// are dropped: they are rarely what was meant, and a single correction keeps the query a
/// prunable term intersection.
const CORRECTION_KEEP_RATIO: u64 = 10;

/// A plain term query on the catch-all field: no boost wrapper, so that an intersection of
/// them is one tantivy can prune.
fn all_term(all: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(all, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn word_group(f: &Fields, plan: &WordPlan<'_>) -> Box<dyn Query> {
    let word = plan.word;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(all) = f.all {
        if word.is_stop() {
            // `all` leaves stop words out; a query of nothing else ("IT") looks in the titles.
            return Box::new(BooleanQuery::new(vec![
                (Occur::Should, term_query(f.title, &word.stem, TITLE_BOOST)),
                (Occur::Should, term_query(f.alt, &word.stem, ALT_BOOST)),
            ]));
        }
        if !plan.fuzzy && !plan.prefix {
            match (plan.as_typed, plan.corrected.as_slice()) {
                (true, []) => return all_term(all, &word.stem),
                (false, [fix]) => return all_term(all, &fix.stem),
                _ => {}
            }
        }
        if plan.as_typed {
            clauses.push((Occur::Should, all_term(all, &word.stem)));
        }
        for fix in &plan.corrected {
            clauses.push((Occur::Should, term_query(all, &fix.stem, CORRECTION_FACTOR)));
        }
    } else {
        clauses.extend([
            (Occur::Should, term_query(f.title, &word.stem, TITLE_BOOST)),
            (Occur::Should, term_query(f.alt, &word.stem, ALT_BOOST)),
            (Occur::Should, term_query(f.body, &word.stem, BODY_BOOST)),
            (Occur::Should, term_query(f.extra, &word.stem, BODY_BOOST)),
        ]);
        for fix in &plan.corrected {
            clauses.push((
                Occur::Should,
                term_query(f.title, &fix.stem, TITLE_BOOST * CORRECTION_FACTOR),
            ));
            clauses.push((
                Occur::Should,
                term_query(f.alt, &fix.stem, ALT_BOOST * CORRECTION_FACTOR),
            ));
            clauses.push((
                Occur::Should,
                term_query(f.body, &fix.stem, BODY_BOOST * CORRECTION_FACTOR),
            ));
        }
    }
    if plan.fuzzy {
        let distance = word.typo_distance();
        clauses.push((
            Occur::Should,
            fuzzy(f.title_raw, &word.raw, distance, FUZZY_TITLE_BOOST),
        ));
        clauses.push((
            Occur::Should,
            fuzzy(f.alt_raw, &word.raw, distance, FUZZY_ALT_BOOST),
        ));
    }
    if plan.prefix {
        clauses.push((
            Occur::Should,
            prefix(f.title_prefix, f.title_raw, &word.raw, PREFIX_TITLE_BOOST),
        ));
        clauses.push((
            Occur::Should,
            prefix(f.alt_prefix, f.alt_raw, &word.raw, PREFIX_ALT_BOOST),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn phrase_group(f: &Fields, phrase: &[Word]) -> Box<dyn Query> {
    if let Some(all) = f.all {
        // `all` leaves stop words out but keeps the other words' positions: those must be at
        // the same distances as in the phrase ("head of sales": "sales" two after "head").
        let mut terms: Vec<(usize, Term)> = phrase
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.is_stop())
            .map(|(i, w)| (i, Term::from_field_text(all, &w.stem)))
            .collect();
        return match terms.len() {
            0 if phrase.len() == 1 => term_query(f.title, &phrase[0].stem, TITLE_BOOST),
            // Only stop words ("to be or not to be"): as a phrase in the titles.
            0 => Box::new(PhraseQuery::new(
                phrase
                    .iter()
                    .map(|w| Term::from_field_text(f.title, &w.stem))
                    .collect(),
            )),
            1 => Box::new(TermQuery::new(
                terms.remove(0).1,
                IndexRecordOption::WithFreqs,
            )),
            _ => Box::new(PhraseQuery::new_with_offset(terms)),
        };
    }
    if phrase.len() == 1 {
        // A quoted single word is a required exact (stemmed) word: no typos, no prefix.
        let word = &phrase[0];
        return Box::new(BooleanQuery::new(vec![
            (Occur::Should, term_query(f.title, &word.stem, TITLE_BOOST)),
            (Occur::Should, term_query(f.alt, &word.stem, ALT_BOOST)),
            (Occur::Should, term_query(f.body, &word.stem, BODY_BOOST)),
        ]));
    }
    let for_field = |field: Field, boost: f32| -> (Occur, Box<dyn Query>) {
        let terms = phrase
            .iter()
            .map(|w| Term::from_field_text(field, &w.stem))
            .collect();
        let q: Box<dyn Query> = Box::new(PhraseQuery::new(terms));
        (Occur::Should, Box::new(BoostQuery::new(q, boost)))
    };
    Box::new(BooleanQuery::new(vec![
        for_field(f.title, TITLE_BOOST),
        for_field(f.alt, ALT_BOOST),
        for_field(f.body, BODY_BOOST),
    ]))
}

/// Returns how many of `words` a document must match when the query is relaxed: half the
/// non-stop-words, rounded up (all-stop-word queries count every word).
pub(crate) fn required_matches(words: &[Word]) -> usize {
    content_words(words).div_ceil(2)
}

/// Returns the words that count towards matching: the non-stop-words, or every word when all
/// are stop words.
fn content_words(words: &[Word]) -> usize {
    let content = words.iter().filter(|w| !w.is_stop()).count();
    if content == 0 { words.len() } else { content }
}

/// How many of its words a document must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Every non-stop-word (each with its typo, correction and prefix forms).
    All,
    /// Half of them, rounded up; more matched words score higher. With a catch-all field
    /// (openings), any of them: a prunable union, still ranking documents with more words first.
    Half,
}

/// Returns whether relaxing the query to [`Matching::Half`] can find more than
/// [`Matching::All`] does.
pub(crate) fn can_relax(parsed: &ParsedQuery) -> bool {
    required_matches(&parsed.words) < content_words(&parsed.words)
}

/// Decides how each free word may match. `searcher` tells which words exist, for spelling
/// corrections and to leave out the typo and prefix forms of common words.
pub(crate) fn plan<'a>(
    f: &Fields,
    parsed: &'a ParsedQuery,
    searcher: &Searcher,
    analyzers: &mut Analyzers,
) -> Vec<WordPlan<'a>> {
    let last = parsed.words.len().saturating_sub(1);
    parsed
        .words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let known = stem_known(f, word, searcher);
            let attested = well_attested(f, word, searcher);
            // Real job titles have typos too ("engieer"): with a catch-all field a word only
            // some titles have is still corrected, and the frequencies below decide whether
            // it is kept as typed. The other kinds' titles are curated labels.
            let spelled_right = if f.all.is_some() { attested } else { known };
            let mut corrected = if spelled_right {
                Vec::new()
            } else {
                corrections(f, word, searcher, analyzers)
            };
            let mut as_typed = true;
            if let (Some(all), Some(&(best, _))) = (f.all, corrected.first()) {
                corrected.retain(|(freq, _)| freq * CORRECTION_KEEP_RATIO >= best);
                // Descriptions have typos too: the word as typed is kept only when it is not
                // much rarer than its best correction.
                let typed = searcher
                    .doc_freq(&Term::from_field_text(all, &word.stem))
                    .unwrap_or(0);
                as_typed = typed * CORRECTION_KEEP_RATIO >= best;
            }
            let chars = word.raw.chars().count();
            WordPlan {
                word,
                // Corrections name the words one edit away that exist, scored by BM25: with
                // any, the fuzzy clause (up to two edits from 9 letters) is left out.
                // With a catch-all field, a word whose stem is some title's or synonym's
                // ("managment" stems like "management") is matched by its stem alone.
                fuzzy: !attested
                    && word.typo_distance() > 0
                    && corrected.is_empty()
                    && !(f.all.is_some() && known),
                // A prefix no title or synonym word starts with is left out: one lookup in the
                // edge fields, of its first 12 characters when it is longer (those then run
                // as an automaton over the unstemmed fields, whose empty union with the word
                // would still stop the pruning). So is the prefix of a word replaced by its
                // correction: it was a typo, not a word being typed.
                prefix: parsed.prefix_last
                    && i == last
                    && chars >= MIN_PREFIX_CHARS
                    && !attested
                    && as_typed
                    && {
                        let head = edge_head(&word.raw);
                        has_term(searcher, f.title_prefix, head)
                            || has_term(searcher, f.alt_prefix, head)
                    },
                corrected: corrected.into_iter().map(|(_, fix)| fix).collect(),
                as_typed,
            }
        })
        .collect()
}

/// Whether a word has a clause in a query over the catch-all field, which leaves stop words
/// out unless the query has nothing else.
fn in_catch_all(plan: &WordPlan<'_>, all_stop: bool) -> bool {
    all_stop || !plan.word.is_stop()
}

/// The word groups of a query over the catch-all field (openings): one per word it keeps. The
/// relaxed query is their union (with any quoted phrases required).
pub(crate) fn catch_all_word_groups(
    f: &Fields,
    parsed: &ParsedQuery,
    plans: &[WordPlan<'_>],
) -> Vec<Box<dyn Query>> {
    let all_stop = parsed.words.iter().all(Word::is_stop);
    plans
        .iter()
        .filter(|plan| in_catch_all(plan, all_stop))
        .map(|plan| word_group(f, plan))
        .collect()
}

/// Builds the text query from [`plan`]'s plans; `parsed` must not be empty.
pub(crate) fn build(
    f: &Fields,
    parsed: &ParsedQuery,
    plans: &[WordPlan<'_>],
    matching: Matching,
) -> Box<dyn Query> {
    if matching == Matching::Half && f.all.is_some() {
        // Any word, best-scoring first: a union of plain terms is what block-max WAND prunes,
        // where "at least half the words" would be a disjunction visiting every posting of
        // every word. Documents matching more (and rarer) words score higher.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = catch_all_word_groups(f, parsed, plans)
            .into_iter()
            .map(|g| (Occur::Should, g))
            .collect();
        clauses.extend(
            parsed
                .phrases
                .iter()
                .map(|phrase| (Occur::Must, phrase_group(f, phrase))),
        );
        return Box::new(BooleanQuery::new(clauses));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let all_stop = parsed.words.iter().all(Word::is_stop);
    // With a catch-all field (openings), stop words are left out rather than made optional,
    // and so is the whole-query phrase boost: optional clauses would stop the pruning.
    let catch_all = f.all.is_some();
    let mut counted = 0;
    for plan in plans {
        if catch_all && !in_catch_all(plan, all_stop) {
            continue;
        }
        let occur = match matching {
            Matching::All if all_stop || !plan.word.is_stop() => Occur::Must,
            _ => Occur::Should,
        };
        clauses.push((occur, word_group(f, plan)));
        counted += 1;
    }
    for phrase in &parsed.phrases {
        clauses.push((Occur::Must, phrase_group(f, phrase)));
    }
    // The free words in order, as a phrase in a title or synonym: a query that is exactly some
    // occupation's alternative label should rank that occupation first. Optional, so it only
    // reorders.
    if parsed.words.len() >= 2 && !catch_all {
        for (field, boost) in [(f.title, PHRASE_TITLE_BOOST), (f.alt, PHRASE_ALT_BOOST)] {
            let terms = parsed
                .words
                .iter()
                .map(|w| Term::from_field_text(field, &w.stem))
                .collect();
            let q: Box<dyn Query> = Box::new(PhraseQuery::new(terms));
            clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
        }
    }
    if matching == Matching::Half {
        // Only the word groups count towards the minimum: wrap them so the phrase boosts do not.
        let phrase_boosts = clauses.split_off(counted + parsed.phrases.len());
        let words = clauses.split_off(0);
        let (must, should): (Vec<_>, Vec<_>) = words
            .into_iter()
            .partition(|(occur, _)| *occur == Occur::Must);
        let mut inner = should;
        inner.extend(must);
        let matching: Box<dyn Query> = Box::new(BooleanQuery::with_minimum_required_clauses(
            inner,
            required_matches(&parsed.words),
        ));
        if phrase_boosts.is_empty() {
            return matching;
        }
        let mut outer = vec![(Occur::Must, matching)];
        outer.extend(phrase_boosts);
        return Box::new(BooleanQuery::new(outer));
    }
    if clauses.len() == 1 && clauses[0].0 == Occur::Must {
        // A single word: its flat union of term queries is what block-max pruning can skip in.
        let (_, q) = clauses.pop().expect("one clause");
        return q;
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Builds the autocomplete query: earlier words must match exactly (unstemmed) and the last as a
/// prefix, in the title (scored 2) or a synonym (scored 1).
pub(crate) fn build_suggest(f: &Fields, words: &[Word]) -> Box<dyn Query> {
    let Some((last, rest)) = words.split_last() else {
        return Box::new(tantivy::query::EmptyQuery);
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = rest
        .iter()
        .map(|w| {
            let q: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (Occur::Should, term_query(f.title_raw, &w.raw, 2.0)),
                (Occur::Should, term_query(f.alt_raw, &w.raw, 1.0)),
            ]));
            (Occur::Must, q)
        })
        .collect();
    clauses.push((
        Occur::Must,
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Should,
                prefix(f.title_prefix, f.title_raw, &last.raw, 2.0),
            ),
            (
                Occur::Should,
                prefix(f.alt_prefix, f.alt_raw, &last.raw, 1.0),
            ),
        ])),
    ));
    Box::new(BooleanQuery::new(clauses))
}

/// Decides which words of a stored text to highlight.
#[derive(Debug, Default)]
pub(crate) struct Matcher {
    stems: HashSet<String>,
    fuzzy: Vec<(String, u8)>,
    prefix: Option<String>,
}

impl Matcher {
    /// Highlights what the query matches: every word's stem and corrections, typos only of
    /// the words matched with typos, the prefix only when the last word is matched as one.
    pub(crate) fn new(parsed: &ParsedQuery, plans: &[WordPlan<'_>]) -> Self {
        let mut m = Matcher::default();
        for w in parsed.words.iter().chain(parsed.phrases.iter().flatten()) {
            m.stems.insert(w.stem.clone());
        }
        for plan in plans {
            for fix in &plan.corrected {
                m.stems.insert(fix.stem.clone());
            }
            if plan.fuzzy {
                m.fuzzy
                    .push((plan.word.raw.clone(), plan.word.typo_distance()));
            }
            if plan.prefix {
                m.prefix = Some(plan.word.raw.clone());
            }
        }
        m
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    /// Returns whether a token (stemmed form, and its original text) matches the query.
    pub(crate) fn matches(&self, stem: &str, original: &str) -> bool {
        if self.stems.contains(stem) {
            return true;
        }
        if self.prefix.is_none() && self.fuzzy.is_empty() {
            return false;
        }
        // Most words of a description are already lowercase: lowercase only when needed.
        let lowered;
        let lower = if original.chars().any(char::is_uppercase) {
            lowered = original.to_lowercase();
            lowered.as_str()
        } else {
            original
        };
        if self.prefix.as_deref().is_some_and(|p| lower.starts_with(p)) {
            return true;
        }
        self.fuzzy
            .iter()
            .any(|(w, d)| within_distance(w, lower, usize::from(*d)))
    }
}

/// Returns whether the optimal-string-alignment distance (Levenshtein plus adjacent
/// transpositions, as the fuzzy query counts them) between `a` and `b` is at most `max`.
pub(crate) fn within_distance(a: &str, b: &str, max: usize) -> bool {
    /// Words up to this many characters are compared without allocating (tokens are at most
    /// 40 bytes after `RemoveLongFilter`).
    const STACK: usize = 48;
    let (n, m) = (a.chars().count(), b.chars().count());
    if n.abs_diff(m) > max {
        return false;
    }
    if n < STACK && m < STACK {
        let (mut a_chars, mut b_chars) = (['\0'; STACK], ['\0'; STACK]);
        for (slot, c) in a_chars.iter_mut().zip(a.chars()) {
            *slot = c;
        }
        for (slot, c) in b_chars.iter_mut().zip(b.chars()) {
            *slot = c;
        }
        let mut rows = [[0usize; STACK]; 3];
        let [r0, r1, r2] = &mut rows;
        osa_distance(&a_chars[..n], &b_chars[..m], r0, r1, r2) <= max
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut rows = vec![vec![0usize; m + 1]; 3];
        let [r0, r1, r2] = &mut rows[..] else {
            unreachable!("three rows")
        };
        osa_distance(&a, &b, r0, r1, r2) <= max
    }
}

/// Returns the optimal-string-alignment distance of `a` and `b`, using three scratch rows of at
/// least `b.len() + 1` entries.
fn osa_distance(
    a: &[char],
    b: &[char],
    prev2: &mut [usize],
    prev: &mut [usize],
    cur: &mut [usize],
) -> usize {
    let (n, m) = (a.len(), b.len());
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    for (j, slot) in prev.iter_mut().enumerate().take(m + 1) {
        *slot = j;
    }
    for i in 1..=n {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

#[cfg(test)]
mod distance_tests {
    use super::within_distance;

    #[test]
    fn osa_distance_on_the_stack_and_the_heap_agree() {
        for (a, b, d) in [
            ("nurse", "nurse", 0),
            ("nurse", "nruse", 1),
            ("nurse", "nurses", 1),
            ("nurse", "purse", 1),
            ("nurse", "nur", 2),
            ("cafe", "café", 1),
            ("receptionist", "recpetionsit", 2),
        ] {
            assert!(within_distance(a, b, d), "{a} {b} {d}");
            if d > 0 {
                assert!(!within_distance(a, b, d - 1), "{a} {b} {}", d - 1);
            }
            // Past the stack buffer: the same answer from the heap path.
            let (long_a, long_b) = (a.repeat(12), b.repeat(12));
            let distance = (0..=24).find(|&k| within_distance(&long_a, &long_b, k));
            assert_eq!(distance.map(|k| k <= 12 * d), Some(true), "{a} {b}");
        }
        assert!(!within_distance("nurse", "doctor", 2));
    }
}
