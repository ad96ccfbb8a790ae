//! Automation risk: importing a source's scores, switching the active source, and reading an
//! occupation's risk with its percentile and band.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use reskill_core::OccupationId;
use reskill_core::risk::{RiskBand, RiskRecord, RiskSource, percentile_rank};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::db::begin_write;
use crate::entities::{occupation, risk_score, risk_source};
use crate::upsert::Upsert;

/// How deep an occupation hierarchy walk may go before it is taken for a cycle.
const MAX_HIERARCHY_DEPTH: usize = 64;

/// What [`import_risk`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskImportSummary {
    /// Key of the source row.
    pub source_id: i64,
    /// Occupations scored by the source itself.
    pub scored: u64,
    /// Narrower occupations that took their nearest scored ancestor's score.
    pub inherited: u64,
    /// Score rows created.
    pub inserted: u64,
    /// Score rows overwritten.
    pub updated: u64,
    /// Score rows of an earlier import of this source that the new one no longer has.
    pub removed: u64,
    /// Occupation URIs of the records that are not in the taxonomy (skipped, not an error).
    pub skipped_uris: Vec<String>,
    /// Whether the source is the active one after the import.
    pub active: bool,
}

impl RiskImportSummary {
    /// Returns how many score rows the source now has (own and inherited).
    pub fn scores_written(&self) -> usize {
        (self.scored + self.inherited) as usize
    }
}

impl std::fmt::Display for RiskImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "risk source #{}: {} occupations scored, {} inherited from a broader occupation \
             ({} new, {} updated, {} removed); {} unknown occupation URIs skipped; {}",
            self.source_id,
            self.scored,
            self.inherited,
            self.inserted,
            self.updated,
            self.removed,
            self.skipped_uris.len(),
            if self.active { "active" } else { "not active" }
        )
    }
}

/// A risk source as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskSourceInfo {
    /// Key.
    pub id: i64,
    /// Short name.
    pub name: String,
    /// Year of publication.
    pub year: i32,
    /// Free-text description.
    pub description: String,
    /// Whether it is the source shown by default.
    pub active: bool,
    /// The published scale, `(min, max)`.
    pub scale: (f64, f64),
    /// When its scores were last imported.
    pub imported_at: DateTime<Utc>,
}

impl From<risk_source::Model> for RiskSourceInfo {
    fn from(model: risk_source::Model) -> Self {
        Self {
            id: model.id,
            name: model.name,
            year: model.year,
            description: model.description,
            active: model.active,
            scale: (model.scale_min, model.scale_max),
            imported_at: model.imported_at,
        }
    }
}

/// One source's reading of an occupation's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationRisk {
    /// The source, always shown with the score.
    pub source: RiskSourceInfo,
    /// The value on the source's own scale.
    pub raw_value: f64,
    /// The value normalised to [0, 1].
    pub score: f64,
    /// Whether the score was taken from the nearest scored broader occupation.
    pub inherited: bool,
    /// Percentile (0–100) among the occupations the source scored itself.
    pub percentile: f64,
    /// Band from the percentile.
    pub band: RiskBand,
}

