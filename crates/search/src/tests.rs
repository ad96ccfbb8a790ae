//! Unit tests over small in-RAM indexes.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use reskill_core::catalog::{CourseMode, OpeningStatus};
use reskill_core::risk::RiskBand;

use crate::*;

fn occupation(
    id: i64,
    title: &str,
    synonyms: &[&str],
    description: &str,
    isco: &str,
    risk: &str,
) -> OccupationDoc {
    OccupationDoc {
        id,
        uri: format!("http://data.europa.eu/esco/occupation/{id}"),
        title: title.into(),
        synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
        description: description.into(),
        isco_group: isco.into(),
        risk_band: Some(risk.into()),
    }
}

fn occupations() -> Vec<OccupationDoc> {
    vec![
        occupation(
            1,
            "contact centre agent",
            &[
                "call centre agent",
                "call center representative",
                "customer service agent",
            ],
            "Contact centre agents answer inbound calls and give customers information about products.",
            "4222",
            "high",
        ),
        occupation(
            2,
            "bookkeeper",
            &["bookkeeping clerk", "accounts clerk"],
            "Bookkeepers record the day-to-day financial transactions of an organisation.",
            "4311",
            "high",
        ),
        occupation(
            3,
            "accountant",
            &["chartered accountant", "financial accountant"],
            "Accountants analyse financial statements, taxes and audits.",
            "2411",
            "medium",
        ),
        occupation(
            4,
            "nurse responsible for general care",
            &["general nurse", "registered nurse"],
            "They plan, manage and evaluate patient care in hospitals.",
            "2221",
            "low",
        ),
        occupation(
            5,
            "software developer",
            &["programmer", "software engineer"],
            "Software developers implement or program all kinds of software systems.",
            "2512",
            "low",
        ),
        occupation(
            6,
            "accounting assistant",
            &["accounts assistant"],
            "Accounting assistants support accountants with records & <invoices>.",
            "4311",
            "high",
        ),
        occupation(
            7,
            "call centre manager",
            &["contact centre supervisor"],
            "Call centre managers lead teams of agents.",
            "1439",
            "medium",
        ),
        occupation(
            8,
            "painter",
            &["decorator"],
            "Painters apply paint to walls.",
            "7131",
            "medium",
        ),
        occupation(
            9,
            "printer",
            &["print operator"],
            "Printers operate printing presses.",
            "7322",
            "high",
        ),
    ]
}

fn occupation_index() -> SearchIndexes {
    let indexes = SearchIndexes::in_ram().unwrap();
    for doc in occupations() {
        indexes.upsert(doc).unwrap();
    }
    indexes.commit(Some(9)).unwrap();
    indexes
}

fn ids(response: &SearchResponse) -> Vec<i64> {
    response.hits.iter().map(|h| h.id).collect()
}

fn search(indexes: &SearchIndexes, kind: IndexKind, q: &str) -> SearchResponse {
    indexes.search(kind, &SearchRequest::new(q, 20)).unwrap()
}

fn facet(response: &SearchResponse, name: &str) -> Vec<(String, u64)> {
    response.facets[name]
        .iter()
        .map(|f| (f.value.clone(), f.count))
        .collect()
}

fn pairs(values: &[(&str, u64)]) -> Vec<(String, u64)> {
    values.iter().map(|(v, c)| (v.to_string(), *c)).collect()
}

#[test]
fn synonym_call_centre_agent_finds_contact_centre_agent_first() {
    let indexes = occupation_index();
    let response = search(&indexes, IndexKind::Occupations, "call centre agent");
    assert_eq!(response.hits[0].id, 1, "{:?}", ids(&response));
    assert!(
        ids(&response).contains(&7),
        "manager matches two of three words"
    );
}

#[test]
fn call_center_rep_finds_contact_centre_agent() {
    let indexes = occupation_index();
    let response = search(&indexes, IndexKind::Occupations, "call center rep");
    assert_eq!(response.hits[0].id, 1, "{:?}", ids(&response));
}

#[test]
fn typo_bookeeping_finds_bookkeeper() {
    let indexes = occupation_index();
    let response = search(&indexes, IndexKind::Occupations, "bookeeping");
    assert_eq!(ids(&response), vec![2]);
}

#[test]
fn exact_match_ranks_above_typo_match() {
    let indexes = occupation_index();
    let response = search(&indexes, IndexKind::Occupations, "painter");
    assert_eq!(ids(&response), vec![8, 9], "printer is one edit away");
    assert!(response.hits[0].score > response.hits[1].score);
}

#[test]
fn short_words_get_no_typo_tolerance() {
    let indexes = occupation_index();
    // "nurse" has 5 letters (one edit allowed), "nuse" only 4: no match.
    assert!(
        search(&indexes, IndexKind::Occupations, "nuse")
            .hits
            .is_empty()
    );
    assert_eq!(
        ids(&search(&indexes, IndexKind::Occupations, "nurce")),
        vec![4]
    );
}

#[test]
fn stemming_matches_inflections() {
    let indexes = occupation_index();
    // en_stem: "nursing" and "nurses" both stem to "nurs", like "nurse" in the title.
    assert_eq!(
        ids(&search(&indexes, IndexKind::Occupations, "nursing")),
        vec![4]
    );
    // "programmers" → "programm", as "programmer" in the synonyms.
    assert_eq!(
        ids(&search(&indexes, IndexKind::Occupations, "programmers")),
        vec![5]
    );
}

