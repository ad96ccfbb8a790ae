//! The integration tests: one binary, one module per area.

mod accounts;
mod api_fuzz;
mod browser;
mod catalog_import;
mod imports;
mod logging;
mod mail;
mod matching;
mod operations;
mod real_data;
mod replicas;
mod search_quality;
mod search_sync;
mod semantic;
mod settings;
mod storage;
