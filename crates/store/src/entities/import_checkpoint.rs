//! Entity for `import_checkpoints`: how far a course or opening import of one file has come.

use sea_orm::entity::prelude::*;

/// How far an import of one file has come.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_checkpoints")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `courses` or `openings`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The file's name, for people.
    #[sea_orm(column_type = "Text")]
    pub file_name: String,
    /// A hash of the file's bytes.
    #[sea_orm(column_type = "Text")]
    pub file_hash: String,
    /// Records (in reading order) committed so far.
    pub records_done: i64,
    /// Records the file holds.
    pub records_total: i64,
    /// Whether the import ran to the end.
    pub finished: bool,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of this table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
