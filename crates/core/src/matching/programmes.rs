//! Programme types (CIP 2020) per occupation: the kind of programme to look for when no course
//! in the catalogue teaches a missing skill.
//!
//! The store links each type to occupations through the CIP → SOC crosswalk and each
//! occupation's O*NET-SOC code, and orders an occupation's types most specific first (fewest
//! linked SOC codes). The engine only keeps them by occupation; what a plan does with them is
//! the planner's business.

use std::sync::Arc;

use super::taxonomy::Taxonomy;
use crate::catalog::{OccupationProgrammes, ProgrammeType};
use crate::ids::OccupationId;

impl Taxonomy {
    /// Attaches each occupation's programme types, keeping the order given; occupations not
    /// listed have none, and indices outside `programmes.types` are ignored.
    pub fn with_programme_types(mut self, programmes: OccupationProgrammes) -> Self {
        let OccupationProgrammes {
            types,
            by_occupation,
        } = programmes;
        // Shared, not copied: a common type (a general business programme) links to hundreds
        // of occupations and its definition would otherwise be held once per occupation.
        let types: Vec<Arc<ProgrammeType>> = types.into_iter().map(Arc::new).collect();
        let mut dense: Vec<Box<[Arc<ProgrammeType>]>> =
            vec![Box::default(); self.occupations.len()];
        for (id, indices) in by_occupation {
            if let Some(&o) = self.occupation_index.get(&id) {
                dense[o as usize] = indices
                    .iter()
                    .filter_map(|&i| types.get(i as usize).cloned())
                    .collect();
            }
        }
        self.programme_types = dense;
        self
    }

    /// Returns the programme types that prepare for an occupation, most specific first; empty
    /// for an unknown occupation or when none are attached.
    pub fn programme_types_for(&self, occupation: OccupationId) -> &[Arc<ProgrammeType>] {
        self.occupation_index
            .get(&occupation)
            .and_then(|&o| self.programme_types.get(o as usize))
            .map_or(&[], |types| types)
    }

    /// Returns whether programme types are attached.
    pub fn has_programme_types(&self) -> bool {
        self.programme_types.iter().any(|types| !types.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::fixture::*;

    fn programme(code: &str, title: &str) -> ProgrammeType {
        ProgrammeType {
            code: code.to_owned(),
            title: title.to_owned(),
            definition: format!("A program that prepares individuals for {title}."),
        }
    }

    #[test]
    fn occupations_get_their_programme_types_in_the_order_given() {
        let taxonomy = taxonomy().with_programme_types(OccupationProgrammes {
            types: vec![
                programme("52.0411", "Customer Service Support/Call Center"),
                programme(
                    "52.0401",
                    "Administrative Assistant and Secretarial Science",
                ),
                programme("51.3801", "Registered Nursing"),
            ],
            by_occupation: vec![
                (CALL_CENTRE_AGENT, vec![0, 1]),
                (DATA_ENTRY_CLERK, vec![1, 7]),
                (NURSE, vec![2]),
                (OccupationId(999), vec![0]),
            ],
        });
        let codes = |id| -> Vec<&str> {
            taxonomy
                .programme_types_for(id)
                .iter()
                .map(|p| p.code.as_str())
                .collect()
        };
        assert_eq!(codes(CALL_CENTRE_AGENT), ["52.0411", "52.0401"]);
        // Index 7 is out of range and left out rather than panicking.
        assert_eq!(codes(DATA_ENTRY_CLERK), ["52.0401"]);
        assert_eq!(codes(NURSE), ["51.3801"]);
        assert!(codes(BOOKKEEPER).is_empty());
        assert!(codes(OccupationId(999)).is_empty());
        assert!(taxonomy.has_programme_types());
        // One shared copy per type, not one per occupation.
        assert!(Arc::ptr_eq(
            &taxonomy.programme_types_for(CALL_CENTRE_AGENT)[1],
            &taxonomy.programme_types_for(DATA_ENTRY_CLERK)[0],
        ));
    }

    #[test]
    fn without_programme_types_every_occupation_has_none() {
        let taxonomy = taxonomy();
        assert!(taxonomy.programme_types_for(CALL_CENTRE_AGENT).is_empty());
        assert!(!taxonomy.has_programme_types());
    }
}
