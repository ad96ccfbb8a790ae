//! Each occupation's O*NET-SOC code, from an ESCO → O*NET crosswalk.
//!
//! One crosswalk at a time: an import replaces every row. Nesta's crosswalk covers top-level
//! ESCO occupations only; [`onet_codes`] lets narrower occupations inherit from their nearest
//! ancestor that has a code.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};

use crate::StorageError;
use crate::entities::occupation_onet_code;

/// What a crosswalk import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrosswalkImport {
    /// Rows stored.
    pub stored: usize,
    /// URIs in the file that name no occupation of the taxonomy.
    pub unknown: Vec<String>,
}

/// An occupation's effective O*NET-SOC code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnetCode {
    /// The occupation.
    pub occupation_id: i64,
    /// O*NET-SOC code such as `43-4051.00`.
    pub onet_code: String,
    /// Whether it was copied from a broader occupation.
    pub inherited: bool,
}

/// Replaces every occupation's O*NET-SOC code with `records` (ESCO URI, code), in one
/// transaction; `source` names the crosswalk.
pub async fn replace_onet_codes<C>(
    db: &C,
    records: &[(String, String)],
    source: &str,
) -> Result<CrosswalkImport, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let ids = crate::inherit::occupation_ids_by_uri(db).await?;
    let mut report = CrosswalkImport::default();
    let mut rows = Vec::with_capacity(records.len());
    for (uri, code) in records {
        let Some(&id) = ids.get(uri) else {
            report.unknown.push(uri.clone());
            continue;
        };
        rows.push(occupation_onet_code::ActiveModel {
            occupation_id: Set(id),
            onet_code: Set(code.clone()),
            source: Set(source.to_owned()),
        });
    }
    report.stored = rows.len();
    crate::inherit::replace_all::<occupation_onet_code::Entity, _>(db, rows).await?;
    Ok(report)
}

/// Returns every occupation's effective O*NET-SOC code: its own, else its nearest ancestor's.
pub async fn onet_codes<C>(db: &C) -> Result<Vec<OnetCode>, StorageError>
where
    C: ConnectionTrait,
{
    let own: HashMap<i64, String> = occupation_onet_code::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.occupation_id, m.onet_code))
        .collect();
    Ok(crate::inherit::from_nearest_ancestor(db, &own)
        .await?
        .into_iter()
        .map(|(occupation_id, onet_code, inherited)| OnetCode {
            occupation_id,
            onet_code,
            inherited,
        })
        .collect())
}
