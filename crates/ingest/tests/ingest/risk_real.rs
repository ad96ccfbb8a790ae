//! The risk-table reader on the real Nesta and Frey–Osborne tables in the shared data folder.

use reskill_ingest::risk::{Crosswalks, RiskFormat, read_risk};

use crate::support::shared_data;

#[test]
fn nesta_all_occupations() {
    let Some(data) = shared_data() else { return };
    let table = read_risk(
        &data.join("risk/nesta_mcc_risk_All_occupations.csv"),
        Crosswalks::default(),
    )
    .unwrap();
    assert_eq!(table.format, RiskFormat::Nesta);
    assert_eq!(table.records.len(), 1_627);
    assert!(table.records.iter().all(|r| (0.0..=1.0).contains(&r.score)));
    assert!(table.skipped.is_empty());
    // PROVENANCE.md: observed raw range 2.78–3.90 on the 1–5 scale.
    let min = table
        .records
        .iter()
        .map(|r| r.raw_value)
        .fold(f64::INFINITY, f64::min);
    let max = table
        .records
        .iter()
        .map(|r| r.raw_value)
        .fold(0.0, f64::max);
    assert!(
        (2.78..2.79).contains(&min) && (3.90..3.91).contains(&max),
        "{min} {max}"
    );
}

#[test]
fn frey_osborne_through_the_nov2020_crosswalk() {
    let Some(data) = shared_data() else { return };
    let table = read_risk(
        &data.join("risk/frey_osborne_automation_risk_index_clean.csv"),
        Crosswalks {
            esco_onet: Some(
                data.join("crosswalk/esco_onet_crosswalk_Nov2020.csv")
                    .as_path(),
            ),
            soc_2010_to_2018: None,
        },
    )
    .unwrap();
    assert_eq!(table.format, RiskFormat::FreyOsborne);
    // Computed independently with python3's csv module: the crosswalk's 1,680 rows have 1,680
    // distinct concept_uri; 1,553 of them have onet_code[:7] among the 702 Frey–Osborne
    // `SOC code`s (127 do not); 166 Frey–Osborne SOC codes appear in no crosswalk row.
    // (PROVENANCE.md's "1554 of 1680" is for the MCC crosswalk, which differs in one row.)
    assert_eq!(table.records.len(), 1_553);
    assert!(table.records.iter().all(|r| (0.0..=1.0).contains(&r.score)));
    assert_eq!(table.skipped.len(), 166 + 1);
    assert!(
        table.skipped[166].starts_with("esco_onet_crosswalk_Nov2020.csv: 127 ESCO occupations")
    );
}

#[test]
fn generative_ai_tables_through_both_crosswalks() {
    let Some(data) = shared_data() else { return };
    let (esco_onet, soc) = (
        data.join("crosswalk/esco_onet_crosswalk_MCC.csv"),
        data.join("crosswalk/soc2010_to_soc2018_crosswalk.csv"),
    );
    let crosswalks = Crosswalks {
        esco_onet: Some(esco_onet.as_path()),
        soc_2010_to_2018: Some(soc.as_path()),
    };
    let eloundou = read_risk(
        &data.join("risk/genai_exposure_eloundou_occ_level.csv"),
        crosswalks,
    )
    .unwrap();
    assert_eq!(eloundou.format, RiskFormat::Eloundou);
    // Counted independently with python3's csv module: 1,667 of the crosswalk's 1,680 ESCO
    // occupations reach a scored SOC 2018 code; 24 SOC codes have no .00 row.
    assert_eq!(eloundou.records.len(), 1_667);
    assert!(
        eloundou.notes[0].contains("24 SOC codes"),
        "{:?}",
        eloundou.notes
    );
    let tomlinson = read_risk(
        &data.join("risk/genai_applicability_tomlinson_soc2018.csv"),
        crosswalks,
    )
    .unwrap();
    assert_eq!(tomlinson.format, RiskFormat::Tomlinson);
    assert_eq!(tomlinson.records.len(), 1_641);
    // PROVENANCE.md: customer service representatives (43-4051) score 0.44 and GPT-4's beta
    // for them is 0.57.
    let csr = "http://data.europa.eu/esco/occupation/";
    let score_of = |table: &reskill_ingest::risk::RiskTable, onet: &str| {
        let crosswalk = std::fs::read_to_string(&esco_onet).unwrap();
        let uri = crosswalk
            .lines()
            .find(|l| l.contains(&format!(",{onet},")))
            .and_then(|l| l.rsplit(',').next())
            .unwrap()
            .to_owned();
        assert!(uri.starts_with(csr));
        table
            .records
            .iter()
            .find(|r| r.occupation_uri == uri)
            .unwrap()
            .score
    };
    assert!((score_of(&tomlinson, "43-4051.00") - 0.44).abs() < 0.01);
    assert!((score_of(&eloundou, "43-4051.00") - 0.57).abs() < 0.01);
}
