//! What the mail sender and the digests need beyond the outbox: a claim lease on outbox rows
//! (who holds a `sending` row, until when), one-click unsubscriptions per list, and a watermark
//! per person and list saying when their last digest or summary was enqueued.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{create_index, drop_tables, foreign_key};

/// Adds `email_outbox.claim_token` and `email_outbox.lease_until`; creates
/// `email_unsubscribes` and `email_digest_state`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    ClaimToken,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmailUnsubscribes {
    Table,
    Id,
    UserId,
    List,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailDigestState {
    Table,
    Id,
    UserId,
    List,
    LastEnqueuedAt,
    LastPeriod,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .add_column(text_null(EmailOutbox::ClaimToken))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .add_column(timestamp_with_time_zone_null(EmailOutbox::LeaseUntil))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailUnsubscribes::Table)
                    .col(big_pk_auto(EmailUnsubscribes::Id))
                    .col(big_integer(EmailUnsubscribes::UserId))
                    .col(text(EmailUnsubscribes::List))
                    .col(timestamp_with_time_zone(EmailUnsubscribes::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_email_unsubscribes_user",
                        (EmailUnsubscribes::Table, EmailUnsubscribes::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_email_unsubscribes_user_id_list",
            EmailUnsubscribes::Table,
            [EmailUnsubscribes::UserId, EmailUnsubscribes::List],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailDigestState::Table)
                    .col(big_pk_auto(EmailDigestState::Id))
                    .col(big_integer(EmailDigestState::UserId))
                    .col(text(EmailDigestState::List))
                    .col(timestamp_with_time_zone(EmailDigestState::LastEnqueuedAt))
                    .col(text(EmailDigestState::LastPeriod))
                    .foreign_key(&mut foreign_key(
                        "fk_email_digest_state_user",
                        (EmailDigestState::Table, EmailDigestState::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_email_digest_state_user_id_list",
            EmailDigestState::Table,
            [EmailDigestState::UserId, EmailDigestState::List],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                EmailDigestState::Table.into_iden(),
                EmailUnsubscribes::Table.into_iden(),
            ],
        )
        .await?;
        for column in [EmailOutbox::LeaseUntil, EmailOutbox::ClaimToken] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EmailOutbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
