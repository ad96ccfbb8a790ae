//! The matching engine: transition fit, skill gaps, course plans, opening ranking and risk views,
//! as pure synchronous functions over an in-memory [`Taxonomy`].
//!
//! # Use
//!
//! The store loads a [`TaxonomyInput`] (occupations, skills, requirements, the skill hierarchy,
//! risk scores); [`Taxonomy::build`] turns it into dense indices and sparse vectors once; a
//! [`Matcher`] pairs it with a [`MatchConfig`] and answers queries. Every result carries its
//! explanation (matched and missing skills, which course closes which skill, the risk change and
//! its source) and serialises to stable snake_case JSON.
//!
//! # Scoring formulas
//!
//! With `N` occupations and `df(s)` the number of occupations requiring skill `s` (essential or
//! optional):
//!
//! - **Skill weight** (IDF): `idf(s) = max(ln(N / df(s)), idf_floor)`; a skill no occupation
//!   requires gets the largest possible weight, `ln(N)`. Rare skills say more about an
//!   occupation than "communicate with customers".
//! - **Requirement vector** of occupation (or opening) B: `w_B(s) = r × idf(s)`, where `r` is 1.0
//!   for essential and 0.5 for optional requirements ([`SkillWeighting`]).
//! - **Worker vector**: `h(s)` = 1.0 for a declared or gained skill, 0.8
//!   ([`INFERRED_SKILL_WEIGHT`]) for one only inferred from a past occupation, else 0.
//! - **Credit** with partial credit through the hierarchy:
//!   `c(s) = max(h(s), sibling_credit × max h(t))` over siblings `t` of `s` (skills sharing a
//!   parent group or broader skill with at most `sibling_max_group_size` children).
//!   `sibling_credit = 0` turns this off.
//! - **Fit** of a worker to B: `fit = Σ_s w_B(s) c(s) / Σ_s w_B(s)`, in [0, 1]; 0 for a target
//!   with no requirements. **Occupation fit** A → B uses `h(s) = 1` for every requirement of A
//!   (essential and optional), so it is asymmetric and A → A is exactly 1.
//! - **Transition score** to B from current occupation A:
//!   `w_fit × fit + w_risk × (pct(A) − pct(B)) / 100 + w_demand × ln(1 + d_B) / ln(1 + max d)`,
//!   where `pct` is the combined exposure percentile ([`crate::risk::CombinedRisk`]: the mean
//!   of the percentiles of the sources that score the occupation) and `d` the caller's live
//!   openings per occupation; with similarity attached, the similarity takes fit's place.
//!   Candidates need `fit ≥ viable_fit` and, unless `include_riskier`,
//!   `pct(A) − pct(B) ≥ min_risk_reduction`.
//!   Ties go to the lower occupation id.
//! - **Gap** to B: requirements with `h(s) = 0`, essential then optional, each by IDF
//!   descending then skill id.
//! - **Course plan**: set cover of the gap skills (weight `w_B(s)`), compared lexicographically:
//!   essential weight covered, then optional weight, then weeks or cost, then the other, then
//!   the number of courses. Candidates teach an essential gap skill (unless the worker asks for
//!   optional-only courses), take at most `plan_max_weeks_per_skill` weeks per gap skill they
//!   teach, and pass mode, travel and single-course limits. With at most
//!   `plan_exact_max_candidates` candidates it is solved exactly; otherwise greedily by
//!   `new essential weight / (weeks or cost + plan_cost_epsilon)`, then the same for optional
//!   weight, within the totals, alternating with a pruning pass that drops every course whose
//!   removal does not reduce coverage. Steps run one after another; essential skills no course
//!   covers get programme types to look for. The rules are in the `plan` module's docs.
//! - **Opening score**: `w_now × fit_now + w_after × fit_after_plan + w_dist × closeness +
//!   w_recency × 0.5^(days / half_life) + w_risk × (1 − pct / 100)`, with closeness 1 when
//!   remote and `exp(−km / scale)` otherwise; fit after the plan treats the plan's skills as
//!   gained.
//! - **Risk view**: per source the score, the percentile among the occupations that source
//!   scores itself ([`crate::risk::percentile_rank`]; inherited copies do not count) and its
//!   band, the active source first; the combined percentile and band over them; `agreement`
//!   when the sources' percentiles lie within one band's width of each other.
//!
//! # Determinism
//!
//! Inputs are sorted by id before indices are assigned and courses are sorted by id before
//! planning, so the same records in any order give bit-identical results.

