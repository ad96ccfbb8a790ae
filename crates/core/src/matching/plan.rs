//! Course plans: the courses that cover the most of a skill gap at the least total time or cost,
//! within a worker's constraints — a weighted set cover, solved greedily with pruning, or exactly
//! by branch and bound when there are few candidate courses.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fit::{Matcher, RequiredSkill};
use super::gap::Gap;
use super::profile::GeoPoint;
use super::taxonomy::SkillRef;
use crate::catalog::CourseMode;
use crate::ids::{CourseId, SkillId};

/// Slack for comparing sums of floating-point weights, weeks and costs.
const TOLERANCE: f64 = 1e-9;

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
}

/// One course of a plan and the gap skills it closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PlanStep {
    /// The course.
    pub course: CourseId,
    /// Gap skills this course covers that earlier steps did not, most informative first.
    pub covers: Vec<SkillRef>,
    /// Its length in weeks.
    pub weeks: f64,
    /// Its price.
    pub cost: f64,
    /// Its mode.
    pub mode: CourseMode,
    /// Distance from the worker in km, for courses with coordinates when the worker's location
    /// is known.
    pub distance_km: Option<f64>,
}

/// Why a gap skill is left uncovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UncoveredReason {
    /// No course given teaches it.
    NoCourse,
    /// Courses teach it, but none within the worker's mode, travel or single-course limits.
    NoSuitableCourse,
    /// Suitable courses teach it, but they do not fit in the total budget or weeks.
    OverLimits,
}

/// A gap skill the plan leaves open, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct UncoveredSkill {
    /// The skill.
    pub skill: SkillRef,
    /// Whether the target needs it.
    pub essential: bool,
    /// Why it is not covered.
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
    /// Courses in the order to take them (most gap weight per unit first).
    pub steps: Vec<PlanStep>,
    /// Sum of the steps' weeks.
    pub total_weeks: f64,
    /// Sum of the steps' costs.
    pub total_cost: f64,
    /// Total requirement weight of the gap skills planned for.
    pub gap_weight: f64,
    /// Requirement weight the plan covers.
    pub covered_weight: f64,
    /// `covered_weight / gap_weight`, 1 for an empty gap.
    pub covered_share: f64,
    /// Gap skills left open, most informative first within essential then optional.
    pub uncovered: Vec<UncoveredSkill>,
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

/// A fixed-width bitset over gap positions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn copy_from(&mut self, other: &Bits) {
        self.0.copy_from_slice(&other.0);
    }
    fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    /// Returns Σ weights of bits set in `self` and not in `covered`, in bit order.
    fn new_weight(&self, covered: &Bits, weights: &[f64]) -> f64 {
        let mut total = 0.0;
        for (w, (a, c)) in self.0.iter().zip(&covered.0).enumerate() {
            let mut fresh = a & !c;
            while fresh != 0 {
                let bit = fresh.trailing_zeros() as usize;
                total += weights[w * 64 + bit];
                fresh &= fresh - 1;
            }
        }
        total
    }
}

/// A candidate course after filtering.
struct Candidate<'c> {
    course: &'c CourseInput,
    bits: Bits,
    primary: f64,
    secondary: f64,
    distance_km: Option<f64>,
}

/// A set of chosen candidates and its totals.
#[derive(Debug, Clone)]
struct Selection {
    chosen: Vec<usize>,
    covered: Bits,
    weight: f64,
    primary: f64,
    secondary: f64,
}

impl Selection {
    fn empty(gap_len: usize) -> Self {
        Self {
            chosen: Vec::new(),
            covered: Bits::new(gap_len),
            weight: 0.0,
            primary: 0.0,
            secondary: 0.0,
        }
    }

