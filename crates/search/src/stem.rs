//! The `en_stem` analyzer with a cache of stems. Snowball stemming was about 40 % of indexing
//! time at a million openings, and the words of job descriptions repeat: each analyzer keeps
//! the stems it has computed, so a word is stemmed once per analyzer rather than once per use.
//! The output is exactly tantivy's built-in `en_stem` (same tokenizer, filters and stemmer), so
//! indexes built with either read the same.
//!
//! The cache hashes with foldhash rather than SipHash: a lookup per token is on the hot path of
//! indexing and highlighting, and foldhash is still seeded per process.

use foldhash::{HashMap, HashMapExt};

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Most stems kept per analyzer; the cache starts again when full (a few MB at most).
const CACHE_WORDS: usize = 100_000;

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
    analyzer(false)
}

/// The same as [`english_analyzer`] without [`STOP_WORDS`]. The words after a stop word keep
/// their positions, so a phrase still matches at the same distances. Over a quarter of a job
/// description's words are stop words: leaving them out of the catch-all field makes indexing
/// and the positions file that much smaller.
pub(crate) fn english_analyzer_without_stop_words() -> TextAnalyzer {
    analyzer(true)
}

fn analyzer(drop_stop_words: bool) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer { drop_stop_words })
        .build()
}

/// Token filter that stems English words through a cache, optionally dropping stop words.
#[derive(Clone, Copy)]
pub(crate) struct CachedStemmer {
    drop_stop_words: bool,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemFilter<T> {
        CachedStemFilter {
            inner: tokenizer,
            drop_stop_words: self.drop_stop_words,
            cache: HashMap::new(),
        }
    }
}

pub(crate) struct CachedStemFilter<T> {
    inner: T,
    drop_stop_words: bool,
    /// Word → stem, or `None` for a stop word that is dropped.
    cache: HashMap<String, Option<String>>,
}

/// A clone starts with an empty cache: tantivy clones an analyzer per segment writer and field,
/// and queries clone one per request; copying the cache would cost more than it saves.
impl<T: Clone> Clone for CachedStemFilter<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            drop_stop_words: self.drop_stop_words,
            cache: HashMap::new(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemStream {
            tail: self.inner.token_stream(text),
            drop_stop_words: self.drop_stop_words,
            cache: &mut self.cache,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub(crate) struct CachedStemStream<'a, T> {
    tail: T,
    drop_stop_words: bool,
    cache: &'a mut HashMap<String, Option<String>>,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            match self.cache.get(token.text.as_str()) {
                Some(Some(stem)) => {
                    token.text.clear();
                    token.text.push_str(stem);
                    return true;
                }
                Some(None) => continue,
                None => {}
            }
            let stem = if self.drop_stop_words && STOP_WORDS.contains(&token.text.as_str()) {
                None
            } else {
                Some(self.stemmer.stem(&token.text).into_owned())
            };
            if self.cache.len() >= CACHE_WORDS {
                self.cache.clear();
            }
            let keep = stem.is_some();
            let word = match &stem {
                Some(stem) => std::mem::replace(&mut token.text, stem.clone()),
                None => token.text.clone(),
            };
            self.cache.insert(word, stem);
            if keep {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenizerManager;

    use super::{english_analyzer, english_analyzer_without_stop_words};

    fn tokens(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn cached_stems_equal_tantivys_en_stem_also_when_words_repeat() {
        let mut builtin = TokenizerManager::default()
            .get("en_stem")
            .expect("built-in en_stem");
        let mut cached = english_analyzer();
        let text = "Nursing nurses NURSE accounting, accountants' running runs ran; \
                    organisational organisation café Zürich 24/7 e-mail x";
        let long = "a".repeat(60);
        for text in [text, text, &format!("{text} {long} running")] {
            assert_eq!(tokens(&mut cached, text), tokens(&mut builtin, text));
        }
        // Offsets and positions come from the tokenizer, untouched by the stemmer.
        let mut stream = cached.token_stream("Running nurses");
        assert!(stream.advance());
        assert_eq!(
            (stream.token().offset_from, stream.token().offset_to),
            (0, 7)
        );
    }

    #[test]
    fn without_stop_words_the_rest_keep_their_stems_and_positions() {
        let mut analyzer = english_analyzer_without_stop_words();
        for _ in 0..2 {
            let mut out = Vec::new();
            let mut stream = analyzer.token_stream("Head of the Sales team, and IT support");
            while stream.advance() {
                out.push((stream.token().text.clone(), stream.token().position));
            }
            let expected = [("head", 0), ("sale", 3), ("team", 4), ("support", 7)];
            let expected: Vec<(String, usize)> =
                expected.iter().map(|(t, p)| (t.to_string(), *p)).collect();
            assert_eq!(out, expected, "second time from the cache");
        }
    }
}
