//! Course plans: the courses that close the most of a skill gap, essential skills first, at the
//! least total time or cost within a worker's constraints; then, for the essential skills no
//! course closes, the kinds of programme to look for.
//!
//! # Rules
//!
//! 1. **Essential first.** Of two plans the better covers more essential gap weight; then more
//!    optional weight; then takes fewer weeks (or costs less, per [`Minimise`]); then the other
//!    of the two; then has fewer courses; then the smaller sorted list of course ids. Weights,
//!    weeks and costs are compared as fixed-point integers, so this is a total order and sums do
//!    not depend on the order they were added in.
//! 2. **Optional skills only ride along.** A course that teaches no essential gap skill is not a
//!    candidate, unless the worker asks for such courses
//!    ([`PlanConstraints::include_optional_only_courses`]).
//! 3. **Efficiency.** A course is not a candidate when it takes more than
//!    [`plan_max_weeks_per_skill`](super::MatchConfig::plan_max_weeks_per_skill) weeks (default
//!    8) for each gap skill it teaches: a 26-week course teaching one gap skill is left out,
//!    a 26-week certificate teaching four stays.
//! 4. **Limits.** Candidates are in an allowed mode, and in-person or hybrid ones within the
//!    travel distance; the plan's total weeks and cost stay within `max_weeks` and `budget`.
//! 5. **Schedule.** Steps are taken one after another in step order (essential gap per week or
//!    price first): each starts where the previous ended, `end_week = start_week + weeks`, and
//!    the plan's `total_weeks` is the last end. Pages print [`PlanStep::week_range_label`]:
//!    whole weeks rounded up, ranges that follow on without overlapping (only a course shorter
//!    than a week shares the week it falls in), the last ending in week `ceil(total_weeks)`.
//! 6. **Uncovered skills** are each named with the first obstacle that stops every course
//!    teaching them, in the order of [`UncoveredReason`]: no course teaches it; only courses too
//!    long for what they teach; only in modes not allowed; only too far away; (optional skills)
//!    only courses teaching no essential gap skill; only over the budget, the time limit, or
//!    some over one and the rest over the other.
//! 7. **Programme types.** For the essential skills still open, programme types
//!    ([`ProgrammeCatalog`]) are chosen greedily by how many open skills each leads to, ties to
//!    the one leading to fewer skills in all (the more specific), then the smaller code. They
//!    are a separate kind of step and never count as courses or weeks.
//!
//! # Search
//!
//! With at most `plan_exact_max_candidates` candidates the best plan by rule 1 is found exactly
//! by branch and bound; otherwise greedily: repeatedly the course adding the most essential
//! weight per week (or price) plus `plan_cost_epsilon`, or, once no course that fits adds an
//! essential skill, the most optional weight per unit; then courses whose removal does not
//! reduce coverage are dropped, and the two alternate until nothing more fits. Either way no
//! course in a plan is redundant and no candidate that fits would add coverage.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fit::{Matcher, RequiredSkill};
use super::gap::Gap;
use super::profile::GeoPoint;
use super::taxonomy::SkillRef;
use crate::catalog::CourseMode;
use crate::ids::{CourseId, SkillId};

mod programmes;
mod search;
#[cfg(test)]
mod tests;

pub use programmes::{ProgrammeCatalog, ProgrammeOption, ProgrammeSuggestion};
use search::{Bits, Candidate, Limits, Problem, Selection};

/// Slack when rounding schedule weeks up to whole weeks, so a sum such as 0.1 + 0.2 + 5.7 that
/// lands a hair above 6 still ends in week 6.
const WEEK_ROUNDING_SLACK: f64 = 1e-6;

/// A course as the planner needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseInput {
    /// Store key.
    pub id: CourseId,
    /// Skills taught.
    pub skills: Vec<SkillId>,
    /// Length in weeks.
    pub weeks: f64,
    /// Price; 0 for free.
    pub cost: f64,
    /// Delivery mode.
    pub mode: CourseMode,
    /// Where it runs, for in-person and hybrid courses.
    pub location: Option<GeoPoint>,
}

