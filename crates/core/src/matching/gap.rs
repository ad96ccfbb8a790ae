//! The skill gap to a target occupation: essential skills not held, most informative first, then
//! the nice-to-have ones.

use serde::{Deserialize, Serialize};

use super::fit::{Matcher, RequiredSkill};
use super::profile::SkillProfile;
use super::taxonomy::OccupationRef;
use crate::ids::OccupationId;

/// What a worker lacks for a target occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// The target.
    pub occupation: OccupationRef,
    /// Fit now, in [0, 1].
    pub fit: f64,
    /// Essential skills not held, IDF descending then skill id. A skill with partial credit from
    /// a held sibling is still listed (with `related_held` set): it is not yet held.
    pub essential: Vec<RequiredSkill>,
    /// Optional skills not held ("nice to have"), in the same order.
    pub optional: Vec<RequiredSkill>,
}

impl Gap {
    /// Returns whether nothing essential is missing.
    pub fn is_ready(&self) -> bool {
        self.essential.is_empty()
    }
}

impl Matcher<'_> {
    /// Returns the skill gap from a profile to a target occupation, or `None` when the
    /// occupation is unknown.
    pub fn gap(&self, profile: &SkillProfile, target: OccupationId) -> Option<Gap> {
        let explanation = self.explain_fit(profile, target)?;
        Some(Gap {
            occupation: explanation.occupation,
            fit: explanation.fit,
            essential: explanation.missing_essential,
            optional: explanation.missing_optional,
        })
    }
}
