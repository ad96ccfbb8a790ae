//! The in-memory taxonomy the engine matches against: occupations, skills, weighted requirement
//! vectors, the skill hierarchy and risk scores, keyed by dense indices.
//!
//! Inputs are sorted by id before indices are assigned, so the same records in any order build
//! a bit-identical taxonomy (and therefore bit-identical scores).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::config::SkillWeighting;
use super::risk::RiskTable;
use crate::ids::{OccupationId, SkillGroupId, SkillId};
use crate::taxonomy::{RelationType, ReuseLevel, SkillType};

/// One occupation as the engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationInput {
    /// Store key.
    pub id: OccupationId,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// 4-digit ISCO-08 unit group.
    pub isco_group: String,
}

/// One skill as the engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillInput {
    /// Store key.
    pub id: SkillId,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// Skill or knowledge, where known.
    pub skill_type: Option<SkillType>,
    /// Reuse level, where known.
    pub reuse_level: Option<ReuseLevel>,
}

/// One occupation–skill requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationInput {
    /// The occupation.
    pub occupation: OccupationId,
    /// The skill it requires.
    pub skill: SkillId,
    /// Essential or optional.
    pub relation: RelationType,
}

/// The broader concept of a skill in the skill hierarchy: a skill group or, in ESCO, another
/// skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillParent {
    /// A skill group.
    Group(SkillGroupId),
    /// A broader skill.
    Skill(SkillId),
}

/// One child → parent edge of the skill hierarchy; a skill may have several parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillParentInput {
    /// The narrower skill.
    pub skill: SkillId,
    /// Its broader concept.
    pub parent: SkillParent,
}

/// One occupation's automation risk from one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskInput {
    /// The occupation.
    pub occupation: OccupationId,
    /// Source name, such as `nesta-mcc`.
    pub source: String,
    /// Year of publication.
    pub year: i32,
    /// Score normalised to [0, 1], 1 most exposed.
    pub score: f64,
    /// Whether the score is a broader occupation's, copied down: such scores are shown but do
    /// not count in the source's percentiles.
    #[serde(default)]
    pub inherited: bool,
}

/// Everything [`Taxonomy::build`] needs, as plain records the store can supply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaxonomyInput {
    /// All occupations.
    pub occupations: Vec<OccupationInput>,
    /// All skills.
    pub skills: Vec<SkillInput>,
    /// Occupation–skill requirements.
    pub relations: Vec<RelationInput>,
    /// Skill hierarchy edges, for partial credit between siblings.
    pub skill_parents: Vec<SkillParentInput>,
    /// Risk scores from every imported source.
    pub risk: Vec<RiskInput>,
    /// The source listed first among the readings; `None` means the first by name.
    pub active_risk_source: Option<String>,
}

/// Counts of input records the build could not use, for the importer to log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStats {
    /// Occupations or skills whose id appeared more than once (the first by input order is kept).
    pub duplicate_ids: usize,
    /// Relations, parent edges or risk rows naming an unknown occupation or skill.
    pub unknown_references: usize,
    /// Relations repeated for the same pair (the essential one is kept).
    pub duplicate_relations: usize,
    /// Risk rows whose score is not a finite number.
    pub invalid_scores: usize,
}

/// One entry of a sparse requirement vector: a dense skill index and its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Req {
    pub skill: u32,
    pub weight: f32,
}

/// A short reference to an occupation, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct OccupationRef {
    /// Store key.
    pub id: OccupationId,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
}

/// A short reference to a skill, with its IDF weight, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SkillRef {
    /// Store key.
    pub id: SkillId,
    /// ESCO concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// Inverse document frequency: how informative the skill is.
    pub idf: f64,
}

