//! The JobPosting JSON-LD reader on small samples, and the writer's round trip.

use chrono::NaiveDate;
use reskill_core::catalog::{NewOpening, OccupationTag, OpeningStatus, Place, SkillTag};
use reskill_ingest::jsonld::{read_jobpostings, to_jobposting_jsonld};

const NURSE: &str = r#"{"@context":"https://schema.org/","@type":"JobPosting","title":"Staff Nurse","description":"<p>Caring for patients &amp; families.</p>","datePosted":"2020-10-30T09:00:00+0000","validThrough":"2020-11-30","hiringOrganization":{"@type":"Organization","name":"Leeds Teaching Hospitals"},"jobLocation":{"@type":"Place","address":{"addressLocality":"Leeds","addressRegion":"West Yorkshire","addressCountry":"GB","postalCode":"LS1 3EX"},"geo":{"latitude":"53.80","longitude":-1.55}},"baseSalary":{"@type":"MonetaryAmount","currency":"GBP","value":{"@type":"QuantitativeValue","minValue":24907,"maxValue":30615,"unitText":"YEAR"}},"identifier":{"@type":"PropertyValue","name":"NHS Jobs","value":"916000001"},"occupationalCategory":"29-1141.00","skills":"wound care, http://data.europa.eu/esco/skill/abc"}"#;
const REMOTE: &str = r#"{"@type":"JobPosting","title":"Support Agent","datePosted":"2025-04-01","hiringOrganization":"Acme","jobLocationType":"TELECOMMUTE","baseSalary":{"currency":"USD","value":{"value":20,"unitText":"HOUR"}},"url":"https://example.org/jobs/7"}"#;

#[test]
fn line_delimited_with_a_malformed_line_and_a_missing_title() {
    let text = format!(
        "{NURSE}\n\n{{\"title\": \"broken\"\n{REMOTE}\n{{\"@type\":\"JobPosting\",\"datePosted\":\"2020-01-01\"}}\n"
    );
    let read = read_jobpostings("feed.jsonl", &text);
    assert_eq!(read.records.len(), 2);
    let rejected: Vec<String> = read.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(
        rejected[0].starts_with("feed.jsonl:3: malformed JSON: "),
        "{}",
        rejected[0]
    );
    assert_eq!(rejected[1], "feed.jsonl:5: field title: missing or empty");

    let nurse = &read.records[0];
    let o = &nurse.opening;
    assert_eq!(o.source, "feed");
    assert_eq!(o.source_id, "916000001");
    assert_eq!(o.title, "Staff Nurse");
    assert_eq!(o.organisation, "Leeds Teaching Hospitals");
    assert_eq!(o.description, "Caring for patients & families.");
    assert_eq!(o.posted_on, NaiveDate::from_ymd_opt(2020, 10, 30).unwrap());
    assert_eq!(o.expires_on, NaiveDate::from_ymd_opt(2020, 11, 30));
    let place = o.place.as_ref().unwrap();
    assert_eq!(
        (place.name.as_str(), place.lat, place.lon),
        ("Leeds", Some(53.8), Some(-1.55))
    );
    assert_eq!(
        (o.salary_min, o.salary_max, o.currency.as_str()),
        (Some(24_907.0), Some(30_615.0), "GBP")
    );
    assert_eq!(
        o.skills,
        vec![SkillTag::manual("http://data.europa.eu/esco/skill/abc")]
    );
    assert_eq!(nurse.skill_tags, vec!["wound care"]);
    assert_eq!(nurse.occupation_hint.as_deref(), Some("29-1141.00"));

    let remote = &read.records[1].opening;
    assert!(remote.remote);
    assert_eq!(remote.organisation, "Acme");
    assert_eq!(remote.source_id, "https://example.org/jobs/7");
    // $20 an hour × 1,950 hours.
    assert_eq!(remote.salary_min, Some(39_000.0));
}

#[test]
fn array_with_a_bad_element_keeps_the_others_and_names_its_line() {
    let text =
        format!("[\n{NURSE},\n{{\"@type\": \"Organization\", \"name\": \"x\"}},\n{REMOTE}\n]\n");
    let read = read_jobpostings("feed.json", &text);
    assert_eq!(read.records.len(), 2);
    assert_eq!(read.rejected.len(), 1);
    assert_eq!(
        read.rejected[0].to_string(),
        "feed.json:3: @type is \"Organization\", expected \"JobPosting\""
    );
    let unclosed = read_jobpostings("cut.json", &format!("[\n{NURSE},\n{REMOTE}\n"));
    assert_eq!(unclosed.records.len(), 0);
    assert_eq!(
        unclosed.rejected[0].to_string(),
        "cut.json:4: the array is not closed"
    );
}

#[test]
fn one_pretty_printed_object() {
    let value: serde_json::Value = serde_json::from_str(NURSE).unwrap();
    let text = serde_json::to_string_pretty(&value).unwrap();
    let read = read_jobpostings("one.json", &text);
    assert_eq!(read.records.len(), 1, "{:?}", read.rejected);
}

#[test]
fn written_postings_read_back_equal() {
    let opening = NewOpening {
        source: "export".to_owned(),
        source_id: "nhs-916000001".to_owned(),
        organisation: "Leeds Teaching Hospitals".to_owned(),
        title: "Staff Nurse".to_owned(),
        occupation: Some(OccupationTag::manual(
            "http://data.europa.eu/esco/occupation/xyz",
        )),
        description: "Caring for patients.\n\nNights and weekends.".to_owned(),
        skills: vec![
            SkillTag::manual("http://data.europa.eu/esco/skill/a"),
            SkillTag {
                essential: false,
                ..SkillTag::manual("http://data.europa.eu/esco/skill/b")
            },
        ],
        place: Some(Place {
            name: "Leeds".to_owned(),
            region: Some("West Yorkshire".to_owned()),
            country: Some("GB".to_owned()),
            lat: Some(53.8),
            lon: Some(-1.55),
        }),
        remote: true,
        salary_min: Some(24_907.0),
        salary_max: Some(30_615.5),
        currency: "GBP".to_owned(),
        status: OpeningStatus::Open,
        posted_on: NaiveDate::from_ymd_opt(2020, 10, 30).unwrap(),
        expires_on: NaiveDate::from_ymd_opt(2020, 11, 30),
        url: "https://www.jobs.nhs.uk/xi/vacancy/916000001".to_owned(),
        dedupe_key: None,
    };
    let mut bare = opening.clone();
    bare.place = None;
    bare.salary_min = None;
    bare.salary_max = None;
    bare.skills.clear();
    bare.occupation = None;
    bare.expires_on = None;
    bare.remote = false;
    bare.source_id = "2".to_owned();
    let lines = [&opening, &bare]
        .iter()
        .map(|o| to_jobposting_jsonld(o).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let read = read_jobpostings("export.jsonl", &lines);
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    assert_eq!(read.records[0].opening, opening);
    assert_eq!(read.records[1].opening, bare);
    let value = to_jobposting_jsonld(&opening);
    assert_eq!(value["@type"], "JobPosting");
    assert_eq!(value["jobLocationType"], "TELECOMMUTE");
    assert_eq!(value["baseSalary"]["value"]["unitText"], "YEAR");
}