#[test]
fn prefix_on_last_word_for_search_and_suggest() {
    let indexes = occupation_index();
    let suggestions = indexes
        .suggest(IndexKind::Occupations, "accoun", 5)
        .unwrap();
    let titles: Vec<&str> = suggestions.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles[0], "accountant");
    assert!(titles.contains(&"accounting assistant"));
    // Bookkeeper matches through its synonym "accounts clerk", after the title matches.
    assert_eq!(titles.last(), Some(&"bookkeeper"));
    let response = search(&indexes, IndexKind::Occupations, "accoun");
    assert!(ids(&response).contains(&3));
    // Multi-word: earlier words whole, the last as a prefix.
    let suggestions = indexes
        .suggest(IndexKind::Occupations, "software dev", 5)
        .unwrap();
    assert_eq!(
        suggestions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![5]
    );
    assert!(
        indexes
            .suggest(IndexKind::Occupations, " !! ", 5)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn quoted_phrase_must_match_in_order() {
    let indexes = occupation_index();
    assert_eq!(
        ids(&search(
            &indexes,
            IndexKind::Occupations,
            "\"centre agent\""
        )),
        vec![1]
    );
    assert!(
        search(&indexes, IndexKind::Occupations, "\"agent centre\"")
            .hits
            .is_empty()
    );
    // Phrase plus free word.
    let response = search(
        &indexes,
        IndexKind::Occupations,
        "\"contact centre\" supervisor",
    );
    assert_eq!(response.hits[0].id, 7, "{:?}", ids(&response));
}

#[test]
fn snippets_are_escaped_and_marked() {
    let indexes = occupation_index();
    let response = search(&indexes, IndexKind::Occupations, "accounting invoices");
    let hit = response.hits.iter().find(|h| h.id == 6).unwrap();
    assert_eq!(hit.title_html, "<mark>accounting</mark> assistant");
    assert!(
        hit.snippet_html
            .contains("&amp; &lt;<mark>invoices</mark>&gt;"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.starts_with("<mark>Accounting</mark>"),
        "{}",
        hit.snippet_html
    );
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let indexes = occupation_index();
    let mut doc = occupations().remove(4);
    doc.title = "web developer".into();
    indexes.upsert(doc.clone()).unwrap();
    indexes.upsert(doc).unwrap();
    indexes.commit(None).unwrap();
    assert_eq!(indexes.doc_count(IndexKind::Occupations), 9);
    let response = search(&indexes, IndexKind::Occupations, "developer");
    assert_eq!(ids(&response), vec![5]);
    assert_eq!(response.hits[0].title, "web developer");
    assert_eq!(
        indexes.watermark(IndexKind::Occupations),
        Some(9),
        "None keeps the watermark"
    );

    indexes.delete(IndexKind::Occupations, 5).unwrap();
    assert_eq!(
        indexes.doc_count(IndexKind::Occupations),
        9,
        "not visible before commit"
    );
    indexes.commit(Some(10)).unwrap();
    assert_eq!(indexes.doc_count(IndexKind::Occupations), 8);
    assert!(
        search(&indexes, IndexKind::Occupations, "developer")
            .hits
            .is_empty()
    );
    assert_eq!(indexes.watermark(IndexKind::Occupations), Some(10));
}

#[test]
fn occupation_facets_are_disjunctive() {
    let indexes = occupation_index();
    let all = search(&indexes, IndexKind::Occupations, "");
    assert_eq!(all.total, 9);
    assert_eq!(
        facet(&all, "risk_band"),
        pairs(&[("high", 4), ("medium", 3), ("low", 2)])
    );
    assert_eq!(
        facet(&all, "isco_major"),
        pairs(&[("2", 3), ("4", 3), ("7", 2), ("1", 1)])
    );
    let mut request = SearchRequest::new("", 20);
    request.filters = Filters::Occupations(OccupationFilters {
        risk_bands: vec![RiskBand::High],
        isco_major_groups: vec![],
    });
    let high = indexes.search(IndexKind::Occupations, &request).unwrap();
    assert_eq!(high.total, 4);
    assert_eq!(ids(&high), vec![1, 2, 6, 9]);
    // The selected facet still lists the other bands; the other facet reflects the selection.
    assert_eq!(facet(&high, "risk_band"), facet(&all, "risk_band"));
    assert_eq!(facet(&high, "isco_major"), pairs(&[("4", 3), ("7", 1)]));
    // Query and facet together.
    // en_stem reduces "accountant", "accounting" and "accounts" to "account".
    request.q = "accountant".into();
    let response = indexes.search(IndexKind::Occupations, &request).unwrap();
    assert_eq!(ids(&response), vec![6, 2]);
    assert_eq!(
        facet(&response, "risk_band"),
        pairs(&[("high", 2), ("medium", 1)])
    );
    request.filters = Filters::Occupations(OccupationFilters {
        risk_bands: vec![],
        isco_major_groups: vec!["42".into()],
    });
    assert!(matches!(
        indexes.search(IndexKind::Occupations, &request),
        Err(SearchError::InvalidQuery(_))
    ));
}

fn skill(id: i64, title: &str, skill_type: &str, reuse: &str) -> SkillDoc {
    SkillDoc {
        id,
        uri: format!("skill/{id}"),
        title: title.into(),
        synonyms: vec![],
        description: format!("Description of {title}."),
        skill_type: Some(skill_type.into()),
        reuse_level: Some(reuse.into()),
    }
}

#[test]
fn cursor_pagination_is_stable_with_ties() {
    let indexes = SearchIndexes::in_ram().unwrap();
    // Identical titles: identical scores, so order falls back to the id.
    let docs: Vec<SkillDoc> = (1..=25)
        .rev()
        .map(|id| skill(id, "welding technique", "knowledge", "sector-specific"))
        .collect();
    let count = indexes
        .rebuild(IndexKind::Skills, docs, Some(3), |_| {})
        .unwrap();
    assert_eq!(count, 25);
    let mut seen = Vec::new();
    let mut request = SearchRequest::new("welding", 10);
    let mut pages = 0;
    loop {
        let response = indexes.search(IndexKind::Skills, &request).unwrap();
        assert_eq!(response.total, 25);
        pages += 1;
        seen.extend(ids(&response));
        match response.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
    // A cursor for another sort order, or garbage, is rejected.
    request.cursor = Some("zz".into());
    assert!(matches!(
        indexes.search(IndexKind::Skills, &request),
        Err(SearchError::InvalidQuery(_))
    ));
    request.cursor = Some("d0000000000000000000000000000000".into());
    assert!(matches!(
        indexes.search(IndexKind::Skills, &request),
        Err(SearchError::InvalidQuery(_))
    ));
    // Date sort does not apply to skills.
    request.cursor = None;
    request.sort = SortOrder::Date;
    assert!(matches!(
        indexes.search(IndexKind::Skills, &request),
        Err(SearchError::InvalidQuery(_))
    ));
}

#[test]
fn limits_are_validated() {
    let indexes = occupation_index();
    for limit in [0, 101] {
        let error = indexes
            .search(IndexKind::Occupations, &SearchRequest::new("nurse", limit))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Invalid);
        assert!(
            indexes
                .suggest(IndexKind::Occupations, "nu", limit)
                .is_err()
        );
    }
    assert!(
        indexes
            .search(IndexKind::Occupations, &SearchRequest::new("nurse", 100))
            .is_ok()
    );
    let long = "a".repeat(MAX_QUERY_CHARS + 1);
    let error = indexes
        .search(IndexKind::Occupations, &SearchRequest::new(long, 10))
        .unwrap_err();
    assert!(error.to_string().contains("limit is 500"), "{error}");
    let many = vec!["word"; MAX_QUERY_TERMS + 1].join(" ");
    let error = indexes
        .search(IndexKind::Occupations, &SearchRequest::new(many, 10))
        .unwrap_err();
    assert!(error.to_string().contains("33 words"), "{error}");
    let mut request = SearchRequest::new("", 10);
    request.filters = Filters::Skills(SkillFilters::default());
    assert!(matches!(
        indexes.search(IndexKind::Occupations, &request),
        Err(SearchError::InvalidQuery(_))
    ));
}

#[test]
fn skill_facets() {
    let indexes = SearchIndexes::in_ram().unwrap();
    let docs = vec![
        skill(1, "communication", "skill/competence", "transversal"),
        skill(2, "teamwork principles", "knowledge", "transversal"),
        skill(3, "welding", "skill/competence", "sector-specific"),
        skill(4, "welding metallurgy", "knowledge", "sector-specific"),
    ];
    indexes
        .rebuild(IndexKind::Skills, docs, None, |_| {})
        .unwrap();
    let mut request = SearchRequest::new("welding", 10);
    request.filters = Filters::Skills(SkillFilters {
        skill_types: vec![reskill_core::taxonomy::SkillType::Knowledge],
        reuse_levels: vec![],
    });
    let response = indexes.search(IndexKind::Skills, &request).unwrap();
    assert_eq!(ids(&response), vec![4]);
    assert_eq!(
        facet(&response, "skill_type"),
        pairs(&[("knowledge", 1), ("skill/competence", 1)])
    );
    assert_eq!(
        facet(&response, "reuse_level"),
        pairs(&[("sector-specific", 1)])
    );
}

#[allow(clippy::too_many_arguments)]
fn course(
    id: i64,
    title: &str,
    mode: &str,
    place: Option<&str>,
    cost: f64,
    weeks: f64,
    skills: &[i64],
    day: u32,
) -> CourseDoc {
    CourseDoc {
        id,
        title: title.into(),
        provider: "Open College".into(),
        description: format!("{title} course."),
        skills: vec!["bookkeeping".into()],
        skill_ids: skills.to_vec(),
        mode: mode.into(),
        place_name: place.map(Into::into),
        lat: None,
        lon: None,
        cost,
        duration_weeks: weeks,
        updated_at: Utc.with_ymd_and_hms(2026, 1, day, 12, 0, 0).unwrap(),
    }
}

#[test]
fn course_filters_facets_and_date_sort() {
    let indexes = SearchIndexes::in_ram().unwrap();
    let docs = vec![
        course(1, "bookkeeping basics", "online", None, 0.0, 4.0, &[10], 1),
        course(
            2,
            "advanced bookkeeping",
            "in_person",
            Some("Leeds"),
            450.0,
            12.0,
            &[10, 11],
            5,
        ),
        course(
            3,
            "bookkeeping with spreadsheets",
            "hybrid",
            Some("Leeds"),
            200.0,
            8.0,
            &[11],
            3,
        ),
        course(
            4,
            "payroll bookkeeping",
            "in_person",
            Some("York"),
            900.0,
            20.0,
            &[12],
            2,
        ),
    ];
    indexes
        .rebuild(IndexKind::Courses, docs, None, |_| {})
        .unwrap();
    let mut filters = CourseFilters {
        cost_max: Some(500.0),
        ..CourseFilters::default()
    };
    let mut request = SearchRequest::new("bookkeeping", 10);
    request.filters = Filters::Courses(filters.clone());
    request.sort = SortOrder::Date;
    let response = indexes.search(IndexKind::Courses, &request).unwrap();
    assert_eq!(ids(&response), vec![2, 3, 1], "newest first");
    assert_eq!(response.hits[0].score, 0.0);
    assert_eq!(
        facet(&response, "mode"),
        pairs(&[("hybrid", 1), ("in_person", 1), ("online", 1)])
    );
    assert_eq!(facet(&response, "place_name"), pairs(&[("Leeds", 2)]));

    filters.modes = vec![CourseMode::InPerson, CourseMode::Hybrid];
    filters.duration_min_weeks = Some(5.0);
    request.filters = Filters::Courses(filters.clone());
    let response = indexes.search(IndexKind::Courses, &request).unwrap();
    assert_eq!(ids(&response), vec![2, 3]);
    assert_eq!(
        facet(&response, "mode"),
        pairs(&[("hybrid", 1), ("in_person", 1)])
    );

    filters.skill_id = Some(10);
    filters.place_names = vec!["Leeds".into()];
    request.filters = Filters::Courses(filters.clone());
    assert_eq!(
        ids(&indexes.search(IndexKind::Courses, &request).unwrap()),
        vec![2]
    );

    filters.cost_min = Some(600.0);
    request.filters = Filters::Courses(filters);
    assert!(matches!(
        indexes.search(IndexKind::Courses, &request),
        Err(SearchError::InvalidQuery(_))
    ));

    let response = search(&indexes, IndexKind::Courses, "open college");
    assert_eq!(response.total, 4, "provider is searchable");
}

#[allow(clippy::too_many_arguments)]
fn opening(
    id: i64,
    title: &str,
    region: &str,
    coords: Option<(f64, f64)>,
    remote: bool,
    salary: (Option<f64>, Option<f64>),
    status: &str,
    posted: (u32, u32),
) -> OpeningDoc {
    OpeningDoc {
        id,
        title: title.into(),
        organisation: "Acme".into(),
        description: "Answer customer calls.".into(),
        occupation_id: Some(if id % 2 == 0 { 1 } else { 2 }),
        occupation_label: Some("contact centre agent".into()),
        skill_ids: vec![100 + id],
        region: Some(region.into()),
        place_name: Some(region.into()),
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
        remote,
        salary_min: salary.0,
        salary_max: salary.1,
        status: status.into(),
        posted_on: NaiveDate::from_ymd_opt(2026, posted.0, posted.1).unwrap(),
    }
}

/// An open on-site opening in Leeds without coordinates or salary, posted 1 March.
fn leeds_opening(id: i64, title: &str) -> OpeningDoc {
    opening(
        id,
        title,
        "Leeds",
        None,
        false,
        (None, None),
        "open",
        (3, 1),
    )
}

const LONDON: (f64, f64) = (51.5074, -0.1278);
const CROYDON: (f64, f64) = (51.3762, -0.0982);
const MANCHESTER: (f64, f64) = (53.4808, -2.2426);

fn opening_index() -> SearchIndexes {
    let indexes = SearchIndexes::in_ram().unwrap();
    let docs = vec![
        opening(
            1,
            "call centre agent",
            "London",
            Some(LONDON),
            false,
            (Some(24000.0), Some(28000.0)),
            "open",
            (2, 27),
        ),
        opening(
            2,
            "call centre agent",
            "London",
            Some(CROYDON),
            false,
            (Some(30000.0), None),
            "open",
            (2, 10),
        ),
        opening(
            3,
            "call centre agent",
            "Manchester",
            Some(MANCHESTER),
            false,
            (None, None),
            "open",
            (2, 28),
        ),
        opening(
            4,
            "remote call centre agent",
            "Anywhere",
            None,
            true,
            (Some(20000.0), Some(22000.0)),
            "open",
            (2, 20),
        ),
        opening(
            5,
            "call centre agent",
            "London",
            Some(LONDON),
            false,
            (Some(25000.0), Some(26000.0)),
            "closed",
            (2, 28),
        ),
    ];
    indexes
        .rebuild(IndexKind::Openings, docs, Some(42), |_| {})
        .unwrap();
    indexes
}

fn search_openings(indexes: &SearchIndexes, filters: OpeningFilters) -> SearchResponse {
    let mut request = SearchRequest::new("call centre", 20);
    request.filters = Filters::Openings(filters);
    indexes.search(IndexKind::Openings, &request).unwrap()
}

#[test]
fn openings_geo_and_remote() {
    let indexes = opening_index();
    let all = search_openings(&indexes, OpeningFilters::default());
    assert_eq!(ids(&all), vec![1, 2, 3, 4], "closed hidden by default");
    assert_eq!(
        facet(&all, "region"),
        pairs(&[("London", 2), ("Anywhere", 1), ("Manchester", 1)])
    );
    assert_eq!(facet(&all, "remote"), pairs(&[("true", 1), ("false", 3)]));

    let near_london = GeoFilter {
        lat: LONDON.0,
        lon: LONDON.1,
        radius_km: 30.0,
    };
    let london = search_openings(
        &indexes,
        OpeningFilters {
            near: Some(near_london),
            ..Default::default()
        },
    );
    assert_eq!(ids(&london), vec![1, 2]);
    match &london.hits[1].details {
        HitDetails::Opening {
            distance_km: Some(km),
            ..
        } => assert!((14.0..16.0).contains(km), "{km}"),
        other => panic!("{other:?}"),
    }
    let tight = GeoFilter {
        radius_km: 5.0,
        ..near_london
    };
    assert_eq!(
        ids(&search_openings(
            &indexes,
            OpeningFilters {
                near: Some(tight),
                ..Default::default()
            }
        )),
        vec![1]
    );
    let or_remote = OpeningFilters {
        near: Some(near_london),
        remote: Some(true),
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, or_remote)), vec![1, 2, 4]);
    let near_manchester = GeoFilter {
        lat: MANCHESTER.0,
        lon: MANCHESTER.1,
        radius_km: 10.0,
    };
    assert_eq!(
        ids(&search_openings(
            &indexes,
            OpeningFilters {
                near: Some(near_manchester),
                ..Default::default()
            }
        )),
        vec![3]
    );
    assert_eq!(
        ids(&search_openings(
            &indexes,
            OpeningFilters {
                remote: Some(true),
                ..Default::default()
            }
        )),
        vec![4]
    );
    assert_eq!(
        ids(&search_openings(
            &indexes,
            OpeningFilters {
                remote: Some(false),
                ..Default::default()
            }
        )),
        vec![1, 2, 3]
    );

    let bad = GeoFilter {
        lat: 95.0,
        lon: 0.0,
        radius_km: 10.0,
    };
    let mut request = SearchRequest::new("", 10);
    request.filters = Filters::Openings(OpeningFilters {
        near: Some(bad),
        ..Default::default()
    });
    assert!(matches!(
        indexes.search(IndexKind::Openings, &request),
        Err(SearchError::InvalidQuery(_))
    ));
}

