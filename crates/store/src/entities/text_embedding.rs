//! Entity for `text_embeddings`: one text's sentence embedding under one model.

use sea_orm::entity::prelude::*;

/// One text's sentence embedding under one model.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "text_embeddings")]
pub struct Model {
    /// The model's name.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub model: String,
    /// Hex SHA-256 of the text as embedded.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub text_hash: String,
    /// Little-endian f32s.
    #[sea_orm(column_type = "Blob")]
    pub vector: Vec<u8>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
