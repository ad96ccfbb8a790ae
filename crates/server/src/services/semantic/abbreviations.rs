//! Abbreviations in job titles and skills ("CSR", "HGV driver", "AP clerk") spelled out before
//! a query is searched and embedded: the model has seen few of them, ESCO's labels use the
//! words, and people type them all the time.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The table: `abbreviation TAB expansion` lines, `#` comments.
const TABLE: &str = include_str!("abbreviations.tsv");

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE_MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE_MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .collect()
    })
}

/// Returns `query` with each known abbreviation spelled out, or `None` when it has none. A word
/// is an abbreviation when it is one as a whole (punctuation around it kept); two-letter ones
/// count only in capitals, as "it", "pa" and "ta" are ordinary words too.
pub fn expand(query: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = query
        .split_whitespace()
        .map(|word| {
            let core = word.trim_matches(|c: char| !c.is_alphanumeric());
            let lower = core.to_lowercase();
            let applies = core.chars().count() > 2 || core.chars().all(|c| c.is_uppercase());
            match table()
                .get(lower.as_str())
                .filter(|_| applies && !core.is_empty())
            {
                Some(expansion) => {
                    changed = true;
                    word.replacen(core, expansion, 1)
                }
                None => word.to_owned(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn known_abbreviations_are_spelled_out() {
        assert_eq!(
            expand("CSR").as_deref(),
            Some("customer service representative")
        );
        assert_eq!(
            expand("hgv driver").as_deref(),
            Some("heavy goods vehicle driver")
        );
        assert_eq!(
            expand("AP clerk (part-time)").as_deref(),
            Some("accounts payable clerk (part-time)")
        );
        assert_eq!(
            expand("CS rep").as_deref(),
            Some("customer service representative")
        );
    }

    #[test]
    fn ordinary_words_are_left_alone() {
        assert_eq!(expand("put it on the shelf"), None);
        assert_eq!(expand("warehouse operative"), None);
        assert_eq!(
            expand("IT support").as_deref(),
            Some("information technology support")
        );
    }

    #[test]
    fn every_line_of_the_table_has_an_expansion() {
        for line in super::TABLE.lines().filter(|l| !l.starts_with('#')) {
            let (short, long) = line.split_once('\t').expect("a tab");
            assert!(!short.is_empty() && long.len() > short.len(), "{line:?}");
            assert_eq!(short, short.to_lowercase(), "{line:?}");
        }
    }
}