#[test]
fn openings_date_salary_status_and_occupation() {
    let indexes = opening_index();
    let today = NaiveDate::from_ymd_opt(2026, 3, 1);
    let recent = OpeningFilters {
        posted_within_days: Some(7),
        today,
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, recent)), vec![1, 3]);
    let fortnight = OpeningFilters {
        posted_within_days: Some(14),
        today,
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, fortnight)), vec![1, 3, 4]);

    let salary = OpeningFilters {
        salary_min: Some(27000.0),
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, salary)), vec![1, 2]);
    let band = OpeningFilters {
        salary_min: Some(21000.0),
        salary_max: Some(23000.0),
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, band)), vec![4]);

    let all_statuses = OpeningFilters {
        statuses: vec![OpeningStatus::Open, OpeningStatus::Closed],
        ..Default::default()
    };
    assert_eq!(search_openings(&indexes, all_statuses).total, 5);
    let closed = OpeningFilters {
        statuses: vec![OpeningStatus::Closed],
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, closed)), vec![5]);

    let occupation = OpeningFilters {
        occupation_id: Some(1),
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, occupation)), vec![2, 4]);
    let skill = OpeningFilters {
        skill_id: Some(103),
        ..Default::default()
    };
    assert_eq!(ids(&search_openings(&indexes, skill)), vec![3]);

    let regions = OpeningFilters {
        regions: vec!["London".into()],
        ..Default::default()
    };
    let response = search_openings(&indexes, regions);
    assert_eq!(ids(&response), vec![1, 2]);
    assert_eq!(facet(&response, "remote"), pairs(&[("false", 2)]));
    assert_eq!(
        facet(&response, "region"),
        pairs(&[("London", 2), ("Anywhere", 1), ("Manchester", 1)])
    );

    let mut request = SearchRequest::new("", 2);
    request.sort = SortOrder::Date;
    let mut seen = Vec::new();
    loop {
        let response = indexes.search(IndexKind::Openings, &request).unwrap();
        seen.extend(ids(&response));
        match response.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, vec![3, 1, 4, 2], "newest first, ties by id");
    assert_eq!(indexes.watermark(IndexKind::Openings), Some(42));
}

