//! The set-cover search behind a course plan: candidates as bitsets over gap positions, the
//! lexicographic order of selections, the greedy fill with its pruning, and the exact branch and
//! bound.
//!
//! Weights, weeks and costs are fixed-point integers here, so sums are exact whatever order
//! courses were added in: the order of selections is total and the exact result does not depend
//! on the branching order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{CourseInput, Minimise};
use crate::ids::CourseId;

/// Units per unit of requirement weight.
const WEIGHT_SCALE: f64 = 1e9;
/// Largest weight of one gap skill in units, so a gap of up to 2^20 skills cannot overflow.
const MAX_WEIGHT_UNITS: u64 = 1 << 44;
/// Units per week.
const WEEKS_SCALE: f64 = 1e9;
/// Units per unit of price.
const COST_SCALE: f64 = 1e6;

/// Returns a requirement weight in units; every gap skill weighs at least one unit, so covering
/// it always counts.
pub(super) fn weight_units(weight: f64) -> u64 {
    ((weight * WEIGHT_SCALE).round() as u64).clamp(1, MAX_WEIGHT_UNITS)
}

/// Returns weeks in units (`as` saturates: NaN and negatives give 0, infinity the maximum).
pub(super) fn weeks_units(weeks: f64) -> u64 {
    (weeks * WEEKS_SCALE).round() as u64
}

/// Returns a price in units.
pub(super) fn cost_units(cost: f64) -> u64 {
    (cost * COST_SCALE).round() as u64
}

/// A fixed-width bitset over gap positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bits(Vec<u64>);

impl Bits {
    pub(super) fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }
    pub(super) fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub(super) fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    pub(super) fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    pub(super) fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
    fn copy_from(&mut self, other: &Bits) {
        self.0.copy_from_slice(&other.0);
    }
    pub(super) fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    /// Returns the positions set in `self` and not in `covered`, ascending.
    pub(super) fn fresh<'a>(&'a self, covered: &'a Bits) -> impl Iterator<Item = usize> + 'a {
        self.0
            .iter()
            .zip(&covered.0)
            .enumerate()
            .flat_map(|(w, (a, c))| ones(w, a & !c))
    }
    /// Returns the positions set, ascending.
    pub(super) fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, a)| ones(w, *a))
    }
}

/// Returns the positions of the bits set in word `w`, ascending.
fn ones(w: usize, mut word: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (word != 0).then(|| {
            let bit = word.trailing_zeros() as usize;
            word &= word - 1;
            w * 64 + bit
        })
    })
}

/// Gap weight in units, split into essential and optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Gain {
    pub(super) essential: u64,
    pub(super) optional: u64,
}

impl Gain {
    fn is_zero(self) -> bool {
        self.essential == 0 && self.optional == 0
    }
}

/// A course that passed every filter, with its gap positions and quantised length and price.
pub(super) struct Candidate<'c> {
    pub(super) course: &'c CourseInput,
    pub(super) bits: Bits,
    pub(super) weeks: u64,
    pub(super) cost: u64,
    pub(super) distance_km: Option<f64>,
}

/// Limits on a plan's totals, in units; `u64::MAX` is no limit.
pub(super) struct Limits {
    pub(super) max_weeks: u64,
    pub(super) budget: u64,
}

/// A set of chosen candidates and its totals.
#[derive(Debug, Clone)]
pub(super) struct Selection {
    pub(super) chosen: Vec<usize>,
    pub(super) covered: Bits,
    pub(super) gain: Gain,
    pub(super) weeks: u64,
    pub(super) cost: u64,
}

impl Selection {
    pub(super) fn empty(gap_len: usize) -> Self {
        Self {
            chosen: Vec::new(),
            covered: Bits::new(gap_len),
            gain: Gain::default(),
            weeks: 0,
            cost: 0,
        }
    }
}

/// A planning problem: the candidates (in course id order), the gap's weights (essential
/// positions first) and the worker's limits.
pub(super) struct Problem<'a, 'c> {
    pub(super) candidates: &'a [Candidate<'c>],
    pub(super) weights: &'a [u64],
    pub(super) essential_len: usize,
    pub(super) limits: &'a Limits,
    pub(super) minimise: Minimise,
    /// Added to every course's weeks or price in greedy ratios, so free or zero-week courses get
    /// a large but finite value per unit.
    pub(super) epsilon: f64,
}

