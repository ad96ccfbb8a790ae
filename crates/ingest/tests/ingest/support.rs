//! Helpers shared by the tests: the real data folder and in-memory ESCO sources.

use std::path::PathBuf;

use reskill_ingest::error::IngestError;
use reskill_ingest::esco::{DanglingPolicy, EscoRead, EscoSources, Source, read_esco_sources_with};

/// Returns the shared data folder, or `None` (after printing a note) when it is missing.
/// Panics when it is missing and `CI` is set, so CI cannot silently skip the real-data tests.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("RESKILL_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "shared data folder {} is missing (CI is set)",
            dir.display()
        );
    }
    eprintln!(
        "note: skipping real-data test: {} not found (set RESKILL_SHARED_DATA)",
        dir.display()
    );
    None
}

/// A header and rows that tests edit before reading.
pub const OCCUPATIONS: &str = "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,description,code\n\
Occupation,http://data.europa.eu/esco/occupation/o1,5244,call centre agent,\"inbound call centre agent\noutbound call centre agent\",call centre rep,Answers calls.,5244.1\n\
Occupation,http://data.europa.eu/esco/occupation/o2,4222,contact centre information clerk,,,Gives information.,4222.1\n";

/// Skills matching [`OCCUPATIONS`].
pub const SKILLS: &str = "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,description\n\
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s1,skill/competence,cross-sector,listen actively,,,Listen.\n\
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s2,knowledge,sector-specific,characteristics of products,,,Products.\n\
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s3,,,handle complaints,,,\n";

/// Relations matching [`OCCUPATIONS`] and [`SKILLS`].
pub const RELATIONS: &str = "occupationUri,relationType,skillType,skillUri\n\
http://data.europa.eu/esco/occupation/o1,essential,skill/competence,http://data.europa.eu/esco/skill/s1\n\
http://data.europa.eu/esco/occupation/o1,optional,knowledge,http://data.europa.eu/esco/skill/s2\n\
http://data.europa.eu/esco/occupation/o2,essential,,http://data.europa.eu/esco/skill/s3\n";

/// Reads in-memory ESCO files by their official names; unknown names are a test bug.
pub fn read(files: &[(&str, &str)], policy: DanglingPolicy) -> Result<EscoRead, IngestError> {
    let source = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Source::from_bytes(*n, text.as_bytes()))
    };
    for (name, _) in files {
        assert!(
            [
                "occupations_en.csv",
                "skills_en.csv",
                "occupationSkillRelations.csv",
                "occupationSkillRelations_en.csv",
                "ISCOGroups_en.csv",
                "skillGroups_en.csv",
                "skillsHierarchy_en.csv",
                "broaderRelationsSkillPillar.csv",
                "broaderRelationsOccPillar.csv",
            ]
            .contains(name),
            "unknown file {name}"
        );
    }
    let mut sources = EscoSources::new(
        source("occupations_en.csv")
            .unwrap_or_else(|| Source::from_bytes("occupations_en.csv", OCCUPATIONS.as_bytes())),
        source("skills_en.csv")
            .unwrap_or_else(|| Source::from_bytes("skills_en.csv", SKILLS.as_bytes())),
        source("occupationSkillRelations.csv")
            .or_else(|| source("occupationSkillRelations_en.csv"))
            .unwrap_or_else(|| {
                Source::from_bytes("occupationSkillRelations.csv", RELATIONS.as_bytes())
            }),
    );
    sources.isco_groups = source("ISCOGroups_en.csv");
    sources.skill_groups = source("skillGroups_en.csv");
    sources.skills_hierarchy = source("skillsHierarchy_en.csv");
    sources.skill_broader = source("broaderRelationsSkillPillar.csv");
    sources.occupation_broader = source("broaderRelationsOccPillar.csv");
    read_esco_sources_with(sources, policy)
}

/// Reads with [`DanglingPolicy::Reject`] and returns the error message, panicking on success.
pub fn error_of(files: &[(&str, &str)]) -> String {
    match read(files, DanglingPolicy::Reject) {
        Ok(_) => panic!("expected an error"),
        Err(err) => err.to_string(),
    }
}

/// Asserts that `message` names the file and line, and the column when given.
#[track_caller]
pub fn assert_names(message: &str, file_line: &str, column: Option<&str>) {
    assert!(
        message.starts_with(&format!("{file_line}: ")),
        "expected {file_line:?} at the start of: {message}"
    );
    if let Some(column) = column {
        assert!(
            message.contains(&format!("column {column}: ")),
            "expected column {column} in: {message}"
        );
    }
}
