//! Reskill migrations.
