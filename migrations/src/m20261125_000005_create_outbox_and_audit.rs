//! Creates the durable email outbox with its attempt history, and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables, foreign_key};

/// Creates `email_outbox`, `email_attempts` and `audit_log`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    DedupeKey,
    ToAddress,
    Template,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    MessageId,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum EmailAttempts {
    Table,
    Id,
    OutboxId,
    At,
    Outcome,
    Detail,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    SubjectKind,
    SubjectId,
    WorkerId,
    At,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .col(big_pk_auto(EmailOutbox::Id))
                    .col(text_uniq(EmailOutbox::DedupeKey))
                    .col(text(EmailOutbox::ToAddress))
                    .col(text(EmailOutbox::Template))
                    .col(json_binary(EmailOutbox::Payload))
                    .col(
                        text(EmailOutbox::Status).default("pending").check(
                            Expr::col(EmailOutbox::Status)
                                .is_in(["pending", "sending", "sent", "dead"]),
                        ),
                    )
                    .col(integer(EmailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(EmailOutbox::NextAttemptAt))
                    .col(text_null(EmailOutbox::LastError))
                    .col(text_null(EmailOutbox::MessageId))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .to_owned(),
            )
            .await?;
        // The sender claims `pending` rows whose time has come, oldest first.
        create_index(
            manager,
            "idx_email_outbox_status_next_attempt_at",
            EmailOutbox::Table,
            [EmailOutbox::Status, EmailOutbox::NextAttemptAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailAttempts::Table)
                    .col(big_pk_auto(EmailAttempts::Id))
                    .col(big_integer(EmailAttempts::OutboxId))
                    .col(timestamp_with_time_zone(EmailAttempts::At))
                    .col(text(EmailAttempts::Outcome))
                    .col(text(EmailAttempts::Detail))
                    .foreign_key(&mut foreign_key(
                        "fk_email_attempts_outbox",
                        (EmailAttempts::Table, EmailAttempts::OutboxId),
                        (EmailOutbox::Table, EmailOutbox::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_email_attempts_outbox_id",
            EmailAttempts::Table,
            [EmailAttempts::OutboxId],
            false,
        )
        .await?;

        // No foreign keys on purpose: the audit trail must outlive the users and workers it
        // names (a deleted worker's record of who read it is still evidence).
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(big_integer_null(AuditLog::ActorId))
                    .col(text(AuditLog::Action))
                    .col(text(AuditLog::SubjectKind))
                    .col(big_integer_null(AuditLog::SubjectId))
                    .col(big_integer_null(AuditLog::WorkerId))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(json_binary(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_audit_log_worker_id_at",
            AuditLog::Table,
            [AuditLog::WorkerId, AuditLog::At],
            false,
        )
        .await?;
        create_index(
            manager,
            "idx_audit_log_actor_id_at",
            AuditLog::Table,
            [AuditLog::ActorId, AuditLog::At],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                AuditLog::Table.into_iden(),
                EmailAttempts::Table.into_iden(),
                EmailOutbox::Table.into_iden(),
            ],
        )
        .await
    }
}
