//! The ESCO CSV reader: turns the official ESCO download (or files in the same format, such as
//! the demo data set) into a [`reskill_core::taxonomy::EscoBundle`].
//!
//! Columns are found by header name, not position, because ESCO versions order and add columns
//! differently (v1.2 renames the relations file `occupationSkillRelations_en.csv` and adds label
//! columns). Every rejected row is reported with file, line and column.
//!
//! Files, in reading order (later files are checked against earlier ones):
//!
//! | file | required | goes to |
//! |---|---|---|
//! | `ISCOGroups_en.csv` | no | `isco_groups`; when present, occupations' `iscoGroup` must be one of them |
//! | `occupations_en.csv` | yes | `occupations` |
//! | `skills_en.csv` | yes | `skills` |
//! | `occupationSkillRelations.csv` or `occupationSkillRelations_en.csv` | yes | `relations` |
//! | `skillGroups_en.csv` | no | `skill_groups` (with labels, codes, descriptions) |
//! | `skillsHierarchy_en.csv` | no | more `skill_groups` (groups it names that skillGroups_en lacks) and level N → N-1 edges in `skill_broader` |
//! | `broaderRelationsSkillPillar.csv` | no | `skill_broader` (skill → group, group → group, skill → skill) |
//! | `broaderRelationsOccPillar.csv` | no | `occupation_broader` (rows whose `broaderType` is `Occupation` only; ISCO parents are already in `iscoGroup`) |
//!
//! Relations: each (occupation, skill) pair is kept once, in the position of its first row; if a
//! pair repeats with different types, `essential` wins, because an occupation that lists a skill
//! as essential anywhere does need it.
//!
//! References to concepts the bundle lacks (a relation's occupation, a broader edge's parent, an
//! occupation's ISCO group) follow a [`DanglingPolicy`]. [`read_esco_dir`] and
//! [`read_esco_sources`] reject them; the `_with` variants can skip them and list what was
//! skipped. The official ESCO v1.1.1 download needs [`DanglingPolicy::Skip`]: its relations file
//! has 67 rows, and broaderRelationsOccPillar.csv one row, for an occupation
//! (`occupation/a9e54177-a185-404d-b6e6-15663d31137e`) that is not in occupations_en.csv.

mod table;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::path::Path;

use reskill_core::taxonomy::{
    BroaderRecord, EscoBundle, IscoGroupRecord, OccupationRecord, RelationRecord, RelationType,
    ReuseLevel, SkillGroupRecord, SkillRecord, SkillType, split_labels,
};

use crate::error::IngestError;
pub use table::Source;
pub(crate) use table::{Row, Table, is_isco_code};

/// File name of the occupations table.
pub const OCCUPATIONS_FILE: &str = "occupations_en.csv";
/// File name of the skills table.
pub const SKILLS_FILE: &str = "skills_en.csv";
/// Accepted file names of the occupation–skill relations table (v1.0/v1.1, then v1.2), in order
/// of preference when both are present.
pub const RELATIONS_FILES: [&str; 2] = [
    "occupationSkillRelations.csv",
    "occupationSkillRelations_en.csv",
];
/// File name of the ISCO groups table.
pub const ISCO_GROUPS_FILE: &str = "ISCOGroups_en.csv";
/// File name of the skill groups table.
pub const SKILL_GROUPS_FILE: &str = "skillGroups_en.csv";
/// File name of the skills hierarchy table (levels 0–3 of skill groups).
pub const SKILLS_HIERARCHY_FILE: &str = "skillsHierarchy_en.csv";
/// File name of the skill pillar's broader relations.
pub const SKILL_BROADER_FILE: &str = "broaderRelationsSkillPillar.csv";
/// File name of the occupation pillar's broader relations.
pub const OCCUPATION_BROADER_FILE: &str = "broaderRelationsOccPillar.csv";

