//! Programme types (CIP 2020) and the SOC 2010 occupations each prepares for.
//!
//! One source at a time: an import replaces every programme type and link. Links name SOC 2010
//! codes, not ESCO occupations: [`occupation_programme_types`] meets them with each occupation's
//! effective O*NET-SOC code (its own or its nearest ancestor's, [`crate::crosswalk::onet_codes`])
//! when read, so a new crosswalk import needs no new programme import, and narrower occupations
//! get their ancestor's programme types.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use reskill_core::OccupationId;
use reskill_core::catalog::{OccupationProgrammes, ProgrammeType};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};

use crate::StorageError;
use crate::db::begin_write;
use crate::entities::{programme_type, programme_type_soc_code};

/// Rows per insert statement: five values each, well under every backend's bind limit.
const ROWS_PER_INSERT: usize = 1000;

/// What a programme-type import stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgrammeTypesImport {
    /// Programme types stored.
    pub types: usize,
    /// Distinct links to SOC 2010 codes stored.
    pub links: usize,
}

/// A programme type's link to a SOC 2010 detailed occupation, as read from the crosswalk.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProgrammeSocLink {
    /// Six-digit CIP 2020 code such as `52.0411`.
    pub code: String,
    /// SOC 2010 detailed occupation code such as `43-4051`.
    pub soc_2010: String,
}

/// Replaces every programme type and link with `types` and `links`, in one transaction;
/// `source` names the files. A repeated code, or a link to a code not in `types`, is refused
/// before anything is written.
pub async fn replace_programme_types<C>(
    db: &C,
    types: &[ProgrammeType],
    links: &[ProgrammeSocLink],
    source: &str,
) -> Result<ProgrammeTypesImport, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let mut codes: HashSet<&str> = HashSet::with_capacity(types.len());
    for programme in types {
        if !codes.insert(programme.code.as_str()) {
            return Err(StorageError::Invalid(format!(
                "programme type {} is listed twice",
                programme.code
            )));
        }
    }
    let mut distinct: HashSet<(&str, &str)> = HashSet::with_capacity(links.len());
    for link in links {
        if !codes.contains(link.code.as_str()) {
            return Err(StorageError::Invalid(format!(
                "a link to SOC {} names programme type {}, which is not among the types",
                link.soc_2010, link.code
            )));
        }
        distinct.insert((link.code.as_str(), link.soc_2010.as_str()));
    }
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // Links go with their types (the foreign key cascades); both are deleted explicitly so the
    // order does not rest on the backend enforcing it.
    programme_type_soc_code::Entity::delete_many()
        .exec(&txn)
        .await?;
    programme_type::Entity::delete_many().exec(&txn).await?;
    for chunk in types.chunks(ROWS_PER_INSERT) {
        programme_type::Entity::insert_many(chunk.iter().map(|p| programme_type::ActiveModel {
            code: Set(p.code.clone()),
            title: Set(p.title.clone()),
            definition: Set(p.definition.clone()),
            source: Set(source.to_owned()),
            imported_at: Set(now),
        }))
        .exec(&txn)
        .await?;
    }
    let mut rows: Vec<(&str, &str)> = distinct.into_iter().collect();
    rows.sort_unstable();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        programme_type_soc_code::Entity::insert_many(chunk.iter().map(|(code, soc)| {
            programme_type_soc_code::ActiveModel {
                code: Set((*code).to_owned()),
                soc_code: Set((*soc).to_owned()),
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(ProgrammeTypesImport {
        types: types.len(),
        links: rows.len(),
    })
}

/// Returns every stored programme type, by code.
pub async fn programme_types<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<ProgrammeType>, StorageError> {
    Ok(programme_type::Entity::find()
        .order_by_asc(programme_type::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|m| ProgrammeType {
            code: m.code,
            title: m.title,
            definition: m.definition,
        })
        .collect())
}

/// Returns, per occupation, the programme types linked to the SOC 2010 code its effective
/// O*NET-SOC code starts with (`43-4051.00` → `43-4051`), most specific first: fewest linked SOC
/// codes, then code. A type that prepares for one occupation says more about it than a general
/// one linked to fifty. Occupations without a code or without a linked type are left out;
/// `types` holds only types some occupation reaches.
pub async fn occupation_programme_types<C: ConnectionTrait>(
    db: &C,
) -> Result<OccupationProgrammes, StorageError> {
    let links: Vec<(String, String)> = programme_type_soc_code::Entity::find()
        .select_only()
        .columns([
            programme_type_soc_code::Column::Code,
            programme_type_soc_code::Column::SocCode,
        ])
        .into_tuple()
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(OccupationProgrammes::default());
    }
    let all = programme_types(db).await?;
    let index: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, p)| (p.code.as_str(), i))
        .collect();
    let mut breadth = vec![0u32; all.len()];
    let mut by_soc: HashMap<&str, Vec<usize>> = HashMap::new();
    for (code, soc) in &links {
        // The foreign key makes a miss impossible; a miss is skipped rather than trusted.
        let Some(&i) = index.get(code.as_str()) else {
            continue;
        };
        breadth[i] += 1;
        by_soc.entry(soc.as_str()).or_default().push(i);
    }
    for types in by_soc.values_mut() {
        types.sort_unstable_by(|&a, &b| breadth[a].cmp(&breadth[b]).then(a.cmp(&b)));
    }
    let codes = crate::crosswalk::onet_codes(db).await?;
    // Compact: only reached types, renumbered in code order.
    let mut reached = vec![false; all.len()];
    let mut by_occupation: Vec<(OccupationId, &[usize])> = Vec::new();
    for code in &codes {
        let Some(types) = code.onet_code.get(..7).and_then(|soc| by_soc.get(soc)) else {
            continue;
        };
        for &i in types {
            reached[i] = true;
        }
        by_occupation.push((OccupationId(code.occupation_id), types));
    }
    let mut renumber = vec![u32::MAX; all.len()];
    let mut types = Vec::new();
    for (i, programme) in all.into_iter().enumerate() {
        if reached[i] {
            renumber[i] = types.len() as u32;
            types.push(programme);
        }
    }
    Ok(OccupationProgrammes {
        types,
        by_occupation: by_occupation
            .into_iter()
            .map(|(id, list)| (id, list.iter().map(|&i| renumber[i]).collect()))
            .collect(),
    })
}

/// Returns the number of programme types, the number of links, and when they were imported:
/// the part of the engine's data version that programme types own.
pub(crate) async fn version<C: ConnectionTrait>(
    db: &C,
) -> Result<(u64, u64, Option<String>), StorageError> {
    let types = programme_type::Entity::find().count(db).await?;
    let links = programme_type_soc_code::Entity::find().count(db).await?;
    let imported_at: Option<chrono::DateTime<Utc>> = programme_type::Entity::find()
        .select_only()
        .column(programme_type::Column::ImportedAt)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok((types, links, imported_at.map(|t| t.to_rfc3339())))
}