/// The matching engine's view of the taxonomy; build once, share read-only.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub(crate) weighting: SkillWeighting,
    pub(crate) occupations: Vec<OccupationInput>,
    pub(crate) occupation_index: HashMap<OccupationId, u32>,
    pub(crate) skills: Vec<SkillInput>,
    pub(crate) skill_index: HashMap<SkillId, u32>,
    /// IDF per skill index.
    pub(crate) idf: Vec<f32>,
    /// Number of occupations requiring each skill.
    pub(crate) document_frequency: Vec<u32>,
    /// CSR offsets into `requirements`, one more than occupations.
    pub(crate) requirement_offsets: Vec<u32>,
    /// Requirement vectors, each sorted by skill index.
    pub(crate) requirements: Vec<Req>,
    /// Essential flag parallel to `requirements`.
    pub(crate) requirement_essential: Vec<bool>,
    /// Sum of each occupation's requirement weights, summed in the fit kernel's order.
    pub(crate) requirement_totals: Vec<f64>,
    /// CSR: parent group → member skill indices.
    pub(crate) group_offsets: Vec<u32>,
    pub(crate) group_members: Vec<u32>,
    /// CSR: skill index → parent group indices.
    pub(crate) skill_group_offsets: Vec<u32>,
    pub(crate) skill_groups: Vec<u32>,
    pub(crate) risk: RiskTable,
    /// The semantic layer's vectors, when attached with [`Taxonomy::with_similarity`].
    pub(crate) similarity: Option<std::sync::Arc<super::similarity::SimilarityIndex>>,
    /// Preparation level and pay by occupation index; empty until attached.
    pub(crate) labour: Vec<Option<super::similarity::LabourFacts>>,
    /// Per occupation, its remote-work index standardised over the occupations that have one.
    pub(crate) work_context: Vec<Option<f64>>,
    /// Mean absolute difference of `work_context` over pairs, used when either side is unknown.
    pub(crate) work_context_mean_gap: f64,
    /// Each occupation's O*NET-SOC code by dense index, when a crosswalk is attached (else
    /// empty).
    pub(crate) onet_codes: Vec<Option<Box<str>>>,
    /// Each occupation's programme types by dense index, most specific first, when attached
    /// with [`Taxonomy::with_programme_types`] (else empty).
    pub(crate) programme_types: Vec<Box<[std::sync::Arc<crate::catalog::ProgrammeType>]>>,
    pub(crate) stats: BuildStats,
}

impl Taxonomy {
    /// Builds the taxonomy with the default [`SkillWeighting`].
    pub fn build(input: TaxonomyInput) -> Self {
        Self::build_with(input, SkillWeighting::default())
    }