/// Imports one source's scores in one transaction.
///
/// The source row is upserted by `(name, year)`; scores are upserted by occupation, and scores
/// of an earlier import that the new one lacks are removed. Records naming an occupation URI that
/// is not in the taxonomy are skipped and listed in the summary. Occupations without a score of
/// their own inherit their nearest scored ancestor's, marked `inherited`. With `activate`, the
/// source becomes the only active one; otherwise its active flag is left as it was. A `rebuild`
/// change for the occupation index is appended in the same transaction.
pub async fn import_risk<C>(
    db: &C,
    source: &RiskSource,
    scale: (f64, f64),
    records: &[RiskRecord],
    activate: bool,
) -> Result<RiskImportSummary, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let (scale_min, scale_max) = scale;
    if !(scale_min.is_finite() && scale_max.is_finite() && scale_min < scale_max) {
        return Err(StorageError::Invalid(format!(
            "risk scale {scale_min}..={scale_max} is empty or not finite"
        )));
    }
    if let Some(bad) = records
        .iter()
        .find(|r| !(r.score.is_finite() && (0.0..=1.0).contains(&r.score)))
    {
        return Err(StorageError::Invalid(format!(
            "risk score {} of {:?} is outside [0, 1]",
            bad.score, bad.occupation_uri
        )));
    }

    let txn = begin_write(db).await?;
    let now = Utc::now();
    if activate {
        deactivate_others(&txn, source).await?;
    }
    use risk_source::Column as RS;
    let mut update = vec![RS::ScaleMin, RS::ScaleMax, RS::ImportedAt];
    if activate {
        update.push(RS::Active);
    }
    // A re-import without a description keeps the one stored.
    if !source.description.is_empty() {
        update.push(RS::Description);
    }
    Upsert::<risk_source::Entity> {
        columns: &[
            RS::Name,
            RS::Year,
            RS::Description,
            RS::Active,
            RS::ScaleMin,
            RS::ScaleMax,
            RS::ImportedAt,
        ],
        conflict: &[RS::Name, RS::Year],
        update: &update,
    }
    .run(
        &txn,
        vec![vec![
            source.name.clone().into(),
            source.year.into(),
            source.description.clone().into(),
            activate.into(),
            scale_min.into(),
            scale_max.into(),
            now.into(),
        ]],
        "risk source",
        &|_, _, _| {},
    )
    .await?;
    let stored = risk_source::Entity::find()
        .filter(RS::Name.eq(&source.name))
        .filter(RS::Year.eq(source.year))
        .one(&txn)
        .await?
        .ok_or_else(|| StorageError::not_found("risk source", &source.name))?;

    // Resolve URIs and gather the hierarchy in two queries.
    use occupation::Column as O;
    let occupations: Vec<(i64, String, Option<i64>)> = occupation::Entity::find()
        .select_only()
        .columns([O::Id, O::Uri, O::ParentId])
        .into_tuple()
        .all(&txn)
        .await?;
    let id_of: HashMap<&str, i64> = occupations
        .iter()
        .map(|(id, uri, _)| (uri.as_str(), *id))
        .collect();
    let parent_of: HashMap<i64, i64> = occupations
        .iter()
        .filter_map(|(id, _, parent)| parent.map(|parent| (*id, parent)))
        .collect();

    let mut own: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut skipped = Vec::new();
    for record in records {
        match id_of.get(record.occupation_uri.as_str()) {
            Some(id) => {
                own.insert(*id, (record.raw_value, record.score));
            }
            None => skipped.push(record.occupation_uri.clone()),
        }
    }
    skipped.sort();
    skipped.dedup();

    // Narrower occupations without their own score take the nearest scored ancestor's.
    let mut scores: Vec<(i64, f64, f64, bool)> = own
        .iter()
        .map(|(id, (raw, score))| (*id, *raw, *score, false))
        .collect();
    for (id, _, _) in &occupations {
        if own.contains_key(id) {
            continue;
        }
        let mut current = *id;
        for _ in 0..MAX_HIERARCHY_DEPTH {
            let Some(parent) = parent_of.get(&current) else {
                break;
            };
            if let Some((raw, score)) = own.get(parent) {
                scores.push((*id, *raw, *score, true));
                break;
            }
            current = *parent;
        }
    }
    scores.sort_unstable_by_key(|(id, ..)| *id);

    // Replace this source's scores: drop the stale ones, upsert the rest.
    use risk_score::Column as SC;
    let existing: HashSet<i64> = risk_score::Entity::find()
        .select_only()
        .column(SC::OccupationId)
        .filter(SC::SourceId.eq(stored.id))
        .into_tuple::<i64>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let incoming: HashSet<i64> = scores.iter().map(|(id, ..)| *id).collect();
    let stale: Vec<i64> = existing.difference(&incoming).copied().collect();
    for chunk in stale.chunks(5_000) {
        risk_score::Entity::delete_many()
            .filter(SC::SourceId.eq(stored.id))
            .filter(SC::OccupationId.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let summary = RiskImportSummary {
        source_id: stored.id,
        scored: own.len() as u64,
        inherited: (scores.len() - own.len()) as u64,
        inserted: incoming.difference(&existing).count() as u64,
        updated: incoming.intersection(&existing).count() as u64,
        removed: stale.len() as u64,
        skipped_uris: skipped,
        active: stored.active,
    };
    let rows = scores
        .into_iter()
        .map(|(occupation_id, raw, score, inherited)| {
            vec![
                stored.id.into(),
                occupation_id.into(),
                raw.into(),
                score.into(),
                inherited.into(),
            ]
        })
        .collect();
    Upsert::<risk_score::Entity> {
        columns: &[
            SC::SourceId,
            SC::OccupationId,
            SC::RawValue,
            SC::Score,
            SC::Inherited,
        ],
        conflict: &[SC::SourceId, SC::OccupationId],
        update: &[SC::RawValue, SC::Score, SC::Inherited],
    }
    .run(&txn, rows, "risk scores", &|_, _, _| {})
    .await?;
    // Occupation documents carry the combined risk band, so every replica's occupation index
    // (a running server beside this import included) rebuilds from the change log.
    crate::changes::record_rebuild(&txn, crate::changes::ChangeKind::Occupation).await?;
    txn.commit().await?;
    tracing::info!(
        risk.source = %source.name,
        risk.year = source.year,
        scored = summary.scored,
        inherited = summary.inherited,
        skipped = summary.skipped_uris.len(),
        "imported risk source {} {}",
        source.name,
        source.year
    );
    Ok(summary)
}

/// Makes the source `(name, year)` the only active one, in one transaction.
pub async fn activate_risk_source<C>(db: &C, source: &RiskSource) -> Result<(), StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let txn = begin_write(db).await?;
    deactivate_others(&txn, source).await?;
    let result = risk_source::Entity::update_many()
        .col_expr(risk_source::Column::Active, Expr::value(true))
        .filter(risk_source::Column::Name.eq(&source.name))
        .filter(risk_source::Column::Year.eq(source.year))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StorageError::not_found(
            "risk source",
            format!("{} {}", source.name, source.year),
        ));
    }
    txn.commit().await?;
    Ok(())
}

