//! Integration tests of reskill-ingest, as one test binary: inline samples for every error path,
//! and the real data bundle (`RESKILL_SHARED_DATA`, default `../shared/data` beside the repo).

mod catalog_real;
mod esco_real;
mod esco_samples;
mod jsonld_samples;
mod risk_real;
mod risk_samples;
mod support;
mod tagger_real;
