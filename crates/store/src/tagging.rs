//! What tagging courses and openings needs from the database: the stored documents as import
//! records (to merge duplicates into, re-tag, or export), each occupation's essential skills
//! (for documents that only have a title), and how many documents are well tagged.

use std::collections::{HashMap, HashSet};

use reskill_core::catalog::{
    CourseMode, NewCourse, NewOpening, OccupationTag, OpeningStatus, Place, SkillTag, TagOrigin,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::{
    course, course_skill, occupation, occupation_skill, opening, opening_skill, organisation, skill,
};

const IN_LIST_CHUNK: usize = 5_000;

/// Which stored documents to load.
#[derive(Debug, Clone, Copy)]
pub enum DocumentFilter<'a> {
    /// A page in id order: ids greater than `after`, at most `limit`.
    Page {
        /// Exclusive lower bound on the id.
        after: i64,
        /// Page size.
        limit: u64,
    },
    /// The rows whose dedupe key is one of these.
    DedupeKeys(&'a [String]),
}

/// A stored document with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    /// The row's id.
    pub id: i64,
    /// The row as an import record (skills with origin and confidence, occupation tag).
    pub record: T,
}

/// Returns stored openings as import records.
pub async fn openings(
    db: &impl ConnectionTrait,
    filter: DocumentFilter<'_>,
) -> Result<Vec<Stored<NewOpening>>, StorageError> {
    let models = match filter {
        DocumentFilter::Page { after, limit } => {
            opening::Entity::find()
                .filter(opening::Column::Id.gt(after))
                .order_by_asc(opening::Column::Id)
                .limit(limit)
                .all(db)
                .await?
        }
        DocumentFilter::DedupeKeys(keys) => {
            let mut all = Vec::new();
            for chunk in keys.chunks(IN_LIST_CHUNK) {
                all.extend(
                    opening::Entity::find()
                        .filter(opening::Column::DedupeKey.is_in(chunk.iter().cloned()))
                        .order_by_asc(opening::Column::Id)
                        .all(db)
                        .await?,
                );
            }
            all
        }
    };
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let mut tags: HashMap<i64, Vec<SkillTag>> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        use opening_skill::Column as OS;
        let rows: Vec<(i64, String, bool, String, Option<f64>)> = opening_skill::Entity::find()
            .select_only()
            .column(OS::OpeningId)
            .column(skill::Column::Uri)
            .columns([OS::Essential, OS::Origin, OS::Confidence])
            .inner_join(skill::Entity)
            .filter(OS::OpeningId.is_in(chunk.iter().copied()))
            .order_by_asc(OS::OpeningId)
            .order_by_desc(OS::Confidence)
            .order_by_asc(skill::Column::Uri)
            .into_tuple()
            .all(db)
            .await?;
        for (id, uri, essential, origin, confidence) in rows {
            tags.entry(id).or_default().push(SkillTag {
                uri,
                essential,
                origin: parse_origin(&origin)?,
                confidence: confidence.unwrap_or(1.0) as f32,
            });
        }
    }
    let organisations = names_by_id::<organisation::Entity>(
        db,
        organisation::Column::Id,
        organisation::Column::Name,
        models.iter().filter_map(|m| m.organisation_id),
    )
    .await?;
    let occupations = names_by_id::<occupation::Entity>(
        db,
        occupation::Column::Id,
        occupation::Column::Uri,
        models.iter().filter_map(|m| m.occupation_id),
    )
    .await?;
    models
        .into_iter()
        .map(|m| {
            let record = NewOpening {
                source: m.source,
                source_id: m.source_id,
                organisation: m
                    .organisation_id
                    .and_then(|id| organisations.get(&id).cloned())
                    .unwrap_or_default(),
                title: m.title,
                occupation: occupation_tag(
                    m.occupation_id,
                    m.occupation_origin.as_deref(),
                    m.occupation_confidence,
                    &occupations,
                )?,
                description: m.description,
                skills: tags.remove(&m.id).unwrap_or_default(),
                place: place(m.place_name, m.region, m.country, m.lat, m.lon),
                remote: m.remote,
                salary_min: m.salary_min,
                salary_max: m.salary_max,
                currency: m.currency,
                status: OpeningStatus::parse(&m.status).map_err(corrupt)?,
                posted_on: m.posted_on,
                expires_on: m.expires_on,
                url: m.url,
                dedupe_key: m.dedupe_key,
            };
            Ok(Stored { id: m.id, record })
        })
        .collect()
}

