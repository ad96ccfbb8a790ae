//! Entity for `users`: a user account.

use sea_orm::entity::prelude::*;

/// A user account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-cased email address.
    #[sea_orm(column_type = "Text")]
    pub email: String,
    /// argon2id PHC string.
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    /// `seeker`, `caseworker`, `employer` or `admin`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    /// Name shown in the interface.
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    /// Employer or service the account belongs to.
    pub organisation_id: Option<i64>,
    /// When the address was verified.
    pub email_verified_at: Option<DateTimeUtc>,
    /// Whether sign-in is refused.
    pub disabled: bool,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `organisation_id` → `organisations`.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id",
        on_delete = "SetNull"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