/// How attractive a candidate is to the greedy fill and the step order, greater first:
/// essential gain per unit, then optional gain per unit (or, with no essential gain, optional
/// gain per unit alone, below any essential gain), then less of the other quantity, then the
/// smaller course id. A total order over distinct candidates, and it only falls as coverage
/// grows, so a rank computed earlier bounds the current one (the lazy greedy relies on this).
#[derive(Debug, Clone, Copy)]
pub(super) struct GreedyRank {
    adds_essential: bool,
    first: f64,
    second: f64,
    secondary: u64,
    id: CourseId,
    pub(super) index: usize,
}

impl Ord for GreedyRank {
    fn cmp(&self, other: &Self) -> Ordering {
        self.adds_essential
            .cmp(&other.adds_essential)
            .then(self.first.total_cmp(&other.first))
            .then(self.second.total_cmp(&other.second))
            .then(other.secondary.cmp(&self.secondary))
            .then(other.id.cmp(&self.id))
    }
}

impl PartialOrd for GreedyRank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GreedyRank {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GreedyRank {}

impl Problem<'_, '_> {
    /// Returns the weight of the positions in `bits` not yet in `covered`.
    pub(super) fn gain(&self, bits: &Bits, covered: &Bits) -> Gain {
        let mut gain = Gain::default();
        for i in bits.fresh(covered) {
            if i < self.essential_len {
                gain.essential += self.weights[i];
            } else {
                gain.optional += self.weights[i];
            }
        }
        gain
    }

    fn primary(&self, weeks: u64, cost: u64) -> (u64, u64) {
        match self.minimise {
            Minimise::Weeks => (weeks, cost),
            Minimise::Cost => (cost, weeks),
        }
    }

    /// Returns whether `candidate` fits within the limits next to `selection`.
    pub(super) fn admits(&self, selection: &Selection, candidate: &Candidate<'_>) -> bool {
        selection.weeks.saturating_add(candidate.weeks) <= self.limits.max_weeks
            && selection.cost.saturating_add(candidate.cost) <= self.limits.budget
    }

    fn add(&self, selection: &mut Selection, c: usize, gain: Gain) {
        let candidate = &self.candidates[c];
        selection.gain.essential += gain.essential;
        selection.gain.optional += gain.optional;
        selection.covered.union_with(&candidate.bits);
        selection.weeks = selection.weeks.saturating_add(candidate.weeks);
        selection.cost = selection.cost.saturating_add(candidate.cost);
        selection.chosen.push(c);
    }

    /// Orders selections, greater is better: more essential weight, more optional weight, less
    /// of the minimised quantity, less of the other, fewer courses, then the smaller sorted list
    /// of course ids. Every key is exact, so this is a total order.
    pub(super) fn compare(&self, a: &Selection, b: &Selection) -> Ordering {
        let ids = |s: &Selection| {
            let mut ids: Vec<CourseId> = s
                .chosen
                .iter()
                .map(|&c| self.candidates[c].course.id)
                .collect();
            ids.sort_unstable();
            ids
        };
        a.gain
            .essential
            .cmp(&b.gain.essential)
            .then(a.gain.optional.cmp(&b.gain.optional))
            .then_with(|| {
                self.primary(b.weeks, b.cost)
                    .cmp(&self.primary(a.weeks, a.cost))
            })
            .then(b.chosen.len().cmp(&a.chosen.len()))
            .then_with(|| ids(b).cmp(&ids(a)))
    }

    /// Returns how attractive candidate `c` is when it would add `gain`.
    pub(super) fn rank(&self, c: usize, gain: Gain) -> GreedyRank {
        let candidate = &self.candidates[c];
        let unit = match self.minimise {
            Minimise::Weeks => candidate.course.weeks,
            Minimise::Cost => candidate.course.cost,
        } + self.epsilon;
        let per_unit = |units: u64| units as f64 / unit;
        let (adds_essential, first, second) = if gain.essential > 0 {
            (true, per_unit(gain.essential), per_unit(gain.optional))
        } else {
            (false, per_unit(gain.optional), 0.0)
        };
        GreedyRank {
            adds_essential,
            first,
            second,
            secondary: self.primary(candidate.weeks, candidate.cost).1,
            id: candidate.course.id,
            index: c,
        }
    }

