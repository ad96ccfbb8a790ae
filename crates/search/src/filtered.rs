//! [`FilteredUnion`]: any of several clauses, scores summed, among the documents of a small
//! filter — the relaxed query of a search in a circle where few openings are.
//!
//! Tantivy runs `filter AND (a OR b OR c)` by seeking the union to each filter document; its
//! buffered union refills a 4,096-document window of every clause at each seek, so a handful of
//! common words cost as much as reading their whole postings with that overhead on top. Here the
//! filter's documents are listed once, each clause is leapfrogged with them on its own (a skip
//! list seek, no window), and the scores are added up per filter document.

use std::cmp::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError};

/// Matches the documents of `filter` that match at least one of `clauses`, scored by the sum of
/// the matching clauses' scores (as a union of should clauses would be); `filter` adds nothing.
#[derive(Debug)]
pub(crate) struct FilteredUnion {
    filter: Box<dyn Query>,
    clauses: Vec<Box<dyn Query>>,
}

impl FilteredUnion {
    pub(crate) fn new(filter: Box<dyn Query>, clauses: Vec<Box<dyn Query>>) -> Self {
        Self { filter, clauses }
    }
}

impl Clone for FilteredUnion {
    fn clone(&self) -> Self {
        Self {
            filter: self.filter.box_clone(),
            clauses: self.clauses.iter().map(|c| c.box_clone()).collect(),
        }
    }
}

