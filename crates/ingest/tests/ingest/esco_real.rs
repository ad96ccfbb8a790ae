//! The ESCO reader on the real ESCO v1.1.1 download in the shared data folder.

use std::collections::HashSet;
use std::time::Instant;

use reskill_core::taxonomy::RelationType;
use reskill_ingest::esco::{DanglingPolicy, read_esco_dir, read_esco_dir_with};

use crate::support::shared_data;

/// The one occupation that occupationSkillRelations.csv (67 rows, lines 84425–84491) and
/// broaderRelationsOccPillar.csv (line 3205) refer to but occupations_en.csv lacks; found with
/// `grep -c a9e54177 occupations_en.csv` (0) and a python3 csv check of every relation URI.
const MISSING_OCCUPATION: &str =
    "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e";

#[test]
fn strict_read_rejects_the_dangling_relations_of_v1_1_1() {
    let Some(data) = shared_data() else { return };
    let err = read_esco_dir(&data.join("esco")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "occupationSkillRelations.csv:84425: column occupationUri: unknown occupation"
        ),
        "{message}"
    );
    assert!(message.contains(MISSING_OCCUPATION), "{message}");
}

#[test]
fn lenient_read_of_the_real_bundle() {
    let Some(data) = shared_data() else { return };
    let started = Instant::now();
    let read = read_esco_dir_with(&data.join("esco"), DanglingPolicy::Skip).unwrap();
    eprintln!("read the ESCO bundle in {:?}", started.elapsed());
    let bundle = &read.bundle;

    assert_eq!(bundle.occupations.len(), 3_007);
    assert_eq!(bundle.skills.len(), 13_896);
    assert_eq!(bundle.isco_groups.len(), 619);
    assert_eq!(bundle.skill_broader.len(), 20_656);
    // 640 groups in skillGroups_en.csv plus 7 that only skillsHierarchy_en.csv names.
    assert_eq!(bundle.skill_groups.len(), 647);
    // 1,248 Occupation → Occupation rows, less the one whose child is MISSING_OCCUPATION.
    assert_eq!(bundle.occupation_broader.len(), 1_247);

    // The file has 123,855 relations (64,946 essential / 58,909 optional); 67 of them (55
    // essential / 12 optional) belong to MISSING_OCCUPATION and are skipped.
    let essential = bundle
        .relations
        .iter()
        .filter(|r| r.relation == RelationType::Essential)
        .count();
    let optional = bundle.relations.len() - essential;
    assert_eq!(bundle.relations.len(), 123_788);
    assert_eq!((essential, optional), (64_891, 58_897));
    assert_eq!(read.skipped.len(), 68);
    let relations_skipped = read
        .skipped
        .iter()
        .filter(|s| s.file == "occupationSkillRelations.csv")
        .count();
    assert_eq!(bundle.relations.len() + relations_skipped, 123_855);
    assert!(
        read.skipped
            .iter()
            .all(|s| s.reason.contains(MISSING_OCCUPATION))
    );
    assert_eq!(
        (
            read.skipped[0].line,
            read.skipped[66].line,
            read.skipped[67].line
        ),
        (84_425, 84_491, 3_205)
    );

    // Every relation and edge points at something in the bundle.
    let known: HashSet<&str> = bundle
        .skills
        .iter()
        .map(|s| s.uri.as_str())
        .chain(bundle.skill_groups.iter().map(|g| g.uri.as_str()))
        .collect();
    assert!(
        bundle
            .skill_broader
            .iter()
            .all(|e| known.contains(e.child_uri.as_str()) && known.contains(e.parent_uri.as_str()))
    );

    // No ESCO occupation is labelled "contact centre agent"; the closest is "call centre agent"
    // (occupations_en.csv line 2440, ISCO 5244). Its relations (lines 7694–7710 of
    // occupationSkillRelations.csv) include, at line 7697,
    // skill/00e53a0a-c0ba-4c9f-a2ed-4706d5832a00 = "guarantee customer satisfaction", essential.
    let agent = bundle
        .occupations
        .iter()
        .find(|o| o.preferred_label == "call centre agent")
        .expect("call centre agent");
    assert_eq!(
        agent.uri,
        "http://data.europa.eu/esco/occupation/0ededdc2-050a-4ec3-8e70-6295105fcd19"
    );
    assert_eq!(agent.isco_group, "5244");
    assert!(
        agent
            .alt_labels
            .iter()
            .any(|l| l == "inbound call centre agent")
    );
    let satisfaction = bundle
        .skills
        .iter()
        .find(|s| s.preferred_label == "guarantee customer satisfaction")
        .expect("skill");
    assert_eq!(
        satisfaction.uri,
        "http://data.europa.eu/esco/skill/00e53a0a-c0ba-4c9f-a2ed-4706d5832a00"
    );
    assert!(
        bundle
            .relations
            .iter()
            .any(|r| r.occupation_uri == agent.uri
                && r.skill_uri == satisfaction.uri
                && r.relation == RelationType::Essential)
    );
}
