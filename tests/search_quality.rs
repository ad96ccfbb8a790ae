//! Search quality on the real ESCO taxonomy: 200 alternative labels of occupations,
//! chosen deterministically, must find their occupation in the top 3 for at least 90% of the
//! queries; the same 200 with one typo each for at least 80%.
//!
//! Run alone, with the figures printed:
//! `cargo test -p reskill-tests --test integration search_quality -- --nocapture`

use anyhow::ensure;
use reskill_search::{IndexKind, SearchIndexes, SearchRequest};
use reskill_server::services::import;
use reskill_store::documents::{self, OccupationRow};
use reskill_tests::data::shared_data;
use reskill_tests::db::TestDb;

/// Queries per set.
const SAMPLE: usize = 200;
/// A query passes when its occupation is among this many hits.
const TOP: usize = 3;
const CLEAN_TARGET: f64 = 0.90;
const TYPO_TARGET: f64 = 0.80;

/// One test query.
#[derive(Debug, Clone)]
pub struct Case {
    /// The occupation that must be found.
    pub occupation_id: i64,
    /// Its preferred label, for reports.
    pub preferred_label: String,
    /// The query text.
    pub query: String,
}

/// Picks `SAMPLE` occupations, sorted by URI, evenly spaced among those with an alternative
/// label that differs from the preferred one and holds a word of 5+ letters (so a typo in it is
/// one the search promises to tolerate), and one such label each: the `i`-th occupation takes
/// its `i mod n`-th eligible label in alphabetical order.
pub fn clean_cases(occupations: &[OccupationRow]) -> Vec<Case> {
    let mut sorted: Vec<&OccupationRow> = occupations.iter().collect();
    sorted.sort_by(|a, b| a.uri.cmp(&b.uri));
    let eligible: Vec<(&OccupationRow, Vec<&String>)> = sorted
        .into_iter()
        .filter_map(|o| {
            let preferred = o.preferred_label.trim().to_lowercase();
            let mut labels: Vec<&String> = o
                .alt_labels
                .iter()
                .filter(|l| {
                    let label = l.trim().to_lowercase();
                    !label.is_empty() && label != preferred && longest_word(&label).is_some()
                })
                .collect();
            labels.sort();
            labels.dedup();
            (!labels.is_empty()).then_some((o, labels))
        })
        .collect();
    let step = (eligible.len() / SAMPLE).max(1);
    eligible
        .iter()
        .step_by(step)
        .take(SAMPLE)
        .enumerate()
        .map(|(i, (o, labels))| Case {
            occupation_id: o.id,
            preferred_label: o.preferred_label.clone(),
            query: labels[i % labels.len()].trim().to_owned(),
        })
        .collect()
}

