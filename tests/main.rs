//! The integration tests: one binary, one module per area.

mod real_data;
mod storage;
