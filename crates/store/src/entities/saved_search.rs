//! Entity for `saved_searches`: a saved search that alerts its owner.

use sea_orm::entity::prelude::*;

/// A saved search that alerts its owner.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_searches")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Document kind searched.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Query text.
    #[sea_orm(column_type = "Text")]
    pub query: String,
    /// Filters.
    #[sea_orm(column_type = "JsonBinary")]
    pub filters: Json,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last alert sent.
    pub last_notified_at: Option<DateTimeUtc>,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `user_id` → `users`.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
