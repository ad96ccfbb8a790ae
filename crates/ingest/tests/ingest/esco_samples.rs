//! The ESCO reader on small inline files: layout quirks and every error path.

use reskill_core::taxonomy::{BroaderRecord, RelationType, ReuseLevel, SkillType};
use reskill_ingest::error::{ErrorKind, IngestError};
use reskill_ingest::esco::{DanglingPolicy, EscoSources, Source, read_esco_dir, read_esco_sources};

use crate::support::{OCCUPATIONS, RELATIONS, SKILLS, assert_names, error_of, read};

const O1: &str = "http://data.europa.eu/esco/occupation/o1";
const S1: &str = "http://data.europa.eu/esco/skill/s1";

#[test]
fn reads_multiline_fields_and_labels() {
    let bundle = read(&[], DanglingPolicy::Reject).unwrap().bundle;
    assert_eq!(bundle.occupations.len(), 2);
    let agent = &bundle.occupations[0];
    assert_eq!(agent.uri, O1);
    assert_eq!(agent.isco_group, "5244");
    assert_eq!(agent.code, "5244.1");
    assert_eq!(
        agent.alt_labels,
        ["inbound call centre agent", "outbound call centre agent"]
    );
    assert_eq!(agent.hidden_labels, ["call centre rep"]);
    assert_eq!(
        bundle.skills[0].skill_type,
        Some(SkillType::SkillCompetence)
    );
    assert_eq!(
        bundle.skills[1].reuse_level,
        Some(ReuseLevel::SectorSpecific)
    );
    assert_eq!(bundle.skills[2].skill_type, None);
    assert_eq!(bundle.relations.len(), 3);
    assert_eq!(bundle.relations[1].relation, RelationType::Optional);
}

#[test]
fn reads_crlf_and_bom() {
    let crlf = |text: &str| format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let (occupations, skills, relations) = (crlf(OCCUPATIONS), crlf(SKILLS), crlf(RELATIONS));
    let read = read(
        &[
            ("occupations_en.csv", &occupations),
            ("skills_en.csv", &skills),
            ("occupationSkillRelations.csv", &relations),
        ],
        DanglingPolicy::Reject,
    )
    .unwrap();
    let bundle = read.bundle;
    assert_eq!(
        bundle.occupations[0].uri, O1,
        "BOM must not stick to the first header"
    );
    assert_eq!(
        bundle.occupations[0].code, "5244.1",
        "no CR left on the last field"
    );
    assert_eq!(
        bundle.occupations[0].alt_labels,
        ["inbound call centre agent", "outbound call centre agent"]
    );
    assert_eq!(bundle.relations.len(), 3);
}

#[test]
fn line_numbers_count_physical_lines_of_multiline_records() {
    // o1 spans lines 2-3, so the broken o2 record starts on line 4.
    let occupations = OCCUPATIONS.replace("occupation/o2", "occupation/ o2");
    let message = error_of(&[("occupations_en.csv", &occupations)]);
    assert_names(&message, "occupations_en.csv:4", Some("conceptUri"));
    assert!(message.contains("expected a URI"), "{message}");
}

#[test]
fn accepts_sources_from_readers() {
    let mut occupations: &[u8] = OCCUPATIONS.as_bytes();
    let reader: &mut dyn std::io::Read = &mut occupations;
    let sources = EscoSources::new(
        Source::from_reader("occupations_en.csv", reader),
        Source::from_bytes("skills_en.csv", SKILLS.as_bytes()),
        Source::from_bytes("occupationSkillRelations.csv", RELATIONS.as_bytes()),
    );
    let bundle = read_esco_sources(sources).unwrap();
    assert_eq!(bundle.occupations.len(), 2);
}

#[test]
fn reads_v1_2_relations_file_with_label_columns_in_another_order() {
    let relations = "skillUri,skillLabel,occupationUri,occupationLabel,relationType,skillType\n\
        http://data.europa.eu/esco/skill/s1,listen actively,http://data.europa.eu/esco/occupation/o1,call centre agent,essential,skill/competence\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("occupations_en.csv"), OCCUPATIONS).unwrap();
    std::fs::write(dir.path().join("skills_en.csv"), SKILLS).unwrap();
    std::fs::write(
        dir.path().join("occupationSkillRelations_en.csv"),
        relations,
    )
    .unwrap();
    let bundle = read_esco_dir(dir.path()).unwrap();
    assert_eq!(bundle.relations.len(), 1);
    assert_eq!(bundle.relations[0].occupation_uri, O1);
    assert_eq!(bundle.relations[0].skill_uri, S1);
    assert_eq!(bundle.relations[0].relation, RelationType::Essential);
    assert!(bundle.isco_groups.is_empty() && bundle.skill_broader.is_empty());
}