/// The files of one ESCO data set, each as a [`Source`]; the first three are required.
#[derive(Debug)]
pub struct EscoSources<'a> {
    /// `occupations_en.csv`.
    pub occupations: Source<'a>,
    /// `skills_en.csv`.
    pub skills: Source<'a>,
    /// `occupationSkillRelations.csv` (or the v1.2 `occupationSkillRelations_en.csv`).
    pub relations: Source<'a>,
    /// `ISCOGroups_en.csv`, where present.
    pub isco_groups: Option<Source<'a>>,
    /// `skillGroups_en.csv`, where present.
    pub skill_groups: Option<Source<'a>>,
    /// `skillsHierarchy_en.csv`, where present.
    pub skills_hierarchy: Option<Source<'a>>,
    /// `broaderRelationsSkillPillar.csv`, where present.
    pub skill_broader: Option<Source<'a>>,
    /// `broaderRelationsOccPillar.csv`, where present.
    pub occupation_broader: Option<Source<'a>>,
}

impl<'a> EscoSources<'a> {
    /// Returns sources with the three required files and none of the optional ones.
    pub fn new(occupations: Source<'a>, skills: Source<'a>, relations: Source<'a>) -> Self {
        Self {
            occupations,
            skills,
            relations,
            isco_groups: None,
            skill_groups: None,
            skills_hierarchy: None,
            skill_broader: None,
            occupation_broader: None,
        }
    }
}

/// What to do with a row that refers to a concept the bundle does not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DanglingPolicy {
    /// Fail with an error naming the file, line and column.
    #[default]
    Reject,
    /// Leave the row out and list it in [`EscoRead::skipped`].
    Skip,
}

/// A row left out under [`DanglingPolicy::Skip`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The file's display name.
    pub file: String,
    /// The physical line (1-based) where the record starts.
    pub line: u64,
    /// The column holding the unknown reference.
    pub column: String,
    /// Why the row was left out.
    pub reason: String,
}

impl fmt::Display for SkippedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: column {}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

/// The result of a read with an explicit [`DanglingPolicy`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EscoRead {
    /// What was read.
    pub bundle: EscoBundle,
    /// Rows left out because they refer to unknown concepts (empty under `Reject`).
    pub skipped: Vec<SkippedRow>,
}

/// Reads an ESCO CSV download folder, rejecting any reference to a concept it lacks.
///
/// The official v1.1.1 download fails here (67 relations of an occupation missing from
/// occupations_en.csv); importers of official downloads should call [`read_esco_dir_with`] with
/// [`DanglingPolicy::Skip`] and show [`EscoRead::skipped`].
pub fn read_esco_dir(dir: &Path) -> Result<EscoBundle, IngestError> {
    read_esco_dir_with(dir, DanglingPolicy::Reject).map(|read| read.bundle)
}

/// Reads an ESCO CSV download folder, handling unknown references as `policy` says.
pub fn read_esco_dir_with(dir: &Path, policy: DanglingPolicy) -> Result<EscoRead, IngestError> {
    let required = |names: &[&str]| -> Result<Source<'static>, IngestError> {
        for name in names {
            if let Some(source) = open_if_present(dir, name)? {
                return Ok(source);
            }
        }
        Err(IngestError::MissingFile {
            dir: dir.to_owned(),
            name: names.join(" or "),
        })
    };
    let mut sources = EscoSources::new(
        required(&[OCCUPATIONS_FILE])?,
        required(&[SKILLS_FILE])?,
        required(&RELATIONS_FILES)?,
    );
    sources.isco_groups = open_if_present(dir, ISCO_GROUPS_FILE)?;
    sources.skill_groups = open_if_present(dir, SKILL_GROUPS_FILE)?;
    sources.skills_hierarchy = open_if_present(dir, SKILLS_HIERARCHY_FILE)?;
    sources.skill_broader = open_if_present(dir, SKILL_BROADER_FILE)?;
    sources.occupation_broader = open_if_present(dir, OCCUPATION_BROADER_FILE)?;
    read_esco_sources_with(sources, policy)
}

/// Opens `dir/name` as a source named `name`, or returns `None` when there is no such file.
fn open_if_present(dir: &Path, name: &str) -> Result<Option<Source<'static>>, IngestError> {
    let path = dir.join(name);
    if !path.is_file() {
        return Ok(None);
    }
    let file = File::open(&path).map_err(|source| IngestError::Io { path, source })?;
    Ok(Some(Source::from_reader(name, file)))
}

/// Reads ESCO-format files from in-memory or streamed sources, rejecting unknown references.
pub fn read_esco_sources(sources: EscoSources<'_>) -> Result<EscoBundle, IngestError> {
    read_esco_sources_with(sources, DanglingPolicy::Reject).map(|read| read.bundle)
}

