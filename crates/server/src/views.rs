//! What the accounts and workflows API shows: plain serialisable views with OpenAPI schemas,
//! built from store records and the matching engine's labels.

use chrono::{DateTime, NaiveDate, Utc};
use reskill_core::{OccupationId, SkillId};
use reskill_store::people::{Consent, Contact, Interest, Plan, PlanStep, Worker};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::engine::Engine;

/// A short reference to an occupation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationView {
    /// Key.
    pub id: i64,
    /// ESCO URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
}

impl OccupationView {
    /// Returns the view of occupation `id`, or a bare one when the engine does not know it.
    pub fn of(engine: &Engine, id: OccupationId) -> Self {
        match engine.occupation_ref(id) {
            Some(o) => Self {
                id: o.id.0,
                uri: o.uri,
                label: o.label,
            },
            None => Self {
                id: id.0,
                uri: String::new(),
                label: String::new(),
            },
        }
    }
}

/// A short reference to a skill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillView {
    /// Key.
    pub id: i64,
    /// ESCO URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
}

impl SkillView {
    /// Returns the view of skill `id`.
    pub fn of(engine: &Engine, id: SkillId) -> Self {
        match engine.taxonomy.skill(id) {
            Some(s) => Self {
                id: s.id.0,
                uri: s.uri,
                label: s.label,
            },
            None => Self {
                id: id.0,
                uri: String::new(),
                label: String::new(),
            },
        }
    }
}

/// A skill a worker holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldSkillView {
    /// The skill.
    pub skill: SkillView,
    /// `inferred`, `declared` or `gained`.
    pub origin: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// Where a worker lives.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct LocationView {
    /// Place name.
    pub place_name: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
}

/// A worker's limits for plans.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PreferencesView {
    /// Preferred course mode: online, in_person or hybrid.
    pub mode: Option<String>,
    /// Farthest travel, km.
    pub max_travel_km: Option<f64>,
    /// Longest training, weeks.
    pub max_training_weeks: Option<f64>,
    /// Training budget.
    pub budget: Option<f64>,
}

/// A consent record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    /// `share_with_employers` or `receive_email`.
    pub purpose: String,
    /// Version of the wording agreed to.
    pub text_version: String,
    /// When given.
    pub granted_at: DateTime<Utc>,
    /// When withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<Consent> for ConsentView {
    fn from(c: Consent) -> Self {
        Self {
            purpose: c.purpose.as_str().to_owned(),
            text_version: c.text_version,
            granted_at: c.granted_at,
            withdrawn_at: c.withdrawn_at,
        }
    }
}

/// How a worker left the caseload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeView {
    /// `hired`, `training` or `other`.
    pub outcome: String,
    /// Occupation (hired into).
    pub occupation: Option<OccupationView>,
    /// Opening, if known.
    pub opening_id: Option<i64>,
    /// When recorded.
    pub at: Option<DateTime<Utc>>,
}

/// A worker's profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileView {
    /// Worker key.
    pub worker_id: i64,
    /// Account key.
    pub user_id: Option<i64>,
    /// Name.
    pub display_name: Option<String>,
    /// Current or last occupation.
    pub occupation: Option<OccupationView>,
    /// Risk band of that occupation (active source).
    pub risk_band: Option<String>,
    /// Location.
    pub location: LocationView,
    /// Preferences.
    pub preferences: PreferencesView,
    /// Skills with their origin.
    pub skills: Vec<HeldSkillView>,
    /// Consents, with history.
    pub consents: Vec<ConsentView>,
    /// Assigned caseworker.
    pub caseworker_id: Option<i64>,
    /// Last caseworker contact.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Outcome, once the worker left the caseload.
    pub outcome: Option<OutcomeView>,
}

