//! The `edge_words` tokenizer of `title_prefix` / `alt_prefix`: every prefix of 1 to
//! [`MAX_EDGE_CHARS`] characters of every word, as tantivy's `default` analyzer splits and
//! lowercases words, so that a prefix lookup is a single term lookup. One text value per title
//! (not one per prefix) keeps a document small: tantivy sorts, groups and tokenizes each value of
//! a document, and an opening's fifty-odd prefixes were each a `String` value of their own.
//!
//! Repeated prefixes within a document are emitted again; the fields index document ids only
//! (`IndexRecordOption::Basic`, no field norms), so the postings are the same.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::schema::MAX_EDGE_CHARS;
use crate::stem::{MAX_WORD_BYTES, lowercase, next_word};

/// Name under which [`EdgeTokenizer`] is registered.
pub(crate) const EDGE_WORDS: &str = "edge_words";

#[derive(Clone, Default)]
pub(crate) struct EdgeTokenizer {
    token: Token,
    /// The current word, lowercased.
    word: String,
}

impl Tokenizer for EdgeTokenizer {
    type TokenStream<'a> = EdgeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EdgeTokenStream<'a> {
        self.token.reset();
        self.word.clear();
        EdgeTokenStream {
            text,
            at: 0,
            prefix_end: 0,
            prefix_chars: 0,
            tokenizer: self,
        }
    }
}

pub(crate) struct EdgeTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    /// End, in bytes of the lowercased word, of the last prefix emitted.
    prefix_end: usize,
    prefix_chars: usize,
    tokenizer: &'a mut EdgeTokenizer,
}

impl TokenStream for EdgeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let t = &mut *self.tokenizer;
        loop {
            if self.prefix_chars < MAX_EDGE_CHARS
                && let Some(c) = t.word[self.prefix_end..].chars().next()
            {
                self.prefix_end += c.len_utf8();
                self.prefix_chars += 1;
                t.token.text.clear();
                t.token.text.push_str(&t.word[..self.prefix_end]);
                t.token.position = t.token.position.wrapping_add(1);
                return true;
            }
            let Some((from, to)) = next_word(self.text, self.at) else {
                return false;
            };
            self.at = to;
            let word = &self.text[from..to];
            if word.len() >= MAX_WORD_BYTES {
                continue;
            }
            lowercase(word, &mut t.word);
            t.token.offset_from = from;
            t.token.offset_to = to;
            self.prefix_end = 0;
            self.prefix_chars = 0;
        }
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;
    use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

    use super::EdgeTokenizer;
    use crate::schema::MAX_EDGE_CHARS;

    fn edges(text: &str) -> BTreeSet<String> {
        let mut analyzer = TextAnalyzer::from(EdgeTokenizer::default());
        let mut stream = analyzer.token_stream(text);
        let mut out = BTreeSet::new();
        while stream.advance() {
            out.insert(stream.token().text.clone());
        }
        out
    }

    /// The prefixes of the words tantivy's `default` analyzer produces, the way the index used
    /// to get them (one value per prefix).
    fn expected(text: &str) -> BTreeSet<String> {
        let mut analyzer = TokenizerManager::default().get("default").expect("default");
        let mut stream = analyzer.token_stream(text);
        let mut out = BTreeSet::new();
        while stream.advance() {
            let word = &stream.token().text;
            for (i, (at, c)) in word.char_indices().enumerate() {
                if i >= MAX_EDGE_CHARS {
                    break;
                }
                out.insert(word[..at + c.len_utf8()].to_owned());
            }
        }
        out
    }

    #[test]
    fn every_prefix_up_to_twelve_characters_of_every_word() {
        let got = edges("Senior Nurse, Zürich");
        for prefix in ["s", "se", "senior", "n", "nurse", "z", "zü", "zürich"] {
            assert!(got.contains(prefix), "{prefix} in {got:?}");
        }
        assert_eq!(got.len(), 6 + 5 + 6);
        let long = edges("internationalisation");
        assert!(long.contains("internationa") && !long.contains("internationalisation"));
        assert_eq!(long.len(), MAX_EDGE_CHARS);
        assert!(edges(&"a".repeat(45)).is_empty(), "long words are dropped");
        assert!(edges(" ,; ").is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn edges_equal_the_prefixes_of_tantivys_default_words(
            text in "((Nurse|café|ÉCOLE|İ|ß|Σ|[A-Za-z0-9]{1,16}|[a-z]{38,42}|\\PC{1,4})[ ,.;/\\-]{1,2}){0,12}",
        ) {
            prop_assert_eq!(edges(&text), expected(&text));
        }
    }
}
