//! How close a worker's skills (and their current occupation) are to every occupation, by
//! meaning rather than by shared skill ids: the ranking signal of transitions.
//!
//! Four parts, from the semantic layer's vectors and the taxonomy:
//! - **forward**: each skill the target requires, matched to the most similar skill the worker
//!   holds (1 for the skill itself, the cosine of a near neighbour, else a floor); the
//!   IDF-weighted mean over the essential requirements and over the optional ones, blended;
//! - **reverse**: the same from the other side — each held skill matched to the target's most
//!   similar requirement — so a target that uses a thin slice of the worker's skills ranks
//!   lower;
//! - **text**: the cosine of the two occupations' texts (label and first sentence);
//! - **ISCO**: the share of the four ISCO-08 digits the two occupations have in common;
//! - **SOC**: the share of the four levels of the O*NET-SOC hierarchy (major group, minor group,
//!   broad and detailed occupation) the two occupations have in common, when a crosswalk gives
//!   their O*NET codes — a second expert classification, built from US work descriptions;
//! - **preparation**: minus the difference in O*NET job zones, when labour facts are attached.
//! - **work context**: minus the difference in the standardised remote-work index, when labour
//!   facts carry it.
//!
//! The skill part is the harmonic mean of forward and reverse. Text, ISCO and SOC need the worker's
//! current occupation; without one the similarity is the skill part alone. Weights and figures
//! are in docs/MATCHING.md.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::config::MatchConfig;
use super::profile::SkillProfile;
use super::taxonomy::Taxonomy;
use crate::ids::{OccupationId, SkillId};

/// What the semantic layer hands the engine: nearest skills and occupation text vectors.
#[derive(Debug, Clone, Default)]
pub struct SimilarityInput {
    /// Each skill's most similar other skills by meaning with their cosine, most similar first.
    /// The last one's cosine is the skill's floor: what any skill further away counts for.
    pub skill_neighbours: Vec<(SkillId, Vec<(SkillId, f32)>)>,
    /// Each occupation's text vector (unit length; all of one length).
    pub occupation_vectors: Vec<(OccupationId, Vec<f32>)>,
}

/// An occupation's preparation level and pay, for judging whether a move is one a person would
/// take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct LabourFacts {
    /// O*NET job zone, 1 (little preparation) to 5 (extensive).
    pub job_zone: Option<f64>,
    /// Mean annual earnings, in one currency for the whole taxonomy.
    pub annual_earnings: Option<f64>,
    /// How much of the work can be done remotely (Nesta's remote labour index): a work-context
    /// measure, compared between occupations once standardised.
    #[serde(default)]
    pub remote_work: Option<f64>,
}

/// How a move compares in pay and preparation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct MoveFacts {
    /// The current occupation's figures.
    pub from: LabourFacts,
    /// The target's figures.
    pub to: LabourFacts,
    /// Target earnings over current earnings, when both are known.
    pub earnings_ratio: Option<f64>,
    /// Target job zone minus current job zone, when both are known.
    pub job_zone_change: Option<f64>,
}

impl MoveFacts {
    /// Returns the move in words: "pay 124% of today's, more preparation (job zone 2 → 3)".
    pub fn summary(&self) -> String {
        let pay = self.earnings_ratio.map_or_else(
            || "pay unknown".to_owned(),
            |ratio| format!("pay {:.0}% of today's", ratio * 100.0),
        );
        let zone = match (self.from.job_zone, self.to.job_zone) {
            (Some(from), Some(to)) if (to - from).abs() < 0.5 => {
                format!("same preparation (job zone {to:.0})")
            }
            (Some(from), Some(to)) if to > from => {
                format!("more preparation (job zone {from:.0} → {to:.0})")
            }
            (Some(from), Some(to)) => format!("less preparation (job zone {from:.0} → {to:.0})"),
            _ => "preparation unknown".to_owned(),
        };
        format!("{pay}, {zone}")
    }

    fn of(from: LabourFacts, to: LabourFacts) -> Self {
        Self {
            from,
            to,
            earnings_ratio: from
                .annual_earnings
                .zip(to.annual_earnings)
                .filter(|(a, _)| *a > 0.0)
                .map(|(a, b)| b / a),
            job_zone_change: from.job_zone.zip(to.job_zone).map(|(a, b)| b - a),
        }
    }

