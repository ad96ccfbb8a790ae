//! Flows that touch several crates: read with ingest, write with store, then bring the search
//! indexes up to date. The CLI and the HTTP handlers call these, so both run the same code.

pub mod accounts;
pub mod caseload;
pub mod catalog;
pub mod demo;
pub mod demo_accounts;
pub mod digests;
pub mod employers;
pub mod engine;
pub mod import;
pub mod indexing;
pub mod mail;
pub mod semantic;
pub mod workers;

/// Runs blocking work (file parsing, tantivy) off the async runtime.
pub(crate) async fn blocking<T, F>(work: F) -> anyhow::Result<T>
where
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow::anyhow!("background task failed: {e}"))?
}
