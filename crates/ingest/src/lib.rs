//! Readers for outside formats.

pub mod courses;
pub mod crosswalk;
pub mod demo;
pub mod error;
pub mod esco;
pub mod jsonld;
pub mod labour;
pub mod limits;
pub mod openings;
pub mod programmes;
pub mod rejected;
pub mod risk;
pub mod tagger;
pub mod text;
