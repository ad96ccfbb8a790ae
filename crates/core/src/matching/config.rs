//! Thresholds and weights of the matching engine, with their defaults.
//!
//! Every number the engine uses lives here so it can be calibrated on real data without touching
//! the algorithms. Defaults are starting points; the figures that chose the shipped values belong
//! in the calibration notes next to the code that loads them.

use serde::{Deserialize, Serialize};

/// Weight of a skill inferred from a past occupation, relative to 1.0 for declared or gained
/// skills: an inference from a job title is a good guess, not a certainty.
pub const INFERRED_SKILL_WEIGHT: f64 = 0.8;

/// How skill weights and requirement vectors are built; fixed when the [`Taxonomy`] is built.
///
/// [`Taxonomy`]: super::Taxonomy
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillWeighting {
    /// Smallest IDF a skill can get, so that a skill required by every occupation still counts a
    /// little (`ln(N / N)` would be 0). Default 0.1; ESCO's IDFs range up to `ln(3007)` ≈ 8.
    pub idf_floor: f64,
    /// Multiplier of an essential requirement. Default 1.0.
    pub essential_weight: f64,
    /// Multiplier of an optional (nice-to-have) requirement. Default 0.5.
    pub optional_weight: f64,
}

impl Default for SkillWeighting {
    fn default() -> Self {
        Self {
            idf_floor: 0.1,
            essential_weight: 1.0,
            optional_weight: 0.5,
        }
    }
}

