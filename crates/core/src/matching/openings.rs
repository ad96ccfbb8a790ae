//! Opening re-ranking: candidates retrieved by the search index are scored exactly by fit now,
//! fit after the course plan, distance, recency and the risk of the opening's occupation.
//!
//! Openings are first flattened into one sparse matrix ([`PreparedOpenings`]), so the scoring
//! loop is a merge of sorted arrays against the worker's dense vector with no allocation per
//! candidate.

use serde::{Deserialize, Serialize};

use super::fit::{
    Matcher, RequiredSkill, covered_weight, share, sort_by_idf, sort_by_requirement_weight,
};
use super::profile::{GeoPoint, SkillOrigin, SkillProfile, WorkerInput, WorkerSkill};
use super::risk::RiskView;
use super::taxonomy::{OccupationRef, Req, SkillRef};
use crate::ids::{OccupationId, OpeningId, SkillId};

/// An opening as the ranker needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningInput {
    /// Store key.
    pub id: OpeningId,
    /// Its occupation, where known.
    pub occupation: Option<OccupationId>,
    /// Required skills: essential (true) or nice to have (false).
    pub skills: Vec<(SkillId, bool)>,
    /// Where the job is.
    pub location: Option<GeoPoint>,
    /// Whether it can be done remotely.
    pub remote: bool,
    /// Days since it was posted.
    pub posted_days_ago: u32,
}

/// Openings' requirement vectors flattened into one sparse matrix (rows sorted by skill index),
/// weighted like occupations' requirements; skills unknown to the taxonomy are dropped.
#[derive(Debug, Clone, Default)]
pub struct PreparedOpenings {
    offsets: Vec<u32>,
    requirements: Vec<Req>,
    essential: Vec<bool>,
    totals: Vec<f64>,
}

impl PreparedOpenings {
    /// Returns the number of openings.
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    /// Returns whether there are no openings.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// Returns the `i`-th opening's requirements as `(skill index, weight)` pairs; for
    /// benchmarks that compare the engine's loop with a bare dot product.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.requirements[self.range(i)]
            .iter()
            .map(|r| (r.skill, r.weight))
    }
}

/// The parts an opening's score is made of, each already multiplied by its weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct OpeningScoreParts {
    /// Weighted fit now.
    pub fit_now: f64,
    /// Weighted fit after the plan.
    pub fit_after_plan: f64,
    /// Weighted closeness: 1 for remote, `exp(-km / scale)` otherwise.
    pub distance: f64,
    /// Weighted recency: `0.5^(days / half_life)`.
    pub recency: f64,
    /// Weighted safety of the opening's occupation: `1 - percentile / 100`.
    pub risk: f64,
}

/// Why an opening ranks where it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct OpeningExplanation {
    /// Requirements the worker holds, heaviest first.
    pub matched_skills: Vec<RequiredSkill>,
    /// Essential requirements not held now, most informative first.
    pub missing_essential: Vec<RequiredSkill>,
    /// Nice-to-have requirements not held now, most informative first.
    pub missing_optional: Vec<RequiredSkill>,
    /// Missing requirements the course plan closes.
    pub closed_by_plan: Vec<SkillRef>,
    /// Risk of the opening's occupation, where scored.
    pub risk: Option<RiskView>,
}

/// One ranked opening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RankedOpening {
    /// The opening.
    pub opening: OpeningId,
    /// Its occupation, where known to the taxonomy.
    pub occupation: Option<OccupationRef>,
    /// Ranking score: the sum of `score_parts`.
    pub score: f64,
    /// The parts of the score.
    pub score_parts: OpeningScoreParts,
    /// Fit now, in [0, 1].
    pub fit_now: f64,
    /// Fit once the plan's skills are gained, in [0, 1].
    pub fit_after_plan: f64,
    /// Distance from the worker in km, when both locations are known.
    pub distance_km: Option<f64>,
    /// Whether it can be done remotely.
    pub remote: bool,
    /// Days since it was posted.
    pub posted_days_ago: u32,
    /// Skill by skill explanation.
    pub explanation: OpeningExplanation,
}

