//! Reskill search.
