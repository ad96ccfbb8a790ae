//! Reskill storage.
