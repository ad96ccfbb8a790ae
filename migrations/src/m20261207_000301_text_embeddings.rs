//! Sentence embeddings of taxonomy, course and opening texts, keyed by the model and a hash of
//! the text, so replicas share them and a re-import embeds only the texts that changed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::drop_tables;

/// Creates `text_embeddings`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TextEmbeddings {
    Table,
    Model,
    TextHash,
    Vector,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TextEmbeddings::Table)
                    .if_not_exists()
                    .col(text(TextEmbeddings::Model))
                    // Hex SHA-256 of the text as embedded: the same key on both backends.
                    .col(text(TextEmbeddings::TextHash))
                    // Little-endian f32s, unit length.
                    .col(blob(TextEmbeddings::Vector))
                    .primary_key(
                        Index::create()
                            .col(TextEmbeddings::Model)
                            .col(TextEmbeddings::TextHash),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [TextEmbeddings::Table.into_iden()]).await
    }
}