    /// Adds the best-ranked candidate that fits and adds coverage, while there is one; returns
    /// whether anything was added. Candidates with an essential gain always come first, so the
    /// weeks and budget go to essential skills before optional ones. Lazily: a candidate's rank
    /// is recomputed only when its stale rank reaches the top, and it is taken when the fresh
    /// rank still beats every other stale one.
    fn fill(&self, selection: &mut Selection) -> bool {
        let mut heap: BinaryHeap<GreedyRank> = self
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, candidate)| self.admits(selection, candidate))
            .filter_map(|(c, candidate)| {
                let gain = self.gain(&candidate.bits, &selection.covered);
                (!gain.is_zero()).then(|| self.rank(c, gain))
            })
            .collect();
        let mut added = false;
        while let Some(stale) = heap.pop() {
            let c = stale.index;
            let candidate = &self.candidates[c];
            // Totals only grow during a fill, so a course that no longer fits never will.
            if !self.admits(selection, candidate) {
                continue;
            }
            let gain = self.gain(&candidate.bits, &selection.covered);
            if gain.is_zero() {
                continue;
            }
            let fresh = self.rank(c, gain);
            if heap.peek().is_none_or(|next| fresh > *next) {
                self.add(selection, c, gain);
                added = true;
            } else {
                heap.push(fresh);
            }
        }
        added
    }

    /// Drops courses whose removal does not reduce coverage, the most expensive first, until
    /// none is redundant.
    fn prune(&self, selection: Selection) -> Selection {
        let mut chosen = selection.chosen;
        chosen.sort_by(|&a, &b| {
            let (ca, cb) = (&self.candidates[a], &self.candidates[b]);
            self.primary(cb.weeks, cb.cost)
                .cmp(&self.primary(ca.weeks, ca.cost))
                .then(cb.course.id.cmp(&ca.course.id))
        });
        let mut i = 0;
        while i < chosen.len() {
            let mut others = Bits::new(self.weights.len());
            for (j, &c) in chosen.iter().enumerate() {
                if j != i {
                    others.union_with(&self.candidates[c].bits);
                }
            }
            if self.candidates[chosen[i]]
                .bits
                .fresh(&others)
                .next()
                .is_none()
            {
                chosen.remove(i);
            } else {
                i += 1;
            }
        }
        let mut rebuilt = Selection::empty(self.weights.len());
        for c in chosen {
            let gain = self.gain(&self.candidates[c].bits, &rebuilt.covered);
            self.add(&mut rebuilt, c, gain);
        }
        rebuilt
    }

    /// Fills and prunes until nothing more fits: the result has no redundant course and no
    /// candidate that fits would add coverage.
    pub(super) fn complete(&self, mut selection: Selection) -> Selection {
        loop {
            let added = self.fill(&mut selection);
            selection = self.prune(selection);
            if !added {
                return selection;
            }
        }
    }

    /// Returns the greedy plan.
    pub(super) fn greedy(&self) -> Selection {
        self.complete(Selection::empty(self.weights.len()))
    }

    /// Returns the best selection by depth-first branch and bound, starting from `incumbent`.
    pub(super) fn exact(&self, incumbent: Selection) -> Selection {
        // Branch on the courses covering the most essential weight per unit first, so good
        // selections come early and the bounds prune more. The result does not depend on this
        // order: `compare` is a total order and every bound is exact.
        let none = Bits::new(self.weights.len());
        let value = |c: usize| {
            let candidate = &self.candidates[c];
            let gain = self.gain(&candidate.bits, &none);
            let unit = self.primary(candidate.weeks, candidate.cost).0 as f64 + 1.0;
            (gain.essential as f64 / unit, gain.optional as f64 / unit)
        };
        let values: Vec<(f64, f64)> = (0..self.candidates.len()).map(value).collect();
        let mut order: Vec<usize> = (0..self.candidates.len()).collect();
        order.sort_by(|&a, &b| {
            values[b]
                .0
                .total_cmp(&values[a].0)
                .then(values[b].1.total_cmp(&values[a].1))
                .then(a.cmp(&b))
        });
        // suffix[i] = union of the candidates at order[i..], for the coverage bounds.
        let mut suffix = vec![Bits::new(self.weights.len()); self.candidates.len() + 1];
        for i in (0..self.candidates.len()).rev() {
            let mut bits = suffix[i + 1].clone();
            bits.union_with(&self.candidates[order[i]].bits);
            suffix[i] = bits;
        }
        let mut search = Search {
            problem: self,
            order,
            suffix,
            best: incumbent,
            spare: Vec::new(),
        };
        let mut current = Selection::empty(self.weights.len());
        search.visit(0, &mut current);
        self.prune(search.best)
    }
}

struct Search<'p, 'a, 'c> {
    problem: &'p Problem<'a, 'c>,
    /// The order in which candidates are branched on (indices into `candidates`).
    order: Vec<usize>,
    suffix: Vec<Bits>,
    best: Selection,
    /// Coverage saved before each branch, reused so the search does not allocate per node.
    spare: Vec<Bits>,
}

