//! Exposure as the engine shows and compares it: per-source percentiles and bands (the active
//! source listed first), the combined measure ([`CombinedRisk`]) over them, and changes between
//! two occupations on that measure.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::taxonomy::{BuildStats, RiskInput};
use crate::ids::OccupationId;
use crate::risk::{CombinedRisk, RiskBand, percentile_rank};

/// One source's reading of one occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RiskReading {
    /// Source name.
    pub source: String,
    /// Year of publication.
    pub year: i32,
    /// Whether this is the active source.
    pub active: bool,
    /// Normalised score in [0, 1].
    pub score: f64,
    /// Percentile (0–100) among the occupations this source scores.
    pub percentile: f64,
    /// Band from the percentile.
    pub band: RiskBand,
    /// Whether the score is the nearest scored broader occupation's.
    pub inherited: bool,
}

/// Everything known about one occupation's exposure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RiskView {
    /// The combined measure ([`CombinedRisk`]): the mean of the readings' percentiles.
    pub percentile: f64,
    /// Band of the combined percentile.
    pub band: RiskBand,
    /// Whether the readings' percentiles lie within one band's width of each other.
    pub agreement: bool,
    /// Readings, the active source first, then by source name.
    pub readings: Vec<RiskReading>,
}

/// One side of a risk comparison, on the combined measure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RiskPoint {
    /// Mean percentile (0–100) of the sources that score the occupation.
    pub percentile: f64,
    /// Band from the percentile.
    pub band: RiskBand,
    /// How many sources were averaged.
    pub sources: usize,
}

impl From<CombinedRisk> for RiskPoint {
    fn from(c: CombinedRisk) -> Self {
        Self {
            percentile: c.percentile,
            band: c.band,
            sources: c.sources,
        }
    }
}

/// How exposure changes from one occupation to another, on the combined measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RiskChange {
    /// Exposure of the current occupation; `None` when unknown.
    pub before: Option<RiskPoint>,
    /// Exposure of the target occupation.
    pub after: RiskPoint,
    /// Drop in percentile points (positive is safer); `None` when `before` is unknown.
    pub reduction_points: Option<f64>,
}

#[derive(Debug, Clone)]
struct SourceInfo {
    name: String,
    sorted_scores: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Score {
    source: u32,
    year: i32,
    score: f64,
    inherited: bool,
}

/// Returns every scored occupation's combined exposure, computed exactly as the engine computes
/// it, for callers that need the measure without building a taxonomy (the search facet).
pub fn combined_exposure(input: &[RiskInput]) -> HashMap<OccupationId, CombinedRisk> {
    let mut ids: Vec<OccupationId> = input.iter().map(|r| r.occupation).collect();
    ids.sort_unstable();
    ids.dedup();
    let index: HashMap<OccupationId, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as u32))
        .collect();
    let table = RiskTable::build(input, None, &index, &mut BuildStats::default());
    ids.into_iter()
        .zip(table.combined)
        .filter_map(|(id, combined)| Some((id, combined?)))
        .collect()
}

/// Risk scores per occupation index, with each source's sorted scores for percentiles.
#[derive(Debug, Clone, Default)]
pub(crate) struct RiskTable {
    sources: Vec<SourceInfo>,
    active: Option<u32>,
    /// Per occupation index, its scores ordered active source first, then by source name.
    per_occupation: Vec<Vec<Score>>,
    /// Per occupation index, the combined measure over its scores.
    combined: Vec<Option<CombinedRisk>>,
}

impl RiskTable {
    pub(crate) fn build(
        input: &[RiskInput],
        active: Option<&str>,
        occupation_index: &HashMap<OccupationId, u32>,
        stats: &mut BuildStats,
    ) -> Self {
        let mut names: Vec<&str> = input.iter().map(|r| r.source.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let source_of: HashMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u32))
            .collect();
        let active = active
            .and_then(|a| source_of.get(a).copied())
            .or(if names.is_empty() { None } else { Some(0) });

