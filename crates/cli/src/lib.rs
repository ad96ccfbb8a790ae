//! The reskill command.