mod config;
mod fit;
mod gap;
mod openings;
mod plan;
mod profile;
mod programmes;
mod risk;
mod similarity;
mod taxonomy;
mod transitions;

#[cfg(test)]
mod esco_bench;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use config::{INFERRED_SKILL_WEIGHT, MatchConfig, SkillWeighting};
pub use fit::{FitExplanation, FitMatrix, Matcher, RequiredSkill};
pub use gap::Gap;
pub use openings::{
    OpeningExplanation, OpeningInput, OpeningScoreParts, PreparedOpenings, RankedOpening,
};
pub use plan::{
    CourseCatalog, CourseInput, CoursePlan, Minimise, PlanConstraints, PlanMethod, PlanStep,
    ProgrammeCatalog, ProgrammeOption, ProgrammeSuggestion, UncoveredReason, UncoveredSkill,
};
pub use profile::{GeoPoint, SkillOrigin, SkillProfile, WorkerInput, WorkerSkill};
pub use risk::{RiskChange, RiskPoint, RiskReading, RiskView, combined_exposure};
pub use similarity::{LabourFacts, MoveFacts, SimilarityInput};
pub use taxonomy::{
    BuildStats, OccupationInput, OccupationRef, RelationInput, RiskInput, SkillInput, SkillParent,
    SkillParentInput, SkillRef, Taxonomy, TaxonomyInput,
};
pub use transitions::{Transition, TransitionScoreParts};

impl Matcher<'_> {
    /// Returns what is known about an occupation's automation risk, or `None` when unknown or
    /// unscored.
    pub fn risk(&self, occupation: crate::ids::OccupationId) -> Option<RiskView> {
        let o = *self.taxonomy.occupation_index.get(&occupation)?;
        self.taxonomy.risk.view(o)
    }

    /// Returns how exposure changes from `from` to `to` on the combined measure, as
    /// [`Matcher::transitions`] reads it; `None` when `to` is unknown or unscored.
    pub fn risk_change(
        &self,
        from: crate::ids::OccupationId,
        to: crate::ids::OccupationId,
    ) -> Option<RiskChange> {
        let from = self.taxonomy.occupation_index.get(&from).copied();
        let to = *self.taxonomy.occupation_index.get(&to)?;
        self.taxonomy.risk.change(from, to)
    }

    /// Returns how pay and preparation compare from `from` to `to`, when both occupations'
    /// labour facts are known.
    pub fn move_facts(
        &self,
        from: crate::ids::OccupationId,
        to: crate::ids::OccupationId,
    ) -> Option<MoveFacts> {
        let from = *self.taxonomy.occupation_index.get(&from)?;
        let to = *self.taxonomy.occupation_index.get(&to)?;
        self.taxonomy.move_facts(from, to)
    }

    /// Returns the similarity of a worker (their skills and current occupation) to `target`,
    /// as [`Matcher::transitions`] ranks it; `None` without the semantic layer's vectors.
    pub fn similarity(
        &self,
        profile: &SkillProfile,
        current: Option<crate::ids::OccupationId>,
        target: crate::ids::OccupationId,
    ) -> Option<f64> {
        let current = current.and_then(|c| self.taxonomy.occupation_index.get(&c).copied());
        let t = *self.taxonomy.occupation_index.get(&target)?;
        Some(self.closeness(profile, current)?[t as usize].similarity)
    }
}