impl Matcher<'_> {
    /// Flattens openings into a sparse matrix for fast scoring.
    pub fn prepare_openings(&self, openings: &[OpeningInput]) -> PreparedOpenings {
        let total_skills = openings.iter().map(|o| o.skills.len()).sum();
        let mut prepared = PreparedOpenings {
            offsets: Vec::with_capacity(openings.len() + 1),
            requirements: Vec::with_capacity(total_skills),
            essential: Vec::with_capacity(total_skills),
            totals: Vec::with_capacity(openings.len()),
        };
        prepared.offsets.push(0);
        let mut row: Vec<(u32, bool)> = Vec::new();
        for opening in openings {
            row.clear();
            row.extend(opening.skills.iter().filter_map(|(skill, essential)| {
                self.taxonomy
                    .skill_index
                    .get(skill)
                    .map(|&s| (s, *essential))
            }));
            // Essential first within a skill, so dedup keeps it.
            row.sort_unstable_by_key(|&(s, essential)| (s, !essential));
            row.dedup_by_key(|r| r.0);
            let start = prepared.requirements.len();
            for &(s, essential) in &row {
                prepared.requirements.push(Req {
                    skill: s,
                    weight: self.taxonomy.requirement_weight(s, essential),
                });
                prepared.essential.push(essential);
            }
            prepared
                .totals
                .push(super::fit::total_weight(&prepared.requirements[start..]));
            prepared.offsets.push(prepared.requirements.len() as u32);
        }
        prepared
    }

    /// Writes the fit of `profile` to every prepared opening into `out` (cleared first).
    pub fn fit_openings(
        &self,
        profile: &SkillProfile,
        prepared: &PreparedOpenings,
        out: &mut Vec<f64>,
    ) {
        out.clear();
        out.reserve(prepared.len());
        for i in 0..prepared.len() {
            let requirements = &prepared.requirements[prepared.range(i)];
            out.push(share(
                covered_weight(requirements, &profile.credit),
                prepared.totals[i],
            ));
        }
    }

    /// Ranks candidate openings for a worker whose course plan teaches `plan_skills`, returning
    /// the best `limit` with explanations. Non-remote openings beyond
    /// [`opening_max_distance_km`](super::MatchConfig::opening_max_distance_km) are dropped.
    /// Ties are broken by opening id.
    pub fn rank_openings(
        &self,
        worker: &WorkerInput,
        plan_skills: &[SkillId],
        candidates: &[OpeningInput],
        limit: usize,
    ) -> Vec<RankedOpening> {
        let config = &self.config;
        let now = self.profile(&worker.skills);
        let mut with_plan = worker.skills.clone();
        with_plan.extend(plan_skills.iter().map(|&skill| WorkerSkill {
            skill,
            origin: SkillOrigin::Gained,
        }));
        let after = self.profile(&with_plan);
        let prepared = self.prepare_openings(candidates);

        let mut scored: Vec<(f64, usize, OpeningScoreParts, f64, f64, Option<f64>)> =
            Vec::with_capacity(candidates.len());
        for (i, opening) in candidates.iter().enumerate() {
            let distance_km = match (worker.location, opening.location) {
                (Some(a), Some(b)) => Some(a.distance_km(b)),
                _ => None,
            };
            if let (Some(max), Some(d), false) =
                (config.opening_max_distance_km, distance_km, opening.remote)
                && d > max
            {
                continue;
            }
            let requirements = &prepared.requirements[prepared.range(i)];
            let (mut covered_now, mut covered_after) = (0.0f64, 0.0f64);
            for r in requirements {
                let w = f64::from(r.weight);
                covered_now += w * f64::from(now.credit[r.skill as usize]);
                covered_after += w * f64::from(after.credit[r.skill as usize]);
            }
            let fit_now = share(covered_now, prepared.totals[i]);
            let fit_after = share(covered_after, prepared.totals[i]);
            let closeness = if opening.remote {
                1.0
            } else {
                distance_km.map_or(config.opening_unknown_distance_score, |d| {
                    (-d / config.opening_distance_scale_km.max(f64::MIN_POSITIVE)).exp()
                })
            };
            let recency = 0.5f64.powf(
                f64::from(opening.posted_days_ago)
                    / config.opening_recency_half_life_days.max(f64::MIN_POSITIVE),
            );
            let safety = opening
                .occupation
                .and_then(|o| self.taxonomy.occupation_index.get(&o))
                .and_then(|&o| self.taxonomy.risk.primary_point(o))
                .map_or(config.opening_unknown_risk_score, |p| {
                    1.0 - p.percentile / 100.0
                });
            let parts = OpeningScoreParts {
                fit_now: config.opening_fit_now_weight * fit_now,
                fit_after_plan: config.opening_fit_after_weight * fit_after,
                distance: config.opening_distance_weight * closeness,
                recency: config.opening_recency_weight * recency,
                risk: config.opening_risk_weight * safety,
            };
            let score =
                parts.fit_now + parts.fit_after_plan + parts.distance + parts.recency + parts.risk;
            scored.push((score, i, parts, fit_now, fit_after, distance_km));
        }
        let by_rank =
            |a: &(f64, usize, OpeningScoreParts, f64, f64, Option<f64>),
             b: &(f64, usize, OpeningScoreParts, f64, f64, Option<f64>)| {
                b.0.total_cmp(&a.0)
                    .then(candidates[a.1].id.cmp(&candidates[b.1].id))
                    .then(a.1.cmp(&b.1))
            };
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by(limit - 1, by_rank);
        }
        scored.truncate(limit);
        scored.sort_by(by_rank);

        scored
            .into_iter()
            .map(
                |(score, i, score_parts, fit_now, fit_after_plan, distance_km)| {
                    let opening = &candidates[i];
                    let range = prepared.range(i);
                    let mut matched_skills = Vec::new();
                    let mut missing_essential = Vec::new();
                    let mut missing_optional = Vec::new();
                    let mut closed_by_plan = Vec::new();
                    for (r, &essential) in prepared.requirements[range.clone()]
                        .iter()
                        .zip(&prepared.essential[range])
                    {
                        let required = self.required_skill(&now, r.skill, essential, r.weight);
                        if now.held[r.skill as usize] > 0.0 {
                            matched_skills.push(required);
                            continue;
                        }
                        if after.held[r.skill as usize] > 0.0 {
                            closed_by_plan.push(required.skill.clone());
                        }
                        if essential {
                            missing_essential.push(required);
                        } else {
                            missing_optional.push(required);
                        }
                    }
                    sort_by_requirement_weight(&mut matched_skills);
                    sort_by_idf(&mut missing_essential);
                    sort_by_idf(&mut missing_optional);
                    closed_by_plan.sort_by(|a, b| b.idf.total_cmp(&a.idf).then(a.id.cmp(&b.id)));
                    let occupation = opening
                        .occupation
                        .and_then(|o| self.taxonomy.occupation_index.get(&o).copied());
                    RankedOpening {
                        opening: opening.id,
                        occupation: occupation.map(|o| self.taxonomy.occupation_ref(o)),
                        score,
                        score_parts,
                        fit_now,
                        fit_after_plan,
                        distance_km,
                        remote: opening.remote,
                        posted_days_ago: opening.posted_days_ago,
                        explanation: OpeningExplanation {
                            matched_skills,
                            missing_essential,
                            missing_optional,
                            closed_by_plan,
                            risk: occupation.and_then(|o| self.taxonomy.risk.view(o)),
                        },
                    }
                },
            )
            .collect()
    }
}
