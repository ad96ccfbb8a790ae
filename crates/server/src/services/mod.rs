//! Flows that touch several crates: import then index, demo loading.