/// Reads ESCO-format files from sources, handling unknown references as `policy` says.
pub fn read_esco_sources_with(
    sources: EscoSources<'_>,
    policy: DanglingPolicy,
) -> Result<EscoRead, IngestError> {
    let mut reader = Reader::new(policy);
    if let Some(source) = sources.isco_groups {
        reader.isco_groups(Table::open(source, false)?)?;
    }
    reader.occupations(Table::open(sources.occupations, false)?)?;
    reader.skills(Table::open(sources.skills, false)?)?;
    reader.relations(Table::open(sources.relations, false)?)?;
    if let Some(source) = sources.skill_groups {
        reader.skill_groups(Table::open(source, false)?)?;
    }
    if let Some(source) = sources.skills_hierarchy {
        // Rows omit trailing empty fields (11 to 14 fields under a 14-column header).
        reader.skills_hierarchy(Table::open(source, true)?)?;
    }
    if let Some(source) = sources.skill_broader {
        reader.skill_broader(Table::open(source, false)?)?;
    }
    reader.hierarchy_edges_into_skill_broader();
    if let Some(source) = sources.occupation_broader {
        reader.occupation_broader(Table::open(source, false)?)?;
    }
    Ok(EscoRead {
        bundle: reader.bundle,
        skipped: reader.skipped,
    })
}

/// A node of the skill pillar: a skill or a skill group, by index into the bundle's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SkillNode {
    Skill(u32),
    Group(u32),
}

/// Where a concept was first seen: its index in the bundle and the line of its row.
#[derive(Debug, Clone, Copy)]
struct Seen {
    index: u32,
    line: u64,
}

/// The state of one read: the bundle so far and indexes for checking references.
struct Reader {
    policy: DanglingPolicy,
    bundle: EscoBundle,
    skipped: Vec<SkippedRow>,
    isco_codes: HashMap<String, u64>,
    occupations: HashMap<String, Seen>,
    skills: HashMap<String, Seen>,
    groups: HashMap<String, u32>,
    /// Index into `bundle.relations` per (occupation, skill) pair.
    relation_pairs: HashMap<(u32, u32), usize>,
    /// Group → parent group edges from skillsHierarchy_en.csv, in file order, deduplicated.
    hierarchy_edges: Vec<(u32, u32)>,
    skill_edges: HashSet<(SkillNode, SkillNode)>,
}

impl Reader {
    fn new(policy: DanglingPolicy) -> Self {
        Self {
            policy,
            bundle: EscoBundle::default(),
            skipped: Vec::new(),
            isco_codes: HashMap::new(),
            occupations: HashMap::new(),
            skills: HashMap::new(),
            groups: HashMap::new(),
            relation_pairs: HashMap::new(),
            hierarchy_edges: Vec::new(),
            skill_edges: HashSet::new(),
        }
    }

    /// Applies the dangling policy to a row whose column `col` names an unknown concept:
    /// returns the error under `Reject`, records the row under `Skip`.
    fn dangling(&mut self, row: &Row<'_>, col: usize, reason: String) -> Result<(), IngestError> {
        match self.policy {
            DanglingPolicy::Reject => Err(row.error(col, reason)),
            DanglingPolicy::Skip => {
                self.skipped.push(SkippedRow {
                    file: row.file().to_owned(),
                    line: row.line(),
                    column: row.column_name(col).to_owned(),
                    reason,
                });
                Ok(())
            }
        }
    }

    fn isco_groups(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_uri = table.column("conceptUri")?;
        let c_code = table.column("code")?;
        let c_label = table.column("preferredLabel")?;
        let c_description = table.optional_column("description");
        let mut uris: HashMap<String, u64> = HashMap::new();
        while let Some(row) = table.next_row()? {
            let uri = row.uri(c_uri)?;
            let code = row.required(c_code)?;
            if !is_isco_code(code) {
                return Err(row.error(
                    c_code,
                    format!("expected an ISCO-08 code of 1 to 4 digits, found {code:?}"),
                ));
            }
            let label = row.required(c_label)?;
            unique(&mut uris, uri, &row, c_uri)?;
            unique(&mut self.isco_codes, code, &row, c_code)?;
            self.bundle.isco_groups.push(IscoGroupRecord {
                uri: uri.to_owned(),
                code: code.to_owned(),
                preferred_label: label.to_owned(),
                description: row.text(c_description),
            });
        }
        Ok(())
    }

