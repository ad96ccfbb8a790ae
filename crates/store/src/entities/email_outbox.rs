//! Entity for `email_outbox`: an email waiting to be sent, or sent.

use sea_orm::entity::prelude::*;

/// An email waiting to be sent, or sent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique key preventing duplicate sends.
    #[sea_orm(column_type = "Text")]
    pub dedupe_key: String,
    /// Recipient.
    #[sea_orm(column_type = "Text")]
    pub to_address: String,
    /// Template name.
    #[sea_orm(column_type = "Text")]
    pub template: String,
    /// Template data.
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    /// `pending`, `sending` (claimed by a sender), `sent` or `dead`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Earliest next attempt.
    pub next_attempt_at: DateTimeUtc,
    /// Last failure.
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    /// Message-ID header once sent.
    #[sea_orm(column_type = "Text")]
    pub message_id: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// When it was sent.
    pub sent_at: Option<DateTimeUtc>,
    /// The claim of the sender holding a `sending` row (it marks the row only while this is
    /// still its token).
    #[sea_orm(column_type = "Text")]
    pub claim_token: Option<String>,
    /// When a `sending` row's claim expires and another sender may take it over.
    pub lease_until: Option<DateTimeUtc>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