/// Returns the byte range of the longest alphabetic word of 5+ letters (the first on ties).
fn longest_word(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let len = text[s..i].chars().count();
                if len >= 5 && best.is_none_or(|(bs, be)| len > text[bs..be].chars().count()) {
                    best = Some((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    best
}

/// Returns `query` with one typo in its longest word of 5+ letters, cycling through the kinds of
/// typo people make: swap two neighbouring letters, drop one (only from words of 6+ letters, so
/// the word keeps the length at which typos are tolerated), replace one with its neighbour on a
/// QWERTY keyboard. The letter chosen is the middle one.
pub fn with_typo(query: &str, i: usize) -> String {
    let Some((start, end)) = longest_word(query) else {
        return query.to_owned();
    };
    let mut word: Vec<char> = query[start..end].chars().collect();
    let mid = word.len() / 2;
    let mut kind = i % 3;
    if kind == 0 && word[mid - 1] == word[mid] {
        kind = 2;
    }
    if kind == 1 && word.len() < 6 {
        kind = 2;
    }
    match kind {
        0 => word.swap(mid - 1, mid),
        1 => {
            word.remove(mid);
        }
        _ => word[mid] = keyboard_neighbour(word[mid]),
    }
    format!(
        "{}{}{}",
        &query[..start],
        word.into_iter().collect::<String>(),
        &query[end..]
    )
}

fn keyboard_neighbour(c: char) -> char {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let lower = c.to_ascii_lowercase();
    for row in ROWS {
        if let Some(pos) = row.find(lower) {
            let bytes = row.as_bytes();
            let next = if pos + 1 < bytes.len() {
                bytes[pos + 1]
            } else {
                bytes[pos - 1]
            };
            return char::from(next);
        }
    }
    if c == 'x' { 'y' } else { 'x' }
}

/// How one set of queries fared.
#[derive(Debug)]
pub struct Figures {
    /// Queries with the occupation in the top 3.
    pub found: usize,
    /// Queries run.
    pub total: usize,
    /// Share found in first place.
    pub first: usize,
    /// Misses: query, wanted occupation, its rank (if in the top 100), the top hit.
    pub misses: Vec<(String, String, Option<usize>, String)>,
}

impl Figures {
    /// Returns the share found in the top 3.
    pub fn rate(&self) -> f64 {
        self.found as f64 / self.total.max(1) as f64
    }
}

/// Runs every case and records where its occupation ranked.
pub fn evaluate(search: &SearchIndexes, cases: &[Case]) -> anyhow::Result<Figures> {
    let mut figures = Figures {
        found: 0,
        total: cases.len(),
        first: 0,
        misses: Vec::new(),
    };
    for case in cases {
        let response = search.search(
            IndexKind::Occupations,
            &SearchRequest::new(case.query.clone(), 100),
        )?;
        let rank = response
            .hits
            .iter()
            .position(|h| h.id == case.occupation_id);
        match rank {
            Some(r) if r < TOP => {
                figures.found += 1;
                if r == 0 {
                    figures.first += 1;
                }
            }
            _ => figures.misses.push((
                case.query.clone(),
                case.preferred_label.clone(),
                rank.map(|r| r + 1),
                response
                    .hits
                    .first()
                    .map(|h| h.title.clone())
                    .unwrap_or_default(),
            )),
        }
    }
    // Worst first: not in the top 100, then by rank.
    figures
        .misses
        .sort_by_key(|(_, _, rank, _)| std::cmp::Reverse(rank.unwrap_or(usize::MAX)));
    Ok(figures)
}

pub fn report(name: &str, figures: &Figures) {
    println!(
        "{name}: {}/{} in the top {TOP} ({:.1}%), {} first ({:.1}%)",
        figures.found,
        figures.total,
        100.0 * figures.rate(),
        figures.first,
        100.0 * figures.first as f64 / figures.total.max(1) as f64
    );
    for (query, wanted, rank, top) in figures.misses.iter().take(15) {
        let rank = rank.map_or_else(|| "not in top 100".to_owned(), |r| format!("rank {r}"));
        println!("  miss: {query:?} → wanted {wanted:?} ({rank}); top hit {top:?}");
    }
}

#[tokio::test]
async fn alternative_labels_and_their_typos_find_the_occupation() -> anyhow::Result<()> {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let t = TestDb::sqlite().await?;
    let search = SearchIndexes::in_ram()?;
    import::import_esco_dir(&t.db, &search, &data.join("esco"), &|_, _, _| {}).await?;
    let occupations = documents::occupations(&t.db, None).await?;
    let clean = clean_cases(&occupations);
    ensure!(clean.len() == SAMPLE, "only {} cases", clean.len());
    let typos: Vec<Case> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| Case {
            query: with_typo(&c.query, i),
            ..c.clone()
        })
        .collect();
    ensure!(
        typos.iter().zip(&clean).all(|(t, c)| t.query != c.query),
        "every typo'd query must differ from its clean one"
    );

    let clean_figures = evaluate(&search, &clean)?;
    let typo_figures = evaluate(&search, &typos)?;
    report("alternative labels", &clean_figures);
    report("with one typo", &typo_figures);
    ensure!(
        clean_figures.rate() >= CLEAN_TARGET,
        "clean: {:.1}% < {:.0}%",
        100.0 * clean_figures.rate(),
        100.0 * CLEAN_TARGET
    );
    ensure!(
        typo_figures.rate() >= TYPO_TARGET,
        "typos: {:.1}% < {:.0}%",
        100.0 * typo_figures.rate(),
        100.0 * TYPO_TARGET
    );
    t.cleanup().await
}

#[test]
fn typos_are_deterministic_and_change_one_word() {
    assert_eq!(with_typo("call centre agent", 0), "call cetnre agent");
    assert_eq!(with_typo("bookkeeper", 1), "bookkeper");
    assert_eq!(with_typo("nurse", 1), "nutse");
}