/// Returns stored courses as import records.
pub async fn courses(
    db: &impl ConnectionTrait,
    filter: DocumentFilter<'_>,
) -> Result<Vec<Stored<NewCourse>>, StorageError> {
    let models = match filter {
        DocumentFilter::Page { after, limit } => {
            course::Entity::find()
                .filter(course::Column::Id.gt(after))
                .order_by_asc(course::Column::Id)
                .limit(limit)
                .all(db)
                .await?
        }
        DocumentFilter::DedupeKeys(keys) => {
            let mut all = Vec::new();
            for chunk in keys.chunks(IN_LIST_CHUNK) {
                all.extend(
                    course::Entity::find()
                        .filter(course::Column::DedupeKey.is_in(chunk.iter().cloned()))
                        .order_by_asc(course::Column::Id)
                        .all(db)
                        .await?,
                );
            }
            all
        }
    };
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let mut tags: HashMap<i64, Vec<SkillTag>> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        use course_skill::Column as CS;
        let rows: Vec<(i64, String, String, Option<f64>)> = course_skill::Entity::find()
            .select_only()
            .column(CS::CourseId)
            .column(skill::Column::Uri)
            .columns([CS::Origin, CS::Confidence])
            .inner_join(skill::Entity)
            .filter(CS::CourseId.is_in(chunk.iter().copied()))
            .order_by_asc(CS::CourseId)
            .order_by_desc(CS::Confidence)
            .order_by_asc(skill::Column::Uri)
            .into_tuple()
            .all(db)
            .await?;
        for (id, uri, origin, confidence) in rows {
            tags.entry(id).or_default().push(SkillTag {
                uri,
                essential: true,
                origin: parse_origin(&origin)?,
                confidence: confidence.unwrap_or(1.0) as f32,
            });
        }
    }
    let occupations = names_by_id::<occupation::Entity>(
        db,
        occupation::Column::Id,
        occupation::Column::Uri,
        models.iter().filter_map(|m| m.occupation_id),
    )
    .await?;
    models
        .into_iter()
        .map(|m| {
            let record = NewCourse {
                source: m.source,
                source_id: m.source_id,
                provider: m.provider,
                title: m.title,
                description: m.description,
                duration_weeks: m.duration_weeks,
                hours: m.hours,
                cost: m.cost,
                currency: m.currency,
                mode: CourseMode::parse(&m.mode).map_err(corrupt)?,
                place: place(m.place_name, m.region, m.country, m.lat, m.lon),
                next_start: m.next_start,
                funding: m.funding,
                url: m.url,
                skills: tags.remove(&m.id).unwrap_or_default(),
                occupation: occupation_tag(
                    m.occupation_id,
                    m.occupation_origin.as_deref(),
                    m.occupation_confidence,
                    &occupations,
                )?,
                dedupe_key: m.dedupe_key,
            };
            Ok(Stored { id: m.id, record })
        })
        .collect()
}

/// Returns each occupation's essential skills by URI, the rarest (most informative) first.
pub async fn essential_skills_by_occupation(
    db: &impl ConnectionTrait,
) -> Result<HashMap<String, Vec<String>>, StorageError> {
    use occupation_skill::Column as R;
    let rows: Vec<(String, String)> = occupation_skill::Entity::find()
        .select_only()
        .column(occupation::Column::Uri)
        .column_as(skill::Column::Uri, "skill_uri")
        .inner_join(occupation::Entity)
        .inner_join(skill::Entity)
        .filter(R::Relation.eq("essential"))
        .into_tuple()
        .all(db)
        .await?;
    let mut occupations_per_skill: HashMap<&str, usize> = HashMap::new();
    for (_, skill) in &rows {
        *occupations_per_skill.entry(skill).or_default() += 1;
    }
    let mut by_occupation: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    for (occupation, skill) in &rows {
        by_occupation
            .entry(occupation.clone())
            .or_default()
            .push((occupations_per_skill[skill.as_str()], skill.clone()));
    }
    Ok(by_occupation
        .into_iter()
        .map(|(occupation, mut skills)| {
            skills.sort();
            (occupation, skills.into_iter().map(|(_, s)| s).collect())
        })
        .collect())
}

