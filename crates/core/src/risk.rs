//! Exposure to automation and to generative AI: scores per occupation from named sources,
//! percentiles, bands and the combined measure Reskill shows and compares.
//!
//! Sources measure different things on different scales (Nesta's task-weighted suitability for
//! machine learning is 1–5; Frey–Osborne is a probability; Eloundou et al. rate the share of
//! tasks a language model speeds up), so every score is normalised to [0, 1] on import and
//! compared only through percentiles within its own source. What Reskill shows, bands and
//! compares is [`CombinedRisk`]: the mean of those percentiles over the sources that score the
//! occupation.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// One occupation's score from one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskRecord {
    /// The occupation's ESCO URI.
    pub occupation_uri: String,
    /// The value as published, on the source's own scale.
    pub raw_value: f64,
    /// The value normalised to [0, 1], where 1 is most exposed.
    pub score: f64,
}

/// Where a set of scores comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSource {
    /// Short name, such as `nesta-mcc`.
    pub name: String,
    /// Year of publication.
    pub year: i32,
    /// What the scores measure, in words shown beside every reading ("share of tasks a
    /// language model could speed up" is not "probability of being replaced"); may be empty.
    pub description: String,
}

impl RiskSource {
    /// Validates a source name (1–64 characters of letters, digits, `-`, `_`, `.`) and a year.
    pub fn parse(name: &str, year: i32) -> Result<Self, ValidationError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || name.len() > 64 || !name.chars().all(valid_char) {
            return Err(ValidationError::new(
                "source",
                "must be 1 to 64 letters, digits, '-', '_' or '.'",
            ));
        }
        if !(1900..=2100).contains(&year) {
            return Err(ValidationError::new(
                "year",
                "must be between 1900 and 2100",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            year,
            description: String::new(),
        })
    }

    /// Sets what the scores measure; at most 500 characters.
    pub fn with_description(mut self, description: &str) -> Result<Self, ValidationError> {
        let description = description.trim();
        if description.chars().count() > 500 || description.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "description",
                "must be at most 500 characters, without control characters",
            ));
        }
        self.description = description.to_owned();
        Ok(self)
    }
}

/// How the combined measure is made, for pages, the API and the docs.
pub const COMBINED_MEASURE: &str = "the mean of the percentiles of every source that scores the \
     occupation, each percentile taken among the occupations that source scores";

/// Percentile points between two sources' readings beyond which they are said to disagree: more
/// than the width of one band.
pub const DISAGREEMENT_POINTS: f64 = 100.0 / 3.0;

/// The measure Reskill shows, bands and compares: the mean percentile of the sources that score
/// an occupation.
///
/// A mean of percentiles, not of scores: the sources' scales and constructs differ, and a
/// percentile says only "more exposed than this share of occupations" in each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CombinedRisk {
    /// Mean percentile (0–100).
    pub percentile: f64,
    /// Band of the mean percentile.
    pub band: RiskBand,
    /// How many sources were averaged.
    pub sources: usize,
    /// Whether the sources' percentiles all lie within [`DISAGREEMENT_POINTS`] of each other.
    pub agreement: bool,
}

impl CombinedRisk {
    /// Combines per-source percentiles; `None` when there are none.
    pub fn of(percentiles: &[f64]) -> Option<Self> {
        if percentiles.is_empty() {
            return None;
        }
        let percentile = percentiles.iter().sum::<f64>() / percentiles.len() as f64;
        let (min, max) = percentiles
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(*p), hi.max(*p))
            });
        Some(Self {
            percentile,
            band: RiskBand::from_percentile(percentile),
            sources: percentiles.len(),
            agreement: max - min <= DISAGREEMENT_POINTS,
        })
    }
}

/// A coarse reading of risk, from the percentile among occupations scored by the same source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskBand {
    /// Bottom third of occupations.
    Low,
    /// Middle third.
    Medium,
    /// Top third.
    High,
}

impl RiskBand {
    /// Returns the band for a percentile in [0, 100].
    pub fn from_percentile(percentile: f64) -> Self {
        if percentile >= 200.0 / 3.0 {
            Self::High
        } else if percentile >= 100.0 / 3.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// Returns the percentile rank (0–100) of `score` within `sorted_scores` (ascending): the share
/// of scores strictly below it plus half of the ties, so equal scores get equal percentiles.
pub fn percentile_rank(sorted_scores: &[f64], score: f64) -> f64 {
    if sorted_scores.is_empty() {
        return 50.0;
    }
    let below = sorted_scores.partition_point(|s| *s < score);
    let not_above = sorted_scores.partition_point(|s| *s <= score);
    let ties = not_above - below;
    100.0 * (below as f64 + ties as f64 / 2.0) / sorted_scores.len() as f64
}

/// Normalises `raw` from the published scale `[min, max]` to [0, 1], rejecting values outside it.
pub fn normalise(raw: f64, min: f64, max: f64) -> Result<f64, ValidationError> {
    if !raw.is_finite() || raw < min || raw > max {
        return Err(ValidationError::new(
            "score",
            format!("{raw} is outside the scale {min}..={max}"),
        ));
    }
    Ok((raw - min) / (max - min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_bands() {
        let scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        assert_eq!(percentile_rank(&scores, 0.1), 100.0 * 0.5 / 6.0);
        assert_eq!(
            RiskBand::from_percentile(percentile_rank(&scores, 0.6)),
            RiskBand::High
        );
        assert_eq!(
            RiskBand::from_percentile(percentile_rank(&scores, 0.1)),
            RiskBand::Low
        );
        assert_eq!(RiskBand::from_percentile(50.0), RiskBand::Medium);
    }

    #[test]
    fn combined_is_the_mean_percentile_and_flags_disagreement() {
        assert_eq!(CombinedRisk::of(&[]), None);
        let one = CombinedRisk::of(&[70.0]).unwrap();
        assert_eq!(
            (one.percentile, one.band, one.agreement),
            (70.0, RiskBand::High, true)
        );
        // A call centre agent: low for one source, near the top for three.
        let mixed = CombinedRisk::of(&[29.0, 100.0, 98.0, 99.0]).unwrap();
        assert_eq!(mixed.percentile, 81.5);
        assert_eq!(mixed.band, RiskBand::High);
        assert_eq!(mixed.sources, 4);
        assert!(!mixed.agreement);
        assert!(CombinedRisk::of(&[40.0, 60.0]).unwrap().agreement);
    }

    #[test]
    fn normalise_rejects_out_of_scale() {
        assert_eq!(normalise(3.0, 1.0, 5.0).unwrap(), 0.5);
        assert!(normalise(5.5, 1.0, 5.0).is_err());
        assert!(normalise(f64::NAN, 0.0, 1.0).is_err());
    }

    #[test]
    fn source_names_are_checked() {
        assert!(RiskSource::parse("nesta-mcc", 2020).is_ok());
        assert!(RiskSource::parse("bad name", 2020).is_err());
        assert!(RiskSource::parse("x", 1066).is_err());
    }
}