#[test]
fn watermark_and_documents_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let indexes = SearchIndexes::open_or_create(dir.path()).unwrap();
        assert_eq!(indexes.watermark(IndexKind::Occupations), None);
        for doc in occupations() {
            indexes.upsert(doc).unwrap();
        }
        indexes.commit(Some(17)).unwrap();
        // Staged but never committed: lost on "crash", to be replayed from the watermark.
        indexes.delete(IndexKind::Occupations, 1).unwrap();
        indexes
            .upsert(skill(1, "welding", "knowledge", "sector-specific"))
            .unwrap();
    }
    let indexes = SearchIndexes::open_or_create(dir.path()).unwrap();
    assert_eq!(indexes.watermark(IndexKind::Occupations), Some(17));
    // The commit advanced every index's watermark, so replay starts after 17 everywhere.
    assert_eq!(indexes.watermark(IndexKind::Skills), Some(17));
    assert_eq!(indexes.doc_count(IndexKind::Occupations), 9);
    assert_eq!(indexes.doc_count(IndexKind::Skills), 0);
    assert_eq!(
        search(&indexes, IndexKind::Occupations, "call centre agent").hits[0].id,
        1
    );
}

#[test]
fn commit_if_due_batches() {
    let indexes = occupation_index();
    assert!(
        !indexes
            .commit_if_due(Some(11), std::time::Duration::ZERO)
            .unwrap(),
        "nothing staged"
    );
    indexes.delete(IndexKind::Occupations, 1).unwrap();
    assert!(
        !indexes
            .commit_if_due(Some(11), std::time::Duration::from_secs(60))
            .unwrap()
    );
    assert_eq!(indexes.doc_count(IndexKind::Occupations), 9);
    assert!(
        indexes
            .commit_if_due(Some(11), std::time::Duration::ZERO)
            .unwrap()
    );
    assert_eq!(indexes.doc_count(IndexKind::Occupations), 8);
    // Every index advanced its watermark, so replay starts at 11 for all kinds.
    for kind in IndexKind::ALL {
        assert_eq!(indexes.watermark(kind), Some(11), "{kind}");
    }
}