/// How many courses and openings carry an occupation and at least [`WELL_TAGGED_SKILLS`]
/// skills.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCoverage {
    /// Courses with an occupation and at least 3 skills.
    pub courses_tagged: u64,
    /// Openings with an occupation and at least 3 skills.
    pub openings_tagged: u64,
}

/// The skills a document needs, beside its occupation, to count as tagged.
pub const WELL_TAGGED_SKILLS: u64 = 3;

/// Returns [`TagCoverage`].
pub async fn tag_coverage(db: &impl ConnectionTrait) -> Result<TagCoverage, StorageError> {
    let count = |table: &str, tags: &str, key: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM {table} d WHERE d.occupation_id IS NOT NULL AND \
             (SELECT COUNT(*) FROM {tags} t WHERE t.{key} = d.id) >= {WELL_TAGGED_SKILLS}"
        )
    };
    let backend = db.get_database_backend();
    let mut counts = [0u64; 2];
    for (slot, sql) in counts.iter_mut().zip([
        count("courses", "course_skills", "course_id"),
        count("openings", "opening_skills", "opening_id"),
    ]) {
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .ok_or_else(|| StorageError::Corrupt("COUNT returned no row".to_owned()))?;
        let n: i64 = row.try_get("", "n")?;
        *slot = u64::try_from(n).unwrap_or(0);
    }
    Ok(TagCoverage {
        courses_tagged: counts[0],
        openings_tagged: counts[1],
    })
}

fn parse_origin(value: &str) -> Result<TagOrigin, StorageError> {
    TagOrigin::parse(value).map_err(corrupt)
}

fn corrupt(err: reskill_core::ValidationError) -> StorageError {
    StorageError::Corrupt(format!("stored value out of range: {err}"))
}

fn occupation_tag(
    id: Option<i64>,
    origin: Option<&str>,
    confidence: Option<f64>,
    uris: &HashMap<i64, String>,
) -> Result<Option<OccupationTag>, StorageError> {
    let Some(uri) = id.and_then(|id| uris.get(&id)) else {
        return Ok(None);
    };
    Ok(Some(OccupationTag {
        uri: uri.clone(),
        // Rows written before tags had origins were set by the source file.
        origin: origin.map_or(Ok(TagOrigin::Manual), parse_origin)?,
        confidence: confidence.unwrap_or(1.0) as f32,
    }))
}

fn place(
    name: Option<String>,
    region: Option<String>,
    country: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Option<Place> {
    name.map(|name| Place {
        name,
        region,
        country,
        lat,
        lon,
    })
}

/// Loads `id → text column` for the given ids of `E`.
async fn names_by_id<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    name: E::Column,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, String>, StorageError> {
    let ids: Vec<i64> = ids.collect::<HashSet<_>>().into_iter().collect();
    let mut names = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = E::find()
            .select_only()
            .column(id)
            .column(name)
            .filter(id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(found);
    }
    Ok(names)
}

/// Tags a person sets on a course or opening: they replace every tag it had, are marked
/// `manual`, and survive re-imports and re-tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManualTags {
    /// The occupation's ESCO URI, or none.
    pub occupation_uri: Option<String>,
    /// Skills by ESCO URI, with essential (true) or nice to have (false); courses ignore it.
    pub skills: Vec<(String, bool)>,
}

/// Sets an opening's tags by hand (see [`ManualTags`]). Unknown URIs are rejected and nothing
/// changes.
pub async fn set_opening_tags<C>(db: &C, id: i64, tags: &ManualTags) -> Result<(), StorageError>
where
    C: sea_orm::TransactionTrait + ConnectionTrait,
{
    set_tags(db, crate::changes::ChangeKind::Opening, id, tags).await
}

