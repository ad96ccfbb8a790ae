//! A worker's skills as the engine sees them: a dense vector of held weights by skill index, and
//! a second one with partial credit spread to siblings in the skill hierarchy.

use serde::{Deserialize, Serialize};

use super::config::MatchConfig;
use super::taxonomy::Taxonomy;
use crate::ids::{OccupationId, SkillId};

/// Where a worker's skill came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillOrigin {
    /// Stated by the worker (or confirmed by them).
    Declared,
    /// Gained from a completed course.
    Gained,
    /// Inferred from a past occupation and not yet confirmed.
    Inferred,
}

/// One skill a worker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerSkill {
    /// The skill.
    pub skill: SkillId,
    /// Where it came from.
    pub origin: SkillOrigin,
}

/// A point on Earth in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

impl GeoPoint {
    /// Returns the great-circle distance to `other` in kilometres.
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        crate::catalog::haversine_km(self.lat, self.lon, other.lat, other.lon)
    }
}

/// A worker as the engine needs them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerInput {
    /// Skills held.
    pub skills: Vec<WorkerSkill>,
    /// Current or last occupation, the baseline for risk reduction.
    pub current_occupation: Option<OccupationId>,
    /// Where the worker lives, for distances.
    pub location: Option<GeoPoint>,
}

/// A worker's skills as dense vectors over the taxonomy's skill indices; build with
/// [`Matcher::profile`] and reuse across queries.
///
/// [`Matcher::profile`]: super::Matcher::profile
#[derive(Debug, Clone)]
pub struct SkillProfile {
    /// Weight of each held skill (0 when not held).
    pub(crate) held: Vec<f32>,
    /// Credit of each skill: its held weight, or sibling credit when larger.
    pub(crate) credit: Vec<f32>,
    /// Indices with a non-zero held weight, sorted.
    pub(crate) held_skills: Vec<u32>,
    /// Indices with a non-zero credit, for cheap resets.
    touched: Vec<u32>,
    /// Skills the taxonomy does not know.
    pub(crate) unknown: Vec<SkillId>,
}

impl SkillProfile {
    pub(crate) fn empty(skill_count: usize) -> Self {
        Self {
            held: vec![0.0; skill_count],
            credit: vec![0.0; skill_count],
            held_skills: Vec::new(),
            touched: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Returns the skills given that the taxonomy does not know (they count for nothing).
    pub fn unknown_skills(&self) -> &[SkillId] {
        &self.unknown
    }

    /// Returns the number of known skills held.
    pub fn held_count(&self) -> usize {
        self.held_skills.len()
    }

    /// Clears the profile, touching only entries that were set.
    pub(crate) fn clear(&mut self) {
        for &s in &self.touched {
            self.held[s as usize] = 0.0;
            self.credit[s as usize] = 0.0;
        }
        self.touched.clear();
        self.held_skills.clear();
        self.unknown.clear();
    }

    /// Sets a held skill by index, keeping the larger weight.
    pub(crate) fn hold(&mut self, skill: u32, weight: f32) {
        let slot = &mut self.held[skill as usize];
        if *slot == 0.0 && weight > 0.0 {
            self.held_skills.push(skill);
            self.touched.push(skill);
        }
        if weight > *slot {
            *slot = weight;
        }
    }

    /// Computes credits from held weights: own weight, or sibling credit × the best held
    /// sibling's weight, whichever is larger.
    pub(crate) fn finish(&mut self, taxonomy: &Taxonomy, config: &MatchConfig) {
        self.held_skills.sort_unstable();
        for &s in &self.held_skills {
            self.credit[s as usize] = self.held[s as usize];
        }
        let sibling_credit = config.clamped_sibling_credit();
        if sibling_credit <= 0.0 {
            return;
        }
        for &t in &self.held_skills {
            let given = sibling_credit * self.held[t as usize];
            for &g in taxonomy.groups_of(t) {
                let members = taxonomy.group_range(g);
                if members.len() > config.sibling_max_group_size {
                    continue;
                }
                for &s in members {
                    let slot = &mut self.credit[s as usize];
                    if given > *slot {
                        if *slot == 0.0 {
                            self.touched.push(s);
                        }
                        *slot = given;
                    }
                }
            }
        }
    }

    /// Returns the held sibling giving `skill` its partial credit, if any (heaviest, then
    /// lowest index).
    pub(crate) fn credited_via(
        &self,
        taxonomy: &Taxonomy,
        config: &MatchConfig,
        skill: u32,
    ) -> Option<u32> {
        if self.held[skill as usize] > 0.0 || self.credit[skill as usize] <= 0.0 {
            return None;
        }
        let mut best: Option<(f32, u32)> = None;
        for &g in taxonomy.groups_of(skill) {
            let members = taxonomy.group_range(g);
            if members.len() > config.sibling_max_group_size {
                continue;
            }
            for &t in members {
                let w = self.held[t as usize];
                if t != skill
                    && w > 0.0
                    && best.is_none_or(|(bw, bt)| w > bw || (w == bw && t < bt))
                {
                    best = Some((w, t));
                }
            }
        }
        best.map(|(_, t)| t)
    }
}
