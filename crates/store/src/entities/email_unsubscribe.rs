//! Entity for `email_unsubscribes`: a person who left a mailing list.

use sea_orm::entity::prelude::*;

/// A person who left a mailing list.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_unsubscribes")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// `digest` or `caseload_summary`.
    #[sea_orm(column_type = "Text")]
    pub list: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