/// The courses a planner chooses from, in id order and indexed by the skills they teach, so a
/// plan visits only the courses that teach part of its gap (a few hundred of thousands).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseCatalog {
    courses: Vec<CourseInput>,
    by_skill: HashMap<SkillId, Vec<u32>>,
}

impl CourseCatalog {
    /// Builds the catalogue; of courses sharing an id, the first is kept.
    pub fn new(mut courses: Vec<CourseInput>) -> Self {
        courses.sort_by_key(|c| c.id);
        courses.dedup_by_key(|c| c.id);
        let mut by_skill: HashMap<SkillId, Vec<u32>> = HashMap::new();
        for (index, course) in courses.iter().enumerate() {
            let index = u32::try_from(index).expect("fewer than 2^32 courses");
            for &skill in &course.skills {
                let list = by_skill.entry(skill).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        Self { courses, by_skill }
    }

    /// Returns the courses in id order.
    pub fn courses(&self) -> &[CourseInput] {
        &self.courses
    }

    /// Returns the course with this id.
    pub fn get(&self, id: CourseId) -> Option<&CourseInput> {
        self.courses
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|i| &self.courses[i])
    }

    /// Returns how many courses there are.
    pub fn len(&self) -> usize {
        self.courses.len()
    }

    /// Returns whether there are no courses.
    pub fn is_empty(&self) -> bool {
        self.courses.is_empty()
    }

    /// Returns the courses teaching at least one of `skills`, in id order.
    fn teaching(&self, skills: impl Iterator<Item = SkillId>) -> Vec<&CourseInput> {
        let mut hits: Vec<u32> = skills
            .filter_map(|skill| self.by_skill.get(&skill))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter()
            .map(|i| &self.courses[i as usize])
            .collect()
    }
}

/// What a plan minimises once coverage is as high as it can be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Minimise {
    /// Total weeks of study (courses taken one after another).
    #[default]
    Weeks,
    /// Total price.
    Cost,
}

/// A worker's limits on a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanConstraints {
    /// Most total weeks of study.
    pub max_weeks: Option<f64>,
    /// Most total cost.
    pub budget: Option<f64>,
    /// Allowed modes; `None` allows all.
    pub modes: Option<Vec<CourseMode>>,
    /// Where the worker lives.
    pub location: Option<GeoPoint>,
    /// Farthest an in-person or hybrid course may be. A course without coordinates is excluded
    /// when this and `location` are set, because it cannot be shown to be within reach.
    pub max_travel_km: Option<f64>,
    /// What to minimise.
    pub minimise: Minimise,
    /// Whether courses teaching only optional (nice-to-have) gap skills may be added. Default
    /// false: weeks and money go to courses that teach something essential.
    #[serde(default)]
    pub include_optional_only_courses: bool,
}

/// One course of a plan, when to take it, and the gap skills it closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PlanStep {
    /// The course.
    pub course: CourseId,
    /// Gap skills this course covers that earlier steps did not: essential ones first, then
    /// optional ones, each most informative first.
    pub covers: Vec<SkillRef>,
    /// How many of `covers`, from the front, are essential.
    pub covers_essential: usize,
    /// Its length in weeks.
    pub weeks: f64,
    /// Weeks from the start of the plan when it starts: where the previous step ended, 0 for
    /// the first.
    pub start_week: f64,
    /// Weeks from the start of the plan when it ends: `start_week + weeks`.
    pub end_week: f64,
    /// Its price.
    pub cost: f64,
    /// Its mode.
    pub mode: CourseMode,
    /// Distance from the worker in km, for courses with coordinates when the worker's location
    /// is known.
    pub distance_km: Option<f64>,
}