        let mut per_occupation: Vec<Vec<Score>> = vec![Vec::new(); occupation_index.len()];
        let mut sorted: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for row in input {
            let Some(&o) = occupation_index.get(&row.occupation) else {
                stats.unknown_references += 1;
                continue;
            };
            if !row.score.is_finite() {
                stats.invalid_scores += 1;
                continue;
            }
            let source = source_of[row.source.as_str()];
            let scores = &mut per_occupation[o as usize];
            // One score per source and occupation: the latest year wins, then the higher score,
            // so duplicates resolve the same way whatever their order.
            if let Some(existing) = scores.iter_mut().find(|s| s.source == source) {
                if (row.year, row.score) > (existing.year, existing.score) {
                    existing.year = row.year;
                    existing.score = row.score;
                    existing.inherited = row.inherited;
                }
                continue;
            }
            scores.push(Score {
                source,
                year: row.year,
                score: row.score,
                inherited: row.inherited,
            });
        }
        // Percentiles rank among the occupations a source scores itself: inherited copies would
        // count a broader occupation's score once per narrower one. A source given only
        // inherited scores ranks among all of them.
        let mut inherited_only = vec![Vec::new(); names.len()];
        for scores in &mut per_occupation {
            scores.sort_by_key(|s| (Some(s.source) != active, s.source));
            for s in scores.iter() {
                if s.inherited {
                    inherited_only[s.source as usize].push(s.score);
                } else {
                    sorted[s.source as usize].push(s.score);
                }
            }
        }
        for (own, inherited) in sorted.iter_mut().zip(inherited_only) {
            if own.is_empty() {
                *own = inherited;
            }
        }
        let sources = names
            .iter()
            .zip(sorted)
            .map(|(name, mut scores)| {
                scores.sort_by(f64::total_cmp);
                SourceInfo {
                    name: (*name).to_owned(),
                    sorted_scores: scores,
                }
            })
            .collect::<Vec<_>>();
        let combined = per_occupation
            .iter()
            .map(|scores| {
                let percentiles: Vec<f64> = scores
                    .iter()
                    .map(|s| percentile_rank(&sources[s.source as usize].sorted_scores, s.score))
                    .collect();
                CombinedRisk::of(&percentiles)
            })
            .collect();
        Self {
            sources,
            active,
            per_occupation,
            combined,
        }
    }

    fn percentile(&self, score: &Score) -> f64 {
        percentile_rank(
            &self.sources[score.source as usize].sorted_scores,
            score.score,
        )
    }

    /// Returns the full view of an occupation's exposure, or `None` when no source scores it.
    pub(crate) fn view(&self, occupation: u32) -> Option<RiskView> {
        let scores = self.per_occupation.get(occupation as usize)?;
        let combined = self.combined[occupation as usize]?;
        let readings: Vec<RiskReading> = scores
            .iter()
            .map(|s| {
                let percentile = self.percentile(s);
                RiskReading {
                    source: self.sources[s.source as usize].name.clone(),
                    year: s.year,
                    active: Some(s.source) == self.active,
                    score: s.score,
                    percentile,
                    band: RiskBand::from_percentile(percentile),
                    inherited: s.inherited,
                }
            })
            .collect();
        Some(RiskView {
            percentile: combined.percentile,
            band: combined.band,
            agreement: combined.agreement,
            readings,
        })
    }

    /// Returns the occupation's exposure on the combined measure.
    pub(crate) fn primary_point(&self, occupation: u32) -> Option<RiskPoint> {
        self.combined
            .get(occupation as usize)
            .copied()
            .flatten()
            .map(RiskPoint::from)
    }

    /// Returns the change in exposure from `from` to `to` on the combined measure. With no
    /// `from` (or an unscored one), the target's exposure is given without a reduction.
    pub(crate) fn change(&self, from: Option<u32>, to: u32) -> Option<RiskChange> {
        let after = self.primary_point(to)?;
        let before = from.and_then(|f| self.primary_point(f));
        Some(RiskChange {
            reduction_points: before.map(|b| b.percentile - after.percentile),
            before,
            after,
        })
    }

    /// Returns whether the occupation has any score.
    pub(crate) fn is_scored(&self, occupation: u32) -> bool {
        self.per_occupation
            .get(occupation as usize)
            .is_some_and(|s| !s.is_empty())
    }
}