#[test]
fn rebuild_reports_progress_and_rejects_other_kinds() {
    let indexes = occupation_index();
    let docs: Vec<SkillDoc> = (0..2500)
        .map(|i| skill(i, "skill", "knowledge", "transversal"))
        .collect();
    let mut reports = Vec::new();
    indexes
        .rebuild(IndexKind::Skills, docs, Some(5), |n| reports.push(n))
        .unwrap();
    assert_eq!(reports, vec![1000, 2000, 2500]);
    assert_eq!(indexes.doc_count(IndexKind::Skills), 2500);
    let wrong: Vec<AnyDoc> = vec![occupations().remove(0).into()];
    assert!(
        indexes
            .rebuild(IndexKind::Skills, wrong, Some(6), |_| {})
            .is_err()
    );
    assert_eq!(
        indexes.doc_count(IndexKind::Skills),
        2500,
        "failed rebuild keeps the old content"
    );
    assert_eq!(indexes.watermark(IndexKind::Skills), Some(5));
}

#[test]
fn hostile_inputs_do_not_panic() {
    let indexes = occupation_index();
    for q in [
        "\"",
        "\"\"",
        "\"call",
        "AND OR NOT",
        "title:nurse",
        "*?~^",
        "nurse~2",
        "(((",
        "😀 nurse",
        "\u{0}\u{7}",
        "-nurse",
        "+",
        "a",
        "ß",
        "İ",
        "\u{200b}",
        "a\"b\"c\"d",
    ] {
        let result = indexes.search(IndexKind::Occupations, &SearchRequest::new(q, 10));
        assert!(result.is_ok(), "{q:?}: {result:?}");
        indexes.suggest(IndexKind::Occupations, q, 10).unwrap();
    }
    assert_eq!(
        search(&indexes, IndexKind::Occupations, "title:nurse").hits[0].id,
        4
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_gives_results_or_invalid_query(q in "(?s).{0,500}") {
        thread_local! {
            static INDEXES: SearchIndexes = occupation_index();
        }
        INDEXES.with(|indexes| {
            match indexes.search(IndexKind::Occupations, &SearchRequest::new(q.clone(), 10)) {
                Ok(response) => prop_assert!(response.hits.len() <= 10),
                Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Invalid),
            }
            match indexes.suggest(IndexKind::Occupations, &q, 10) {
                Ok(_) => {}
                Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Invalid),
            }
            Ok(())
        })?;
    }

    #[test]
    fn wordy_text_gives_results_or_invalid_query(
        words in proptest::collection::vec("[a-zA-Z\"*:~^()+-]{1,12}", 0..40)
    ) {
        thread_local! {
            static INDEXES: SearchIndexes = occupation_index();
        }
        let q = words.join(" ");
        INDEXES.with(|indexes| {
            match indexes.search(IndexKind::Occupations, &SearchRequest::new(q.clone(), 10)) {
                Ok(_) => {}
                Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Invalid),
            }
            Ok(())
        })?;
    }
}