impl ProfileView {
    /// Builds the view.
    pub fn build(
        engine: &Engine,
        worker: &Worker,
        skills: Vec<reskill_store::people::HeldSkill>,
        consents: Vec<Consent>,
    ) -> Self {
        Self {
            worker_id: worker.id.0,
            user_id: worker.user_id.map(|u| u.0),
            display_name: worker.display_name.clone(),
            occupation: worker.occupation_id.map(|o| OccupationView::of(engine, o)),
            risk_band: worker
                .occupation_id
                .and_then(|o| engine.risk(o))
                .map(|r| r.band.as_str().to_owned()),
            location: LocationView {
                place_name: worker.place_name.clone(),
                region: worker.region.clone(),
                country: worker.country.clone(),
                lat: worker.lat,
                lon: worker.lon,
            },
            preferences: PreferencesView {
                mode: worker.pref_mode.clone(),
                max_travel_km: worker.max_travel_km,
                max_training_weeks: worker.max_training_weeks,
                budget: worker.budget,
            },
            skills: skills
                .into_iter()
                .map(|s| HeldSkillView {
                    skill: SkillView::of(engine, s.skill),
                    origin: s.origin.as_str().to_owned(),
                    added_at: s.added_at,
                })
                .collect(),
            consents: consents.into_iter().map(ConsentView::from).collect(),
            caseworker_id: worker.caseworker_id.map(|c| c.0),
            last_contact_at: worker.last_contact_at,
            outcome: worker.outcome.map(|o| OutcomeView {
                outcome: o.as_str().to_owned(),
                occupation: worker
                    .outcome_occupation_id
                    .map(|id| OccupationView::of(engine, id)),
                opening_id: worker.outcome_opening_id.map(|o| o.0),
                at: worker.outcome_at,
            }),
        }
    }
}

/// A plan step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanStepView {
    /// Key.
    pub id: i64,
    /// Position from 0.
    pub position: i32,
    /// `course`, `milestone` or `opening`.
    pub kind: String,
    /// Course.
    pub course_id: Option<i64>,
    /// Opening.
    pub opening_id: Option<i64>,
    /// Title.
    pub title: String,
    /// `todo` or `done`.
    pub status: String,
    /// Due date.
    pub due_on: Option<NaiveDate>,
    /// When done.
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<PlanStep> for PlanStepView {
    fn from(s: PlanStep) -> Self {
        Self {
            id: s.id,
            position: s.position,
            kind: s.kind.as_str().to_owned(),
            course_id: s.course.map(|c| c.0),
            opening_id: s.opening.map(|o| o.0),
            title: s.title,
            status: s.status.as_str().to_owned(),
            due_on: s.due_on,
            completed_at: s.completed_at,
        }
    }
}

/// A reskilling plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// Key.
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// The caseworker.
    pub caseworker_id: Option<i64>,
    /// Target occupation.
    pub target_occupation: OccupationView,
    /// `draft`, `active`, `completed` or `abandoned`.
    pub status: String,
    /// Notes.
    pub notes: String,
    /// Steps in order.
    pub steps: Vec<PlanStepView>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl PlanView {
    /// Builds the view.
    pub fn build(engine: &Engine, plan: Plan) -> Self {
        Self {
            id: plan.id.0,
            worker_id: plan.worker.0,
            caseworker_id: plan.caseworker.map(|c| c.0),
            target_occupation: OccupationView::of(engine, plan.target_occupation),
            status: plan.status.as_str().to_owned(),
            notes: plan.notes,
            steps: plan.steps.into_iter().map(PlanStepView::from).collect(),
            created_at: plan.created_at,
            updated_at: plan.updated_at,
        }
    }
}

/// A caseworker contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    /// Key.
    pub id: i64,
    /// The worker.
    pub worker_id: i64,
    /// The caseworker.
    pub caseworker_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Channel.
    pub channel: String,
    /// Note.
    pub note: String,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            worker_id: c.worker.0,
            caseworker_id: c.caseworker.0,
            at: c.at,
            channel: c.channel.as_str().to_owned(),
            note: c.note,
        }
    }
}

/// An employer's expression of interest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterestView {
    /// Key.
    pub id: i64,
    /// The opening.
    pub opening_id: i64,
    /// The candidate.
    pub worker_id: i64,
    /// The employer who sent it.
    pub employer_user_id: i64,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    /// Message.
    pub message: String,
    /// When sent.
    pub created_at: DateTime<Utc>,
    /// When answered.
    pub answered_at: Option<DateTime<Utc>>,
}

impl From<Interest> for InterestView {
    fn from(i: Interest) -> Self {
        Self {
            id: i.id,
            opening_id: i.opening.0,
            worker_id: i.worker.0,
            employer_user_id: i.employer.0,
            status: i.status.as_str().to_owned(),
            message: i.message,
            created_at: i.created_at,
            answered_at: i.answered_at,
        }
    }
}

/// A recommendation from the matching engine (risk, transitions with gaps and plans,
/// openings); docs/MATCHING.md describes the fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(transparent)]
pub struct RecommendationView(pub crate::services::engine::Recommendation);

/// An OpenAPI 3.1 document (this API's own description, which no schema here could add to).
#[derive(Debug, Clone, Copy)]
pub struct OpenApiDocument;

impl utoipa::PartialSchema for OpenApiDocument {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .description(Some("an OpenAPI 3.1 document"))
            .into()
    }
}

impl utoipa::ToSchema for OpenApiDocument {}
