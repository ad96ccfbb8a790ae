//! Stored sentence embeddings, addressed by model and text hash: whoever embeds a text first
//! writes it, every replica reads it, and a text that did not change is never embedded again.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Value,
};

use crate::StorageError;
use crate::entities::text_embedding::{self, Column};
use crate::upsert::Upsert;

/// Hashes per `IN (…)` list: well under both backends' bind-parameter limits.
const IN_LIST_CHUNK: usize = 500;

/// Returns the hex SHA-256 of `text`, the key a vector of it is stored under.
pub fn text_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use std::fmt::Write;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Returns which of `hashes` have no vector under `model`.
pub async fn missing(
    db: &impl ConnectionTrait,
    model: &str,
    hashes: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut present = HashSet::with_capacity(hashes.len());
    for chunk in hashes.chunks(IN_LIST_CHUNK) {
        let found: Vec<String> = text_embedding::Entity::find()
            .select_only()
            .column(Column::TextHash)
            .filter(Column::Model.eq(model))
            .filter(Column::TextHash.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        present.extend(found);
    }
    let mut seen = HashSet::with_capacity(hashes.len());
    Ok(hashes
        .iter()
        .filter(|hash| !present.contains(*hash) && seen.insert(*hash))
        .cloned()
        .collect())
}

/// Returns the stored vectors (as bytes) of those of `hashes` that have one under `model`.
pub async fn vectors(
    db: &impl ConnectionTrait,
    model: &str,
    hashes: &[String],
) -> Result<HashMap<String, Vec<u8>>, StorageError> {
    let mut out = HashMap::with_capacity(hashes.len());
    for chunk in hashes.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(String, Vec<u8>)> = text_embedding::Entity::find()
            .select_only()
            .columns([Column::TextHash, Column::Vector])
            .filter(Column::Model.eq(model))
            .filter(Column::TextHash.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Stores vectors under `model`, keeping any already stored for the same text.
pub async fn insert(
    db: &impl ConnectionTrait,
    model: &str,
    rows: Vec<(String, Vec<u8>)>,
) -> Result<(), StorageError> {
    let rows = rows
        .into_iter()
        .map(|(hash, vector)| {
            vec![
                Value::from(model.to_owned()),
                Value::from(hash),
                Value::from(vector),
            ]
        })
        .collect();
    Upsert::<text_embedding::Entity> {
        columns: &[Column::Model, Column::TextHash, Column::Vector],
        conflict: &[Column::Model, Column::TextHash],
        update: &[],
    }
    .run(db, rows, "embeddings", &|_, _, _| {})
    .await
}

/// Returns every vector stored under `model`, as `(text hash, bytes)`, by hash.
pub async fn all(
    db: &impl ConnectionTrait,
    model: &str,
) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
    use sea_orm::QueryOrder;
    Ok(text_embedding::Entity::find()
        .select_only()
        .columns([Column::TextHash, Column::Vector])
        .filter(Column::Model.eq(model))
        .order_by_asc(Column::TextHash)
        .into_tuple()
        .all(db)
        .await?)
}

/// Returns how many vectors are stored under `model`.
pub async fn count(db: &impl ConnectionTrait, model: &str) -> Result<u64, StorageError> {
    Ok(text_embedding::Entity::find()
        .filter(Column::Model.eq(model))
        .count(db)
        .await?)
}