    fn occupations(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_uri = table.column("conceptUri")?;
        let c_isco = table.column("iscoGroup")?;
        let c_label = table.column("preferredLabel")?;
        let c_alt = table.optional_column("altLabels");
        let c_hidden = table.optional_column("hiddenLabels");
        let c_description = table.optional_column("description");
        let c_code = table.optional_column("code");
        let check_isco = !self.bundle.isco_groups.is_empty();
        while let Some(row) = table.next_row()? {
            let uri = row.uri(c_uri)?;
            let isco = row.required(c_isco)?;
            if !is_isco_code(isco) {
                return Err(row.error(
                    c_isco,
                    format!("expected an ISCO-08 code of 1 to 4 digits, found {isco:?}"),
                ));
            }
            let label = row.required(c_label)?;
            let index = self.bundle.occupations.len() as u32;
            if let Some(first) = self.occupations.get(uri) {
                return Err(duplicate(&row, c_uri, uri, first.line));
            }
            if check_isco && !self.isco_codes.contains_key(isco) {
                let reason = format!("unknown ISCO group {isco:?} (not in {ISCO_GROUPS_FILE})");
                self.dangling(&row, c_isco, reason)?;
                continue;
            }
            self.occupations.insert(
                uri.to_owned(),
                Seen {
                    index,
                    line: row.line(),
                },
            );
            self.bundle.occupations.push(OccupationRecord {
                uri: uri.to_owned(),
                code: row.get_opt(c_code).trim().to_owned(),
                isco_group: isco.to_owned(),
                preferred_label: label.to_owned(),
                alt_labels: split_labels(row.get_opt(c_alt)),
                hidden_labels: split_labels(row.get_opt(c_hidden)),
                description: row.text(c_description),
            });
        }
        Ok(())
    }

    fn skills(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_uri = table.column("conceptUri")?;
        let c_label = table.column("preferredLabel")?;
        let c_type = table.optional_column("skillType");
        let c_reuse = table.optional_column("reuseLevel");
        let c_alt = table.optional_column("altLabels");
        let c_hidden = table.optional_column("hiddenLabels");
        let c_description = table.optional_column("description");
        while let Some(row) = table.next_row()? {
            let uri = row.uri(c_uri)?;
            let label = row.required(c_label)?;
            let skill_type = match c_type {
                Some(col) => {
                    SkillType::parse(row.get(col)).map_err(|e| row.error(col, e.reason))?
                }
                None => None,
            };
            let reuse_level = match c_reuse {
                Some(col) => {
                    ReuseLevel::parse(row.get(col)).map_err(|e| row.error(col, e.reason))?
                }
                None => None,
            };
            let index = self.bundle.skills.len() as u32;
            match self.skills.entry(uri.to_owned()) {
                Entry::Occupied(first) => {
                    return Err(duplicate(&row, c_uri, uri, first.get().line));
                }
                Entry::Vacant(slot) => {
                    slot.insert(Seen {
                        index,
                        line: row.line(),
                    });
                }
            }
            self.bundle.skills.push(SkillRecord {
                uri: uri.to_owned(),
                skill_type,
                reuse_level,
                preferred_label: label.to_owned(),
                alt_labels: split_labels(row.get_opt(c_alt)),
                hidden_labels: split_labels(row.get_opt(c_hidden)),
                description: row.text(c_description),
            });
        }
        Ok(())
    }

