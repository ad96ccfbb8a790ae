//! Shared helpers for the integration tests.

pub mod data;
pub mod db;
pub mod process;
pub mod smtp;
pub mod vectors;