/// Latency measurement at roughly ESCO scale (14k skills) plus 50k openings; run with
/// `cargo test -p reskill-search --release -- --ignored --nocapture measure_latency`.
#[test]
#[ignore = "measurement, not a check"]
fn measure_latency() {
    use std::time::Instant;
    const SYLLABLES: &[&str] = &[
        "ac", "count", "ing", "ma", "nage", "ment", "en", "gi", "neer", "tech", "ni", "cal", "ser",
        "vice", "cus", "tom", "er", "da", "ta", "ana", "ly", "sis", "pro", "gram", "weld", "con",
        "struc", "tion", "care", "nur", "sing", "sales", "re", "tail", "lo", "gis", "tics", "plan",
    ];
    // A deterministic pseudo-random generator keeps the fixture stable.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn word(&mut self) -> String {
            let parts = 2 + self.below(2);
            (0..parts)
                .map(|_| SYLLABLES[self.below(SYLLABLES.len())])
                .collect()
        }
        fn phrase(&mut self, n: usize) -> String {
            (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
        }
        fn phrase_of(&mut self, min: usize, spread: usize) -> String {
            let n = min + self.below(spread);
            self.phrase(n)
        }
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let skills: Vec<SkillDoc> = (0..14_000)
        .map(|id| SkillDoc {
            id,
            uri: format!("skill/{id}"),
            title: rng.phrase_of(2, 3),
            synonyms: (0..3).map(|_| rng.phrase_of(2, 2)).collect(),
            description: rng.phrase(30),
            skill_type: Some(["knowledge", "skill/competence"][rng.below(2)].into()),
            reuse_level: Some(
                ["transversal", "cross-sector", "sector-specific"][rng.below(3)].into(),
            ),
        })
        .collect();
    let probes: Vec<String> = (0..200).map(|_| rng.phrase_of(1, 3)).collect();
    let prefixes: Vec<String> = probes
        .iter()
        .map(|p| p.chars().take(2 + p.len() % 6).collect())
        .collect();
    let openings: Vec<OpeningDoc> = (0..50_000)
        .map(|id| {
            let mut o = opening(
                id,
                &rng.phrase(3),
                ["London", "Leeds", "Manchester", "Bristol"][rng.below(4)],
                Some((
                    50.0 + rng.below(400) as f64 / 100.0,
                    -3.0 + rng.below(300) as f64 / 100.0,
                )),
                rng.below(5) == 0,
                (Some(20_000.0 + rng.below(20) as f64 * 1000.0), None),
                "open",
                (1 + rng.below(2) as u32, 1 + rng.below(28) as u32),
            );
            o.description = rng.phrase(60);
            o
        })
        .collect();

    let indexes = SearchIndexes::in_ram().unwrap();
    let started = Instant::now();
    indexes
        .rebuild(IndexKind::Skills, skills, Some(1), |_| {})
        .unwrap();
    println!("indexed 14k skills in {:?}", started.elapsed());
    let started = Instant::now();
    indexes
        .rebuild(IndexKind::Openings, openings, Some(1), |_| {})
        .unwrap();
    println!("indexed 50k openings in {:?}", started.elapsed());

    let report = |name: &str, mut times: Vec<std::time::Duration>| {
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "{name}: p50 {:?} p99 {:?} max {:?}",
            pct(0.5),
            pct(0.99),
            times[times.len() - 1]
        );
    };
    let mut times = Vec::new();
    for prefix in &prefixes {
        let t = Instant::now();
        indexes.suggest(IndexKind::Skills, prefix, 10).unwrap();
        times.push(t.elapsed());
    }
    report("suggest skills (14k)", times);
    let mut times = Vec::new();
    for q in &probes {
        let t = Instant::now();
        indexes
            .search(IndexKind::Skills, &SearchRequest::new(q.clone(), 20))
            .unwrap();
        times.push(t.elapsed());
    }
    report("search skills (14k)", times);
    let mut times = Vec::new();
    for q in &probes {
        let mut request = SearchRequest::new(q.clone(), 20);
        request.filters = Filters::Openings(OpeningFilters {
            near: Some(GeoFilter {
                lat: 51.5,
                lon: -0.1,
                radius_km: 50.0,
            }),
            remote: Some(true),
            salary_min: Some(25_000.0),
            ..Default::default()
        });
        let t = Instant::now();
        indexes.search(IndexKind::Openings, &request).unwrap();
        times.push(t.elapsed());
    }
    report("search openings (50k, geo+salary)", times);
    let mut times = Vec::new();
    for _ in 0..50 {
        let mut request = SearchRequest::new("", 20);
        request.sort = SortOrder::Date;
        let t = Instant::now();
        indexes.search(IndexKind::Openings, &request).unwrap();
        times.push(t.elapsed());
    }
    report("browse openings (50k, all, date sort)", times);
}