/// Sets a course's tags by hand (see [`ManualTags`]).
pub async fn set_course_tags<C>(db: &C, id: i64, tags: &ManualTags) -> Result<(), StorageError>
where
    C: sea_orm::TransactionTrait + ConnectionTrait,
{
    set_tags(db, crate::changes::ChangeKind::Course, id, tags).await
}

async fn set_tags<C>(
    db: &C,
    kind: crate::changes::ChangeKind,
    id: i64,
    tags: &ManualTags,
) -> Result<(), StorageError>
where
    C: sea_orm::TransactionTrait + ConnectionTrait,
{
    use sea_orm::{ActiveValue::Set, TransactionSession};
    let txn = crate::db::begin_write(db).await?;
    let occupation_id = match &tags.occupation_uri {
        None => None,
        Some(uri) => Some(
            occupation::Entity::find()
                .filter(occupation::Column::Uri.eq(uri.as_str()))
                .one(&txn)
                .await?
                .ok_or_else(|| StorageError::Invalid(format!("no occupation has URI {uri:?}")))?
                .id,
        ),
    };
    let mut skill_ids = Vec::with_capacity(tags.skills.len());
    for (uri, essential) in &tags.skills {
        let skill = skill::Entity::find()
            .filter(skill::Column::Uri.eq(uri.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| StorageError::Invalid(format!("no skill has URI {uri:?}")))?;
        if !skill_ids.iter().any(|(s, _)| *s == skill.id) {
            skill_ids.push((skill.id, *essential));
        }
    }
    let origin = (occupation_id.is_some()).then(|| TagOrigin::Manual.as_str().to_owned());
    let confidence = occupation_id.map(|_| 1.0);
    let now = chrono::Utc::now();
    match kind {
        crate::changes::ChangeKind::Opening => {
            let found = opening::Entity::update_many()
                .col_expr(opening::Column::OccupationId, occupation_id.into())
                .col_expr(opening::Column::OccupationOrigin, origin.into())
                .col_expr(opening::Column::OccupationConfidence, confidence.into())
                .col_expr(opening::Column::UpdatedAt, now.into())
                .filter(opening::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            if found.rows_affected == 0 {
                return Err(StorageError::not_found("opening", id));
            }
            opening_skill::Entity::delete_many()
                .filter(opening_skill::Column::OpeningId.eq(id))
                .exec(&txn)
                .await?;
            if !skill_ids.is_empty() {
                opening_skill::Entity::insert_many(skill_ids.iter().map(|(skill, essential)| {
                    opening_skill::ActiveModel {
                        opening_id: Set(id),
                        skill_id: Set(*skill),
                        essential: Set(*essential),
                        origin: Set(TagOrigin::Manual.as_str().to_owned()),
                        confidence: Set(Some(1.0)),
                    }
                }))
                .exec(&txn)
                .await?;
            }
        }
        _ => {
            let found = course::Entity::update_many()
                .col_expr(course::Column::OccupationId, occupation_id.into())
                .col_expr(course::Column::OccupationOrigin, origin.into())
                .col_expr(course::Column::OccupationConfidence, confidence.into())
                .col_expr(course::Column::UpdatedAt, now.into())
                .filter(course::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            if found.rows_affected == 0 {
                return Err(StorageError::not_found("course", id));
            }
            course_skill::Entity::delete_many()
                .filter(course_skill::Column::CourseId.eq(id))
                .exec(&txn)
                .await?;
            if !skill_ids.is_empty() {
                course_skill::Entity::insert_many(skill_ids.iter().map(|(skill, _)| {
                    course_skill::ActiveModel {
                        course_id: Set(id),
                        skill_id: Set(*skill),
                        origin: Set(TagOrigin::Manual.as_str().to_owned()),
                        confidence: Set(Some(1.0)),
                    }
                }))
                .exec(&txn)
                .await?;
            }
        }
    }
    crate::changes::record_upserts(&txn, kind, &[id]).await?;
    txn.commit().await?;
    Ok(())
}