impl PlanStep {
    /// Returns the first and last whole week (counted from 1) to print for this step: from the
    /// week after the one in which the previous step ends, to the week in which this step ends
    /// (fractional weeks rounded up). Consecutive steps get ranges that follow on without
    /// overlapping, except that a step shorter than a week may share the single week it falls
    /// in with its neighbour (0.1 weeks then 6 weeks print "Week 1", "Weeks 2–7").
    pub fn week_range(&self) -> (u32, u32) {
        let round_up = |week: f64| {
            let week = (week - WEEK_ROUNDING_SLACK).ceil();
            if week.is_nan() { 0 } else { week as u32 }
        };
        let last = round_up(self.end_week).max(1);
        let first = (round_up(self.start_week) + 1).min(last);
        (first, last)
    }

    /// Returns the range a page prints: "Week 7" or "Weeks 2–7" (see [`PlanStep::week_range`]).
    pub fn week_range_label(&self) -> String {
        match self.week_range() {
            (first, last) if first == last => format!("Week {first}"),
            (first, last) => format!("Weeks {first}–{last}"),
        }
    }
}

/// Why a gap skill is left uncovered: the first obstacle, in this order, that stops every
/// course teaching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UncoveredReason {
    /// No course in the catalogue teaches it (courses with a negative or non-finite length or
    /// price count as not teaching anything).
    NoCourse,
    /// Every course teaching it takes more than `plan_max_weeks_per_skill` weeks for each gap
    /// skill it teaches.
    TooLongForWhatItTeaches,
    /// Courses teach it, but none in a mode the worker allows.
    ModeNotAllowed,
    /// Courses in an allowed mode teach it, but only in person or hybrid beyond the worker's
    /// travel distance (or at no known place).
    TooFar,
    /// Only courses that teach no essential gap skill teach it (optional skills only; see
    /// [`PlanConstraints::include_optional_only_courses`]).
    OptionalOnlyCourses,
    /// Suitable courses teach it, but each would take the plan over the budget.
    OverBudget,
    /// Suitable courses teach it, but each would take the plan over the time limit.
    OverTimeLimit,
    /// Suitable courses teach it, but each would take the plan over the budget or the time
    /// limit, and raising one alone is not enough.
    OverLimits,
}

impl UncoveredReason {
    /// Returns the reason as a person reads it, so every page, email and export says the same.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::NoCourse => "no course teaches it",
            Self::TooLongForWhatItTeaches => {
                "the courses that teach it take too long for what they teach"
            }
            Self::ModeNotAllowed => "no course teaches it in the modes you chose",
            Self::TooFar => "the courses that teach it are too far away",
            Self::OptionalOnlyCourses => {
                "only courses that teach nothing essential teach it; ask to include them"
            }
            Self::OverBudget => "the courses that teach it would go over your budget",
            Self::OverTimeLimit => "the courses that teach it would go over your time limit",
            Self::OverLimits => "the courses that teach it would go over your budget or time limit",
        }
    }
}

/// A gap skill the plan leaves open, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct UncoveredSkill {
    /// The skill.
    pub skill: SkillRef,
    /// Whether the target needs it.
    pub essential: bool,
    /// Why no course in the plan covers it.
    pub reason: UncoveredReason,
}

/// How the plan was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanMethod {
    /// Exact branch and bound (few candidate courses).
    Exact,
    /// Greedy by covered weight per unit, then pruned.
    Greedy,
}

