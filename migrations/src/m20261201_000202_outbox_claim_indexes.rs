//! Indexes for the sender's two claim queries, so a claim costs the same at 100 rows or at
//! 100,000: due `pending` rows in `(next_attempt_at, id)` order, and `sending` rows whose lease
//! expired.

use sea_orm_migration::prelude::*;

use crate::create_index;

/// Replaces `idx_email_outbox_status_next_attempt_at` by one that ends in `id` (the claim's full
/// sort order, so PostgreSQL reads the first rows in order instead of sorting every due row
/// that shares a time), and adds `idx_email_outbox_status_lease_until`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    Status,
    NextAttemptAt,
    LeaseUntil,
}

const OLD: &str = "idx_email_outbox_status_next_attempt_at";
const DUE: &str = "idx_email_outbox_status_next_attempt_at_id";
const LEASE: &str = "idx_email_outbox_status_lease_until";

async fn drop_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name(name)
                .table(EmailOutbox::Table)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_index(
            manager,
            DUE,
            EmailOutbox::Table,
            [
                EmailOutbox::Status,
                EmailOutbox::NextAttemptAt,
                EmailOutbox::Id,
            ],
            false,
        )
        .await?;
        create_index(
            manager,
            LEASE,
            EmailOutbox::Table,
            [EmailOutbox::Status, EmailOutbox::LeaseUntil],
            false,
        )
        .await?;
        drop_index(manager, OLD).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_index(
            manager,
            OLD,
            EmailOutbox::Table,
            [EmailOutbox::Status, EmailOutbox::NextAttemptAt],
            false,
        )
        .await?;
        drop_index(manager, LEASE).await?;
        drop_index(manager, DUE).await
    }
}
