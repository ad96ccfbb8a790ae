//! Recommended transitions: occupations a worker can reach from their skills that are safer
//! from automation, ranked by similarity (or fit without the semantic layer), risk reduction
//! and live demand.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fit::{FitExplanation, Matcher};
use super::profile::WorkerInput;
use super::risk::RiskChange;
use super::similarity::MoveFacts;
use crate::ids::OccupationId;

/// The parts a transition's score is made of, each already multiplied by its weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct TransitionScoreParts {
    /// `transition_fit_weight × closeness`: the similarity when the semantic layer's vectors
    /// are attached, else the fit.
    pub fit: f64,
    /// `transition_risk_weight × reduction / 100` (0 when the reduction is unknown).
    pub risk: f64,
    /// `transition_demand_weight × ln(1 + demand) / ln(1 + max demand)`.
    pub demand: f64,
}

/// One recommended occupation with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Ranking score: the sum of `score_parts`.
    pub score: f64,
    /// The parts of the score.
    pub score_parts: TransitionScoreParts,
    /// Open openings for the occupation, as supplied by the caller.
    pub demand: u32,
    /// Similarity in [0, 1] by meaning (skills, texts, ISCO and SOC groups, preparation, work
    /// context), when the semantic layer's vectors are attached; it ranks transitions in place
    /// of the fit.
    pub similarity: Option<f64>,
    /// The similarity without the SOC part, which must reach
    /// [`viable_similarity`](super::MatchConfig::viable_similarity) for a move to be offered.
    #[serde(default)]
    pub viability: Option<f64>,
    /// Fit, matched and missing skills.
    pub fit: FitExplanation,
    /// Risk before and after, with the source both were read from.
    pub risk: Option<RiskChange>,
    /// Pay and preparation compared, when both occupations' figures are known.
    pub labour: Option<MoveFacts>,
}

impl Matcher<'_> {
    /// Returns up to `limit` occupations the worker could move to, best first.
    ///
    /// Candidates are every occupation except the current one with fit ≥
    /// [`viable_fit`](super::MatchConfig::viable_fit) and, when the semantic layer's vectors
    /// are attached, viability (the similarity without the SOC part) ≥
    /// [`viable_similarity`](super::MatchConfig::viable_similarity). Unless
    /// [`include_riskier`](super::MatchConfig::include_riskier) is set and when the current
    /// occupation has a risk score, a candidate must be scored by a common source and be at least
    /// [`min_risk_reduction`](super::MatchConfig::min_risk_reduction) percentile points safer,
    /// and, where both occupations' labour facts are known, a desirable move
    /// ([`MoveFacts::desirable`]).
    /// With no known current risk, no risk filter applies and the risk term is 0.
    /// Ties are broken by occupation id, so the result does not depend on input order.
    pub fn transitions(
        &self,
        worker: &WorkerInput,
        demand: &HashMap<OccupationId, u32>,
        limit: usize,
    ) -> Vec<Transition> {
        let taxonomy = self.taxonomy;
        let config = &self.config;
        let profile = self.profile(&worker.skills);
        let current = worker
            .current_occupation
            .and_then(|id| taxonomy.occupation_index.get(&id).copied());
        let current_scored = current.is_some_and(|c| taxonomy.risk.is_scored(c));
        let closeness = self.closeness(&profile, current);
        let max_demand = demand.values().copied().max().unwrap_or(0);
        let demand_norm = (1.0 + f64::from(max_demand)).ln();

        type Ranked = (
            f64,
            u32,
            TransitionScoreParts,
            Option<RiskChange>,
            u32,
            Option<MoveFacts>,
        );
        let mut ranked: Vec<Ranked> = Vec::new();
        for t in 0..taxonomy.occupation_count() as u32 {
            if Some(t) == current {
                continue;
            }
            let fit = self.fit_index(&profile, t);
            if fit < config.viable_fit {
                continue;
            }
            let risk = taxonomy.risk.change(current, t);
            let reduction = risk.as_ref().and_then(|r| r.reduction_points);
            if current_scored && !config.include_riskier {
                match reduction {
                    Some(points) if points >= config.min_risk_reduction => {}
                    _ => continue,
                }
            }
            let labour = current.and_then(|c| taxonomy.move_facts(c, t));
            if !config.include_riskier && labour.is_some_and(|m| !m.desirable(config)) {
                continue;
            }
            let openings = demand
                .get(&taxonomy.occupations[t as usize].id)
                .copied()
                .unwrap_or(0);
            let demand_share = if demand_norm > 0.0 {
                (1.0 + f64::from(openings)).ln() / demand_norm
            } else {
                0.0
            };
            let near = closeness.as_ref().map(|c| c[t as usize]);
            if near.is_some_and(|c| c.viability < config.viable_similarity) {
                continue;
            }
            let parts = TransitionScoreParts {
                fit: config.transition_fit_weight * near.map_or(fit, |c| c.similarity),
                risk: config.transition_risk_weight
                    * reduction.map_or(0.0, |p| (p / 100.0).clamp(-1.0, 1.0)),
                demand: config.transition_demand_weight * demand_share,
            };
            let score = parts.fit + parts.risk + parts.demand;
            ranked.push((score, t, parts, risk, openings, labour));
        }
        // Dense indices follow occupation ids, so the index is the id tie-break.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(
                |(score, t, score_parts, risk, openings, labour)| Transition {
                    score,
                    score_parts,
                    similarity: closeness.as_ref().map(|c| c[t as usize].similarity),
                    viability: closeness.as_ref().map(|c| c[t as usize].viability),
                    demand: openings,
                    fit: self.explain_index(&profile, t),
                    risk,
                    labour,
                },
            )
            .collect()
    }
}