/// A course plan with every step explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CoursePlan {
    /// Courses in the order to take them: essential gap per week (or price) first.
    pub steps: Vec<PlanStep>,
    /// Weeks of the whole schedule: the last step's `end_week` (the sum of the steps' weeks).
    pub total_weeks: f64,
    /// Sum of the steps' costs.
    pub total_cost: f64,
    /// Total requirement weight of the gap skills planned for (essential ones, plus optional
    /// ones when `plan_optional_skills` is set).
    pub gap_weight: f64,
    /// Requirement weight the plan's courses cover.
    pub covered_weight: f64,
    /// `covered_weight / gap_weight`, 1 for an empty gap: the weighted share of the planned gap,
    /// optional skills included at their lower weight.
    pub covered_share: f64,
    /// Essential gap skills.
    pub essential_gap: usize,
    /// Essential gap skills the plan's courses cover.
    pub essential_covered: usize,
    /// `essential_covered / essential_gap`, 1 when nothing essential is missing.
    pub essential_covered_share: f64,
    /// Essential gap skills covered by courses or named by a programme suggestion.
    pub essential_covered_with_programmes: usize,
    /// `essential_covered_with_programmes / essential_gap`, 1 when nothing essential is
    /// missing.
    pub essential_covered_share_with_programmes: f64,
    /// Gap skills no course in the plan covers, essential then optional, most informative first
    /// within each; essential ones may also appear in a programme suggestion.
    pub uncovered: Vec<UncoveredSkill>,
    /// Programme types to look for, for essential skills no course covers; never courses.
    pub programmes: Vec<ProgrammeSuggestion>,
    /// Courses that passed the filters and cover at least one gap skill.
    pub candidate_count: usize,
    /// How the plan was found.
    pub method: PlanMethod,
}

impl CoursePlan {
    /// Returns the gap skills the plan covers, in step order.
    pub fn covered_skills(&self) -> impl Iterator<Item = &SkillRef> {
        self.steps.iter().flat_map(|s| s.covers.iter())
    }
}

/// How far a course got through the filters, in the order of [`UncoveredReason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    NoCourse,
    TooLong,
    WrongMode,
    TooFar,
    OptionalOnly,
    Candidate,
}

/// Returns `part / whole`, 1 when `whole` is 0.
fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Returns a limit in units; none is no limit, and negative or NaN limits count as 0.
fn limit_units(limit: Option<f64>, units: fn(f64) -> u64) -> u64 {
    limit.map_or(u64::MAX, units)
}