#[test]
fn missing_required_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("occupations_en.csv"), OCCUPATIONS).unwrap();
    std::fs::write(dir.path().join("skills_en.csv"), SKILLS).unwrap();
    let err = read_esco_dir(dir.path()).unwrap_err();
    assert!(matches!(err, IngestError::MissingFile { .. }));
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let message = err.to_string();
    assert!(
        message.contains("occupationSkillRelations.csv or occupationSkillRelations_en.csv"),
        "{message}"
    );
}

#[test]
fn missing_required_column_is_named() {
    let skills = SKILLS.replace("preferredLabel", "prefLabel");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_eq!(
        message,
        "skills_en.csv: header has no column \"preferredLabel\""
    );
}

#[test]
fn empty_preferred_label_is_rejected() {
    let skills = SKILLS.replace("listen actively", "  ");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_names(&message, "skills_en.csv:2", Some("preferredLabel"));
    assert!(message.ends_with("empty value"), "{message}");
}

#[test]
fn empty_concept_uri_is_rejected() {
    let skills = SKILLS.replace("http://data.europa.eu/esco/skill/s3", "");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_names(&message, "skills_en.csv:4", Some("conceptUri"));
}

#[test]
fn unknown_relation_type_is_rejected() {
    let relations = RELATIONS.replace("optional", "required");
    let message = error_of(&[("occupationSkillRelations.csv", &relations)]);
    assert_names(
        &message,
        "occupationSkillRelations.csv:3",
        Some("relationType"),
    );
    assert!(message.contains("\"required\""), "{message}");
}

#[test]
fn unknown_skill_type_and_reuse_level_are_rejected() {
    let skills = SKILLS.replace("knowledge,sector-specific", "knowhow,sector-specific");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_names(&message, "skills_en.csv:3", Some("skillType"));

    let skills = SKILLS.replace("cross-sector", "everywhere");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_names(&message, "skills_en.csv:2", Some("reuseLevel"));
}

#[test]
fn duplicate_uri_names_both_lines() {
    let occupations = format!("{OCCUPATIONS}Occupation,{O1},5244,call centre agent again,,,,\n");
    let message = error_of(&[("occupations_en.csv", &occupations)]);
    assert_names(&message, "occupations_en.csv:5", Some("conceptUri"));
    assert!(message.contains("first seen on line 2"), "{message}");
    assert!(message.contains("repeated on line 5"), "{message}");

    let skills = format!("{SKILLS}KnowledgeSkillCompetence,{S1},,,listen again,,,\n");
    let message = error_of(&[("skills_en.csv", &skills)]);
    assert_names(&message, "skills_en.csv:5", Some("conceptUri"));
    assert!(message.contains("first seen on line 2"), "{message}");
}

#[test]
fn relation_to_unknown_occupation_or_skill_is_rejected() {
    let relations =
        format!("{RELATIONS}http://data.europa.eu/esco/occupation/o9,essential,,{S1}\n");
    let message = error_of(&[("occupationSkillRelations.csv", &relations)]);
    assert_names(
        &message,
        "occupationSkillRelations.csv:5",
        Some("occupationUri"),
    );
    assert!(message.contains("unknown occupation"), "{message}");

    let relations = format!("{RELATIONS}{O1},essential,,http://data.europa.eu/esco/skill/s9\n");
    let message = error_of(&[("occupationSkillRelations.csv", &relations)]);
    assert_names(&message, "occupationSkillRelations.csv:5", Some("skillUri"));
    assert!(message.contains("unknown skill"), "{message}");
}

#[test]
fn skip_policy_leaves_out_dangling_rows_and_lists_them() {
    let relations =
        format!("{RELATIONS}http://data.europa.eu/esco/occupation/o9,essential,,{S1}\n");
    let read = read(
        &[("occupationSkillRelations.csv", &relations)],
        DanglingPolicy::Skip,
    )
    .unwrap();
    assert_eq!(read.bundle.relations.len(), 3);
    assert_eq!(read.skipped.len(), 1);
    let skipped = read.skipped[0].to_string();
    assert_names(
        &skipped,
        "occupationSkillRelations.csv:5",
        Some("occupationUri"),
    );
}