    /// Builds the taxonomy: assigns dense indices, computes IDF weights, requirement vectors,
    /// the sibling structure of the skill hierarchy and per-source risk percentiles.
    pub fn build_with(input: TaxonomyInput, weighting: SkillWeighting) -> Self {
        let mut stats = BuildStats::default();

        let mut occupations = input.occupations;
        occupations.sort_by_key(|o| o.id);
        let before = occupations.len();
        occupations.dedup_by_key(|o| o.id);
        stats.duplicate_ids += before - occupations.len();
        let occupation_index: HashMap<OccupationId, u32> = occupations
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i as u32))
            .collect();

        let mut skills = input.skills;
        skills.sort_by_key(|s| s.id);
        let before = skills.len();
        skills.dedup_by_key(|s| s.id);
        stats.duplicate_ids += before - skills.len();
        let skill_index: HashMap<SkillId, u32> = skills
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i as u32))
            .collect();

        // Relations as (occupation index, skill index, essential), deduplicated keeping essential.
        let mut pairs: Vec<(u32, u32, bool)> = Vec::with_capacity(input.relations.len());
        for relation in &input.relations {
            match (
                occupation_index.get(&relation.occupation),
                skill_index.get(&relation.skill),
            ) {
                (Some(&o), Some(&s)) => {
                    pairs.push((o, s, relation.relation == RelationType::Essential))
                }
                _ => stats.unknown_references += 1,
            }
        }
        // Essential (true) sorts after optional (false); reverse so it comes first, then dedup.
        pairs.sort_by_key(|p| (p.0, p.1, !p.2));
        let before = pairs.len();
        pairs.dedup_by_key(|p| (p.0, p.1));
        stats.duplicate_relations += before - pairs.len();

        let n_occupations = occupations.len();
        let mut document_frequency = vec![0u32; skills.len()];
        for &(_, s, _) in &pairs {
            document_frequency[s as usize] += 1;
        }
        let max_idf = (n_occupations.max(1) as f64).ln();
        let idf: Vec<f32> = document_frequency
            .iter()
            .map(|&df| {
                let raw = if df == 0 {
                    max_idf
                } else {
                    (n_occupations as f64 / df as f64).ln()
                };
                raw.max(weighting.idf_floor) as f32
            })
            .collect();

        let mut requirement_offsets = Vec::with_capacity(n_occupations + 1);
        let mut requirements = Vec::with_capacity(pairs.len());
        let mut requirement_essential = Vec::with_capacity(pairs.len());
        requirement_offsets.push(0u32);
        let mut cursor = 0;
        for o in 0..n_occupations as u32 {
            while cursor < pairs.len() && pairs[cursor].0 == o {
                let (_, s, essential) = pairs[cursor];
                let multiplier = if essential {
                    weighting.essential_weight
                } else {
                    weighting.optional_weight
                };
                requirements.push(Req {
                    skill: s,
                    weight: (multiplier * f64::from(idf[s as usize])) as f32,
                });
                requirement_essential.push(essential);
                cursor += 1;
            }
            requirement_offsets.push(requirements.len() as u32);
        }
        let requirement_totals = (0..n_occupations)
            .map(|o| {
                let range = requirement_offsets[o] as usize..requirement_offsets[o + 1] as usize;
                super::fit::total_weight(&requirements[range])
            })
            .collect();

        // Skill hierarchy: parent key → dense group index, both CSR directions.
        let mut edges: Vec<(SkillParent, u32)> = Vec::with_capacity(input.skill_parents.len());
        for edge in &input.skill_parents {
            let parent_known = match edge.parent {
                SkillParent::Group(_) => true,
                SkillParent::Skill(parent) => skill_index.contains_key(&parent),
            };
            match skill_index.get(&edge.skill) {
                Some(&s) if parent_known => edges.push((edge.parent, s)),
                _ => stats.unknown_references += 1,
            }
        }
        edges.sort();
        edges.dedup();
        let mut group_offsets = vec![0u32];
        let mut group_members = Vec::with_capacity(edges.len());
        let mut membership: Vec<(u32, u32)> = Vec::with_capacity(edges.len());
        let mut previous: Option<SkillParent> = None;
        for &(parent, s) in &edges {
            if previous.is_some_and(|p| p != parent) {
                group_offsets.push(group_members.len() as u32);
            }
            previous = Some(parent);
            membership.push((s, group_offsets.len() as u32 - 1));
            group_members.push(s);
        }
        if previous.is_some() {
            group_offsets.push(group_members.len() as u32);
        }
        membership.sort_unstable();
        let mut skill_group_offsets = Vec::with_capacity(skills.len() + 1);
        let mut skill_groups = Vec::with_capacity(membership.len());
        skill_group_offsets.push(0u32);
        let mut cursor = 0;
        for s in 0..skills.len() as u32 {
            while cursor < membership.len() && membership[cursor].0 == s {
                skill_groups.push(membership[cursor].1);
                cursor += 1;
            }
            skill_group_offsets.push(skill_groups.len() as u32);
        }

        let risk = RiskTable::build(
            &input.risk,
            input.active_risk_source.as_deref(),
            &occupation_index,
            &mut stats,
        );

        Self {
            weighting,
            occupations,
            occupation_index,
            skills,
            skill_index,
            idf,
            document_frequency,
            requirement_offsets,
            requirements,
            requirement_essential,
            requirement_totals,
            group_offsets,
            group_members,
            skill_group_offsets,
            skill_groups,
            risk,
            similarity: None,
            labour: Vec::new(),
            work_context: Vec::new(),
            work_context_mean_gap: 0.0,
            onet_codes: Vec::new(),
            programme_types: Vec::new(),
            stats,
        }
    }

    /// Returns the weighting the taxonomy was built with.
    pub fn weighting(&self) -> &SkillWeighting {
        &self.weighting
    }

    /// Returns the counts of input records the build skipped.
    pub fn stats(&self) -> BuildStats {
        self.stats
    }

    /// Returns the number of occupations.
    pub fn occupation_count(&self) -> usize {
        self.occupations.len()
    }

    /// Returns the number of skills.
    pub fn skill_count(&self) -> usize {
        self.skills.len()
    }

    /// Returns the occupations ordered by id (the dense index order).
    pub fn occupations(&self) -> &[OccupationInput] {
        &self.occupations
    }

    /// Returns the IDF weight of a skill, or `None` for an unknown skill.
    pub fn skill_idf(&self, skill: SkillId) -> Option<f64> {
        self.skill_index
            .get(&skill)
            .map(|&s| f64::from(self.idf[s as usize]))
    }

    /// Returns a short reference to skill `id`, or `None` for an unknown skill.
    pub fn skill(&self, id: SkillId) -> Option<SkillRef> {
        self.skill_index.get(&id).map(|&s| self.skill_ref(s))
    }

    /// Returns how many occupations require a skill, or `None` for an unknown skill.
    pub fn document_frequency(&self, skill: SkillId) -> Option<u32> {
        self.skill_index
            .get(&skill)
            .map(|&s| self.document_frequency[s as usize])
    }

    /// Returns an occupation's requirements as `(skill, relation, weight)`, by skill id.
    pub fn requirements(
        &self,
        occupation: OccupationId,
    ) -> Option<Vec<(SkillId, RelationType, f64)>> {
        let o = *self.occupation_index.get(&occupation)?;
        let range = self.requirement_range(o);
        Some(
            self.requirements[range.clone()]
                .iter()
                .zip(&self.requirement_essential[range])
                .map(|(r, &essential)| {
                    (
                        self.skills[r.skill as usize].id,
                        if essential {
                            RelationType::Essential
                        } else {
                            RelationType::Optional
                        },
                        f64::from(r.weight),
                    )
                })
                .collect(),
        )
    }

    pub(crate) fn requirement_range(&self, occupation: u32) -> std::ops::Range<usize> {
        self.requirement_offsets[occupation as usize] as usize
            ..self.requirement_offsets[occupation as usize + 1] as usize
    }

    pub(crate) fn occupation_requirements(&self, occupation: u32) -> &[Req] {
        &self.requirements[self.requirement_range(occupation)]
    }

    pub(crate) fn group_range(&self, group: u32) -> &[u32] {
        &self.group_members[self.group_offsets[group as usize] as usize
            ..self.group_offsets[group as usize + 1] as usize]
    }

    pub(crate) fn groups_of(&self, skill: u32) -> &[u32] {
        &self.skill_groups[self.skill_group_offsets[skill as usize] as usize
            ..self.skill_group_offsets[skill as usize + 1] as usize]
    }

    pub(crate) fn occupation_ref(&self, occupation: u32) -> OccupationRef {
        let o = &self.occupations[occupation as usize];
        OccupationRef {
            id: o.id,
            uri: o.uri.clone(),
            label: o.label.clone(),
        }
    }

    pub(crate) fn skill_ref(&self, skill: u32) -> SkillRef {
        let s = &self.skills[skill as usize];
        SkillRef {
            id: s.id,
            uri: s.uri.clone(),
            label: s.label.clone(),
            idf: f64::from(self.idf[skill as usize]),
        }
    }

    /// Returns a requirement's weight for an essential or optional relation to a skill index.
    pub(crate) fn requirement_weight(&self, skill: u32, essential: bool) -> f32 {
        let multiplier = if essential {
            self.weighting.essential_weight
        } else {
            self.weighting.optional_weight
        };
        (multiplier * f64::from(self.idf[skill as usize])) as f32
    }
}
