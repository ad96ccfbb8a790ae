//! Courses (training programmes) and openings (job postings): what the matching engine plans
//! with and matches against.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// How a course is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CourseMode {
    /// Fully online.
    Online,
    /// On site.
    InPerson,
    /// A mix of both.
    Hybrid,
}

impl CourseMode {
    /// Parses `online`, `in_person` (or `in person`, `in-person`) and `hybrid`.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        match value
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "online" => Ok(Self::Online),
            "in_person" => Ok(Self::InPerson),
            "hybrid" => Ok(Self::Hybrid),
            other => Err(ValidationError::new(
                "mode",
                format!("expected online, in_person or hybrid, found {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::InPerson => "in_person",
            Self::Hybrid => "hybrid",
        }
    }
}

/// Lifecycle of an opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpeningStatus {
    /// Being written; not visible to seekers.
    Draft,
    /// Accepting applications.
    Open,
    /// Filled or withdrawn.
    Closed,
}

impl OpeningStatus {
    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        match value.trim() {
            "draft" => Ok(Self::Draft),
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            other => Err(ValidationError::new(
                "status",
                format!("expected draft, open or closed, found {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// A place, with coordinates where known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Human-readable name, such as `Leeds` or `Stockholm`.
    pub name: String,
    /// Region or county, where known.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code, where known.
    pub country: Option<String>,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
}

/// Returns the great-circle distance in kilometres between two points given in degrees.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

/// Where a skill tag on a course or opening came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOrigin {
    /// Found in the document's text by the tagger.
    Extracted,
    /// Inferred from the document's occupation.
    Inferred,
    /// Set by a person; kept across re-tagging.
    Manual,
}

impl TagOrigin {
    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        match value.trim() {
            "extracted" => Ok(Self::Extracted),
            "inferred" => Ok(Self::Inferred),
            "manual" => Ok(Self::Manual),
            other => Err(ValidationError::new(
                "origin",
                format!("expected extracted, inferred or manual, found {other:?}"),
            )),
        }
    }

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Extracted => "extracted",
            Self::Inferred => "inferred",
            Self::Manual => "manual",
        }
    }
}

/// A skill tag on a course (a skill it teaches) or an opening (a skill it asks for).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillTag {
    /// The skill's ESCO URI.
    pub uri: String,
    /// For openings, essential (true) or nice to have (false); courses keep true.
    pub essential: bool,
    /// Where the tag came from.
    pub origin: TagOrigin,
    /// How sure the tagger is, in (0, 1]; 1 for tags a person or the source file set.
    pub confidence: f32,
}

impl SkillTag {
    /// Returns an essential tag with full confidence, as a person or the source file sets it.
    pub fn manual(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            essential: true,
            origin: TagOrigin::Manual,
            confidence: 1.0,
        }
    }
}

/// The occupation a course prepares for or an opening is in, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationTag {
    /// The occupation's ESCO URI.
    pub uri: String,
    /// Where the tag came from.
    pub origin: TagOrigin,
    /// How sure the tagger is, in (0, 1]; 1 for tags a person or the source file set.
    pub confidence: f32,
}

impl OccupationTag {
    /// Returns a tag with full confidence, as a person or the source file sets it.
    pub fn manual(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            origin: TagOrigin::Manual,
            confidence: 1.0,
        }
    }
}

/// A course to insert or update, keyed by `(source, source_id)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCourse {
    /// Where the record came from (`demo`, a file name, `api`).
    pub source: String,
    /// The identifier within that source.
    pub source_id: String,
    /// Who runs it.
    pub provider: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Length in weeks.
    pub duration_weeks: f64,
    /// Total study hours, where known.
    pub hours: Option<f64>,
    /// Cost in `currency`; 0 for free.
    pub cost: f64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Delivery mode.
    pub mode: CourseMode,
    /// Where it runs, for in-person and hybrid courses.
    pub place: Option<Place>,
    /// Next start date, where known.
    pub next_start: Option<NaiveDate>,
    /// Funding notes.
    pub funding: String,
    /// Link to the provider's page.
    pub url: String,
    /// Skills taught.
    pub skills: Vec<SkillTag>,
    /// The occupation the course prepares for, where known.
    pub occupation: Option<OccupationTag>,
    /// The key under which the same course from several files is merged, where the importer
    /// computed one.
    pub dedupe_key: Option<String>,
}

/// A job opening to insert or update, keyed by `(source, source_id)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOpening {
    /// Where the record came from.
    pub source: String,
    /// The identifier within that source.
    pub source_id: String,
    /// The employer's name (matched to an organisation by name).
    pub organisation: String,
    /// Job title.
    pub title: String,
    /// The occupation, where known.
    pub occupation: Option<OccupationTag>,
    /// Full description.
    pub description: String,
    /// Required skills.
    pub skills: Vec<SkillTag>,
    /// Where the job is.
    pub place: Option<Place>,
    /// Whether it can be done remotely.
    pub remote: bool,
    /// Lower bound of the yearly salary.
    pub salary_min: Option<f64>,
    /// Upper bound of the yearly salary.
    pub salary_max: Option<f64>,
    /// ISO 4217 currency code of the salary.
    pub currency: String,
    /// Lifecycle status.
    pub status: OpeningStatus,
    /// Date posted.
    pub posted_on: NaiveDate,
    /// Closing date, where known.
    pub expires_on: Option<NaiveDate>,
    /// Link to the original posting.
    pub url: String,
    /// The key under which the same job posted in several files is merged, where the importer
    /// computed one.
    pub dedupe_key: Option<String>,
}

/// A kind of programme people train in, as the US Classification of Instructional Programs
/// (CIP 2020) names it: what the plan points to where no course in the catalogue teaches a
/// missing skill ("look for a Customer Service Support/Call Center programme, CIP 52.0411").
///
/// A programme type is not a course: it has no provider, dates or cost, only a kind of
/// training to ask a public employment service or college for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ProgrammeType {
    /// Six-digit CIP 2020 code such as `52.0411`.
    pub code: String,
    /// Title without the trailing period, such as
    /// `Customer Service Support/Call Center/Teleservice Operation`.
    pub title: String,
    /// What such a programme prepares for and teaches, as NCES defines it.
    pub definition: String,
}

/// Programme types and the occupations each prepares for, as the engine loads them: every type
/// once, and per occupation the indices of its types in `types`, most specific first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OccupationProgrammes {
    /// Every programme type linked to at least one occupation.
    pub types: Vec<ProgrammeType>,
    /// Per occupation, indices into `types`.
    pub by_occupation: Vec<(crate::OccupationId, Vec<u32>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_london_paris() {
        let km = haversine_km(51.5074, -0.1278, 48.8566, 2.3522);
        assert!((km - 343.5).abs() < 2.0, "{km}");
    }

    #[test]
    fn course_mode_accepts_spellings() {
        assert_eq!(
            CourseMode::parse("In person").unwrap(),
            CourseMode::InPerson
        );
        assert_eq!(
            CourseMode::parse("in-person").unwrap(),
            CourseMode::InPerson
        );
        assert!(CourseMode::parse("postal").is_err());
    }
}
