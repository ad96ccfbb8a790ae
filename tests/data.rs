//! Locating the real data bundle (`../shared/data` beside the repository, or
//! `RESKILL_SHARED_DATA`). Under `CI` a missing bundle fails the test instead of skipping it.

use std::path::PathBuf;

/// Returns the bundle folder, or `None` (after saying so) when it is absent outside CI.
///
/// # Panics
/// When the folder is missing and the `CI` environment variable is set.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("RESKILL_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    if dir.join("esco/occupations_en.csv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the real data bundle is missing at {}; CI requires it",
        dir.display()
    );
    eprintln!("skipping: no real data bundle at {}", dir.display());
    None
}

/// Returns the sentence-embedding model folder of `RESKILL_TEST_MODEL_DIR` (`.ci/run` fetches
/// it), or `None` (after saying so) when it is unset outside CI.
///
/// # Panics
/// When the variable is unset and the `CI` environment variable is set.
pub fn test_model_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RESKILL_TEST_MODEL_DIR") {
        return Some(PathBuf::from(dir));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "RESKILL_TEST_MODEL_DIR is unset; CI runs the semantic tests with the real model"
    );
    eprintln!("skipping: RESKILL_TEST_MODEL_DIR is unset");
    None
}