#[test]
fn handle_is_send_sync_and_clone() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<SearchIndexes>();
    assert_send_sync::<SearchResponse>();
}

/// Past 10,000 hits the total is a lower bound, but the ranking and the cursor pages still
/// cover every hit, in the exact order, once.
#[test]
fn counts_are_capped_but_ranking_and_paging_stay_exact() {
    let indexes = SearchIndexes::in_ram().unwrap();
    let n: i64 = 12_000;
    // Title length varies with the id, so scores differ by length and tie within a length.
    let docs: Vec<OpeningDoc> = (1..=n)
        .map(|id| {
            let title = format!("nurse{}", " ward".repeat((id % 7) as usize));
            let mut doc = leeds_opening(id, &title);
            if id % 50 == 0 {
                doc.description = "Night shifts only.".into(); // as many words as the others
            }
            doc
        })
        .collect();
    indexes
        .rebuild(IndexKind::Openings, docs, Some(1), |_| {})
        .unwrap();

    let first = indexes
        .search(IndexKind::Openings, &SearchRequest::new("nurse", 20))
        .unwrap();
    assert_eq!(first.total, 10_000);
    assert!(!first.total_exact);
    let region: u64 = first.facets["region"].iter().map(|f| f.count).sum();
    assert_eq!(region, 10_000, "facets count the same hits as the total");
    // Shortest titles score highest; ties go to the smaller id.
    let mut expected: Vec<i64> = (1..=n).collect();
    expected.sort_by_key(|id| (id % 7, *id));
    assert_eq!(ids(&first), expected[..20]);

    let mut seen = Vec::new();
    let mut request = SearchRequest::new("nurse", 100);
    loop {
        let page = indexes.search(IndexKind::Openings, &request).unwrap();
        seen.extend(ids(&page));
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
        assert!(seen.len() <= n as usize, "pages repeat hits");
    }
    assert_eq!(seen, expected, "every hit once, in rank order");

    let exact = indexes
        .search(IndexKind::Openings, &SearchRequest::new("nurse night", 5))
        .unwrap();
    assert!(exact.total_exact);
    assert_eq!(exact.total, (n / 50) as u64);
}

#[test]
fn opening_candidates_come_newest_first_by_occupation_and_place() {
    let indexes = opening_index();
    // Occupation 2 has the odd ids: 1 (27 Feb), 3 (28 Feb), 5 (closed).
    assert_eq!(
        indexes
            .opening_ids(&[2], &OpeningFilters::default(), 10)
            .unwrap(),
        vec![3, 1]
    );
    assert_eq!(
        indexes
            .opening_ids(&[1, 2], &OpeningFilters::default(), 3)
            .unwrap(),
        vec![3, 1, 4]
    );
    // Within 30 km of London, or remote: not Manchester.
    let near = OpeningFilters {
        near: Some(GeoFilter {
            lat: LONDON.0,
            lon: LONDON.1,
            radius_km: 30.0,
        }),
        remote: Some(true),
        ..OpeningFilters::default()
    };
    assert_eq!(
        indexes.opening_ids(&[1, 2], &near, 10).unwrap(),
        vec![1, 4, 2]
    );
    assert!(indexes.opening_ids(&[], &near, 10).unwrap().is_empty());
}

/// Openings are matched through the catch-all field: title words rank above description
/// words, phrases match in descriptions, a misspelt word is replaced by its correction, and a
/// query no opening matches in full falls back to any of its words, more words first.
#[test]
fn openings_catch_all_ranking_phrases_typos_and_relaxing() {
    let indexes = SearchIndexes::in_ram().unwrap();
    let mut docs = Vec::new();
    for (id, title, description) in [
        (1, "receptionist", "Greet visitors at the front desk."),
        (
            2,
            "office manager",
            "Supervise the receptionist and the post room.",
        ),
        (
            3,
            "warehouse operative",
            "Pick and pack orders; forklift licence.",
        ),
        (4, "night receptionist", "Hotel front desk, night shifts."),
        (5, "forklift driver", "Warehouse work on the night shift."),
        (6, "IT support technician", "Reports to the head of sales."),
    ] {
        let mut doc = leeds_opening(id, title);
        doc.description = description.into();
        doc.occupation_label = None;
        docs.push(doc);
    }
    indexes
        .rebuild(IndexKind::Openings, docs, Some(1), |_| {})
        .unwrap();
    let openings = |q: &str| search(&indexes, IndexKind::Openings, q);

    // A title match outranks the same word in a description.
    let hits = ids(&openings("receptionist"));
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2], 2, "description-only match last: {hits:?}");
    // "recepcionist" is in no title: its one-edit correction stands in for it.
    let typo = openings("recepcionist");
    let mut titles = ids(&typo)[..2].to_vec();
    titles.sort_unstable();
    assert_eq!((titles, ids(&typo).get(2)), (vec![1, 4], Some(&2)));
    assert!(typo.hits[0].title_html.contains("<mark>"));
    // Quoted phrases match in descriptions, in order only.
    assert_eq!(ids(&openings("\"front desk\"")), vec![1, 4]);
    assert!(openings("\"desk front\"").hits.is_empty());
    // The catch-all field leaves stop words out but keeps the distances between the others.
    assert_eq!(ids(&openings("\"head of sales\"")), vec![6]);
    assert!(openings("\"head sales\"").hits.is_empty());
    assert_eq!(ids(&openings("\"visitors at the front desk\"")), vec![1]);
    // A query of stop words only looks in the titles.
    assert_eq!(ids(&openings("IT")), vec![6]);
    // Stop words are not required.
    assert_eq!(ids(&openings("the forklift")).len(), 2);
    // No opening has all three words: any of them, the one with two first.
    let relaxed = openings("night forklift astronaut");
    assert_eq!(relaxed.hits[0].id, 5, "{:?}", ids(&relaxed));
    let mut rest = ids(&relaxed)[1..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, vec![3, 4]);
}