    fn rebuild(chosen: Vec<usize>, candidates: &[Candidate<'_>], weights: &[f64]) -> Self {
        let mut selection = Self::empty(weights.len());
        for &c in &chosen {
            selection.weight += candidates[c].bits.new_weight(&selection.covered, weights);
            selection.covered.union_with(&candidates[c].bits);
            selection.primary += candidates[c].primary;
            selection.secondary += candidates[c].secondary;
        }
        selection.chosen = chosen;
        selection
    }

    /// Returns whether `self` is strictly better: more weight, then less primary and secondary
    /// cost, then fewer courses, then smaller course ids.
    fn better_than(&self, other: &Selection, candidates: &[Candidate<'_>]) -> bool {
        if (self.weight - other.weight).abs() > TOLERANCE {
            return self.weight > other.weight;
        }
        if (self.primary - other.primary).abs() > TOLERANCE {
            return self.primary < other.primary;
        }
        if (self.secondary - other.secondary).abs() > TOLERANCE {
            return self.secondary < other.secondary;
        }
        if self.chosen.len() != other.chosen.len() {
            return self.chosen.len() < other.chosen.len();
        }
        let ids = |s: &Selection| {
            let mut ids: Vec<CourseId> =
                s.chosen.iter().map(|&c| candidates[c].course.id).collect();
            ids.sort_unstable();
            ids
        };
        ids(self) < ids(other)
    }
}

/// Limits on the totals of a plan.
struct Limits {
    max_weeks: f64,
    budget: f64,
}

impl Limits {
    fn admits(&self, selection: &Selection, candidate: &Candidate<'_>, minimise: Minimise) -> bool {
        let (weeks, cost) = match minimise {
            Minimise::Weeks => (selection.primary, selection.secondary),
            Minimise::Cost => (selection.secondary, selection.primary),
        };
        weeks + candidate.course.weeks <= self.max_weeks + TOLERANCE
            && cost + candidate.course.cost <= self.budget + TOLERANCE
    }
}

impl Matcher<'_> {
    /// Returns the course plan that covers the most of the gap at the least total weeks (or
    /// cost), within the constraints. Only gap skills count: essential ones, plus optional ones
    /// when [`plan_optional_skills`](super::MatchConfig::plan_optional_skills) is set, each
    /// weighted by its requirement weight.
    pub fn plan_courses(
        &self,
        gap: &Gap,
        courses: &CourseCatalog,
        constraints: &PlanConstraints,
    ) -> CoursePlan {
        let config = &self.config;
        let gap_skills: Vec<&RequiredSkill> = gap
            .essential
            .iter()
            .chain(gap.optional.iter().filter(|_| config.plan_optional_skills))
            .collect();
        let weights: Vec<f64> = gap_skills.iter().map(|s| s.requirement_weight).collect();
        let position: HashMap<SkillId, usize> = gap_skills
            .iter()
            .enumerate()
            .map(|(i, s)| (s.skill.id, i))
            .collect();

        // Canonical order: by course id (the catalogue's order).
        let ordered = courses.teaching(gap_skills.iter().map(|s| s.skill.id));

        let limits = Limits {
            max_weeks: constraints.max_weeks.unwrap_or(f64::INFINITY),
            budget: constraints.budget.unwrap_or(f64::INFINITY),
        };
        let mut taught_anywhere = Bits::new(gap_skills.len());
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        for course in ordered {
            let mut bits = Bits::new(gap_skills.len());
            for skill in &course.skills {
                if let Some(&i) = position.get(skill) {
                    bits.set(i);
                }
            }
            if bits.is_empty() {
                continue;
            }
            taught_anywhere.union_with(&bits);
            let valid = course.weeks.is_finite()
                && course.weeks >= 0.0
                && course.cost.is_finite()
                && course.cost >= 0.0;
            let mode_allowed = constraints
                .modes
                .as_ref()
                .is_none_or(|modes| modes.contains(&course.mode));
            let distance_km = match (constraints.location, course.location) {
                (Some(worker), Some(place)) => Some(worker.distance_km(place)),
                _ => None,
            };
            let reachable = course.mode == CourseMode::Online
                || match (constraints.max_travel_km, constraints.location) {
                    (Some(max), Some(_)) => distance_km.is_some_and(|d| d <= max),
                    _ => true,
                };
            let within_single_limits = course.weeks <= limits.max_weeks + TOLERANCE
                && course.cost <= limits.budget + TOLERANCE;
            if !(valid && mode_allowed && reachable && within_single_limits) {
                continue;
            }
            let (primary, secondary) = match constraints.minimise {
                Minimise::Weeks => (course.weeks, course.cost),
                Minimise::Cost => (course.cost, course.weeks),
            };
            candidates.push(Candidate {
                course,
                bits,
                primary,
                secondary,
                distance_km,
            });
        }

        let greedy = self.greedy(&candidates, &weights, &limits, constraints.minimise);
        let (best, method) = if candidates.len() <= config.plan_exact_max_candidates {
            (
                exact(&candidates, &weights, &limits, constraints.minimise, greedy),
                PlanMethod::Exact,
            )
        } else {
            (greedy, PlanMethod::Greedy)
        };
        let best = prune(best, &candidates, &weights);

        // Order steps greedily within the chosen set; each step names what it newly covers.
        let mut remaining = best.chosen.clone();
        let mut covered = Bits::new(gap_skills.len());
        let mut steps = Vec::with_capacity(remaining.len());
        while !remaining.is_empty() {
            let pick = (0..remaining.len())
                .max_by(|&a, &b| {
                    let (ca, cb) = (&candidates[remaining[a]], &candidates[remaining[b]]);
                    let ra = ca.bits.new_weight(&covered, &weights)
                        / (ca.primary + config.plan_cost_epsilon);
                    let rb = cb.bits.new_weight(&covered, &weights)
                        / (cb.primary + config.plan_cost_epsilon);
                    ra.total_cmp(&rb)
                        .then(cb.secondary.total_cmp(&ca.secondary))
                        .then(cb.course.id.cmp(&ca.course.id))
                })
                .expect("remaining is not empty");
            let candidate = &candidates[remaining.swap_remove(pick)];
            let covers = (0..gap_skills.len())
                .filter(|&i| candidate.bits.get(i) && !covered.get(i))
                .map(|i| gap_skills[i].skill.clone())
                .collect();
            covered.union_with(&candidate.bits);
            steps.push(PlanStep {
                course: candidate.course.id,
                covers,
                weeks: candidate.course.weeks,
                cost: candidate.course.cost,
                mode: candidate.course.mode,
                distance_km: candidate.distance_km,
            });
        }

        let mut suitable = Bits::new(gap_skills.len());
        for candidate in &candidates {
            suitable.union_with(&candidate.bits);
        }
        let uncovered = (0..gap_skills.len())
            .filter(|&i| !covered.get(i))
            .map(|i| UncoveredSkill {
                skill: gap_skills[i].skill.clone(),
                essential: gap_skills[i].essential,
                reason: if !taught_anywhere.get(i) {
                    UncoveredReason::NoCourse
                } else if !suitable.get(i) {
                    UncoveredReason::NoSuitableCourse
                } else {
                    UncoveredReason::OverLimits
                },
            })
            .collect();
        let gap_weight: f64 = weights.iter().sum();
        let covered_weight: f64 = (0..weights.len())
            .filter(|&i| covered.get(i))
            .map(|i| weights[i])
            .sum();
        CoursePlan {
            total_weeks: steps.iter().map(|s| s.weeks).sum(),
            total_cost: steps.iter().map(|s| s.cost).sum(),
            steps,
            gap_weight,
            covered_weight,
            covered_share: if gap_weight > 0.0 {
                (covered_weight / gap_weight).min(1.0)
            } else {
                1.0
            },
            uncovered,
            candidate_count: candidates.len(),
            method,
        }
    }

    /// Picks courses by covered gap weight per unit of the minimised quantity (plus epsilon),
    /// while they fit the limits.
    fn greedy(
        &self,
        candidates: &[Candidate<'_>],
        weights: &[f64],
        limits: &Limits,
        minimise: Minimise,
    ) -> Selection {
        let epsilon = self.config.plan_cost_epsilon.max(f64::MIN_POSITIVE);
        let mut selection = Selection::empty(weights.len());
        let mut taken = vec![false; candidates.len()];
        loop {
            let mut best: Option<(f64, usize)> = None;
            for (c, candidate) in candidates.iter().enumerate() {
                if taken[c] || !limits.admits(&selection, candidate, minimise) {
                    continue;
                }
                let gain = candidate.bits.new_weight(&selection.covered, weights);
                if gain <= 0.0 {
                    continue;
                }
                let ratio = gain / (candidate.primary + epsilon);
                // Candidates are in id order, so keeping the first on a full tie is the id
                // tie-break.
                let better = best.is_none_or(|(best_ratio, b)| {
                    ratio > best_ratio
                        || (ratio == best_ratio && candidate.secondary < candidates[b].secondary)
                });
                if better {
                    best = Some((ratio, c));
                }
            }
            let Some((_, c)) = best else { break };
            taken[c] = true;
            let candidate = &candidates[c];
            selection.weight += candidate.bits.new_weight(&selection.covered, weights);
            selection.covered.union_with(&candidate.bits);
            selection.primary += candidate.primary;
            selection.secondary += candidate.secondary;
            selection.chosen.push(c);
        }
        selection
    }
}

/// Drops courses whose removal does not reduce coverage, most expensive first, until none is
/// redundant.
fn prune(selection: Selection, candidates: &[Candidate<'_>], weights: &[f64]) -> Selection {
    let mut chosen = selection.chosen;
    chosen.sort_by(|&a, &b| {
        candidates[b]
            .primary
            .total_cmp(&candidates[a].primary)
            .then(candidates[b].secondary.total_cmp(&candidates[a].secondary))
            .then(candidates[b].course.id.cmp(&candidates[a].course.id))
    });
    let mut i = 0;
    while i < chosen.len() {
        let mut others = Bits::new(weights.len());
        for (j, &c) in chosen.iter().enumerate() {
            if j != i {
                others.union_with(&candidates[c].bits);
            }
        }
        let mut with = others.clone();
        with.union_with(&candidates[chosen[i]].bits);
        if with == others {
            chosen.remove(i);
        } else {
            i += 1;
        }
    }
    Selection::rebuild(chosen, candidates, weights)
}

/// Finds the best selection by depth-first branch and bound, starting from `incumbent`.
fn exact(
    candidates: &[Candidate<'_>],
    weights: &[f64],
    limits: &Limits,
    minimise: Minimise,
    incumbent: Selection,
) -> Selection {
    // Branch on the courses covering the most weight per unit first, so good selections come
    // early and the bound prunes more. The result does not depend on this order:
    // `better_than` is a total order.
    let none = Bits::new(weights.len());
    let value = |c: &Candidate<'_>| c.bits.new_weight(&none, weights) / (c.primary + 1.0);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        value(&candidates[b])
            .total_cmp(&value(&candidates[a]))
            .then(a.cmp(&b))
    });
    // suffix[i] = union of the candidates at order[i..], for the coverage bound.
    let mut suffix = vec![Bits::new(weights.len()); candidates.len() + 1];
    for i in (0..candidates.len()).rev() {
        let mut bits = suffix[i + 1].clone();
        bits.union_with(&candidates[order[i]].bits);
        suffix[i] = bits;
    }
    let mut search = Search {
        candidates,
        order,
        weights,
        limits,
        minimise,
        suffix,
        best: incumbent,
        spare: Vec::new(),
    };
    let mut current = Selection::empty(weights.len());
    search.visit(0, &mut current);
    search.best
}

struct Search<'a, 'c> {
    candidates: &'a [Candidate<'c>],
    /// The order in which candidates are branched on (indices into `candidates`).
    order: Vec<usize>,
    weights: &'a [f64],
    limits: &'a Limits,
    minimise: Minimise,
    suffix: Vec<Bits>,
    best: Selection,
    /// Coverage saved before each branch, reused so the search does not allocate per node.
    spare: Vec<Bits>,
}

impl Search<'_, '_> {
    fn visit(&mut self, i: usize, current: &mut Selection) {
        if current.better_than(&self.best, self.candidates) {
            self.best = current.clone();
        }
        if i == self.candidates.len() {
            return;
        }
        let bound = current.weight + self.suffix[i].new_weight(&current.covered, self.weights);
        if bound < self.best.weight - TOLERANCE {
            return;
        }
        // Adding courses never lowers cost, so once coverage cannot grow past the best, a
        // costlier branch cannot win.
        if bound <= self.best.weight + TOLERANCE && current.primary > self.best.primary + TOLERANCE
        {
            return;
        }
        let index = self.order[i];
        let candidate = &self.candidates[index];
        let gain = candidate.bits.new_weight(&current.covered, self.weights);
        if gain > 0.0 && self.limits.admits(current, candidate, self.minimise) {
            let mut saved_covered = self
                .spare
                .pop()
                .unwrap_or_else(|| Bits::new(self.weights.len()));
            saved_covered.copy_from(&current.covered);
            let saved = (current.weight, current.primary, current.secondary);
            current.weight += gain;
            current.covered.union_with(&candidate.bits);
            current.primary += candidate.primary;
            current.secondary += candidate.secondary;
            current.chosen.push(index);
            self.visit(i + 1, current);
            current.chosen.pop();
            current.covered.copy_from(&saved_covered);
            self.spare.push(saved_covered);
            (current.weight, current.primary, current.secondary) = saved;
        }
        self.visit(i + 1, current);
    }
}
