//! Times tantivy's own collectors on a built openings index, for a conjunction of stemmed
//! words on the catch-all field: how much of a search is counting the matches, how much is
//! scoring them. Run by hand (docs/BENCHMARKS.md), never in tests:
//!
//! ```sh
//! cargo run --release -p reskill-search --example tantivy_floor -- /tmp/rb1m/work/index/openings senior,packag,design export,coordin
//! ```

use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Term};

fn main() -> tantivy::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: tantivy_floor INDEX_DIR WORD,WORD… …");
    let index = Index::open_in_dir(dir)?;
    let searcher = index.reader()?.searcher();
    let all = index.schema().get_field("all")?;
    for words in args {
        let clauses = words
            .split(',')
            .map(|w| {
                let q = TermQuery::new(Term::from_field_text(all, w), IndexRecordOption::WithFreqs);
                (Occur::Must, Box::new(q) as Box<dyn Query>)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let best_ms = |f: &dyn Fn() -> tantivy::Result<usize>| -> tantivy::Result<(f64, usize)> {
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..50 {
                let started = Instant::now();
                n = f()?;
                best = best.min(started.elapsed().as_secs_f64() * 1e3);
            }
            Ok((best, n))
        };
        let top = || TopDocs::with_limit(20).order_by_score();
        let (count, n) = best_ms(&|| searcher.search(&query, &Count))?;
        let (pruned, _) = best_ms(&|| Ok(searcher.search(&query, &top())?.len()))?;
        let (both, _) = best_ms(&|| Ok(searcher.search(&query, &(top(), Count))?.1))?;
        println!(
            "{words}: {n} matches; count {count:.2} ms, top 20 (pruned) {pruned:.2} ms, \
             top 20 + count {both:.2} ms (best of 50)"
        );
    }
    Ok(())
}
