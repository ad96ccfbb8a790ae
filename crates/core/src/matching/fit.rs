//! Transition fit: the weighted share of a target's requirements a set of skills covers, for one
//! worker, between two occupations, and for all ordered pairs of occupations at once.

use serde::{Deserialize, Serialize};

use super::config::MatchConfig;
use super::profile::{SkillOrigin, SkillProfile, WorkerSkill};
use super::taxonomy::{OccupationRef, Req, SkillRef, Taxonomy};
use crate::ids::OccupationId;

/// The matching engine: a taxonomy plus the thresholds and weights to match with.
#[derive(Debug, Clone)]
pub struct Matcher<'t> {
    /// The taxonomy matched against.
    pub taxonomy: &'t Taxonomy,
    /// Thresholds and weights.
    pub config: MatchConfig,
}

/// One requirement of a target, as held or missing by a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RequiredSkill {
    /// The skill.
    pub skill: SkillRef,
    /// Whether the target needs it (else nice to have).
    pub essential: bool,
    /// Its weight in the target's requirement vector (relation weight × IDF).
    pub requirement_weight: f64,
    /// Credit the worker gets for it, in [0, 1].
    pub credit: f64,
    /// For a missing skill with partial credit: the held sibling that earns it.
    pub related_held: Option<SkillRef>,
}

/// How a set of skills fits one target, skill by skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitExplanation {
    /// The target occupation.
    pub occupation: OccupationRef,
    /// Fit in [0, 1].
    pub fit: f64,
    /// Requirements the worker holds, heaviest first.
    pub matched_skills: Vec<RequiredSkill>,
    /// Essential requirements not held, most informative (highest IDF) first.
    pub missing_essential: Vec<RequiredSkill>,
    /// Optional requirements not held, most informative first.
    pub missing_optional: Vec<RequiredSkill>,
}

/// Fits of every ordered pair of occupations, row-major: `get(a, b)` is fit from A to B.
#[derive(Debug, Clone, PartialEq)]
pub struct FitMatrix {
    /// Occupation ids in index order (ascending).
    pub occupations: Vec<OccupationId>,
    /// `values[a * n + b]` = fit from occupation index `a` to `b`.
    pub values: Vec<f32>,
}

impl FitMatrix {
    /// Returns the fit from the `from`-th to the `to`-th occupation (index order).
    pub fn get(&self, from: usize, to: usize) -> f32 {
        self.values[from * self.occupations.len() + to]
    }

    /// Returns the row of fits from the `from`-th occupation to every other.
    pub fn row(&self, from: usize) -> &[f32] {
        let n = self.occupations.len();
        &self.values[from * n..(from + 1) * n]
    }
}

/// Returns the sum of requirement weights, in exactly the kernel's order and precision, so a
/// full-credit worker's covered weight equals it bit for bit (fit A → A is exactly 1).
pub(crate) fn total_weight(requirements: &[Req]) -> f64 {
    let mut total = 0.0f64;
    for r in requirements {
        total += f64::from(r.weight);
    }
    total
}

/// Returns Σ weight × credit over a sparse requirement vector: the engine's inner loop.
#[inline]
pub(crate) fn covered_weight(requirements: &[Req], credit: &[f32]) -> f64 {
    let mut covered = 0.0f64;
    for r in requirements {
        let c = credit.get(r.skill as usize).copied().unwrap_or(0.0);
        covered += f64::from(r.weight) * f64::from(c);
    }
    covered
}