    /// Whether the move is desirable: pay does not fall below `min_earnings_ratio` of today's
    /// and preparation changes by at most `max_job_zone_change` zones. Unknown figures do not
    /// exclude a move.
    pub fn desirable(&self, config: &MatchConfig) -> bool {
        self.earnings_ratio
            .is_none_or(|ratio| ratio >= config.min_earnings_ratio)
            && self
                .job_zone_change
                .is_none_or(|change| change.abs() <= config.max_job_zone_change)
    }
}

/// [`SimilarityInput`] over the taxonomy's dense indices.
#[derive(Debug, Clone)]
pub(crate) struct SimilarityIndex {
    /// CSR offsets into `neighbours`, one more than skills. Lists are symmetric: a skill is
    /// among its neighbours' neighbours.
    neighbour_offsets: Vec<u32>,
    neighbours: Vec<(u32, f32)>,
    /// Credit of a skill with no close held skill.
    floor: Vec<f32>,
    /// CSR: skill index → indices of occupations requiring it.
    required_by_offsets: Vec<u32>,
    required_by: Vec<u32>,
    dims: usize,
    /// Occupation text vectors, row-major; `has_vector` says which rows are real.
    vectors: Vec<f32>,
    has_vector: Vec<bool>,
}

impl SimilarityIndex {
    pub(crate) fn build(taxonomy: &Taxonomy, input: &SimilarityInput) -> Self {
        let n_skills = taxonomy.skills.len();
        let mut lists: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n_skills];
        let mut floor = vec![0.0f32; n_skills];
        for (skill, near) in &input.skill_neighbours {
            let Some(&s) = taxonomy.skill_index.get(skill) else {
                continue;
            };
            if let Some(&(_, last)) = near.last() {
                floor[s as usize] = last.max(0.0);
            }
            for (other, cos) in near {
                let Some(&o) = taxonomy.skill_index.get(other) else {
                    continue;
                };
                if o == s {
                    continue;
                }
                for (a, b) in [(s, o), (o, s)] {
                    let slot = lists[a as usize].entry(b).or_insert(*cos);
                    *slot = slot.max(*cos);
                }
            }
        }
        let mut neighbour_offsets = Vec::with_capacity(n_skills + 1);
        let mut neighbours = Vec::new();
        neighbour_offsets.push(0);
        for list in lists {
            let mut list: Vec<(u32, f32)> = list.into_iter().collect();
            list.sort_by_key(|p| p.0);
            neighbours.extend(list);
            neighbour_offsets.push(neighbours.len() as u32);
        }

        let n_occupations = taxonomy.occupations.len();
        let mut pairs: Vec<(u32, u32)> = (0..n_occupations as u32)
            .flat_map(|o| {
                taxonomy
                    .occupation_requirements(o)
                    .iter()
                    .map(move |r| (r.skill, o))
            })
            .collect();
        pairs.sort_unstable();
        let mut required_by_offsets = vec![0u32; n_skills + 1];
        for &(s, _) in &pairs {
            required_by_offsets[s as usize + 1] += 1;
        }
        for i in 0..n_skills {
            required_by_offsets[i + 1] += required_by_offsets[i];
        }
        let required_by = pairs.into_iter().map(|(_, o)| o).collect();

        let dims = input.occupation_vectors.first().map_or(0, |(_, v)| v.len());
        let mut vectors = vec![0.0f32; n_occupations * dims];
        let mut has_vector = vec![false; n_occupations];
        for (occupation, vector) in &input.occupation_vectors {
            if let Some(&o) = taxonomy.occupation_index.get(occupation)
                && vector.len() == dims
            {
                vectors[o as usize * dims..(o as usize + 1) * dims].copy_from_slice(vector);
                has_vector[o as usize] = true;
            }
        }
        Self {
            neighbour_offsets,
            neighbours,
            floor,
            required_by_offsets,
            required_by,
            dims,
            vectors,
            has_vector,
        }
    }

    fn neighbours_of(&self, skill: u32) -> &[(u32, f32)] {
        &self.neighbours[self.neighbour_offsets[skill as usize] as usize
            ..self.neighbour_offsets[skill as usize + 1] as usize]
    }

    fn required_by(&self, skill: u32) -> &[u32] {
        &self.required_by[self.required_by_offsets[skill as usize] as usize
            ..self.required_by_offsets[skill as usize + 1] as usize]
    }

    fn vector(&self, occupation: u32) -> Option<&[f32]> {
        let o = occupation as usize;
        self.has_vector[o].then(|| &self.vectors[o * self.dims..(o + 1) * self.dims])
    }
}