impl Matcher<'_> {
    /// Returns the course plan for a gap, by the rules in the module docs, without programme
    /// types. Only gap skills count: essential ones, plus optional ones when
    /// [`plan_optional_skills`](super::MatchConfig::plan_optional_skills) is set, each weighted
    /// by its requirement weight.
    pub fn plan_courses(
        &self,
        gap: &Gap,
        courses: &CourseCatalog,
        constraints: &PlanConstraints,
    ) -> CoursePlan {
        self.plan_courses_with_programmes(gap, courses, constraints, &ProgrammeCatalog::default())
    }

    /// Returns the course plan for a gap, then the programme types to look for for the
    /// essential skills no course in it covers.
    pub fn plan_courses_with_programmes(
        &self,
        gap: &Gap,
        courses: &CourseCatalog,
        constraints: &PlanConstraints,
        programmes: &ProgrammeCatalog,
    ) -> CoursePlan {
        let config = &self.config;
        // Gap positions: essential skills first, then optional ones; a skill listed twice keeps
        // its first (essential) place.
        let mut position: HashMap<SkillId, usize> = HashMap::new();
        let mut gap_skills: Vec<&RequiredSkill> = Vec::new();
        let mut essential_len = 0;
        let optional = gap.optional.iter().filter(|_| config.plan_optional_skills);
        for (essential, skill) in gap
            .essential
            .iter()
            .map(|s| (true, s))
            .chain(optional.map(|s| (false, s)))
        {
            if position.contains_key(&skill.skill.id) {
                continue;
            }
            position.insert(skill.skill.id, gap_skills.len());
            gap_skills.push(skill);
            essential_len += usize::from(essential);
        }
        let gap_len = gap_skills.len();
        let weights: Vec<u64> = gap_skills
            .iter()
            .map(|s| search::weight_units(s.requirement_weight))
            .collect();
        let limits = Limits {
            max_weeks: limit_units(constraints.max_weeks, search::weeks_units),
            budget: limit_units(constraints.budget, search::cost_units),
        };

        // Filter the courses teaching part of the gap, in id order, noting for each gap skill
        // how far the furthest course teaching it got through the filters.
        let mut reached = vec![Stage::NoCourse; gap_len];
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        // Courses that pass every filter but alone exceed the weeks or budget: never chosen,
        // but they explain why a skill stays open.
        let mut too_big: Vec<Candidate<'_>> = Vec::new();
        for course in courses.teaching(gap_skills.iter().map(|s| s.skill.id)) {
            let valid = course.weeks.is_finite()
                && course.weeks >= 0.0
                && course.cost.is_finite()
                && course.cost >= 0.0;
            if !valid {
                continue;
            }
            let mut bits = Bits::new(gap_len);
            for skill in &course.skills {
                if let Some(&i) = position.get(skill) {
                    bits.set(i);
                }
            }
            if bits.is_empty() {
                continue;
            }
            let distance_km = match (constraints.location, course.location) {
                (Some(worker), Some(place)) => Some(worker.distance_km(place)),
                _ => None,
            };
            let too_long = course.weeks > config.plan_max_weeks_per_skill * f64::from(bits.count());
            let mode_allowed = constraints
                .modes
                .as_ref()
                .is_none_or(|modes| modes.contains(&course.mode));
            let reachable = course.mode == CourseMode::Online
                || match (constraints.max_travel_km, constraints.location) {
                    (Some(max), Some(_)) => distance_km.is_some_and(|d| d <= max),
                    _ => true,
                };
            // Essential positions come first, so the lowest one taught tells.
            let teaches_essential = bits.ones().next().is_some_and(|i| i < essential_len);
            let stage = if too_long {
                Stage::TooLong
            } else if !mode_allowed {
                Stage::WrongMode
            } else if !reachable {
                Stage::TooFar
            } else if !teaches_essential && !constraints.include_optional_only_courses {
                Stage::OptionalOnly
            } else {
                Stage::Candidate
            };
            for i in bits.ones() {
                reached[i] = reached[i].max(stage);
            }
            if stage != Stage::Candidate {
                continue;
            }
            let candidate = Candidate {
                course,
                bits,
                weeks: search::weeks_units(course.weeks),
                cost: search::cost_units(course.cost),
                distance_km,
            };
            if candidate.weeks <= limits.max_weeks && candidate.cost <= limits.budget {
                candidates.push(candidate);
            } else {
                too_big.push(candidate);
            }
        }

        let problem = Problem {
            candidates: &candidates,
            weights: &weights,
            essential_len,
            limits: &limits,
            minimise: constraints.minimise,
            epsilon: config.plan_cost_epsilon.max(f64::MIN_POSITIVE),
        };
        let greedy = problem.greedy();
        let (best, method) = if candidates.len() <= config.plan_exact_max_candidates {
            (problem.exact(greedy), PlanMethod::Exact)
        } else {
            (greedy, PlanMethod::Greedy)
        };

        let steps = schedule(&problem, &best, &gap_skills);
        let uncovered = uncovered(&problem, &best, &too_big, &reached, &gap_skills);
        let open_essential: Vec<&SkillRef> = uncovered
            .iter()
            .filter(|u| u.essential)
            .map(|u| &u.skill)
            .collect();
        let programmes = programmes.suggest(&open_essential);

        let gap_weight: f64 = gap_skills.iter().map(|s| s.requirement_weight).sum();
        let covered_weight: f64 = (0..gap_len)
            .filter(|&i| best.covered.get(i))
            .map(|i| gap_skills[i].requirement_weight)
            .sum();
        let essential_covered = (0..essential_len).filter(|&i| best.covered.get(i)).count();
        let essential_covered_with_programmes =
            essential_covered + programmes.iter().map(|p| p.covers.len()).sum::<usize>();
        CoursePlan {
            total_weeks: steps.last().map_or(0.0, |s| s.end_week),
            total_cost: steps.iter().map(|s| s.cost).sum(),
            steps,
            gap_weight,
            covered_weight,
            covered_share: if gap_weight > 0.0 {
                (covered_weight / gap_weight).min(1.0)
            } else {
                1.0
            },
            essential_gap: essential_len,
            essential_covered,
            essential_covered_share: share(essential_covered, essential_len),
            essential_covered_with_programmes,
            essential_covered_share_with_programmes: share(
                essential_covered_with_programmes,
                essential_len,
            ),
            uncovered,
            programmes,
            candidate_count: candidates.len(),
            method,
        }
    }
}

