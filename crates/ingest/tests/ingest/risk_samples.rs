//! The risk-table reader on small inline files: each format and every error path.

use reskill_ingest::error::IngestError;
use reskill_ingest::esco::Source;
use reskill_ingest::risk::{Crosswalks, RiskFormat, RiskTable, read_risk_sources};

use crate::support::assert_names;

fn read(name: &str, text: &str, crosswalk: Option<&str>) -> Result<RiskTable, IngestError> {
    read_risk_sources(
        Source::from_bytes(name, text.as_bytes()),
        Crosswalks {
            esco_onet: crosswalk.map(|c| Source::from_bytes("crosswalk.csv", c.as_bytes())),
            soc_2010_to_2018: None,
        },
    )
}

/// Reads a SOC 2018 table through the ESCO crosswalk and a SOC 2010 → 2018 crosswalk.
fn read_2018(name: &str, text: &str, soc: Option<&str>) -> Result<RiskTable, IngestError> {
    read_risk_sources(
        Source::from_bytes(name, text.as_bytes()),
        Crosswalks {
            esco_onet: Some(Source::from_bytes("crosswalk.csv", CROSSWALK.as_bytes())),
            soc_2010_to_2018: soc.map(|c| Source::from_bytes("soc.csv", c.as_bytes())),
        },
    )
}

fn error(name: &str, text: &str, crosswalk: Option<&str>) -> String {
    read(name, text, crosswalk).unwrap_err().to_string()
}

const NESTA: &str = "id,occupation,isco_code,risk,prevalence,concept_uri\n\
1,metal drawing machine operator,8121,3.0,0.8,http://data.europa.eu/esco/occupation/a\n\
3,\"air traffic\nsafety technician\",3155,5,0.4,http://data.europa.eu/esco/occupation/b\n";

#[test]
fn nesta_scores_are_normalised_from_1_to_5() {
    let table = read("nesta.csv", NESTA, None).unwrap();
    assert_eq!(table.format, RiskFormat::Nesta);
    assert_eq!(table.scale, (1.0, 5.0));
    assert_eq!(table.records.len(), 2);
    assert_eq!(table.records[0].raw_value, 3.0);
    assert_eq!(table.records[0].score, 0.5);
    assert_eq!(table.records[1].score, 1.0);
}

#[test]
fn nesta_bad_scores_name_file_line_and_column() {
    let message = error("nesta.csv", &NESTA.replace(",5,", ",5.5,"), None);
    assert_names(&message, "nesta.csv:3", Some("risk"));
    assert!(message.contains("outside the scale"), "{message}");

    let message = error("nesta.csv", &NESTA.replace(",3.0,", ",high,"), None);
    assert_names(&message, "nesta.csv:2", Some("risk"));
    assert!(message.contains("not a number: \"high\""), "{message}");

    let message = error("nesta.csv", &NESTA.replace(",3.0,", ",NaN,"), None);
    assert_names(&message, "nesta.csv:2", Some("risk"));

    let message = error(
        "nesta.csv",
        &NESTA.replace("occupation/a", "occupation a"),
        None,
    );
    assert_names(&message, "nesta.csv:2", Some("concept_uri"));
}

#[test]
fn duplicate_uri_names_both_lines() {
    let text = format!("{NESTA}4,again,8121,3.1,0.8,http://data.europa.eu/esco/occupation/a\n");
    let message = error("nesta.csv", &text, None);
    assert_names(&message, "nesta.csv:5", Some("concept_uri"));
    assert!(message.contains("first seen on line 2"), "{message}");
}

const FREY: &str = "Rank,Probability,Label,SOC code,Occupation\n\
1,0.0028,,29-1125,Recreational therapists\n\
2,0.003,,49-1011,\"First-line supervisors of mechanics, installers, and repairers\"\n\
3,0.99,,43-4051,Customer service representatives\n";

const CROSSWALK: &str = "id,esco_occupation,isco_code,onet_code,onet_occupation,concept_uri\n\
1,call centre agent,5244,43-4051.00,customer service representatives,http://data.europa.eu/esco/occupation/c1\n\
2,contact centre clerk,4222,43-4051.03,patient representatives,http://data.europa.eu/esco/occupation/c2\n\
3,recreational therapist,2269,29-1125.00,recreational therapists,http://data.europa.eu/esco/occupation/c3\n\
4,secretary of state,1111,11-1011.00,chief executives,http://data.europa.eu/esco/occupation/c4\n";

