//! Labour-market attributes of occupations: preparation level (job zone) and earnings.
//!
//! One source at a time: an import replaces every row. Sources such as Nesta's give figures for
//! top-level ESCO occupations only; [`occupation_attributes`] lets narrower occupations inherit
//! from their nearest ancestor that has them.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};

use crate::StorageError;
use crate::entities::occupation_attribute;

/// One occupation's figures as read from a file, keyed by ESCO URI.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeRecord {
    /// ESCO concept URI.
    pub occupation_uri: String,
    /// O*NET job zone, 1 to 5.
    pub job_zone: Option<f64>,
    /// Mean annual earnings.
    pub annual_earnings: Option<f64>,
    /// How much of the work can be done remotely.
    pub remote_work: Option<f64>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributesImport {
    /// Rows stored.
    pub stored: usize,
    /// URIs in the file that name no occupation of the taxonomy.
    pub unknown: Vec<String>,
}

/// An occupation's effective figures.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationAttributes {
    /// The occupation.
    pub occupation_id: i64,
    /// O*NET job zone, 1 to 5.
    pub job_zone: Option<f64>,
    /// Mean annual earnings in `earnings_currency`.
    pub annual_earnings: Option<f64>,
    /// How much of the work can be done remotely.
    pub remote_work: Option<f64>,
    /// ISO 4217 code of the earnings.
    pub earnings_currency: String,
    /// Where the figures come from.
    pub source: String,
    /// Whether they were copied from a broader occupation.
    pub inherited: bool,
}

/// Replaces every occupation's attributes with `records`, in one transaction.
pub async fn replace_occupation_attributes<C>(
    db: &C,
    records: &[AttributeRecord],
    currency: &str,
    source: &str,
) -> Result<AttributesImport, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let ids = crate::inherit::occupation_ids_by_uri(db).await?;
    let mut report = AttributesImport::default();
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        let Some(&id) = ids.get(&record.occupation_uri) else {
            report.unknown.push(record.occupation_uri.clone());
            continue;
        };
        rows.push(occupation_attribute::ActiveModel {
            occupation_id: Set(id),
            job_zone: Set(record.job_zone),
            annual_earnings: Set(record.annual_earnings),
            remote_work: Set(record.remote_work),
            earnings_currency: Set(currency.to_owned()),
            source: Set(source.to_owned()),
        });
    }
    report.stored = rows.len();
    crate::inherit::replace_all::<occupation_attribute::Entity, _>(db, rows).await?;
    Ok(report)
}

/// Returns every occupation's effective attributes: its own, else its nearest ancestor's.
pub async fn occupation_attributes<C>(db: &C) -> Result<Vec<OccupationAttributes>, StorageError>
where
    C: ConnectionTrait,
{
    let own: HashMap<i64, occupation_attribute::Model> = occupation_attribute::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.occupation_id, m))
        .collect();
    Ok(crate::inherit::from_nearest_ancestor(db, &own)
        .await?
        .into_iter()
        .map(|(occupation_id, found, inherited)| OccupationAttributes {
            occupation_id,
            job_zone: found.job_zone,
            annual_earnings: found.annual_earnings,
            remote_work: found.remote_work,
            earnings_currency: found.earnings_currency,
            source: found.source,
            inherited,
        })
        .collect())
}
