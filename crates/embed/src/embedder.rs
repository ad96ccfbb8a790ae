//! The embedder: a verified model folder loaded into candle's BERT on the CPU, and the batching,
//! pooling and normalisation that turn texts into unit vectors as sentence-transformers does.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::EmbedError;
use crate::model::{MAX_TOKENS, PinnedModel, Pooling, verify};

/// Texts run through the model together. Larger batches amortise per-call overhead but pad
/// more; 64 texts of similar length keep both small on a few CPU cores.
const BATCH_SIZE: usize = 64;

/// A loaded sentence-embedding model, ready to embed texts; share it behind an `Arc`.
pub struct Embedder {
    model: &'static PinnedModel,
    bert: BertModel,
    tokenizer: Tokenizer,
    dimensions: usize,
    device: Device,
}

// The server shares one embedder between request handlers and blocking tasks.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Embedder>();
};

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model", &self.model.name)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Verifies then loads the folder.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let model = verify(dir)?;

        let config_path = dir.join("config.json");
        let config_text =
            std::fs::read_to_string(&config_path).map_err(EmbedError::io(&config_path))?;
        let config: Config = serde_json::from_str(&config_text)
            .map_err(|e| EmbedError::Load(format!("bad config.json in {}: {e}", dir.display())))?;

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| {
            EmbedError::Load(format!("bad tokenizer.json in {}: {e}", dir.display()))
        })?;
        // The shipped tokenizer pads every text to 128 tokens; padding each batch only to its
        // longest text is what makes sorting by length pay off. Pad token and ids are kept.
        let padding = tokenizer.get_padding().cloned().unwrap_or_default();
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_to_multiple_of: None,
            ..padding
        }));
        let truncation = tokenizer.get_truncation().cloned().unwrap_or_default();
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..truncation
            }))
            .map_err(|e| EmbedError::Load(format!("cannot truncate at {MAX_TOKENS}: {e}")))?;

        let weights_path = dir.join("model.safetensors");
        // Read into memory rather than mapped: mapping is `unsafe` (another process could
        // change the file under us), which the workspace forbids, and 90 MB is cheap.
        let weights = std::fs::read(&weights_path).map_err(EmbedError::io(&weights_path))?;
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| EmbedError::Load(format!("bad model.safetensors: {e}")))?;
        let bert = BertModel::load(vb, &config)
            .map_err(|e| EmbedError::Load(format!("bad BERT weights: {e}")))?;

        Ok(Self {
            model,
            bert,
            tokenizer,
            dimensions: config.hidden_size,
            device,
        })
    }

    /// Returns the pinned model this embedder runs.
    pub fn model(&self) -> &'static PinnedModel {
        self.model
    }

    /// Returns the length of the vectors it produces.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Embeds texts as L2-normalised vectors (pooling per the model), in batches of up to 64
    /// with texts sorted by length so padding is small; output in input order.
    ///
    /// Empty input gives empty output; an empty string gets a valid vector too (that of the
    /// model's special tokens alone). Texts longer than [`MAX_TOKENS`] tokens are truncated.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        // Byte length stands in for token count: close enough to group texts of similar
        // length, and free. The sort is stable, so the batches are deterministic.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut vectors = vec![Vec::new(); texts.len()];
        for batch in order.chunks(BATCH_SIZE) {
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in batch.iter().zip(self.embed_batch(inputs)?) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// Same as embed of one text with the model's query prefix.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let query = format!("{}{text}", self.model.query_prefix);
        let mut vectors = self.embed(&[query.as_str()])?;
        Ok(vectors.pop().expect("one text gives one vector"))
    }

    /// Embeds one batch, all padded to its longest text.
    fn embed_batch(&self, texts: Vec<&str>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let count = texts.len();
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let length = encodings.first().map_or(0, |e| e.len());
        let mut ids = Vec::with_capacity(count * length);
        let mut type_ids = Vec::with_capacity(count * length);
        let mut mask = Vec::with_capacity(count * length);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            type_ids.extend_from_slice(encoding.get_type_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let pooled = self
            .forward(ids, type_ids, mask, (count, length))
            .map_err(|e| EmbedError::Inference(e.to_string()))?;
        Ok(pooled.into_iter().map(normalised).collect())
    }

    /// Runs the model and pools its token vectors into one vector per text.
    fn forward(
        &self,
        ids: Vec<u32>,
        type_ids: Vec<u32>,
        mask: Vec<u32>,
        shape: (usize, usize),
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let type_ids = Tensor::from_vec(type_ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        // (texts, tokens, dimensions)
        let hidden = self.bert.forward(&ids, &type_ids, Some(&mask))?;
        let pooled = match self.model.pooling {
            Pooling::Mean => {
                // Padding is masked out of the sum and the count, as sentence-transformers
                // does, so a text's vector does not depend on what it was batched with.
                let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
                let sum = hidden.broadcast_mul(&mask)?.sum(1)?;
                let tokens = mask.sum(1)?.maximum(1e-9)?;
                sum.broadcast_div(&tokens)?
            }
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
        };
        pooled.to_vec2()
    }
}

/// Returns the vector scaled to unit length (left as is when it is zero).
fn normalised(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    // sentence-transformers' Normalize divides by max(norm, 1e-12).
    let scale = 1.0 / norm.max(1e-12);
    for x in &mut vector {
        *x *= scale;
    }
    vector
}
