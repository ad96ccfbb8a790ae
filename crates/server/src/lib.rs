//! Reskill server.