/// Weighted means of two classes of items (essential and optional), blended by `share`; a class
/// with no weight gives its share to the other.
#[derive(Default, Clone, Copy)]
struct TwoMeans {
    essential: (f64, f64),
    optional: (f64, f64),
}

impl TwoMeans {
    fn add(&mut self, essential: bool, weight: f64, value: f64) {
        let slot = if essential {
            &mut self.essential
        } else {
            &mut self.optional
        };
        slot.0 += weight * value;
        slot.1 += weight;
    }

    fn blend(&self, share: f64) -> f64 {
        let mean = |(sum, weight): (f64, f64)| (weight > 0.0).then(|| sum / weight);
        match (mean(self.essential), mean(self.optional)) {
            (Some(e), Some(o)) => share * e + (1.0 - share) * o,
            (Some(m), None) | (None, Some(m)) => m,
            (None, None) => 0.0,
        }
    }
}

/// Returns the harmonic mean of two shares in [0, 1] (0 when both are 0).
fn harmonic(a: f64, b: f64) -> f64 {
    if a + b <= 0.0 {
        0.0
    } else {
        2.0 * a * b / (a + b)
    }
}

impl Taxonomy {
    /// Attaches the semantic layer's vectors; transitions then rank by
    /// [`similarity`](super::Matcher::similarities) instead of fit.
    pub fn with_similarity(mut self, input: &SimilarityInput) -> Self {
        let index = SimilarityIndex::build(&self, input);
        self.similarity = Some(std::sync::Arc::new(index));
        self
    }

    /// Attaches each occupation's preparation level and pay; occupations not listed have none.
    pub fn with_labour_facts(mut self, facts: &[(OccupationId, LabourFacts)]) -> Self {
        let mut dense = vec![None; self.occupations.len()];
        for (id, fact) in facts {
            if let Some(&o) = self.occupation_index.get(id) {
                dense[o as usize] = Some(*fact);
            }
        }
        let remote: Vec<Option<f64>> = dense
            .iter()
            .map(|f| f.and_then(|f| f.remote_work).filter(|r| r.is_finite()))
            .collect();
        let (context, mean_gap) = standardise(&remote);
        self.labour = dense;
        self.work_context = context;
        self.work_context_mean_gap = mean_gap;
        self
    }

    /// Attaches each occupation's O*NET-SOC code (from an ESCO → O*NET crosswalk); occupations
    /// not listed have none and share no SOC level with any other.
    pub fn with_onet_codes(mut self, codes: &[(OccupationId, String)]) -> Self {
        let mut dense: Vec<Option<Box<str>>> = vec![None; self.occupations.len()];
        for (id, code) in codes {
            if let Some(&o) = self.occupation_index.get(id) {
                dense[o as usize] = Some(code.as_str().into());
            }
        }
        self.onet_codes = dense;
        self
    }

    /// Returns how a move from occupation index `from` to `to` compares in pay and
    /// preparation, when labour facts are attached.
    pub(crate) fn move_facts(&self, from: u32, to: u32) -> Option<MoveFacts> {
        let from = (*self.labour.get(from as usize)?)?;
        let to = (*self.labour.get(to as usize)?)?;
        Some(MoveFacts::of(from, to))
    }

    /// Returns whether transitions rank by similarity (the semantic layer's vectors are
    /// attached).
    pub fn has_similarity(&self) -> bool {
        self.similarity.is_some()
    }
}

/// How close a worker is to one occupation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Closeness {
    /// Every part: what transitions rank by.
    pub similarity: f64,
    /// Every part but the SOC hierarchy: what decides whether a move is viable. Whether a person
    /// can make a move rests on their skills and the work, not on how one national
    /// classification files the two jobs (it puts, for example, marketing specialists beside
    /// management analysts and apart from marketing managers).
    pub viability: f64,
}