/// Clears the active flag of every source but `(name, year)`. Runs before the flag is set, so
/// the "one active source" index never sees two.
async fn deactivate_others(
    db: &impl ConnectionTrait,
    source: &RiskSource,
) -> Result<(), StorageError> {
    use risk_source::Column as RS;
    risk_source::Entity::update_many()
        .col_expr(RS::Active, Expr::value(false))
        .filter(RS::Active.eq(true))
        .filter(
            Condition::any()
                .add(RS::Name.ne(&source.name))
                .add(RS::Year.ne(source.year)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Returns every risk source, the active one first, then newest first.
pub async fn list_risk_sources(
    db: &impl ConnectionTrait,
) -> Result<Vec<RiskSourceInfo>, StorageError> {
    use risk_source::Column as RS;
    Ok(risk_source::Entity::find()
        .order_by_desc(RS::Active)
        .order_by_desc(RS::Year)
        .order_by_asc(RS::Name)
        .all(db)
        .await?
        .into_iter()
        .map(RiskSourceInfo::from)
        .collect())
}

/// Returns the active source and its normalised score per occupation (own and inherited), or
/// `None` when no source is active.
pub async fn active_risk_scores(
    db: &impl ConnectionTrait,
) -> Result<Option<(RiskSourceInfo, Vec<(OccupationId, f64)>)>, StorageError> {
    let Some(source) = risk_source::Entity::find()
        .filter(risk_source::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    use risk_score::Column as SC;
    let scores: Vec<(i64, f64)> = risk_score::Entity::find()
        .select_only()
        .columns([SC::OccupationId, SC::Score])
        .filter(SC::SourceId.eq(source.id))
        .order_by_asc(SC::OccupationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some((
        source.into(),
        scores
            .into_iter()
            .map(|(id, score)| (OccupationId(id), score))
            .collect(),
    )))
}

/// Returns each source's reading of occupation `id`, the active source first.
///
/// The percentile ranks the score among the occupations the source scored itself (inherited
/// copies would count a parent's score several times).
pub async fn risk_for_occupation(
    db: &impl ConnectionTrait,
    id: OccupationId,
) -> Result<Vec<OccupationRisk>, StorageError> {
    use risk_score::Column as SC;
    let rows = risk_score::Entity::find()
        .filter(SC::OccupationId.eq(id.0))
        .find_also_related(risk_source::Entity)
        .all(db)
        .await?;
    let mut risks = Vec::with_capacity(rows.len());
    for (score, source) in rows {
        let Some(source) = source else { continue };
        let mut distribution: Vec<f64> = risk_score::Entity::find()
            .select_only()
            .column(SC::Score)
            .filter(SC::SourceId.eq(source.id))
            .filter(SC::Inherited.eq(false))
            .into_tuple()
            .all(db)
            .await?;
        distribution.sort_by(f64::total_cmp);
        let percentile = percentile_rank(&distribution, score.score);
        risks.push(OccupationRisk {
            source: source.into(),
            raw_value: score.raw_value,
            score: score.score,
            inherited: score.inherited,
            percentile,
            band: RiskBand::from_percentile(percentile),
        });
    }
    risks.sort_by(|a, b| {
        b.source
            .active
            .cmp(&a.source.active)
            .then(b.source.year.cmp(&a.source.year))
            .then(a.source.name.cmp(&b.source.name))
    });
    Ok(risks)
}