impl Query for FilteredUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(FilteredUnionWeight {
            filter: self.filter.weight(enable_scoring)?,
            clauses: self
                .clauses
                .iter()
                .map(|c| c.weight(enable_scoring))
                .collect::<tantivy::Result<_>>()?,
            cache: Mutex::default(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

/// One segment's matching filter documents and their scores, in document order.
type SegmentHits = Arc<[(DocId, Score)]>;

struct FilteredUnionWeight {
    filter: Box<dyn Weight>,
    clauses: Vec<Box<dyn Weight>>,
    /// Each segment's hits, kept for the collector's second (pruning) pass over the same weight.
    cache: Mutex<Vec<(SegmentId, u32, SegmentHits)>>,
}

impl Weight for FilteredUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let key = (reader.segment_id(), boost.to_bits());
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let hits = match cache.iter().find(|(id, b, _)| (*id, *b) == key) {
            Some((_, _, hits)) => Arc::clone(hits),
            None => {
                let hits = self.hits(reader, boost)?;
                cache.push((key.0, key.1, Arc::clone(&hits)));
                hits
            }
        };
        Ok(Box::new(Hits { hits, at: 0 }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new(
            "any clause within the filter",
            scorer.score(),
        ))
    }
}

impl FilteredUnionWeight {
    fn hits(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<SegmentHits> {
        let mut docs: Vec<DocId> = Vec::new();
        self.filter
            .for_each_no_score(reader, &mut |block: &[DocId]| docs.extend_from_slice(block))?;
        let mut scores = vec![0.0 as Score; docs.len()];
        let mut matched = vec![false; docs.len()];
        for clause in &self.clauses {
            // Leapfrog: a common word is seeked to the next filter document, a rare word's
            // documents are looked up among the filter's by galloping search.
            let mut scorer = clause.scorer(reader, boost)?;
            let mut doc = scorer.doc();
            let mut i = 0;
            while doc != TERMINATED && i < docs.len() {
                match docs[i].cmp(&doc) {
                    Ordering::Less => i += gallop(&docs[i..], doc),
                    Ordering::Greater => doc = scorer.seek(docs[i]),
                    Ordering::Equal => {
                        scores[i] += scorer.score();
                        matched[i] = true;
                        i += 1;
                        doc = scorer.advance();
                    }
                }
            }
        }
        Ok(docs
            .into_iter()
            .zip(scores)
            .zip(matched)
            .filter_map(|(hit, matched)| matched.then_some(hit))
            .collect())
    }
}

/// The index of the first of `docs` (sorted) not below `target`: exponential then binary
/// search, so a short step costs a few comparisons.
fn gallop(docs: &[DocId], target: DocId) -> usize {
    let mut end = 1;
    while end < docs.len() && docs[end] < target {
        end *= 2;
    }
    let start = end / 2;
    let end = end.min(docs.len());
    start + docs[start..end].partition_point(|&doc| doc < target)
}

/// The matching filter documents and their scores, in document order.
struct Hits {
    hits: SegmentHits,
    at: usize,
}

impl DocSet for Hits {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.hits.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.at += self.hits[self.at..].partition_point(|&(doc, _)| doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.hits.get(self.at).map_or(TERMINATED, |&(doc, _)| doc)
    }

    fn size_hint(&self) -> u32 {
        (self.hits.len() - self.at) as u32
    }
}

impl Scorer for Hits {
    fn score(&mut self) -> Score {
        self.hits.get(self.at).map_or(0.0, |&(_, score)| score)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, TermQuery, TermSetQuery};
    use tantivy::schema::{INDEXED, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, Searcher, TantivyDocument, Term};

    use super::*;

    fn matches(searcher: &Searcher, query: &dyn Query) -> Vec<(u32, DocId, Score)> {
        let weight = query
            .weight(EnableScoring::enabled_from_searcher(searcher))
            .unwrap();
        let mut out = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            while scorer.doc() != TERMINATED {
                out.push((ord as u32, scorer.doc(), scorer.score()));
                scorer.advance();
            }
        }
        out
    }

    #[test]
    fn gallop_finds_the_first_document_not_below_the_target() {
        let docs = [2, 3, 5, 8, 13, 21, 34, 55, 89];
        for target in 0..100 {
            let expected = docs.iter().position(|&d| d >= target).unwrap_or(docs.len());
            assert_eq!(gallop(&docs, target), expected, "{target}");
        }
        assert_eq!(gallop(&[], 7), 0);
    }

    #[test]
    fn same_matches_and_scores_as_a_union_within_the_filter() {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let cell = schema.add_i64_field("cell", INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for i in 0..3_000 {
            let mut doc = TantivyDocument::default();
            let mut body: Vec<&str> = (0..1 + next(6)).map(|_| words[next(6) as usize]).collect();
            if i % 37 == 0 {
                body.push("omega"); // rarer than the filter: looked up by galloping
            }
            doc.add_text(text, body.join(" "));
            doc.add_i64(cell, next(40) as i64);
            writer.add_document(doc).unwrap();
            if i % 1_000 == 999 {
                writer.commit().unwrap(); // several segments
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let filter = || -> Box<dyn Query> {
            let cells = [3i64, 17, 18, 39].map(|c| Term::from_field_i64(cell, c));
            Box::new(ConstScoreQuery::new(
                Box::new(TermSetQuery::new(cells)),
                0.0,
            ))
        };
        for query_words in [
            &["alpha"][..],
            &["beta", "zeta"],
            &["gamma", "delta", "nothing"],
            &["omega"],
            &["omega", "zeta"],
        ] {
            let clauses = || -> Vec<Box<dyn Query>> {
                query_words
                    .iter()
                    .map(|w| {
                        Box::new(TermQuery::new(
                            Term::from_field_text(text, w),
                            IndexRecordOption::WithFreqs,
                        )) as Box<dyn Query>
                    })
                    .collect()
            };
            let union =
                BooleanQuery::new(clauses().into_iter().map(|c| (Occur::Should, c)).collect());
            let expected = matches(
                &searcher,
                &BooleanQuery::new(vec![
                    (Occur::Must, Box::new(union)),
                    (Occur::Must, filter()),
                ]),
            );
            let got = matches(&searcher, &FilteredUnion::new(filter(), clauses()));
            assert!(
                !expected.is_empty() && expected.len() < 3_000,
                "{query_words:?}"
            );
            assert_eq!(got.len(), expected.len(), "{query_words:?}");
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!((g.0, g.1), (e.0, e.1), "{query_words:?}");
                assert!((g.2 - e.2).abs() < 1e-4, "{query_words:?}: {g:?} vs {e:?}");
            }
        }
    }
}