#[test]
fn repeated_pair_is_kept_once_and_essential_wins() {
    let relations = format!(
        "{RELATIONS}{O1},essential,,http://data.europa.eu/esco/skill/s2\n{O1},optional,,{S1}\n"
    );
    let bundle = read(
        &[("occupationSkillRelations.csv", &relations)],
        DanglingPolicy::Reject,
    )
    .unwrap()
    .bundle;
    assert_eq!(bundle.relations.len(), 3);
    assert_eq!(bundle.relations[0].relation, RelationType::Essential);
    assert_eq!(
        bundle.relations[1].relation,
        RelationType::Essential,
        "optional then essential"
    );
}

#[test]
fn malformed_csv_names_file_and_line() {
    let relations = format!("{RELATIONS}{O1},essential\n");
    let message = error_of(&[("occupationSkillRelations.csv", &relations)]);
    assert_names(&message, "occupationSkillRelations.csv:5", None);
    assert!(message.contains("malformed CSV"), "{message}");

    let mut skills = SKILLS.as_bytes().to_vec();
    let at = SKILLS.find("Listen.").unwrap();
    skills[at] = 0xff;
    let sources = EscoSources::new(
        Source::from_bytes("occupations_en.csv", OCCUPATIONS.as_bytes()),
        Source::from_bytes("skills_en.csv", &skills),
        Source::from_bytes("occupationSkillRelations.csv", RELATIONS.as_bytes()),
    );
    let message = read_esco_sources(sources).unwrap_err().to_string();
    assert_names(&message, "skills_en.csv:2", None);
    assert!(message.contains("not valid UTF-8"), "{message}");
}

const ISCO: &str = "conceptType,conceptUri,code,preferredLabel,status,altLabels,inScheme,description\n\
ISCOGroup,http://data.europa.eu/esco/isco/C5244,5244,Contact centre salespersons,released,,,Sell by phone.\n\
ISCOGroup,http://data.europa.eu/esco/isco/C4222,4222,Contact centre information clerks,released,,,\"Give\ninformation.\"\n";

#[test]
fn isco_groups_are_read_and_checked() {
    let bundle = read(&[("ISCOGroups_en.csv", ISCO)], DanglingPolicy::Reject)
        .unwrap()
        .bundle;
    assert_eq!(bundle.isco_groups.len(), 2);
    assert_eq!(bundle.isco_groups[1].description, "Give\ninformation.");

    let isco = ISCO.replace(",4222,", ",4223,");
    let message = error_of(&[("ISCOGroups_en.csv", &isco)]);
    assert_names(&message, "occupations_en.csv:4", Some("iscoGroup"));
    assert!(message.contains("unknown ISCO group \"4222\""), "{message}");

    let isco = ISCO.replace(",4222,", ",42x2,");
    let message = error_of(&[("ISCOGroups_en.csv", &isco)]);
    assert_names(&message, "ISCOGroups_en.csv:3", Some("code"));
}

const GROUPS: &str = "conceptType,conceptUri,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,scopeNote,inScheme,description,code\n\
SkillGroup,http://data.europa.eu/esco/skill/g0,skills,,,released,,,,All skills.,S\n\
SkillGroup,http://data.europa.eu/esco/skill/g1,communication,,,released,,,,Talking.,S1\n";

// Ragged like the real file: rows omit trailing empty fields.
const HIERARCHY: &str = "Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,Level 2 URI,Level 2 preferred term,Level 3 URI,Level 3 preferred term,Description,Scope note,Level 0 code,Level 1 code,Level 2 code,Level 3 code\r\n\
http://data.europa.eu/esco/skill/g0,skills,,,,,,,,,S\r\n\
http://data.europa.eu/esco/skill/g0,skills,http://data.europa.eu/esco/skill/g1,communication,,,,,Talking.,,S,S1\r\n\
http://data.europa.eu/esco/skill/g0,skills,http://data.europa.eu/esco/skill/g1,communication,http://data.europa.eu/esco/skill/g2,listening,,,\"Hearing\r\nothers.\",,S,S1,S1.1\r\n";

const SKILL_PILLAR: &str = "conceptType,conceptUri,broaderType,broaderUri\n\
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s1,SkillGroup,http://data.europa.eu/esco/skill/g2\n\
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s3,KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s1\n\
SkillGroup,http://data.europa.eu/esco/skill/g1,SkillGroup,http://data.europa.eu/esco/skill/g0\n";

