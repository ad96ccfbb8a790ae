//! Automation risk as the engine shows and compares it: per-source percentiles and bands, the
//! active source first, and risk changes between two occupations named by their source.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::taxonomy::{BuildStats, RiskInput};
use crate::ids::OccupationId;
use crate::risk::{RiskBand, percentile_rank};

/// One source's reading of one occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Everything known about one occupation's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskView {
    /// The band of the first reading (the active source's, when it scores this occupation).
    pub band: RiskBand,
    /// Whether every source puts the occupation in the same band.
    pub agreement: bool,
    /// Readings, the active source first, then by source name.
    pub readings: Vec<RiskReading>,
}

/// One side of a risk comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskPoint {
    /// Normalised score in [0, 1].
    pub score: f64,
    /// Percentile (0–100) within the source.
    pub percentile: f64,
    /// Band from the percentile.
    pub band: RiskBand,
}

/// How risk changes from one occupation to another, read from one named source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskChange {
    /// The source both sides were read from.
    pub source: String,
    /// Its year of publication.
    pub year: i32,
    /// Risk of the current occupation; `None` when unknown.
    pub before: Option<RiskPoint>,
    /// Risk of the target occupation.
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
}

/// Risk scores per occupation index, with each source's sorted scores for percentiles.
#[derive(Debug, Clone, Default)]
pub(crate) struct RiskTable {
    sources: Vec<SourceInfo>,
    active: Option<u32>,
    /// Per occupation index, its scores ordered active source first, then by source name.
    per_occupation: Vec<Vec<Score>>,
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
                }
                continue;
            }
            scores.push(Score {
                source,
                year: row.year,
                score: row.score,
            });
        }
        for scores in &mut per_occupation {
            scores.sort_by_key(|s| (Some(s.source) != active, s.source));
            for s in scores.iter() {
                sorted[s.source as usize].push(s.score);
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
            .collect();
        Self {
            sources,
            active,
            per_occupation,
        }
    }

    fn point(&self, score: &Score) -> RiskPoint {
        let percentile = percentile_rank(
            &self.sources[score.source as usize].sorted_scores,
            score.score,
        );
        RiskPoint {
            score: score.score,
            percentile,
            band: RiskBand::from_percentile(percentile),
        }
    }

    /// Returns the full view of an occupation's risk, or `None` when no source scores it.
    pub(crate) fn view(&self, occupation: u32) -> Option<RiskView> {
        let scores = self.per_occupation.get(occupation as usize)?;
        let readings: Vec<RiskReading> = scores
            .iter()
            .map(|s| {
                let point = self.point(s);
                RiskReading {
                    source: self.sources[s.source as usize].name.clone(),
                    year: s.year,
                    active: Some(s.source) == self.active,
                    score: s.score,
                    percentile: point.percentile,
                    band: point.band,
                }
            })
            .collect();
        let band = readings.first()?.band;
        Some(RiskView {
            band,
            agreement: readings.iter().all(|r| r.band == band),
            readings,
        })
    }

    /// Returns the percentile of the occupation's first reading (the active source when it
    /// scores the occupation).
    pub(crate) fn primary_point(&self, occupation: u32) -> Option<RiskPoint> {
        self.per_occupation
            .get(occupation as usize)?
            .first()
            .map(|s| self.point(s))
    }

    /// Returns the risk change from `from` to `to`, read from the active source when it scores
    /// both, else from the first source by name that scores both. With no `from` (or no
    /// common source), the target's first reading is given without a reduction.
    pub(crate) fn change(&self, from: Option<u32>, to: u32) -> Option<RiskChange> {
        let to_scores = self.per_occupation.get(to as usize)?;
        if let Some(from) = from {
            let from_scores = &self.per_occupation[from as usize];
            // Both lists are ordered active first then by name, so the first common source is
            // the preferred one.
            for t in to_scores {
                if let Some(f) = from_scores.iter().find(|f| f.source == t.source) {
                    let before = self.point(f);
                    let after = self.point(t);
                    return Some(RiskChange {
                        source: self.sources[t.source as usize].name.clone(),
                        year: t.year,
                        reduction_points: Some(before.percentile - after.percentile),
                        before: Some(before),
                        after,
                    });
                }
            }
        }
        let t = to_scores.first()?;
        Some(RiskChange {
            source: self.sources[t.source as usize].name.clone(),
            year: t.year,
            before: None,
            after: self.point(t),
            reduction_points: None,
        })
    }

    /// Returns whether the occupation has any score.
    pub(crate) fn is_scored(&self, occupation: u32) -> bool {
        self.per_occupation
            .get(occupation as usize)
            .is_some_and(|s| !s.is_empty())
    }
}