#[test]
fn frey_osborne_goes_through_the_crosswalk() {
    let table = read("frey.csv", FREY, Some(CROSSWALK)).unwrap();
    assert_eq!(table.format, RiskFormat::FreyOsborne);
    let scores: Vec<_> = table
        .records
        .iter()
        .map(|r| (r.occupation_uri.rsplit('/').next().unwrap(), r.score))
        .collect();
    assert_eq!(scores, [("c1", 0.99), ("c2", 0.99), ("c3", 0.0028)]);
    assert_eq!(table.skipped.len(), 2, "{:?}", table.skipped);
    assert!(
        table.skipped[0].starts_with("frey.csv:3: SOC code 49-1011"),
        "{:?}",
        table.skipped
    );
    assert!(
        table.skipped[1].contains("1 ESCO occupations"),
        "{:?}",
        table.skipped
    );
}

/// SOC 2010 43-4051 split into two 2018 codes; 29-1125 kept its code.
const SOC_2010_TO_2018: &str = "2010 SOC Code,2010 SOC Title,2018 SOC Code,2018 SOC Title\n\
43-4051,Customer Service Representatives,43-4051,Customer Service Representatives\n\
43-4051,Customer Service Representatives,43-4052,Patient Representatives\n\
29-1125,Recreational Therapists,29-1125,Recreational Therapists\n";

const ELOUNDOU: &str = "O*NET-SOC Code,Title,dv_rating_alpha,dv_rating_beta,dv_rating_gamma\n\
43-4051.00,Customer Service Representatives,0.3,0.6,0.9\n\
43-4052.01,Patient Representatives A,0.1,0.2,0.3\n\
43-4052.02,Patient Representatives B,0.1,0.4,0.5\n\
29-1125.00,Recreational Therapists,0.0,0.1,0.2\n\
29-1125.01,Music Therapists,0.0,0.9,0.9\n";

#[test]
fn eloundou_takes_the_beta_rating_through_both_crosswalks() {
    let table = read_2018("eloundou.csv", ELOUNDOU, Some(SOC_2010_TO_2018)).unwrap();
    assert_eq!(table.format, RiskFormat::Eloundou);
    let scores: Vec<_> = table
        .records
        .iter()
        .map(|r| {
            (
                r.occupation_uri.rsplit('/').next().unwrap(),
                (r.score * 100.0).round(),
            )
        })
        .collect();
    // 43-4051 in 2010 became 43-4051 (0.6) and 43-4052, which has no .00 row and takes the mean
    // of its specialised rows (0.3): the ESCO occupations on 43-4051 get (0.6 + 0.3) / 2. The
    // .00 row of 29-1125 wins over its specialisation.
    assert_eq!(scores, [("c1", 45.0), ("c2", 45.0), ("c3", 10.0)]);
    assert_eq!(table.notes.len(), 2, "{:?}", table.notes);
    assert!(
        table.notes[0].contains("1 SOC codes have no .00 row"),
        "{:?}",
        table.notes
    );
    assert!(
        table.notes[1].starts_with("2 ESCO occupations"),
        "{:?}",
        table.notes
    );
    assert!(!RiskFormat::Eloundou.measure().is_empty());
}

#[test]
fn tomlinson_reads_soc_2018_codes() {
    let text = "SOC Code,title,ai_applicability_score\n43-4051,CSR,0.44\n29-1125,RT,0.05\n";
    let table = read_2018("tomlinson.csv", text, Some(SOC_2010_TO_2018)).unwrap();
    assert_eq!(table.format, RiskFormat::Tomlinson);
    let scores: Vec<_> = table.records.iter().map(|r| r.score).collect();
    // Only one of the two 2018 codes is scored, so nothing is averaged.
    assert_eq!(scores, [0.44, 0.44, 0.05]);
    assert!(table.notes.is_empty(), "{:?}", table.notes);
}

#[test]
fn soc_2018_tables_need_both_crosswalks_and_name_bad_rows() {
    let err = read_2018("eloundou.csv", ELOUNDOU, None).unwrap_err();
    assert!(matches!(err, IngestError::MissingCrosswalk { .. }));
    assert!(err.to_string().contains("soc2010_to_soc2018"), "{err}");

    let message = error_2018(&ELOUNDOU.replace("43-4052.01", "43-4052"));
    assert_names(&message, "eloundou.csv:3", Some("O*NET-SOC Code"));
    let message = error_2018(&ELOUNDOU.replace("0.2,0.3", "1.2,0.3"));
    assert_names(&message, "eloundou.csv:3", Some("dv_rating_beta"));
    let message = error_2018(&format!("{ELOUNDOU}43-4051.00,Again,0,0,0\n"));
    assert!(message.contains("first seen on line 2"), "{message}");

    let soc = SOC_2010_TO_2018.replace("43-4052,Patient", "434052,Patient");
    let message = read_2018("eloundou.csv", ELOUNDOU, Some(&soc))
        .unwrap_err()
        .to_string();
    assert_names(&message, "soc.csv:3", Some("2018 SOC Code"));
}