/// Real job titles have typos: a word some opening's title has misspelt is still corrected
/// when a word one edit away is far more common, and then replaces it.
#[test]
fn openings_correct_a_typo_that_some_title_has() {
    let indexes = SearchIndexes::in_ram().unwrap();
    let mut docs: Vec<OpeningDoc> = (1..=12)
        .map(|id| leeds_opening(id, "machine learning engineer"))
        .collect();
    docs.push(leeds_opening(13, "senior engieer"));
    docs.push(leeds_opening(14, "learning support assistant"));
    for doc in &mut docs {
        doc.description = "Join our team.".into();
        doc.occupation_label = None;
    }
    indexes
        .rebuild(IndexKind::Openings, docs, Some(1), |_| {})
        .unwrap();
    let found = search(&indexes, IndexKind::Openings, "learning engieer");
    let mut hits = ids(&found);
    hits.sort_unstable();
    // Taken as typed, "engieer" and "learning" share no opening, and the query would fall
    // back to any of its words (14 openings).
    assert_eq!((found.total, hits), (12, (1..=12).collect::<Vec<i64>>()));
}

#[test]
fn openings_near_a_sparse_place_match_through_geo_cells() {
    // 100 openings in London and a few around Manchester: a circle round Manchester covers
    // cells with under 5 % of the openings, so several words there are matched through the
    // cells' clause; round London the same words are matched with the per-hit check.
    let indexes = SearchIndexes::in_ram().unwrap();
    let at = |id: i64, title: &str, coords: Option<(f64, f64)>, remote: bool| {
        let mut doc = opening(
            id,
            title,
            "North West",
            coords,
            remote,
            (None, None),
            "open",
            (3, 1),
        );
        doc.description = "Answer customer calls.".into();
        doc.occupation_label = None;
        doc
    };
    let mut docs: Vec<OpeningDoc> = (1..=100)
        .map(|id| at(id, "call centre agent", Some(LONDON), false))
        .collect();
    docs.push(at(101, "call centre agent", Some(MANCHESTER), false));
    docs.push(at(
        102,
        "call centre team leader",
        Some((53.4875, -2.2901)),
        false,
    ));
    docs.push(at(
        103,
        "call centre agent",
        Some((53.3811, -1.4701)),
        false,
    )); // Sheffield
    docs.push(at(104, "call centre agent", None, true));
    indexes
        .rebuild(IndexKind::Openings, docs, Some(1), |_| {})
        .unwrap();
    let near = |place: (f64, f64), q: &str, remote: Option<bool>| {
        let mut request = SearchRequest::new(q, 20);
        request.filters = Filters::Openings(OpeningFilters {
            near: Some(GeoFilter {
                lat: place.0,
                lon: place.1,
                radius_km: 25.0,
            }),
            remote,
            ..Default::default()
        });
        indexes.search(IndexKind::Openings, &request).unwrap()
    };

    // Every word finds one opening within 25 km, so the query is relaxed to any of them: the
    // team leader in Salford follows; Sheffield (50 km) and the remote opening stay out.
    let manchester = near(MANCHESTER, "call centre agent", None);
    assert_eq!(ids(&manchester), vec![101, 102]);
    assert_eq!((manchester.total, manchester.total_exact), (2, true));
    assert_eq!(
        ids(&near(MANCHESTER, "call centre agent", Some(true))),
        vec![101, 104, 102],
        "remote openings pass with remote=true"
    );
    assert_eq!(ids(&near(MANCHESTER, "", None)).len(), 2);
    assert_eq!(ids(&near(MANCHESTER, "team leader", None)), vec![102]);
    let london = near(LONDON, "call centre agent", None);
    assert_eq!((london.total, london.hits.len()), (100, 20));
}

#[test]
fn a_second_writer_is_writer_busy_and_may_defer_its_writes() {
    let dir = tempfile::tempdir().unwrap();
    let server = SearchIndexes::open_or_create(dir.path()).unwrap();
    server.open_writers().unwrap();
    let command = SearchIndexes::open_or_create(dir.path()).unwrap();
    assert!(matches!(
        command.open_writers(),
        Err(SearchError::WriterBusy { .. })
    ));
    command.defer_writes();
    command
        .upsert(skill(1, "welding", "skill", "sector"))
        .unwrap();
    command.commit(Some(1)).unwrap();
    assert_eq!(
        command
            .rebuild(IndexKind::Skills, Vec::<SkillDoc>::new(), Some(1), |_| {})
            .unwrap(),
        0
    );
    assert_eq!(command.doc_count(IndexKind::Skills), 0);
}

#[test]
fn a_deleted_or_replaced_folder_is_noticed_and_recreated_for_every_clone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("index");
    let search = SearchIndexes::open_or_create(&root).unwrap();
    let clone = search.clone();
    search
        .upsert(skill(1, "welding", "skill", "sector"))
        .unwrap();
    search.commit(Some(1)).unwrap();
    assert!(search.missing_folders().is_empty());
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(search.missing_folders().len(), 4);
    // Created again by someone else: still not the folder these indexes use.
    std::fs::create_dir_all(root.join("skills")).unwrap();
    std::fs::write(root.join("skills/meta.json"), "{}").unwrap();
    assert!(search.missing_folders().contains(&root.join("skills")));
    std::fs::remove_dir_all(&root).unwrap();
    search.recreate().unwrap();
    assert!(clone.missing_folders().is_empty());
    assert_eq!(clone.doc_count(IndexKind::Skills), 0, "fresh and empty");
    clone
        .upsert(skill(2, "plumbing", "skill", "sector"))
        .unwrap();
    clone.commit(Some(2)).unwrap();
    assert_eq!(search.doc_count(IndexKind::Skills), 1);
    assert_eq!(search.watermark(IndexKind::Skills), Some(2));
}
