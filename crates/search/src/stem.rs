//! The `en_stem` analyzer, fused into one tokenizer with a cache of stems. Indexing a
//! million openings spends most of its time per word: tantivy's chain (tokenizer, length filter,
//! lower caser, Snowball stemmer) copies and rewrites every word three times, and stemming
//! alone was about 40 % of indexing time. The words of job descriptions repeat, so this
//! tokenizer looks each word up as it appears in the text (before lowercasing) in a cache of
//! stems and, on a hit, writes the stem once. The output is exactly tantivy's built-in
//! `en_stem` (same words, offsets, positions and stems; tested against it), so indexes built
//! with either read the same.
//!
//! The cache is an open-addressing table of 32-byte slots holding each word and its stem (a
//! lookup reads one cache line), hashed with foldhash, which is fast on short keys and still
//! seeded per process.

use std::hash::BuildHasher;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// Most words kept per analyzer: three quarters of [`MAX_SLOTS`]; the cache starts again when
/// full.
const CACHE_WORDS: usize = MAX_SLOTS / 4 * 3;

/// Words of this many bytes or more are dropped, as by tantivy's `RemoveLongFilter::limit(40)`.
pub(crate) const MAX_WORD_BYTES: usize = 40;

/// Lucene's English stop words. Queries do not require them, and the openings' catch-all field
/// does not index them ([`english_analyzer_without_stop_words`]).
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Returns the cached equivalent of tantivy's `en_stem`: `SimpleTokenizer`,
/// `RemoveLongFilter(40)`, `LowerCaser`, English Snowball stemmer.
pub(crate) fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::new(false))
}

/// The same as [`english_analyzer`] without [`STOP_WORDS`]. The words after a stop word keep
/// their positions, so a phrase still matches at the same distances. Over a quarter of a job
/// description's words are stop words: leaving them out of the catch-all field makes indexing
/// and the positions file that much smaller.
pub(crate) fn english_analyzer_without_stop_words() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::new(true))
}

/// Splits text into runs of alphanumeric characters (as `SimpleTokenizer`), drops long words,
/// optionally drops stop words, and emits lowercased English stems.
pub(crate) struct EnglishTokenizer {
    drop_stop_words: bool,
    token: Token,
    cache: StemCache,
    stemmer: frostem::Stemmer,
    /// Scratch space for the lowercased word on a cache miss.
    lower: String,
}

impl EnglishTokenizer {
    fn new(drop_stop_words: bool) -> Self {
        Self {
            drop_stop_words,
            token: Token::default(),
            cache: StemCache::default(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            lower: String::new(),
        }
    }
}

/// A clone starts with an empty cache: tantivy clones an analyzer per segment writer and field,
/// and queries clone one per request; copying the cache would cost more than it saves.
impl Clone for EnglishTokenizer {
    fn clone(&self) -> Self {
        Self::new(self.drop_stop_words)
    }
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        self.token.reset();
        EnglishTokenStream {
            text,
            at: 0,
            tokenizer: self,
        }
    }
}

pub(crate) struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    tokenizer: &'a mut EnglishTokenizer,
}

