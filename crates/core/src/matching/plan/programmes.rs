//! Programme types (CIP 2020 programmes, for instance) a plan names for the essential skills no
//! course closes: a separate kind of step, never counted as a course.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ids::SkillId;
use crate::matching::taxonomy::SkillRef;

/// A kind of programme a worker can look for, with the skills it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeOption {
    /// Its code, such as the CIP code `52.0411`.
    pub code: String,
    /// Its title, such as "Customer Service Support/Call Center/Teleservice Operation".
    pub title: String,
    /// Skills it leads to (through the occupations it prepares for).
    pub skills: Vec<SkillId>,
}

/// The programme types a planner chooses from, in code order and indexed by skill, so a plan
/// visits only the programmes leading to one of its open skills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgrammeCatalog {
    programmes: Vec<ProgrammeOption>,
    by_skill: HashMap<SkillId, Vec<u32>>,
}

/// A programme type suggested for essential skills no course in the plan covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ProgrammeSuggestion {
    /// Its code.
    pub code: String,
    /// Its title.
    pub title: String,
    /// The essential gap skills left open by the courses that it leads to and no earlier
    /// suggestion does, most informative first.
    pub covers: Vec<SkillRef>,
}

impl ProgrammeCatalog {
    /// Builds the catalogue; of programmes sharing a code, the first is kept, and each
    /// programme's skills are sorted and deduplicated.
    pub fn new(mut programmes: Vec<ProgrammeOption>) -> Self {
        programmes.sort_by(|a, b| a.code.cmp(&b.code));
        programmes.dedup_by(|a, b| a.code == b.code);
        let mut by_skill: HashMap<SkillId, Vec<u32>> = HashMap::new();
        for (index, programme) in programmes.iter_mut().enumerate() {
            programme.skills.sort_unstable();
            programme.skills.dedup();
            let index = u32::try_from(index).expect("fewer than 2^32 programmes");
            for &skill in &programme.skills {
                by_skill.entry(skill).or_default().push(index);
            }
        }
        Self {
            programmes,
            by_skill,
        }
    }

    /// Returns the programmes in code order.
    pub fn programmes(&self) -> &[ProgrammeOption] {
        &self.programmes
    }

    /// Returns how many programmes there are.
    pub fn len(&self) -> usize {
        self.programmes.len()
    }

    /// Returns whether there are no programmes.
    pub fn is_empty(&self) -> bool {
        self.programmes.is_empty()
    }

    /// Chooses programmes greedily for `open` skills: each time the one leading to the most
    /// skills still open, ties to the one leading to fewer skills in all (the more specific),
    /// then the smaller code; until none leads to an open skill.
    pub(super) fn suggest(&self, open: &[&SkillRef]) -> Vec<ProgrammeSuggestion> {
        // (programme, open skill) pairs, grouped by programme.
        let mut pairs: Vec<(u32, u32)> = open
            .iter()
            .enumerate()
            .filter_map(|(k, skill)| Some((k, self.by_skill.get(&skill.id)?)))
            .flat_map(|(k, programmes)| programmes.iter().map(move |&p| (p, k as u32)))
            .collect();
        if pairs.is_empty() {
            return Vec::new();
        }
        pairs.sort_unstable();
        let mut groups: Vec<(u32, &[(u32, u32)])> = Vec::new();
        let mut rest = pairs.as_slice();
        while let Some(&(p, _)) = rest.first() {
            let end = rest.iter().position(|&(q, _)| q != p).unwrap_or(rest.len());
            groups.push((p, &rest[..end]));
            rest = &rest[end..];
        }
        let mut still_open = vec![true; open.len()];
        let mut suggestions = Vec::new();
        loop {
            let mut best: Option<(usize, u32)> = None;
            for &(p, skills) in &groups {
                let count = skills
                    .iter()
                    .filter(|&&(_, k)| still_open[k as usize])
                    .count();
                if count == 0 {
                    continue;
                }
                let size = self.programmes[p as usize].skills.len();
                // Groups are in code order, so keeping the first on a tie keeps the smaller code.
                let better = best.is_none_or(|(best_count, b)| {
                    count > best_count
                        || (count == best_count && size < self.programmes[b as usize].skills.len())
                });
                if better {
                    best = Some((count, p));
                }
            }
            let Some((_, p)) = best else { break };
            let skills = groups
                .iter()
                .find(|(q, _)| *q == p)
                .map(|(_, skills)| *skills)
                .unwrap_or_default();
            let mut covers: Vec<u32> = skills
                .iter()
                .map(|&(_, k)| k)
                .filter(|&k| still_open[k as usize])
                .collect();
            covers.sort_unstable();
            for &k in &covers {
                still_open[k as usize] = false;
            }
            let programme = &self.programmes[p as usize];
            suggestions.push(ProgrammeSuggestion {
                code: programme.code.clone(),
                title: programme.title.clone(),
                covers: covers.iter().map(|&k| open[k as usize].clone()).collect(),
            });
        }
        suggestions
    }
}