#[test]
fn skill_hierarchy_groups_and_edges() {
    let bundle = read(
        &[
            ("skillGroups_en.csv", GROUPS),
            ("skillsHierarchy_en.csv", HIERARCHY),
            ("broaderRelationsSkillPillar.csv", SKILL_PILLAR),
        ],
        DanglingPolicy::Reject,
    )
    .unwrap()
    .bundle;
    let groups: Vec<_> = bundle
        .skill_groups
        .iter()
        .map(|g| {
            (
                g.uri.rsplit('/').next().unwrap(),
                g.code.as_str(),
                g.preferred_label.as_str(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("g0", "S", "skills"),
            ("g1", "S1", "communication"),
            ("g2", "S1.1", "listening")
        ]
    );
    assert_eq!(
        bundle.skill_groups[2].description, "Hearing\nothers.",
        "CRLF inside a field becomes LF"
    );
    let edges: Vec<_> = bundle
        .skill_broader
        .iter()
        .map(
            |BroaderRecord {
                 child_uri,
                 parent_uri,
             }| {
                (
                    child_uri.rsplit('/').next().unwrap(),
                    parent_uri.rsplit('/').next().unwrap(),
                )
            },
        )
        .collect();
    // Pillar rows first, then the hierarchy edge the pillar lacks; g1 -> g0 only once.
    assert_eq!(
        edges,
        [("s1", "g2"), ("s3", "s1"), ("g1", "g0"), ("g2", "g1")]
    );
}

#[test]
fn skill_hierarchy_alone_gives_groups_and_edges() {
    let bundle = read(
        &[("skillsHierarchy_en.csv", HIERARCHY)],
        DanglingPolicy::Reject,
    )
    .unwrap()
    .bundle;
    assert_eq!(bundle.skill_groups.len(), 3);
    assert_eq!(bundle.skill_groups[1].description, "Talking.");
    assert_eq!(bundle.skill_broader.len(), 2);
}

#[test]
fn skill_hierarchy_gap_is_rejected() {
    let hierarchy = HIERARCHY.replace(
        "http://data.europa.eu/esco/skill/g1,communication,http",
        ",,http",
    );
    let message = error_of(&[("skillsHierarchy_en.csv", &hierarchy)]);
    assert_names(&message, "skillsHierarchy_en.csv:4", Some("Level 1 URI"));
}

#[test]
fn skill_broader_to_unknown_concept_is_rejected() {
    let message = error_of(&[("broaderRelationsSkillPillar.csv", SKILL_PILLAR)]);
    assert_names(
        &message,
        "broaderRelationsSkillPillar.csv:2",
        Some("broaderUri"),
    );
    assert!(
        message.contains("unknown skill or skill group"),
        "{message}"
    );
}

const OCC_PILLAR: &str = "conceptType,conceptUri,broaderType,broaderUri\n\
ISCOGroup,http://data.europa.eu/esco/isco/C524,ISCOGroup,http://data.europa.eu/esco/isco/C52\n\
Occupation,http://data.europa.eu/esco/occupation/o1,ISCOGroup,http://data.europa.eu/esco/isco/C5244\n\
Occupation,http://data.europa.eu/esco/occupation/o2,Occupation,http://data.europa.eu/esco/occupation/o1\n";

#[test]
fn occupation_broader_keeps_occupation_parents_only() {
    let bundle = read(
        &[("broaderRelationsOccPillar.csv", OCC_PILLAR)],
        DanglingPolicy::Reject,
    )
    .unwrap()
    .bundle;
    assert_eq!(
        bundle.occupation_broader,
        [BroaderRecord {
            child_uri: "http://data.europa.eu/esco/occupation/o2".into(),
            parent_uri: O1.into(),
        }]
    );

    let pillar = OCC_PILLAR.replace("o2,Occupation", "o2,Concept");
    let message = error_of(&[("broaderRelationsOccPillar.csv", &pillar)]);
    assert_names(
        &message,
        "broaderRelationsOccPillar.csv:4",
        Some("broaderType"),
    );

    let pillar = OCC_PILLAR.replace("occupation/o1\n", "occupation/o7\n");
    let message = error_of(&[("broaderRelationsOccPillar.csv", &pillar)]);
    assert_names(
        &message,
        "broaderRelationsOccPillar.csv:4",
        Some("broaderUri"),
    );
}
