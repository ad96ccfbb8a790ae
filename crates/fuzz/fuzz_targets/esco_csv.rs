//! The ESCO CSV reader: the input is split on NUL bytes into the occupations, skills and
//! relations tables, then the optional ISCO groups, skill groups, skills hierarchy and the two
//! broader-relation tables. Every split is read under both dangling-reference policies; bad
//! files must give an `IngestError`, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use reskill_ingest::esco::{
    DanglingPolicy, EscoSources, ISCO_GROUPS_FILE, OCCUPATION_BROADER_FILE, OCCUPATIONS_FILE,
    RELATIONS_FILES, SKILL_BROADER_FILE, SKILL_GROUPS_FILE, SKILLS_FILE, SKILLS_HIERARCHY_FILE,
    Source, read_esco_sources_with,
};

fn sources<'a>(parts: &[&'a [u8]]) -> EscoSources<'a> {
    let part = |index: usize| parts.get(index).copied();
    let required = |name: &str, index: usize| Source::from_bytes(name, part(index).unwrap_or(b""));
    let optional =
        |name: &str, index: usize| part(index).map(|bytes| Source::from_bytes(name, bytes));
    let mut sources = EscoSources::new(
        required(OCCUPATIONS_FILE, 0),
        required(SKILLS_FILE, 1),
        required(RELATIONS_FILES[0], 2),
    );
    sources.isco_groups = optional(ISCO_GROUPS_FILE, 3);
    sources.skill_groups = optional(SKILL_GROUPS_FILE, 4);
    sources.skills_hierarchy = optional(SKILLS_HIERARCHY_FILE, 5);
    sources.skill_broader = optional(SKILL_BROADER_FILE, 6);
    sources.occupation_broader = optional(OCCUPATION_BROADER_FILE, 7);
    sources
}

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.split(|&b| b == 0).take(8).collect();
    for policy in [DanglingPolicy::Reject, DanglingPolicy::Skip] {
        let _ = read_esco_sources_with(sources(&parts), policy);
    }
});
