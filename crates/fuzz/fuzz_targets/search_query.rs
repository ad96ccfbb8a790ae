//! Search query handling: user text (up to and past the 500-character limit, with quotes,
//! operators and any Unicode) goes through parsing, planning (typo corrections against the
//! index's terms), query building and a real search and suggestion over a small in-RAM index.
//! Every request must give results or a `SearchError`, never a panic.
//!
//! The first byte picks the mode; the rest is the input:
//! * even: line 1 is the query text, line 2 (optional) a paging cursor; the byte's bits choose
//!   the index, the sort order and the page size (including the invalid sizes 0 and 101).
//! * odd: the rest is a JSON `SearchRequest` (filters included), run against every index.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use reskill_search::{IndexKind, OccupationDoc, SearchIndexes, SearchRequest, SkillDoc, SortOrder};

fn occupation(id: i64, title: &str, synonyms: &[&str], description: &str) -> OccupationDoc {
    OccupationDoc {
        id,
        uri: format!("http://data.europa.eu/esco/occupation/{id}"),
        title: title.to_owned(),
        synonyms: synonyms.iter().map(|s| (*s).to_owned()).collect(),
        description: description.to_owned(),
        isco_group: "4222".to_owned(),
        risk_band: Some("high".to_owned()),
    }
}

fn skill(id: i64, title: &str, synonyms: &[&str]) -> SkillDoc {
    SkillDoc {
        id,
        uri: format!("http://data.europa.eu/esco/skill/{id}"),
        title: title.to_owned(),
        synonyms: synonyms.iter().map(|s| (*s).to_owned()).collect(),
        description: format!("{title}: a skill"),
        skill_type: Some("skill/competence".to_owned()),
        reuse_level: Some("transversal".to_owned()),
    }
}

static INDEXES: LazyLock<SearchIndexes> = LazyLock::new(|| {
    let indexes = SearchIndexes::in_ram().expect("in-RAM indexes open");
    let occupations = [
        occupation(
            1,
            "contact centre agent",
            &["call centre agent", "customer service agent"],
            "Answer inbound calls.",
        ),
        occupation(
            2,
            "bookkeeper",
            &["bookkeeping clerk", "accounts clerk"],
            "Record financial transactions.",
        ),
        occupation(
            3,
            "accountant",
            &["chartered accountant"],
            "Analyse financial statements, taxes and audits.",
        ),
        occupation(
            4,
            "nurse responsible for general care",
            &["registered nurse"],
            "Plan and evaluate patient care.",
        ),
        occupation(
            5,
            "software developer",
            &["programmer", "software engineer"],
            "Implement software systems.",
        ),
        occupation(
            6,
            "café manager",
            &["Café-Leiter", "gérant de café"],
            "Run a café: staff, stock, hygiene.",
        ),
    ];
    // A long multi-byte description, so snippets cut and highlight around non-ASCII text.
    let long = "İstanbul straße ﬁnance 日本語 café, ".repeat(60) + "and the nurse's notes";
    let occupations =
        occupations
            .into_iter()
            .chain([occupation(7, "Ünïcödé clerk İ", &["straße clerk"], &long)]);
    for doc in occupations {
        indexes.upsert(doc).expect("upsert occupation");
    }
    let skills = [
        skill(11, "customer service", &["help customers"]),
        skill(12, "bookkeeping", &["keep books"]),
        skill(13, "Python (computer programming)", &["python"]),
        skill(14, "C++", &["c plus plus"]),
    ];
    for doc in skills {
        indexes.upsert(doc).expect("upsert skill");
    }
    indexes.commit(Some(1)).expect("commit");
    indexes
});

const KINDS: [IndexKind; 4] = IndexKind::ALL;
const LIMITS: [usize; 4] = [1, 10, 0, 101];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let indexes = &*INDEXES;
    if mode % 2 == 1 {
        let Ok(request) = serde_json::from_slice::<SearchRequest>(rest) else {
            return;
        };
        for kind in KINDS {
            let _ = indexes.search(kind, &request);
        }
        return;
    }
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.splitn(2, '\n');
    let q = lines.next().unwrap_or_default();
    let cursor = lines.next().map(str::to_owned);
    let kind = KINDS[usize::from(mode >> 1) % 4];
    let sort = if mode & 0x08 == 0 {
        SortOrder::Relevance
    } else {
        SortOrder::Date
    };
    let limit = LIMITS[usize::from(mode >> 4) % 4];
    let mut request = SearchRequest::new(q, limit);
    request.sort = sort;
    request.cursor = cursor;
    if let Ok(response) = indexes.search(kind, &request) {
        assert!(
            response.hits.len() <= limit,
            "a page holds at most `limit` hits"
        );
    }
    if let Ok(suggestions) = indexes.suggest(kind, q, limit) {
        assert!(suggestions.len() <= limit, "at most `limit` suggestions");
    }
});
