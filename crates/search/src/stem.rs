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

/// Returns the cached equivalent of tantivy's `en_stem`: `SimpleTokenizer`,
/// `RemoveLongFilter(40)`, `LowerCaser`, English Snowball stemmer.
pub(crate) fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
}

/// Token filter that stems English words through a cache.
#[derive(Clone, Copy)]
pub(crate) struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemFilter<T> {
        CachedStemFilter {
            inner: tokenizer,
            cache: HashMap::new(),
        }
    }
}

pub(crate) struct CachedStemFilter<T> {
    inner: T,
    cache: HashMap<String, String>,
}

/// A clone starts with an empty cache: tantivy clones an analyzer per segment writer and field,
/// and queries clone one per request; copying the cache would cost more than it saves.
impl<T: Clone> Clone for CachedStemFilter<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            cache: HashMap::new(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub(crate) struct CachedStemStream<'a, T> {
    tail: T,
    cache: &'a mut HashMap<String, String>,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.cache.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
        } else {
            let stem = self.stemmer.stem(&token.text).into_owned();
            if self.cache.len() >= CACHE_WORDS {
                self.cache.clear();
            }
            let word = std::mem::replace(&mut token.text, stem.clone());
            self.cache.insert(word, stem);
        }
        true
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

    use super::english_analyzer;

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
}