/// Returns covered / total clamped to [0, 1]; a target with no requirements fits nobody (0).
#[inline]
pub(crate) fn share(covered: f64, total: f64) -> f64 {
    if total > 0.0 {
        (covered / total).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl<'t> Matcher<'t> {
    /// Returns a matcher over `taxonomy` with `config`.
    pub fn new(taxonomy: &'t Taxonomy, config: MatchConfig) -> Self {
        Self { taxonomy, config }
    }

    /// Returns the worker's skills as a dense profile: declared and gained skills weigh 1.0,
    /// inferred ones [`MatchConfig::inferred_weight`]; siblings get partial credit.
    pub fn profile(&self, skills: &[WorkerSkill]) -> SkillProfile {
        let mut profile = SkillProfile::empty(self.taxonomy.skill_count());
        self.fill_profile(&mut profile, skills);
        profile
    }

    pub(crate) fn fill_profile(&self, profile: &mut SkillProfile, skills: &[WorkerSkill]) {
        profile.clear();
        let inferred = self.config.clamped_inferred_weight();
        for held in skills {
            let weight = match held.origin {
                SkillOrigin::Declared | SkillOrigin::Gained => 1.0,
                SkillOrigin::Inferred => inferred,
            };
            match self.taxonomy.skill_index.get(&held.skill) {
                Some(&s) => profile.hold(s, weight),
                None => profile.unknown.push(held.skill),
            }
        }
        profile.unknown.sort_unstable();
        profile.unknown.dedup();
        profile.finish(self.taxonomy, &self.config);
    }

    /// Fills `profile` with every requirement of occupation `o` held at weight 1.0.
    pub(crate) fn fill_occupation_profile(&self, profile: &mut SkillProfile, o: u32) {
        profile.clear();
        for r in self.taxonomy.occupation_requirements(o) {
            profile.hold(r.skill, 1.0);
        }
        profile.finish(self.taxonomy, &self.config);
    }

    pub(crate) fn fit_index(&self, profile: &SkillProfile, target: u32) -> f64 {
        let requirements = self.taxonomy.occupation_requirements(target);
        share(
            covered_weight(requirements, &profile.credit),
            self.taxonomy.requirement_totals[target as usize],
        )
    }

    /// Returns the fit in [0, 1] of a profile to a target occupation, or `None` when the
    /// occupation is unknown.
    pub fn fit_profile(&self, profile: &SkillProfile, target: OccupationId) -> Option<f64> {
        let t = *self.taxonomy.occupation_index.get(&target)?;
        Some(self.fit_index(profile, t))
    }

    /// Returns the fit in [0, 1] of a worker's skills to a target occupation: the weighted share
    /// of its requirements they cover. `None` when the occupation is unknown.
    pub fn fit(&self, skills: &[WorkerSkill], target: OccupationId) -> Option<f64> {
        self.fit_profile(&self.profile(skills), target)
    }

    /// Returns the fit from occupation A to B: a worker holding all of A's requirements
    /// (essential and optional) at weight 1.0, matched to B. Asymmetric; A → A is exactly 1
    /// for any occupation with requirements.
    pub fn occupation_fit(&self, from: OccupationId, to: OccupationId) -> Option<f64> {
        let a = *self.taxonomy.occupation_index.get(&from)?;
        let b = *self.taxonomy.occupation_index.get(&to)?;
        let mut profile = SkillProfile::empty(self.taxonomy.skill_count());
        self.fill_occupation_profile(&mut profile, a);
        Some(self.fit_index(&profile, b))
    }

    /// Returns the fit of a profile to a target with every requirement explained.
    pub fn explain_fit(
        &self,
        profile: &SkillProfile,
        target: OccupationId,
    ) -> Option<FitExplanation> {
        let t = *self.taxonomy.occupation_index.get(&target)?;
        Some(self.explain_index(profile, t))
    }

    pub(crate) fn explain_index(&self, profile: &SkillProfile, target: u32) -> FitExplanation {
        let taxonomy = self.taxonomy;
        let range = taxonomy.requirement_range(target);
        let mut matched_skills = Vec::new();
        let mut missing_essential = Vec::new();
        let mut missing_optional = Vec::new();
        for (r, &essential) in taxonomy.requirements[range.clone()]
            .iter()
            .zip(&taxonomy.requirement_essential[range])
        {
            let required = self.required_skill(profile, r.skill, essential, r.weight);
            if profile.held[r.skill as usize] > 0.0 {
                matched_skills.push(required);
            } else if essential {
                missing_essential.push(required);
            } else {
                missing_optional.push(required);
            }
        }
        sort_by_requirement_weight(&mut matched_skills);
        sort_by_idf(&mut missing_essential);
        sort_by_idf(&mut missing_optional);
        FitExplanation {
            occupation: taxonomy.occupation_ref(target),
            fit: self.fit_index(profile, target),
            matched_skills,
            missing_essential,
            missing_optional,
        }
    }

    pub(crate) fn required_skill(
        &self,
        profile: &SkillProfile,
        skill: u32,
        essential: bool,
        weight: f32,
    ) -> RequiredSkill {
        RequiredSkill {
            skill: self.taxonomy.skill_ref(skill),
            essential,
            requirement_weight: f64::from(weight),
            credit: f64::from(profile.credit[skill as usize]),
            related_held: profile
                .credited_via(self.taxonomy, &self.config, skill)
                .map(|t| self.taxonomy.skill_ref(t)),
        }
    }

    /// Returns the fit of every ordered pair of occupations, computed on
    /// [`MatchConfig::threads`] threads (one dense profile per origin, a sparse pass per
    /// target).
    pub fn all_pairs_fit(&self) -> FitMatrix {
        let n = self.taxonomy.occupation_count();
        let mut values = vec![0.0f32; n * n];
        let threads = match self.config.threads {
            0 => std::thread::available_parallelism().map_or(1, |p| p.get()),
            t => t,
        }
        .clamp(1, n.max(1));
        if n > 0 {
            let rows_per_chunk = n.div_ceil(threads);
            std::thread::scope(|scope| {
                for (chunk_index, chunk) in values.chunks_mut(rows_per_chunk * n).enumerate() {
                    scope.spawn(move || {
                        let mut profile = SkillProfile::empty(self.taxonomy.skill_count());
                        for (row_offset, row) in chunk.chunks_mut(n).enumerate() {
                            let a = (chunk_index * rows_per_chunk + row_offset) as u32;
                            self.fill_occupation_profile(&mut profile, a);
                            for (b, cell) in row.iter_mut().enumerate() {
                                *cell = self.fit_index(&profile, b as u32) as f32;
                            }
                        }
                    });
                }
            });
        }
        FitMatrix {
            occupations: self.taxonomy.occupations.iter().map(|o| o.id).collect(),
            values,
        }
    }
}

/// Sorts most informative first: IDF descending, then skill id.
pub(crate) fn sort_by_idf(skills: &mut [RequiredSkill]) {
    skills.sort_by(|a, b| {
        b.skill
            .idf
            .total_cmp(&a.skill.idf)
            .then(a.skill.id.cmp(&b.skill.id))
    });
}

/// Sorts heaviest requirement first, then skill id.
pub(crate) fn sort_by_requirement_weight(skills: &mut [RequiredSkill]) {
    skills.sort_by(|a, b| {
        b.requirement_weight
            .total_cmp(&a.requirement_weight)
            .then(a.skill.id.cmp(&b.skill.id))
    });
}