fn error_2018(text: &str) -> String {
    read_2018("eloundou.csv", text, Some(SOC_2010_TO_2018))
        .unwrap_err()
        .to_string()
}

#[test]
fn frey_osborne_needs_a_crosswalk() {
    let err = read("frey.csv", FREY, None).unwrap_err();
    assert!(matches!(err, IngestError::MissingCrosswalk { .. }));
    assert!(err.to_string().starts_with("frey.csv: "), "{err}");
}

#[test]
fn frey_osborne_errors_name_file_line_and_column() {
    let message = error(
        "frey.csv",
        &FREY.replace("49-1011", "491011"),
        Some(CROSSWALK),
    );
    assert_names(&message, "frey.csv:3", Some("SOC code"));

    let message = error("frey.csv", &FREY.replace("0.99", "99"), Some(CROSSWALK));
    assert_names(&message, "frey.csv:4", Some("Probability"));

    let text = format!("{FREY}4,0.5,,29-1125,Again\n");
    let message = error("frey.csv", &text, Some(CROSSWALK));
    assert_names(&message, "frey.csv:5", Some("SOC code"));
    assert!(message.contains("first seen on line 2"), "{message}");

    let crosswalk = CROSSWALK.replace("43-4051.03", "434051");
    let message = error("frey.csv", FREY, Some(&crosswalk));
    assert_names(&message, "crosswalk.csv:3", Some("onet_code"));

    let crosswalk =
        format!("{CROSSWALK}5,again,5244,29-1125.00,x,http://data.europa.eu/esco/occupation/c1\n");
    let message = error("frey.csv", FREY, Some(&crosswalk));
    assert_names(&message, "crosswalk.csv:6", Some("concept_uri"));
    assert!(message.contains("first seen on line 2"), "{message}");

    let crosswalk = CROSSWALK.replace("concept_uri", "esco_uri");
    let message = error("frey.csv", FREY, Some(&crosswalk));
    assert_eq!(
        message,
        "crosswalk.csv: header has no column \"concept_uri\""
    );
}

#[test]
fn generic_by_uri() {
    let text = "occupation_uri,score\r\nurn:x:1,0.25\r\nurn:x:2,1\r\n";
    let table = read("generic.csv", text, None).unwrap();
    assert_eq!(table.format, RiskFormat::Generic);
    assert_eq!(table.scale, (0.0, 1.0));
    assert_eq!(table.records.len(), 2);
    assert_eq!(table.records[0].score, 0.25);

    let message = error("generic.csv", &text.replace("0.25", "1.25"), None);
    assert_names(&message, "generic.csv:2", Some("score"));
}

#[test]
fn generic_by_isco_expands_to_occupations() {
    let text = "isco_code,score\n5244,0.9\n524,0.6\n9999,0.1\n";
    let mut table = read("isco.csv", text, None).unwrap();
    assert!(table.records.is_empty());
    assert_eq!(table.isco_records.len(), 3);
    let occupations = [
        ("urn:o:agent".to_owned(), "5244".to_owned()),
        ("urn:o:seller".to_owned(), "5242".to_owned()),
        ("urn:o:clerk".to_owned(), "4222".to_owned()),
    ];
    table.expand_isco(&occupations);
    let scores: Vec<_> = table
        .records
        .iter()
        .map(|r| (r.occupation_uri.as_str(), r.score))
        .collect();
    assert_eq!(scores, [("urn:o:agent", 0.9), ("urn:o:seller", 0.6)]);
    assert!(table.isco_records.is_empty());
    assert_eq!(table.skipped.len(), 2, "{:?}", table.skipped);
    assert!(table.skipped[0].contains("ISCO group 9999"));

    let message = error("isco.csv", &text.replace("524,", "52a,"), None);
    assert_names(&message, "isco.csv:3", Some("isco_code"));
    let message = error("isco.csv", &format!("{text}5244,0.2\n"), None);
    assert_names(&message, "isco.csv:5", Some("isco_code"));
}

#[test]
fn unknown_format_lists_the_header() {
    let err = read("odd.csv", "name,value\na,1\n", None).unwrap_err();
    assert!(matches!(err, IngestError::UnknownFormat { .. }));
    assert!(err.to_string().contains("found name, value"), "{err}");
}

#[test]
fn missing_file_is_an_io_error_with_the_path() {
    let err = reskill_ingest::risk::read_risk(
        std::path::Path::new("/nonexistent/risk.csv"),
        Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/risk.csv"), "{err}");
}
