//! The `en_stem` analyzer, fused into one tokenizer with a cache of stems. Indexing a
//! million openings spends most of its time per word: tantivy's chain (tokenizer, length filter,
//! lower caser, Snowball stemmer) copies and rewrites every word three times, and stemming
//! alone was about 40 % of indexing time. The words of job descriptions repeat, so this
//! tokenizer looks each word up as it appears in the text (before lowercasing) in a cache of
//! stems and, on a hit, writes the stem once. The output is exactly tantivy's built-in
//! `en_stem` (same words, offsets, positions and stems; tested against it), so indexes built
//! with either read the same.
//!
//! The cache is one byte buffer of words and stems with an open-addressing table of 8-byte
//! entries over it (a lookup touches the table and one spot of the buffer, not a `String` per
//! word), hashed with foldhash, which is fast on short keys and still seeded per process.

use std::hash::BuildHasher;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// Most words kept per analyzer; the cache starts again when full (about 2 MB at most).
const CACHE_WORDS: usize = 100_000;

/// Words of this many bytes or more are dropped, as by tantivy's `RemoveLongFilter::limit(40)`.
const MAX_WORD_BYTES: usize = 40;

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

impl EnglishTokenStream<'_> {
    /// Returns the byte range of the next run of alphanumeric characters. ASCII bytes are
    /// classified directly; other characters are decoded and classified as `SimpleTokenizer`
    /// does (`char::is_alphanumeric`).
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = self.at;
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
        self.at = i;
        Some((start, i))
    }
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((from, to)) = self.next_word() {
            let t = &mut *self.tokenizer;
            // Every word takes a position, also the ones dropped below, as in tantivy's chain.
            t.token.position = t.token.position.wrapping_add(1);
            let word = &self.text[from..to];
            if word.len() >= MAX_WORD_BYTES {
                continue;
            }
            t.token.offset_from = from;
            t.token.offset_to = to;
            let hash = t.cache.hash(word);
            match t.cache.get(hash, word) {
                Some(Some(stem)) => {
                    t.token.text.clear();
                    t.token.text.push_str(stem);
                    return true;
                }
                Some(None) => continue,
                None => {}
            }
            lowercase(word, &mut t.lower);
            if t.drop_stop_words && STOP_WORDS.contains(&t.lower.as_str()) {
                t.cache.insert(hash, word, None);
                continue;
            }
            let stem = t.stemmer.stem(&t.lower);
            t.cache.insert(hash, word, Some(&stem));
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
fn lowercase(word: &str, out: &mut String) {
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

/// Word → stem (or "dropped"), for words as they appear in the text.
#[derive(Default)]
struct StemCache {
    /// Each word followed by its stem.
    text: String,
    entries: hashbrown::HashTable<Entry>,
    hasher: foldhash::fast::RandomState,
}

#[derive(Clone, Copy)]
struct Entry {
    /// Byte offset of the word in `StemCache::text`; the stem follows it.
    at: u32,
    word_len: u8,
    /// `DROPPED` for a stop word.
    stem_len: u8,
}

const DROPPED: u8 = u8::MAX;

impl StemCache {
    fn hash(&self, word: &str) -> u64 {
        self.hasher.hash_one(word)
    }

    fn word(text: &str, e: Entry) -> &str {
        let at = e.at as usize;
        &text[at..at + usize::from(e.word_len)]
    }

    /// Returns `Some(Some(stem))`, `Some(None)` for a dropped word, or `None` when not cached.
    fn get(&self, hash: u64, word: &str) -> Option<Option<&str>> {
        let text = &self.text;
        let e = *self.entries.find(hash, |e| Self::word(text, *e) == word)?;
        Some(Self::stem(text, e))
    }

    fn stem(text: &str, e: Entry) -> Option<&str> {
        (e.stem_len != DROPPED).then(|| {
            let at = e.at as usize + usize::from(e.word_len);
            &text[at..at + usize::from(e.stem_len)]
        })
    }

    /// Caches `word → stem` (`None`: dropped). Words are shorter than [`MAX_WORD_BYTES`] and
    /// their lowercased stems at most three times as long, so both lengths fit a byte.
    fn insert(&mut self, hash: u64, word: &str, stem: Option<&str>) {
        let (Ok(word_len), Ok(stem_len)) = (
            u8::try_from(word.len()),
            u8::try_from(stem.map_or(usize::from(DROPPED), str::len)),
        ) else {
            return;
        };
        if stem.is_some() && stem_len == DROPPED {
            return;
        }
        if self.entries.len() >= CACHE_WORDS {
            self.entries.clear();
            self.text.clear();
        }
        let Ok(at) = u32::try_from(self.text.len()) else {
            return;
        };
        self.text.push_str(word);
        self.text.push_str(stem.unwrap_or_default());
        let entry = Entry {
            at,
            word_len,
            stem_len,
        };
        let (text, hasher) = (&self.text, &self.hasher);
        self.entries
            .insert_unique(hash, entry, |e| hasher.hash_one(Self::word(text, *e)));
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
