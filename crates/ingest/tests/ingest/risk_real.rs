//! The risk-table reader on the real Nesta and Frey–Osborne tables in the shared data folder.

use reskill_ingest::risk::{RiskFormat, read_risk};

use crate::support::shared_data;

#[test]
fn nesta_all_occupations() {
    let Some(data) = shared_data() else { return };
    let table = read_risk(&data.join("risk/nesta_mcc_risk_All_occupations.csv"), None).unwrap();
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
        Some(&data.join("crosswalk/esco_onet_crosswalk_Nov2020.csv")),
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
