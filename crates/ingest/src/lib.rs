//! Readers for outside formats.

pub mod demo;
pub mod error;
pub mod esco;
pub mod risk;
