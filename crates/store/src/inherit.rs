//! Tables of figures keyed by occupation that one import replaces whole (Nesta's attributes,
//! the O*NET crosswalk). Their sources cover top-level occupations only; the figures reach
//! narrower occupations through the occupation hierarchy when read.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, QuerySelect, TransactionSession,
    TransactionTrait,
};

use crate::StorageError;
use crate::db::begin_write;
use crate::entities::occupation;

/// Replaces every row of `E` with `rows`, in one transaction.
pub(crate) async fn replace_all<E, C>(db: &C, rows: Vec<E::ActiveModel>) -> Result<(), StorageError>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: TransactionTrait + ConnectionTrait,
{
    let txn = begin_write(db).await?;
    E::delete_many().exec(&txn).await?;
    // A thousand rows of a few values each: well under every backend's bind limit.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        E::insert_many(chunk).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Returns every occupation's id by its URI, for attaching rows keyed by ESCO URI.
pub(crate) async fn occupation_ids_by_uri<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<String, i64>, StorageError> {
    Ok(occupation::Entity::find()
        .select_only()
        .column(occupation::Column::Uri)
        .column(occupation::Column::Id)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Returns, for every occupation, its own value or else its nearest ancestor's, with whether it
/// was inherited; occupations with neither are left out. Sorted by occupation id.
pub(crate) async fn from_nearest_ancestor<C, T>(
    db: &C,
    own: &HashMap<i64, T>,
) -> Result<Vec<(i64, T, bool)>, StorageError>
where
    C: ConnectionTrait,
    T: Clone,
{
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let parents: HashMap<i64, Option<i64>> = occupation::Entity::find()
        .select_only()
        .column(occupation::Column::Id)
        .column(occupation::Column::ParentId)
        .into_tuple::<(i64, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for &id in parents.keys() {
        // Walk up at most as many steps as there are occupations, so a cycle cannot hang.
        let mut at = Some(id);
        let mut steps = 0;
        while let Some(current) = at {
            if let Some(found) = own.get(&current) {
                out.push((id, found.clone(), current != id));
                break;
            }
            steps += 1;
            if steps > parents.len() {
                break;
            }
            at = parents.get(&current).copied().flatten();
        }
    }
    out.sort_by_key(|(id, _, _)| *id);
    Ok(out)
}
