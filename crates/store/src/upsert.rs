//! Batched multi-row `INSERT … ON CONFLICT … DO UPDATE`, sized to each backend's bind-parameter
//! limit. Bulk imports go through here so that no import issues a query per row.

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Value};

use crate::StorageError;
use crate::db::rows_per_statement;

/// Reports `(stage, done, total)` as an import proceeds.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// One multi-row insert or upsert into `E`: which columns rows carry, which unique key they collide on, and
/// which columns a collision overwrites.
pub(crate) struct Upsert<'a, E: EntityTrait> {
    /// Columns, in the order of each row's values.
    pub columns: &'a [E::Column],
    /// The unique key (a unique index or the primary key) to collide on; empty for a plain insert.
    pub conflict: &'a [E::Column],
    /// Columns overwritten on collision; empty means "keep the existing row".
    pub update: &'a [E::Column],
}

impl<E: EntityTrait> Upsert<'_, E> {
    /// Writes `rows` in as few statements as the backend allows, reporting progress as `stage`.
    pub async fn run(
        &self,
        db: &impl ConnectionTrait,
        rows: Vec<Vec<Value>>,
        stage: &str,
        progress: Progress<'_>,
    ) -> Result<(), StorageError> {
        let total = rows.len() as u64;
        let per_statement = rows_per_statement(db, self.columns.len());
        let mut done = 0u64;
        progress(stage, done, total);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut insert = Query::insert();
            insert
                .into_table(E::default())
                .columns(self.columns.iter().copied());
            for row in rows.by_ref().take(per_statement) {
                insert
                    .values(row.into_iter().map(Expr::val))
                    .map_err(|err| StorageError::Database(DbErr::Custom(err.to_string())))?;
                done += 1;
            }
            if !self.conflict.is_empty() {
                let mut on_conflict = OnConflict::columns(self.conflict.iter().copied());
                if self.update.is_empty() {
                    on_conflict.do_nothing();
                } else {
                    on_conflict.update_columns(self.update.iter().copied());
                }
                insert.on_conflict(on_conflict);
            }
            db.execute(&insert).await?;
            progress(stage, done, total);
        }
        Ok(())
    }
}