impl super::fit::Matcher<'_> {
    /// Returns the similarity in [0, 1] of a worker to every occupation, by dense index, or
    /// `None` when the taxonomy has no vectors attached (see [`Self::closeness`]).
    #[cfg(test)]
    pub(crate) fn similarities(
        &self,
        profile: &SkillProfile,
        current: Option<u32>,
    ) -> Option<Vec<f64>> {
        Some(
            self.closeness(profile, current)?
                .into_iter()
                .map(|c| c.similarity)
                .collect(),
        )
    }

    /// Returns the similarity and viability in [0, 1] of a worker to every occupation, by
    /// dense index, or `None` when the taxonomy has no vectors attached. `current` is the
    /// worker's current occupation index: its essential and optional requirements weigh the
    /// reverse part, and its text, ISCO group and SOC code add the occupation parts.
    pub(crate) fn closeness(
        &self,
        profile: &SkillProfile,
        current: Option<u32>,
    ) -> Option<Vec<Closeness>> {
        let taxonomy = self.taxonomy;
        let index = taxonomy.similarity.as_deref()?;
        let config: &MatchConfig = &self.config;
        let share = config.similarity_essential_share.clamp(0.0, 1.0);
        let n = taxonomy.occupations.len();

        // Forward: the credit of every skill from its closest held skill.
        let mut best = index.floor.clone();
        for &h in &profile.held_skills {
            let held = profile.held[h as usize];
            let slot = &mut best[h as usize];
            *slot = slot.max(held);
            for &(other, cos) in index.neighbours_of(h) {
                let slot = &mut best[other as usize];
                *slot = slot.max(cos * held);
            }
        }
        let forward: Vec<f64> = (0..n as u32)
            .map(|o| {
                let range = taxonomy.requirement_range(o);
                let mut means = TwoMeans::default();
                for (r, &essential) in taxonomy.requirements[range.clone()]
                    .iter()
                    .zip(&taxonomy.requirement_essential[range])
                {
                    let s = r.skill as usize;
                    means.add(essential, f64::from(taxonomy.idf[s]), f64::from(best[s]));
                }
                means.blend(share)
            })
            .collect();

        // Reverse: every held skill's closest requirement in each occupation.
        let essential_of_current: HashMap<u32, bool> = current
            .map(|c| {
                let range = taxonomy.requirement_range(c);
                taxonomy.requirements[range.clone()]
                    .iter()
                    .zip(&taxonomy.requirement_essential[range])
                    .map(|(r, &e)| (r.skill, e))
                    .collect()
            })
            .unwrap_or_default();
        let mut reverse = vec![TwoMeans::default(); n];
        let mut closest = vec![0.0f32; n];
        for &h in &profile.held_skills {
            let floor = index.floor[h as usize];
            closest.iter_mut().for_each(|c| *c = floor);
            for &(other, cos) in index.neighbours_of(h) {
                for &o in index.required_by(other) {
                    let slot = &mut closest[o as usize];
                    *slot = slot.max(cos);
                }
            }
            for &o in index.required_by(h) {
                closest[o as usize] = 1.0;
            }
            let essential = essential_of_current.get(&h).copied().unwrap_or(true);
            let weight = f64::from(taxonomy.idf[h as usize] * profile.held[h as usize]);
            for (means, &c) in reverse.iter_mut().zip(&closest) {
                means.add(essential, weight, f64::from(c));
            }
        }

        let text_weight = config.similarity_text_weight.max(0.0);
        let isco_weight = config.similarity_isco_weight.max(0.0);
        // Without a crosswalk the part is left out rather than counted as zero for everyone, so
        // the similarity keeps its scale.
        let soc_weight = if taxonomy.onet_codes.is_empty() {
            0.0
        } else {
            config.similarity_soc_weight.max(0.0)
        };
        let zone_weight = if taxonomy.labour.is_empty() {
            0.0
        } else {
            config.similarity_job_zone_weight.max(0.0)
        };
        let context_weight = if taxonomy.work_context.is_empty() {
            0.0
        } else {
            config.similarity_work_context_weight.max(0.0)
        };
        let origin = current.and_then(|c| index.vector(c).map(|v| (c, v)));
        let out = (0..n)
            .map(|o| {
                let skills = harmonic(forward[o], reverse[o].blend(share));
                let Some((c, origin_vector)) = origin else {
                    return Closeness {
                        similarity: skills,
                        viability: skills,
                    };
                };
                let text = index.vector(o as u32).map_or(0.0, |v| {
                    f64::from(origin_vector.iter().zip(v).map(|(a, b)| a * b).sum::<f32>())
                });
                let isco = shared_isco_digits(
                    &taxonomy.occupations[c as usize].isco_group,
                    &taxonomy.occupations[o].isco_group,
                );
                let soc = match (
                    taxonomy
                        .onet_codes
                        .get(c as usize)
                        .and_then(Option::as_deref),
                    taxonomy.onet_codes.get(o).and_then(Option::as_deref),
                ) {
                    (Some(a), Some(b)) => shared_soc_levels(a, b),
                    _ => 0.0,
                };
                // An unknown job zone counts as one zone apart, as when the weight was chosen.
                let zone_gap = taxonomy
                    .move_facts(c, o as u32)
                    .and_then(|m| m.job_zone_change)
                    .map_or(1.0, f64::abs);
                // An unknown side counts as the typical gap, as when the weight was chosen.
                let context = |i: usize| taxonomy.work_context.get(i).copied().flatten();
                let context_gap = match (context(c as usize), context(o)) {
                    (Some(a), Some(b)) => (a - b).abs(),
                    _ => taxonomy.work_context_mean_gap,
                };
                let sum = skills + text_weight * text.max(0.0) + isco_weight * isco
                    - zone_weight * zone_gap
                    - context_weight * context_gap;
                let weights = 1.0 + text_weight + isco_weight;
                Closeness {
                    similarity: ((sum + soc_weight * soc) / (weights + soc_weight)).clamp(0.0, 1.0),
                    viability: (sum / weights).clamp(0.0, 1.0),
                }
            })
            .collect();
        Some(out)
    }
}