/// Orders the chosen courses greedily (essential gap per unit first) and lays them end to end;
/// each step names what it newly covers.
fn schedule(
    problem: &Problem<'_, '_>,
    best: &Selection,
    gap_skills: &[&RequiredSkill],
) -> Vec<PlanStep> {
    let mut remaining = best.chosen.clone();
    let mut covered = Bits::new(gap_skills.len());
    let mut steps: Vec<PlanStep> = Vec::with_capacity(remaining.len());
    let mut week = 0.0;
    while !remaining.is_empty() {
        let pick = (0..remaining.len())
            .max_by_key(|&k| {
                let c = remaining[k];
                problem.rank(c, problem.gain(&problem.candidates[c].bits, &covered))
            })
            .expect("remaining is not empty");
        let candidate = &problem.candidates[remaining.swap_remove(pick)];
        let fresh: Vec<usize> = candidate.bits.fresh(&covered).collect();
        covered.union_with(&candidate.bits);
        let start_week = week;
        week += candidate.course.weeks;
        steps.push(PlanStep {
            course: candidate.course.id,
            covers_essential: fresh.iter().filter(|&&i| i < problem.essential_len).count(),
            covers: fresh.iter().map(|&i| gap_skills[i].skill.clone()).collect(),
            weeks: candidate.course.weeks,
            start_week,
            end_week: week,
            cost: candidate.course.cost,
            mode: candidate.course.mode,
            distance_km: candidate.distance_km,
        });
    }
    steps
}

/// Names every gap skill the plan leaves open with the first obstacle that stops every course
/// teaching it. A skill whose courses passed every filter stays open only because each of them
/// would take the completed plan over a limit (the search adds any candidate that fits and
/// adds coverage), so the limits it exceeds name the reason.
fn uncovered(
    problem: &Problem<'_, '_>,
    best: &Selection,
    too_big: &[Candidate<'_>],
    reached: &[Stage],
    gap_skills: &[&RequiredSkill],
) -> Vec<UncoveredSkill> {
    // For each open skill: whether some course teaching it would fit the weeks, and the budget.
    let mut fits_weeks = vec![false; gap_skills.len()];
    let mut fits_budget = vec![false; gap_skills.len()];
    for candidate in problem.candidates.iter().chain(too_big) {
        let weeks_ok = best.weeks.saturating_add(candidate.weeks) <= problem.limits.max_weeks;
        let budget_ok = best.cost.saturating_add(candidate.cost) <= problem.limits.budget;
        for i in candidate.bits.fresh(&best.covered) {
            fits_weeks[i] |= weeks_ok;
            fits_budget[i] |= budget_ok;
        }
    }
    (0..gap_skills.len())
        .filter(|&i| !best.covered.get(i))
        .map(|i| UncoveredSkill {
            skill: gap_skills[i].skill.clone(),
            essential: i < problem.essential_len,
            reason: match reached[i] {
                Stage::NoCourse => UncoveredReason::NoCourse,
                Stage::TooLong => UncoveredReason::TooLongForWhatItTeaches,
                Stage::WrongMode => UncoveredReason::ModeNotAllowed,
                Stage::TooFar => UncoveredReason::TooFar,
                Stage::OptionalOnly => UncoveredReason::OptionalOnlyCourses,
                Stage::Candidate => match (fits_weeks[i], fits_budget[i]) {
                    (true, false) => UncoveredReason::OverBudget,
                    (false, true) => UncoveredReason::OverTimeLimit,
                    _ => UncoveredReason::OverLimits,
                },
            },
        })
        .collect()
}