impl Search<'_, '_, '_> {
    fn visit(&mut self, i: usize, current: &mut Selection) {
        let problem = self.problem;
        if problem.compare(current, &self.best) == Ordering::Greater {
            self.best = current.clone();
        }
        if i == self.order.len() {
            return;
        }
        // Descendants cover at most the current coverage plus what the rest could add, and
        // never cost less than the current selection.
        let rest = problem.gain(&self.suffix[i], &current.covered);
        let essential_bound = current.gain.essential + rest.essential;
        let optional_bound = current.gain.optional + rest.optional;
        match essential_bound.cmp(&self.best.gain.essential) {
            Ordering::Less => return,
            Ordering::Equal => match optional_bound.cmp(&self.best.gain.optional) {
                Ordering::Less => return,
                Ordering::Equal
                    if problem.primary(current.weeks, current.cost)
                        > problem.primary(self.best.weeks, self.best.cost) =>
                {
                    return;
                }
                _ => {}
            },
            Ordering::Greater => {}
        }
        let index = self.order[i];
        let candidate = &problem.candidates[index];
        let gain = problem.gain(&candidate.bits, &current.covered);
        if !gain.is_zero() && problem.admits(current, candidate) {
            let mut saved_covered = self
                .spare
                .pop()
                .unwrap_or_else(|| Bits::new(problem.weights.len()));
            saved_covered.copy_from(&current.covered);
            let saved = (current.gain, current.weeks, current.cost);
            problem.add(current, index, gain);
            self.visit(i + 1, current);
            current.chosen.pop();
            current.covered.copy_from(&saved_covered);
            self.spare.push(saved_covered);
            (current.gain, current.weeks, current.cost) = saved;
        }
        self.visit(i + 1, current);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::catalog::CourseMode;

    /// The greedy fill written as a plain scan over every candidate at every pick.
    fn fill_by_scan(problem: &Problem<'_, '_>, selection: &mut Selection) {
        loop {
            let best = (0..problem.candidates.len())
                .filter(|&c| problem.admits(selection, &problem.candidates[c]))
                .filter_map(|c| {
                    let gain = problem.gain(&problem.candidates[c].bits, &selection.covered);
                    (!gain.is_zero()).then(|| (problem.rank(c, gain), gain))
                })
                .max_by_key(|(rank, _)| *rank);
            let Some((rank, gain)) = best else { return };
            problem.add(selection, rank.index, gain);
        }
    }

    proptest! {
        #[test]
        fn lazy_fill_picks_what_a_full_scan_picks(
            courses in proptest::collection::vec(
                (proptest::collection::vec(0usize..10, 1..4), 0u32..6, 0u32..4),
                0..16,
            ),
            weights in proptest::collection::vec(1u64..5, 10),
            essential_len in 0usize..=10,
            max_weeks in proptest::option::of(0u32..12),
            by_cost in any::<bool>(),
        ) {
            let inputs: Vec<CourseInput> = courses
                .iter()
                .enumerate()
                .map(|(i, (_, weeks, cost))| CourseInput {
                    id: CourseId(i as i64 + 1),
                    skills: Vec::new(),
                    weeks: f64::from(*weeks),
                    cost: f64::from(*cost),
                    mode: CourseMode::Online,
                    location: None,
                })
                .collect();
            let candidates: Vec<Candidate<'_>> = courses
                .iter()
                .zip(&inputs)
                .map(|((positions, _, _), course)| {
                    let mut bits = Bits::new(10);
                    positions.iter().for_each(|&p| bits.set(p));
                    Candidate {
                        course,
                        bits,
                        weeks: weeks_units(course.weeks),
                        cost: cost_units(course.cost),
                        distance_km: None,
                    }
                })
                .collect();
            let limits = Limits {
                max_weeks: max_weeks.map_or(u64::MAX, |w| weeks_units(f64::from(w))),
                budget: u64::MAX,
            };
            let problem = Problem {
                candidates: &candidates,
                weights: &weights,
                essential_len,
                limits: &limits,
                minimise: if by_cost { Minimise::Cost } else { Minimise::Weeks },
                epsilon: 0.001,
            };
            let mut lazy = Selection::empty(10);
            problem.fill(&mut lazy);
            let mut scan = Selection::empty(10);
            fill_by_scan(&problem, &mut scan);
            prop_assert_eq!(lazy.chosen, scan.chosen);
        }
    }
}