/// Query-time thresholds and weights of the matching engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchConfig {
    /// Weight of a skill only inferred from a past occupation. Default [`INFERRED_SKILL_WEIGHT`].
    pub inferred_weight: f64,
    /// Credit in [0, 1] for a required skill not held when a sibling (a skill with the same parent
    /// in the skill hierarchy) is held; multiplied by the sibling's own weight. 0 disables partial
    /// credit. Default 0.5.
    pub sibling_credit: f64,
    /// Parents with more children than this give no sibling credit: a huge group says little
    /// about how close two of its members are. Default 300 (covers every ESCO v1.1.1 group,
    /// the largest has 271 skills).
    pub sibling_max_group_size: usize,
    /// Smallest fit for a transition to be recommended. Default 0.30: on ESCO v1.1.1 with Nesta
    /// risk it gives 88% of high-risk occupations at least 5 viable safer transitions (0.35: 77%),
    /// and keeps about 3% of ordered occupation pairs; see docs/MATCHING.md.
    pub viable_fit: f64,
    /// Smallest viability (the similarity without its SOC part) for a transition to be
    /// recommended when transitions rank by similarity. Default 0.37: on the dev transition set
    /// 97% of the expert-related moves among
    /// an origin's 100 most similar occupations reach it; the leaps it removes are in
    /// docs/MATCHING.md.
    pub viable_similarity: f64,
    /// Smallest drop in risk percentile points for a transition to count as safer. Default 10.
    pub min_risk_reduction: f64,
    /// Whether transitions that are not meaningfully safer are listed too. Default false.
    pub include_riskier: bool,
    /// Share of the essential requirements in the skill part of the transition similarity (the
    /// optional ones get the rest). Default 0.75, chosen on the dev transition set.
    pub similarity_essential_share: f64,
    /// Weight of the occupation texts' cosine in the transition similarity, the skill part
    /// weighing 1. Default 0.75, chosen on the dev transition set.
    pub similarity_text_weight: f64,
    /// Weight of the shared ISCO-08 digits in the transition similarity. Default 0.05.
    pub similarity_isco_weight: f64,
    /// Weight of the shared levels of the O*NET-SOC hierarchy (major group, minor group, broad
    /// and detailed occupation) in the transition similarity, when O*NET codes are attached.
    /// Default 0.4, chosen on the dev transition set.
    pub similarity_soc_weight: f64,
    /// Weight of the difference in O*NET job zones, subtracted in the transition similarity.
    /// Default 0.06, chosen on the dev transition set.
    pub similarity_job_zone_weight: f64,
    /// Weight of the difference in the standardised remote-work index (a work-context measure),
    /// subtracted in the transition similarity. Default 0.1, chosen on the dev transition set.
    pub similarity_work_context_weight: f64,
    /// Smallest share of today's earnings a safer transition may pay. Default 0.75 (Nesta's
    /// "desirable" test).
    pub min_earnings_ratio: f64,
    /// Largest change in O*NET job zone for a safer transition. Default 1 (Nesta's).
    pub max_job_zone_change: f64,
    /// Weight of fit in a transition's score. Default 0.6.
    pub transition_fit_weight: f64,
    /// Weight of the risk reduction (percentile points / 100) in a transition's score. Default 0.3.
    pub transition_risk_weight: f64,
    /// Weight of live demand (`ln(1 + openings) / ln(1 + max openings)`) in a transition's score.
    /// Default 0.1.
    pub transition_demand_weight: f64,
    /// Whether course plans also try to cover optional (nice-to-have) gap skills, at their lower
    /// requirement weight. Default true.
    pub plan_optional_skills: bool,
    /// Largest number of candidate courses for which the plan is searched exactly rather than
    /// greedily. Default 20.
    pub plan_exact_max_candidates: usize,
    /// Cost added to every course's weeks or price when ranking courses greedily, so free or
    /// zero-week courses get a large but finite value per unit. Default 0.001.
    pub plan_cost_epsilon: f64,
    /// Most weeks a course may take for each gap skill it teaches to be planned; infinity turns
    /// the rule off. Default 8: four in five whole edX courses run 8 weeks or less (79 % of the
    /// 975 with a length in the shared course data), so a course spending longer than that on
    /// each skill costs more than a typical whole course per skill it brings. It rules out a
    /// 26-week course for one gap skill and keeps a 26-week certificate teaching four.
    pub plan_max_weeks_per_skill: f64,
    /// A course covers a skill in a plan only when its tag is at least this sure. Default 0.55:
    /// in the hand-read samples (docs/INGEST.md) tags below it (one-word or alternative labels
    /// in descriptions) were wrong more often than right, and tags by meaning start above it.
    pub plan_min_tag_confidence: f32,
    /// Weight of fit now in an opening's score. Default 0.35.
    pub opening_fit_now_weight: f64,
    /// Weight of fit after the course plan in an opening's score. Default 0.35.
    pub opening_fit_after_weight: f64,
    /// Weight of closeness in an opening's score. Default 0.1.
    pub opening_distance_weight: f64,
    /// Weight of recency in an opening's score. Default 0.1.
    pub opening_recency_weight: f64,
    /// Weight of the opening occupation's safety (`1 - risk percentile / 100`). Default 0.1.
    pub opening_risk_weight: f64,
    /// Distance at which closeness falls to `1/e`: closeness = `exp(-km / scale)`. Default 25 km.
    pub opening_distance_scale_km: f64,
    /// Non-remote openings farther than this are dropped; `None` keeps them all. Default `None`.
    pub opening_max_distance_km: Option<f64>,
    /// Closeness given when either location is unknown. Default 0.5.
    pub opening_unknown_distance_score: f64,
    /// Days after which an opening's recency halves: recency = `0.5^(days / half_life)`.
    /// Default 14.
    pub opening_recency_half_life_days: f64,
    /// Safety given to an opening whose occupation has no risk score. Default 0.5.
    pub opening_unknown_risk_score: f64,
    /// Threads for [`Matcher::all_pairs_fit`]; 0 means the machine's available parallelism.
    /// Default 0.
    ///
    /// [`Matcher::all_pairs_fit`]: super::Matcher::all_pairs_fit
    pub threads: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self {
            inferred_weight: INFERRED_SKILL_WEIGHT,
            sibling_credit: 0.5,
            sibling_max_group_size: 300,
            viable_fit: 0.30,
            viable_similarity: 0.37,
            min_risk_reduction: 10.0,
            include_riskier: false,
            similarity_essential_share: 0.75,
            similarity_text_weight: 0.75,
            similarity_isco_weight: 0.05,
            similarity_soc_weight: 0.4,
            similarity_job_zone_weight: 0.06,
            similarity_work_context_weight: 0.1,
            min_earnings_ratio: 0.75,
            max_job_zone_change: 1.0,
            transition_fit_weight: 0.6,
            transition_risk_weight: 0.3,
            transition_demand_weight: 0.1,
            plan_optional_skills: true,
            plan_exact_max_candidates: 20,
            plan_cost_epsilon: 0.001,
            plan_max_weeks_per_skill: 8.0,
            plan_min_tag_confidence: 0.55,
            opening_fit_now_weight: 0.35,
            opening_fit_after_weight: 0.35,
            opening_distance_weight: 0.1,
            opening_recency_weight: 0.1,
            opening_risk_weight: 0.1,
            opening_distance_scale_km: 25.0,
            opening_max_distance_km: None,
            opening_unknown_distance_score: 0.5,
            opening_recency_half_life_days: 14.0,
            opening_unknown_risk_score: 0.5,
            threads: 0,
        }
    }
}

impl MatchConfig {
    /// Returns the sibling credit clamped to [0, 1] (NaN counts as 0).
    pub(crate) fn clamped_sibling_credit(&self) -> f32 {
        if self.sibling_credit.is_nan() {
            0.0
        } else {
            self.sibling_credit.clamp(0.0, 1.0) as f32
        }
    }

    /// Returns the inferred-skill weight clamped to [0, 1] (NaN counts as 0).
    pub(crate) fn clamped_inferred_weight(&self) -> f32 {
        if self.inferred_weight.is_nan() {
            0.0
        } else {
            self.inferred_weight.clamp(0.0, 1.0) as f32
        }
    }
}
