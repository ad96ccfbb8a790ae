//! Taxonomy records as they come out of an ESCO-format download and go into the store.
//!
//! Concepts are identified by their ESCO URI; the store gives each a surrogate integer key.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Whether an occupation needs a skill or merely benefits from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationType {
    /// The skill is required for the occupation.
    Essential,
    /// The skill is useful but not required.
    Optional,
}

impl RelationType {
    /// Parses ESCO's `relationType` value.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        match value.trim() {
            "essential" => Ok(Self::Essential),
            "optional" => Ok(Self::Optional),
            other => Err(ValidationError::new(
                "relationType",
                format!("expected \"essential\" or \"optional\", found {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Essential => "essential",
            Self::Optional => "optional",
        }
    }

    /// Returns the weight of a requirement of this type in an occupation's requirement vector.
    pub fn weight(self) -> f64 {
        match self {
            Self::Essential => 1.0,
            Self::Optional => 0.5,
        }
    }
}

/// ESCO's split of skills into practical skills and knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkillType {
    /// `skill/competence` in ESCO.
    SkillCompetence,
    /// `knowledge` in ESCO.
    Knowledge,
}

impl SkillType {
    /// Parses ESCO's `skillType`; empty means unknown (six ESCO skills have none).
    pub fn parse(value: &str) -> Result<Option<Self>, ValidationError> {
        match value.trim() {
            "" => Ok(None),
            "skill/competence" => Ok(Some(Self::SkillCompetence)),
            "knowledge" => Ok(Some(Self::Knowledge)),
            other => Err(ValidationError::new(
                "skillType",
                format!("expected \"skill/competence\" or \"knowledge\", found {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling (ESCO's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SkillCompetence => "skill/competence",
            Self::Knowledge => "knowledge",
        }
    }
}

/// How widely a skill applies across occupations, per ESCO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ReuseLevel {
    /// Applies to nearly every job.
    Transversal,
    /// Applies across sectors.
    CrossSector,
    /// Applies within one sector.
    SectorSpecific,
    /// Applies to one occupation.
    OccupationSpecific,
}

impl ReuseLevel {
    /// Parses ESCO's `reuseLevel`; empty means unknown.
    pub fn parse(value: &str) -> Result<Option<Self>, ValidationError> {
        match value.trim() {
            "" => Ok(None),
            "transversal" => Ok(Some(Self::Transversal)),
            "cross-sector" => Ok(Some(Self::CrossSector)),
            "sector-specific" => Ok(Some(Self::SectorSpecific)),
            "occupation-specific" => Ok(Some(Self::OccupationSpecific)),
            other => Err(ValidationError::new(
                "reuseLevel",
                format!("unknown reuse level {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling (ESCO's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transversal => "transversal",
            Self::CrossSector => "cross-sector",
            Self::SectorSpecific => "sector-specific",
            Self::OccupationSpecific => "occupation-specific",
        }
    }
}

/// One ISCO-08 group (1 to 4 digit code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IscoGroupRecord {
    /// ESCO concept URI.
    pub uri: String,
    /// ISCO-08 code, kept as a string: `0` (armed forces) and leading zeros matter.
    pub code: String,
    /// English label.
    pub preferred_label: String,
    /// English description.
    pub description: String,
}

/// One occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationRecord {
    /// ESCO concept URI (the key).
    pub uri: String,
    /// ESCO notation code, such as `2654.1.7`.
    pub code: String,
    /// The 4-digit ISCO-08 unit group.
    pub isco_group: String,
    /// English preferred label.
    pub preferred_label: String,
    /// Alternative labels: synonyms a person might type.
    pub alt_labels: Vec<String>,
    /// Hidden labels: misspellings and obsolete terms, searchable but never shown.
    pub hidden_labels: Vec<String>,
    /// English description.
    pub description: String,
}

/// One skill or knowledge concept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillRecord {
    /// ESCO concept URI (the key).
    pub uri: String,
    /// Skill or knowledge; `None` where ESCO leaves it empty.
    pub skill_type: Option<SkillType>,
    /// Reuse level; `None` where ESCO leaves it empty.
    pub reuse_level: Option<ReuseLevel>,
    /// English preferred label.
    pub preferred_label: String,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
    /// Hidden labels.
    pub hidden_labels: Vec<String>,
    /// English description.
    pub description: String,
}

/// One occupation–skill requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationRecord {
    /// The occupation's URI.
    pub occupation_uri: String,
    /// The skill's URI.
    pub skill_uri: String,
    /// Essential or optional.
    pub relation: RelationType,
}

/// One node of the skill hierarchy that is a group rather than a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillGroupRecord {
    /// ESCO concept URI.
    pub uri: String,
    /// ESCO code such as `S1.1`, empty when unknown.
    pub code: String,
    /// English label.
    pub preferred_label: String,
    /// English description.
    pub description: String,
}

/// A child → parent edge of a hierarchy, between URIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroaderRecord {
    /// The narrower concept.
    pub child_uri: String,
    /// The broader concept.
    pub parent_uri: String,
}

/// Everything read from one ESCO download folder, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EscoBundle {
    /// ISCO groups (ISCOGroups_en.csv).
    pub isco_groups: Vec<IscoGroupRecord>,
    /// Occupations (occupations_en.csv).
    pub occupations: Vec<OccupationRecord>,
    /// Skills (skills_en.csv).
    pub skills: Vec<SkillRecord>,
    /// Occupation–skill relations (occupationSkillRelations.csv).
    pub relations: Vec<RelationRecord>,
    /// Skill groups (skillsHierarchy_en.csv, and skillGroups_en.csv where present).
    pub skill_groups: Vec<SkillGroupRecord>,
    /// Skill pillar edges: skill or group → broader skill or group (broaderRelationsSkillPillar.csv).
    pub skill_broader: Vec<BroaderRecord>,
    /// Occupation → broader occupation edges (broaderRelationsOccPillar.csv, occupation parents only).
    pub occupation_broader: Vec<BroaderRecord>,
}

/// Splits an ESCO multi-value cell (newline-separated) into trimmed, non-empty labels.
pub fn split_labels(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_labels_drops_blanks_and_crlf() {
        assert_eq!(
            split_labels("call centre agent\r\n\r\n contact agent \n"),
            vec!["call centre agent", "contact agent"]
        );
    }

    #[test]
    fn relation_type_rejects_unknown() {
        assert!(RelationType::parse("essential").is_ok());
        let err = RelationType::parse("required").unwrap_err();
        assert_eq!(err.field, "relationType");
    }
}