/// Returns the byte range of the first run of alphanumeric characters at or after byte `at`, as
/// `SimpleTokenizer` splits. ASCII bytes are classified directly; other characters are decoded
/// and classified as `SimpleTokenizer` does (`char::is_alphanumeric`).
pub(crate) fn next_word(text: &str, at: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = at;
    let start = loop {
        let &byte = bytes.get(i)?;
        if byte.is_ascii() {
            if byte.is_ascii_alphanumeric() {
                break i;
            }
            i += 1;
        } else {
            let c = text[i..].chars().next()?;
            if c.is_alphanumeric() {
                break i;
            }
            i += c.len_utf8();
        }
    };
    while let Some(&byte) = bytes.get(i) {
        if byte.is_ascii() {
            if !byte.is_ascii_alphanumeric() {
                break;
            }
            i += 1;
        } else {
            match text[i..].chars().next() {
                Some(c) if c.is_alphanumeric() => i += c.len_utf8(),
                _ => break,
            }
        }
    }
    Some((start, i))
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((from, to)) = next_word(self.text, self.at) {
            self.at = to;
            let t = &mut *self.tokenizer;
            // Every word takes a position, also the ones dropped below, as in tantivy's chain.
            t.token.position = t.token.position.wrapping_add(1);
            let word = &self.text[from..to];
            if word.len() >= MAX_WORD_BYTES {
                continue;
            }
            t.token.offset_from = from;
            t.token.offset_to = to;
            let key = StemCache::key(self.text, from, to);
            if let Some(key) = key {
                match t.cache.get(key) {
                    Some(Some(stem)) => {
                        t.token.text.clear();
                        t.token.text.push_str(stem);
                        return true;
                    }
                    Some(None) => continue,
                    None => {}
                }
            }
            lowercase(word, &mut t.lower);
            if t.drop_stop_words && STOP_WORDS.contains(&t.lower.as_str()) {
                if let Some(key) = key {
                    t.cache.insert(key, None);
                }
                continue;
            }
            let stem = t.stemmer.stem(&t.lower);
            if let Some(key) = key {
                t.cache.insert(key, Some(&stem));
            }
            t.token.text.clear();
            t.token.text.push_str(&stem);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

/// Lowercases as tantivy's `LowerCaser` does (per character, without the final-sigma rule).
pub(crate) fn lowercase(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Word → stem (or "dropped"), for words as they appear in the text: an open-addressing table
/// of 32-byte slots holding the word and its stem inline. A lookup reads one slot, so one cache
/// line, where a table of offsets into a shared buffer read three (control bytes, entry, text),
/// each a likely cache miss while tantivy's postings fill the caches. Words longer than
/// [`KEY_BYTES`] (0.15 % of the words of the real postings) and stems longer than
/// [`STEM_BYTES`] are not cached: they are stemmed each time.
struct StemCache {
    slots: Vec<Slot>,
    len: usize,
    hasher: foldhash::fast::RandomState,
}

const KEY_BYTES: usize = 16;
const STEM_BYTES: usize = 15;
/// `Slot::stem_len` of a stop word.
const DROPPED: u8 = u8::MAX;
const FIRST_SLOTS: usize = 1 << 10;
/// The table stops growing at this many slots (4 MB); a table grows, or at this size starts
/// again, when three quarters of its slots are taken, which keeps linear probes short.
const MAX_SLOTS: usize = 1 << 17;

/// A word's bytes, little-endian, padded with zero bytes, which no word contains (words are
/// alphanumeric): an empty slot has key 0.
type Key = u128;

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: Key,
    stem: [u8; STEM_BYTES],
    stem_len: u8,
}

const EMPTY: Slot = Slot {
    key: 0,
    stem: [0; STEM_BYTES],
    stem_len: 0,
};

impl Default for StemCache {
    fn default() -> Self {
        Self {
            slots: vec![EMPTY; FIRST_SLOTS],
            len: 0,
            hasher: foldhash::fast::RandomState::default(),
        }
    }
}

impl StemCache {
    /// Returns the cache key of the word `text[from..to]`, or `None` if it is too long to cache.
    /// The key is one 16-byte load from the text, masked, when the text goes on that far: a
    /// variable-length copy into a buffer read back whole stalled store forwarding.
    fn key(text: &str, from: usize, to: usize) -> Option<Key> {
        let len = to - from;
        if len == 0 || len > KEY_BYTES {
            return None;
        }
        let bytes = text.as_bytes();
        let mut buf = [0; KEY_BYTES];
        match bytes.get(from..from + KEY_BYTES) {
            Some(window) => buf.copy_from_slice(window),
            None => buf[..len].copy_from_slice(&bytes[from..to]),
        }
        Some(u128::from_le_bytes(buf) & (u128::MAX >> (8 * (KEY_BYTES - len))))
    }

    fn hash(&self, key: Key) -> usize {
        // Truncating the hash is fine: only its low bits pick a slot.
        self.hasher.hash_one(key) as usize
    }

    /// Returns `Some(Some(stem))`, `Some(None)` for a dropped word, or `None` when not cached.
    fn get(&self, key: Key) -> Option<Option<&str>> {
        let mask = self.slots.len() - 1;
        let mut i = self.hash(key) & mask;
        loop {
            let slot = &self.slots[i];
            if slot.key == key {
                if slot.stem_len == DROPPED {
                    return Some(None);
                }
                // Only whole UTF-8 stems are stored.
                return std::str::from_utf8(&slot.stem[..usize::from(slot.stem_len)])
                    .ok()
                    .map(Some);
            }
            if slot.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Caches `key → stem` (`None`: dropped); a stem too long for a slot is not cached.
    fn insert(&mut self, key: Key, stem: Option<&str>) {
        let stem = stem.map(str::as_bytes);
        if stem.is_some_and(|s| s.len() > STEM_BYTES) || key == 0 {
            return;
        }
        if self.len >= CACHE_WORDS {
            self.slots.fill(EMPTY);
            self.len = 0;
        } else if self.len * 4 >= self.slots.len() * 3 {
            self.grow();
        }
        let mut slot = Slot {
            key,
            stem_len: DROPPED,
            ..EMPTY
        };
        if let Some(stem) = stem {
            slot.stem[..stem.len()].copy_from_slice(stem);
            slot.stem_len = stem.len() as u8;
        }
        self.place(slot);
        self.len += 1;
    }

    /// Puts `slot` in the first free place of its probe sequence (its key is not in the table).
    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.hash(slot.key) & mask;
        while self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let doubled = vec![EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for slot in old.into_iter().filter(|s| s.key != 0) {
            self.place(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::tokenizer::{
        Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
        TextAnalyzer, TokenizerManager,
    };

    use super::{STOP_WORDS, english_analyzer, english_analyzer_without_stop_words};

    /// Every token with its offsets and position.
    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    fn builtin_en_stem() -> TextAnalyzer {
        TokenizerManager::default()
            .get("en_stem")
            .expect("built-in en_stem")
    }

    /// tantivy's own chain with Lucene's stop words taken out before stemming.
    fn builtin_without_stop_words() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(
                STOP_WORDS.iter().map(|w| w.to_string()),
            ))
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn cached_stems_equal_tantivys_en_stem_also_when_words_repeat() {
        let mut builtin = builtin_en_stem();
        let mut cached = english_analyzer();
        let text = "Nursing nurses NURSE accounting, accountants' running runs ran; \
                    organisational organisation café Zürich 24/7 e-mail x İstanbul ΣΟΦΙΑ";
        let long = "a".repeat(60);
        for text in [text, text, &format!("{text} {long} running"), "", " ,; "] {
            assert_eq!(tokens(&mut cached, text), tokens(&mut builtin, text));
        }
        let first = &tokens(&mut cached, "Running nurses")[0];
        assert_eq!((first.1, first.2, first.3), (0, 7, 0));
    }

    #[test]
    fn without_stop_words_the_rest_keep_their_stems_and_positions() {
        let mut analyzer = english_analyzer_without_stop_words();
        for _ in 0..2 {
            let out: Vec<(String, usize)> =
                tokens(&mut analyzer, "Head of the Sales team, and IT support")
                    .into_iter()
                    .map(|(text, _, _, position)| (text, position))
                    .collect();
            let expected = [("head", 0), ("sale", 3), ("team", 4), ("support", 7)];
            let expected: Vec<(String, usize)> =
                expected.iter().map(|(t, p)| (t.to_string(), *p)).collect();
            assert_eq!(out, expected, "second time from the cache");
        }
    }

    #[test]
    fn a_full_cache_starts_again_and_stays_correct() {
        let mut cached = english_analyzer();
        let mut builtin = builtin_en_stem();
        let text: String = (0..(super::CACHE_WORDS + 500))
            .map(|i| format!("Word{i}ing "))
            .collect();
        assert_eq!(tokens(&mut cached, &text), tokens(&mut builtin, &text));
        assert_eq!(
            tokens(&mut cached, &text[..2000]),
            tokens(&mut builtin, &text[..2000])
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Any text, twice (the second time from the cache), tokenizes exactly as tantivy's
        /// chain: words, offsets and positions, with and without stop words.
        #[test]
        fn fused_tokenizer_equals_tantivys_chain(
            words in proptest::collection::vec(
                prop_oneof![
                    "[A-Za-z]{1,12}",
                    "(The|and|OF|of|nurse|Nurses|running|café|ÉCOLE|İ|ß|Σ|x)",
                    "[a-z0-9]{38,42}",
                    "\\PC{1,6}",
                ],
                0..40,
            ),
            separators in proptest::collection::vec("[ ,.;'/\\-\n\t€]{1,3}", 40),
        ) {
            let text: String = words
                .iter()
                .zip(separators.iter().cycle())
                .flat_map(|(w, s)| [w.as_str(), s.as_str()])
                .collect();
            let (mut cached, mut builtin) = (english_analyzer(), builtin_en_stem());
            let (mut content, mut builtin_content) =
                (english_analyzer_without_stop_words(), builtin_without_stop_words());
            for _ in 0..2 {
                prop_assert_eq!(tokens(&mut cached, &text), tokens(&mut builtin, &text));
                prop_assert_eq!(
                    tokens(&mut content, &text),
                    tokens(&mut builtin_content, &text)
                );
            }
        }
    }
}