    fn relations(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_occupation = table.column("occupationUri")?;
        let c_relation = table.column("relationType")?;
        let c_skill = table.column("skillUri")?;
        while let Some(row) = table.next_row()? {
            let occupation_uri = row.uri(c_occupation)?;
            let relation = RelationType::parse(row.get(c_relation))
                .map_err(|e| row.error(c_relation, e.reason))?;
            let skill_uri = row.uri(c_skill)?;
            let Some(occupation) = self.occupations.get(occupation_uri).map(|s| s.index) else {
                let reason =
                    format!("unknown occupation {occupation_uri:?} (not in {OCCUPATIONS_FILE})");
                self.dangling(&row, c_occupation, reason)?;
                continue;
            };
            let Some(skill) = self.skills.get(skill_uri).map(|s| s.index) else {
                let reason = format!("unknown skill {skill_uri:?} (not in {SKILLS_FILE})");
                self.dangling(&row, c_skill, reason)?;
                continue;
            };
            match self.relation_pairs.entry((occupation, skill)) {
                Entry::Occupied(existing) => {
                    if relation == RelationType::Essential {
                        self.bundle.relations[*existing.get()].relation = RelationType::Essential;
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(self.bundle.relations.len());
                    self.bundle.relations.push(RelationRecord {
                        occupation_uri: self.bundle.occupations[occupation as usize].uri.clone(),
                        skill_uri: self.bundle.skills[skill as usize].uri.clone(),
                        relation,
                    });
                }
            }
        }
        Ok(())
    }

    fn skill_groups(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_uri = table.column("conceptUri")?;
        let c_label = table.column("preferredLabel")?;
        let c_code = table.optional_column("code");
        let c_description = table.optional_column("description");
        let mut lines: HashMap<String, u64> = HashMap::new();
        while let Some(row) = table.next_row()? {
            let uri = row.uri(c_uri)?;
            let label = row.required(c_label)?;
            unique(&mut lines, uri, &row, c_uri)?;
            self.add_group(SkillGroupRecord {
                uri: uri.to_owned(),
                code: row.get_opt(c_code).trim().to_owned(),
                preferred_label: label.to_owned(),
                description: row.text(c_description),
            });
        }
        Ok(())
    }

    /// Adds a group unless its URI is known; returns its index.
    fn add_group(&mut self, group: SkillGroupRecord) -> u32 {
        match self.groups.entry(group.uri.clone()) {
            Entry::Occupied(existing) => *existing.get(),
            Entry::Vacant(slot) => {
                let index = self.bundle.skill_groups.len() as u32;
                slot.insert(index);
                self.bundle.skill_groups.push(group);
                index
            }
        }
    }

    /// Reads skillsHierarchy_en.csv: each row is a path from a level-0 group down to the deepest
    /// non-empty level, whose description and scope note the row carries.
    fn skills_hierarchy(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let mut levels = Vec::new();
        for level in 0..4 {
            let uri = format!("Level {level} URI");
            let term = format!("Level {level} preferred term");
            let code = format!("Level {level} code");
            let (c_uri, c_term) = if level == 0 {
                (Some(table.column(&uri)?), Some(table.column(&term)?))
            } else {
                (table.optional_column(&uri), table.optional_column(&term))
            };
            let (Some(c_uri), Some(c_term)) = (c_uri, c_term) else {
                break;
            };
            levels.push((c_uri, c_term, table.optional_column(&code)));
        }
        let c_description = table.optional_column("Description");
        let mut edges: HashSet<(u32, u32)> = HashSet::new();
        while let Some(row) = table.next_row()? {
            let depth = levels
                .iter()
                .rposition(|(c_uri, _, _)| !row.get(*c_uri).trim().is_empty())
                .unwrap_or(0);
            let mut parent: Option<u32> = None;
            for (level, &(c_uri, c_term, c_code)) in levels.iter().enumerate().take(depth + 1) {
                let uri = row.uri(c_uri)?;
                let term = row.required(c_term)?;
                let index = self.add_group(SkillGroupRecord {
                    uri: uri.to_owned(),
                    code: row.get_opt(c_code).trim().to_owned(),
                    preferred_label: term.to_owned(),
                    description: String::new(),
                });
                let group = &mut self.bundle.skill_groups[index as usize];
                if group.code.is_empty() {
                    group.code = row.get_opt(c_code).trim().to_owned();
                }
                if level == depth && group.description.is_empty() {
                    group.description = row.text(c_description);
                }
                if let Some(parent) = parent
                    && edges.insert((index, parent))
                {
                    self.hierarchy_edges.push((index, parent));
                }
                parent = Some(index);
            }
        }
        Ok(())
    }

    /// Returns the skill-pillar node for a URI, if the bundle has it.
    fn skill_node(&self, uri: &str) -> Option<SkillNode> {
        if let Some(seen) = self.skills.get(uri) {
            return Some(SkillNode::Skill(seen.index));
        }
        self.groups.get(uri).map(|index| SkillNode::Group(*index))
    }

    fn skill_broader(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_child = table.column("conceptUri")?;
        let c_parent = table.column("broaderUri")?;
        while let Some(row) = table.next_row()? {
            let child_uri = row.uri(c_child)?;
            let parent_uri = row.uri(c_parent)?;
            let Some(child) = self.skill_node(child_uri) else {
                let reason = format!(
                    "unknown skill or skill group {child_uri:?} (not in {SKILLS_FILE}, \
                     {SKILL_GROUPS_FILE} or {SKILLS_HIERARCHY_FILE})"
                );
                self.dangling(&row, c_child, reason)?;
                continue;
            };
            let Some(parent) = self.skill_node(parent_uri) else {
                let reason = format!(
                    "unknown skill or skill group {parent_uri:?} (not in {SKILLS_FILE}, \
                     {SKILL_GROUPS_FILE} or {SKILLS_HIERARCHY_FILE})"
                );
                self.dangling(&row, c_parent, reason)?;
                continue;
            };
            if self.skill_edges.insert((child, parent)) {
                self.bundle.skill_broader.push(BroaderRecord {
                    child_uri: child_uri.to_owned(),
                    parent_uri: parent_uri.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Appends the hierarchy's group → group edges that the skill pillar file did not list.
    fn hierarchy_edges_into_skill_broader(&mut self) {
        for (child, parent) in std::mem::take(&mut self.hierarchy_edges) {
            let key = (SkillNode::Group(child), SkillNode::Group(parent));
            if self.skill_edges.insert(key) {
                self.bundle.skill_broader.push(BroaderRecord {
                    child_uri: self.bundle.skill_groups[child as usize].uri.clone(),
                    parent_uri: self.bundle.skill_groups[parent as usize].uri.clone(),
                });
            }
        }
    }

    fn occupation_broader(&mut self, mut table: Table<'_>) -> Result<(), IngestError> {
        let c_child = table.column("conceptUri")?;
        let c_type = table.column("broaderType")?;
        let c_parent = table.column("broaderUri")?;
        let mut edges: HashSet<(u32, u32)> = HashSet::new();
        while let Some(row) = table.next_row()? {
            match row.get(c_type).trim() {
                "Occupation" => {}
                "ISCOGroup" => continue,
                other => {
                    return Err(row.error(
                        c_type,
                        format!("expected \"Occupation\" or \"ISCOGroup\", found {other:?}"),
                    ));
                }
            }
            let child_uri = row.uri(c_child)?;
            let parent_uri = row.uri(c_parent)?;
            let Some(child) = self.occupations.get(child_uri).map(|s| s.index) else {
                let reason =
                    format!("unknown occupation {child_uri:?} (not in {OCCUPATIONS_FILE})");
                self.dangling(&row, c_child, reason)?;
                continue;
            };
            let Some(parent) = self.occupations.get(parent_uri).map(|s| s.index) else {
                let reason =
                    format!("unknown occupation {parent_uri:?} (not in {OCCUPATIONS_FILE})");
                self.dangling(&row, c_parent, reason)?;
                continue;
            };
            if edges.insert((child, parent)) {
                self.bundle.occupation_broader.push(BroaderRecord {
                    child_uri: child_uri.to_owned(),
                    parent_uri: parent_uri.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// Records `key` as seen on this row, or returns a duplicate error naming both lines.
pub(crate) fn unique(
    seen: &mut HashMap<String, u64>,
    key: &str,
    row: &Row<'_>,
    col: usize,
) -> Result<(), IngestError> {
    if let Some(first) = seen.get(key) {
        return Err(duplicate(row, col, key, *first));
    }
    seen.insert(key.to_owned(), row.line());
    Ok(())
}

/// Returns the error for a value that repeats one first seen on `first_line`.
pub(crate) fn duplicate(row: &Row<'_>, col: usize, value: &str, first_line: u64) -> IngestError {
    row.error(
        col,
        format!(
            "duplicate {value:?}, first seen on line {first_line} (repeated on line {})",
            row.line()
        ),
    )
}
