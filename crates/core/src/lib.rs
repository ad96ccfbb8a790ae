//! Reskill's domain: identifiers, taxonomy records, risk, courses and openings, and the matching
//! rules. Pure and synchronous: nothing here touches a database, a file or the network.

pub mod accounts;
pub mod catalog;
pub mod error;
pub mod ids;
pub mod matching;
pub mod risk;
pub mod taxonomy;

pub use error::ValidationError;
pub use ids::*;