/// Returns the values as z-scores (over those present) and the mean absolute difference of the
/// z-scores over all pairs of present values (computed from the sorted values, not pair by pair).
fn standardise(values: &[Option<f64>]) -> (Vec<Option<f64>>, f64) {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let n = present.len();
    if n < 2 {
        return (vec![None; values.len()], 0.0);
    }
    let mean = present.iter().sum::<f64>() / n as f64;
    let sd = (present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    if sd <= f64::EPSILON {
        return (vec![None; values.len()], 0.0);
    }
    let z: Vec<Option<f64>> = values.iter().map(|v| v.map(|v| (v - mean) / sd)).collect();
    let mut sorted: Vec<f64> = present.iter().map(|v| (v - mean) / sd).collect();
    sorted.sort_by(f64::total_cmp);
    // Σ_{i<j} (x_j − x_i) = Σ_k x_k (2k − n + 1) over the sorted values.
    let sum: f64 = sorted
        .iter()
        .enumerate()
        .map(|(k, x)| x * (2.0 * k as f64 - n as f64 + 1.0))
        .sum();
    (z, sum / (n as f64 * (n as f64 - 1.0) / 2.0))
}

/// Share of the four levels of the SOC hierarchy two O*NET-SOC codes (`43-4051.00`) have in
/// common: major group (`43`), minor group (`43-4`), broad occupation (`43-405`) and detailed
/// occupation (`43-4051`), each level counting only when the broader ones match.
fn shared_soc_levels(a: &str, b: &str) -> f64 {
    [2, 4, 6, 7]
        .iter()
        .take_while(|&&cut| matches!((a.get(..cut), b.get(..cut)), (Some(x), Some(y)) if x == y))
        .count() as f64
        / 4.0
}

/// Share of the four ISCO-08 digits two unit groups have in common, from the first.
fn shared_isco_digits(a: &str, b: &str) -> f64 {
    let shared = a
        .bytes()
        .zip(b.bytes())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    shared as f64 / 4.0
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::super::{MatchConfig, Matcher};
    use super::*;

    #[test]
    fn standardised_values_and_their_mean_gap() {
        let (z, gap) = standardise(&[Some(1.0), None, Some(2.0), Some(3.0)]);
        let sd = (2.0f64 / 3.0).sqrt();
        assert!((z[0].unwrap() + 1.0 / sd).abs() < 1e-12);
        assert_eq!(z[1], None);
        assert!(z[2].unwrap().abs() < 1e-12);
        // Pair gaps 1, 2 and 1 (in raw units), so 4/3 on average, over sd.
        assert!((gap - 4.0 / 3.0 / sd).abs() < 1e-12);
        assert_eq!(standardise(&[Some(1.0), None]).1, 0.0);
        assert_eq!(standardise(&[Some(1.0), Some(1.0)]).0, vec![None, None]);
    }

    fn index_of(taxonomy: &Taxonomy, id: OccupationId) -> usize {
        taxonomy.occupation_index[&id] as usize
    }

    /// Every skill 0.2 from every other (the floor), with the given closer pairs.
    fn input(
        close: &[(SkillId, SkillId, f32)],
        vectors: &[(OccupationId, [f32; 2])],
    ) -> SimilarityInput {
        let skills: Vec<SkillId> = fixture_skills();
        let skill_neighbours = skills
            .iter()
            .map(|&s| {
                let mut near: Vec<(SkillId, f32)> = close
                    .iter()
                    .filter_map(|&(a, b, cos)| {
                        (a == s)
                            .then_some((b, cos))
                            .or((b == s).then_some((a, cos)))
                    })
                    .collect();
                let other = skills
                    .iter()
                    .copied()
                    .find(|&o| o != s && !near.iter().any(|n| n.0 == o));
                near.extend(other.map(|o| (o, 0.2)));
                (s, near)
            })
            .collect();
        SimilarityInput {
            skill_neighbours,
            occupation_vectors: vectors.iter().map(|(id, v)| (*id, v.to_vec())).collect(),
        }
    }

    fn fixture_skills() -> Vec<SkillId> {
        taxonomy().skills.iter().map(|s| s.id).collect()
    }

    #[test]
    fn no_vectors_no_similarity() {
        let taxonomy = taxonomy();
        let matcher = Matcher::new(&taxonomy, MatchConfig::default());
        let profile = matcher.profile(&call_centre_worker().skills);
        assert!(matcher.similarities(&profile, None).is_none());
        assert!(!taxonomy.has_similarity());
    }

    #[test]
    fn a_close_skill_counts_and_an_unrelated_target_is_unmoved() {
        let worker = declared(&[KEEP_FINANCIAL_RECORDS, PLAN_BUDGETS]);
        let plain = taxonomy().with_similarity(&input(&[], &[]));
        let linked = taxonomy().with_similarity(&input(
            &[(KEEP_FINANCIAL_RECORDS, CHECK_DATA_QUALITY, 0.9)],
            &[],
        ));
        let score = |taxonomy: &Taxonomy, target| {
            let matcher = Matcher::new(taxonomy, MatchConfig::default());
            let profile = matcher.profile(&worker);
            matcher.similarities(&profile, None).unwrap()[index_of(taxonomy, target)]
        };
        assert!(score(&linked, DATA_ENTRY_CLERK) > score(&plain, DATA_ENTRY_CLERK) + 0.05);
        assert_eq!(score(&linked, NURSE), score(&plain, NURSE));
        // Holding every requirement of an occupation and nothing else is a perfect match.
        let bookkeeper = declared(&[
            KEEP_FINANCIAL_RECORDS,
            USE_SPREADSHEETS,
            PLAN_BUDGETS,
            TOUCH_TYPING,
            CHECK_DATA_QUALITY,
        ]);
        let matcher = Matcher::new(&plain, MatchConfig::default());
        let all = matcher
            .similarities(&matcher.profile(&bookkeeper), None)
            .unwrap();
        assert!(
            (all[index_of(&plain, BOOKKEEPER)] - 1.0).abs() < 1e-9,
            "{all:?}"
        );
        assert!(
            all.iter().all(|s| (0.0..=1.0 + 1e-9).contains(s)),
            "{all:?}"
        );
    }

    #[test]
    fn a_target_using_a_thin_slice_of_the_skills_ranks_lower() {
        // The care assistant's three essentials are all held by a nurse, but the nurse's other
        // skills go unused there: the reverse part keeps it below a perfect match.
        let taxonomy = taxonomy().with_similarity(&input(&[], &[]));
        let matcher = Matcher::new(&taxonomy, MatchConfig::default());
        let nurse_skills = declared(&[
            ADMINISTER_MEDICATION,
            MONITOR_PATIENT_HEALTH,
            FOLLOW_HYGIENE_PROCEDURES,
            SHOW_EMPATHY,
            CLINICAL_ASSESSMENT,
            ASSIST_WITH_PERSONAL_CARE,
            COMMUNICATE_WITH_CUSTOMERS,
        ]);
        let profile = matcher.profile(&nurse_skills);
        let nurse = taxonomy.occupation_index[&NURSE];
        let all = matcher.similarities(&profile, Some(nurse)).unwrap();
        let care = all[index_of(&taxonomy, CARE_ASSISTANT)];
        assert!(matcher.fit(&nurse_skills, CARE_ASSISTANT).unwrap() > 0.99);
        assert!(care < 0.9, "care assistant {care}");
        assert!(care > all[index_of(&taxonomy, BOOKKEEPER)]);
    }

    #[test]
    fn texts_and_isco_digits_join_with_a_current_occupation() {
        let vectors = [
            (CALL_CENTRE_AGENT, [1.0, 0.0]),
            (CUSTOMER_SERVICE_MANAGER, [1.0, 0.0]),
            (DATA_ENTRY_CLERK, [0.0, 1.0]),
        ];
        let taxonomy = taxonomy().with_similarity(&input(&[], &vectors));
        let matcher = Matcher::new(&taxonomy, MatchConfig::default());
        let worker = call_centre_worker();
        let profile = matcher.profile(&worker.skills);
        let current = taxonomy.occupation_index[&CALL_CENTRE_AGENT];
        let with = matcher.similarities(&profile, Some(current)).unwrap();
        // The skill part alone: the same current occupation, no occupation vectors.
        let bare = super::super::fixture::taxonomy().with_similarity(&input(&[], &[]));
        let bare_matcher = Matcher::new(&bare, MatchConfig::default());
        let without = bare_matcher
            .similarities(&bare_matcher.profile(&worker.skills), Some(current))
            .unwrap();
        let manager = index_of(&taxonomy, CUSTOMER_SERVICE_MANAGER);
        let clerk = index_of(&taxonomy, DATA_ENTRY_CLERK);
        // Same text vector: the text part is 1; orthogonal: 0. Both share ISCO digit 4 or none.
        let config = MatchConfig::default();
        let total = 1.0 + config.similarity_text_weight + config.similarity_isco_weight;
        let expected_manager = (without[manager] + config.similarity_text_weight) / total;
        assert!(
            (with[manager] - expected_manager).abs() < 1e-6,
            "{} vs {expected_manager}",
            with[manager]
        );
        let expected_clerk = (without[clerk] + config.similarity_isco_weight * 0.25) / total;
        assert!(
            (with[clerk] - expected_clerk).abs() < 1e-6,
            "{} vs {expected_clerk}",
            with[clerk]
        );
    }

    #[test]
    fn shared_soc_levels_join_when_codes_are_attached() {
        let vectors = [
            (CALL_CENTRE_AGENT, [1.0, 0.0]),
            (CUSTOMER_SERVICE_MANAGER, [1.0, 0.0]),
            (DATA_ENTRY_CLERK, [0.0, 1.0]),
        ];
        let plain = taxonomy().with_similarity(&input(&[], &vectors));
        let coded = taxonomy()
            .with_similarity(&input(&[], &vectors))
            .with_onet_codes(&[
                (CALL_CENTRE_AGENT, "43-4051.00".to_owned()),
                (DATA_ENTRY_CLERK, "43-9021.00".to_owned()),
                (BOOKKEEPER, "43-3031.00".to_owned()),
            ]);
        let worker = call_centre_worker();
        let current = plain.occupation_index[&CALL_CENTRE_AGENT];
        let similarities = |taxonomy: &Taxonomy| {
            let matcher = Matcher::new(taxonomy, MatchConfig::default());
            matcher
                .similarities(&matcher.profile(&worker.skills), Some(current))
                .unwrap()
        };
        let (without, with) = (similarities(&plain), similarities(&coded));
        let config = MatchConfig::default();
        let before = 1.0 + config.similarity_text_weight + config.similarity_isco_weight;
        let after = before + config.similarity_soc_weight;
        // The clerk shares the major group (43) only: one level of four.
        let clerk = index_of(&plain, DATA_ENTRY_CLERK);
        let expected = (without[clerk] * before + config.similarity_soc_weight * 0.25) / after;
        assert!(
            (with[clerk] - expected).abs() < 1e-6,
            "{} vs {expected}",
            with[clerk]
        );
        // The manager has no code: no SOC credit, only the larger denominator.
        let manager = index_of(&plain, CUSTOMER_SERVICE_MANAGER);
        let expected = without[manager] * before / after;
        assert!(
            (with[manager] - expected).abs() < 1e-6,
            "{} vs {expected}",
            with[manager]
        );
    }

    #[test]
    fn soc_levels_count_from_the_major_group() {
        assert_eq!(shared_soc_levels("43-4051.00", "43-4051.03"), 1.0);
        assert_eq!(shared_soc_levels("43-4051.00", "43-4059.00"), 0.75);
        assert_eq!(shared_soc_levels("43-4051.00", "43-4111.00"), 0.5);
        assert_eq!(shared_soc_levels("43-4051.00", "43-9021.00"), 0.25);
        assert_eq!(shared_soc_levels("43-4051.00", "41-4051.00"), 0.0);
        assert_eq!(shared_soc_levels("", "43-4051.00"), 0.0);
    }

    #[test]
    fn moves_that_cut_pay_or_jump_zones_are_not_offered() {
        let facts = |job_zone: f64, annual_earnings: f64| LabourFacts {
            remote_work: None,
            job_zone: Some(job_zone),
            annual_earnings: Some(annual_earnings),
        };
        let taxonomy = taxonomy().with_labour_facts(&[
            (CALL_CENTRE_AGENT, facts(2.0, 20_000.0)),
            (CUSTOMER_SERVICE_MANAGER, facts(3.0, 14_000.0)),
            (DATA_ENTRY_CLERK, facts(4.0, 25_000.0)),
            (BOOKKEEPER, facts(3.0, 15_000.0)),
        ]);
        let config = MatchConfig {
            viable_fit: 0.0,
            min_risk_reduction: -100.0,
            ..MatchConfig::default()
        };
        let listed = |config: MatchConfig| -> Vec<OccupationId> {
            Matcher::new(&taxonomy, config)
                .transitions(&call_centre_worker(), &HashMap::new(), 10)
                .into_iter()
                .map(|t| t.fit.occupation.id)
                .collect()
        };
        let safer = listed(config.clone());
        // 70% of today's pay, then two zones up: left out. 75% exactly, one zone up: kept.
        assert!(!safer.contains(&CUSTOMER_SERVICE_MANAGER), "{safer:?}");
        assert!(!safer.contains(&DATA_ENTRY_CLERK), "{safer:?}");
        assert!(safer.contains(&BOOKKEEPER), "{safer:?}");
        // Unknown figures exclude nothing.
        assert!(safer.contains(&NURSE), "{safer:?}");
        let every = listed(MatchConfig {
            include_riskier: true,
            ..config
        });
        assert!(every.contains(&CUSTOMER_SERVICE_MANAGER) && every.contains(&DATA_ENTRY_CLERK));
        let open = MatchConfig {
            viable_fit: 0.0,
            min_risk_reduction: -100.0,
            ..MatchConfig::default()
        };
        let facts = Matcher::new(&taxonomy, open)
            .transitions(&call_centre_worker(), &HashMap::new(), 10)
            .into_iter()
            .find(|t| t.fit.occupation.id == BOOKKEEPER)
            .and_then(|t| t.labour)
            .expect("the bookkeeper is listed with its figures");
        assert_eq!(facts.earnings_ratio, Some(0.75));
        assert_eq!(facts.job_zone_change, Some(1.0));
    }

    #[test]
    fn isco_digits_count_from_the_first() {
        assert_eq!(shared_isco_digits("2421", "2421"), 1.0);
        assert_eq!(shared_isco_digits("2421", "2422"), 0.75);
        assert_eq!(shared_isco_digits("2421", "3421"), 0.0);
        assert_eq!(shared_isco_digits("", "2421"), 0.0);
    }

    #[test]
    fn an_empty_class_gives_its_share_to_the_other() {
        let mut means = TwoMeans::default();
        means.add(true, 2.0, 0.5);
        assert_eq!(means.blend(0.75), 0.5);
        means.add(false, 1.0, 1.0);
        assert!((means.blend(0.75) - (0.75 * 0.5 + 0.25)).abs() < 1e-12);
        assert_eq!(harmonic(0.0, 0.0), 0.0);
        assert!((harmonic(0.5, 1.0) - 2.0 / 3.0).abs() < 1e-12);
    }
}
