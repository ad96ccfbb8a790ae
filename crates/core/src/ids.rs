//! Typed identifiers: database keys are never passed around as bare integers.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// Key of an occupation row.
    OccupationId;
    /// Key of a skill row.
    SkillId;
    /// Key of a skill group (a node of the skill hierarchy).
    SkillGroupId;
    /// Key of an ISCO group row.
    IscoGroupId;
    /// Key of a course (training programme).
    CourseId;
    /// Key of a job opening.
    OpeningId;
    /// Key of an organisation (an employer or a service).
    OrganisationId;
    /// Key of a user account.
    UserId;
    /// Key of a worker profile.
    WorkerId;
    /// Key of a reskilling plan.
    PlanId;
}
