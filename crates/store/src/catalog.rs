//! The catalog: courses and openings, upserted in batches by `(source, source_id)` with their
//! skill tags, and organisations created by name on the way.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use reskill_core::catalog::{NewCourse, NewOpening, OccupationTag, Place, TagOrigin};
use reskill_core::{CourseId, OpeningId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::changes::{ChangeKind, record_upserts};
use crate::db::begin_write;
use crate::entities::{
    course, course_skill, import_checkpoint, occupation, opening, opening_skill, organisation,
    skill,
};
use crate::upsert::Upsert;

/// How many keys one `IN (…)` list carries.
const IN_LIST_CHUNK: usize = 5_000;

/// What a catalog upsert wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogUpsertSummary<Id> {
    /// Keys of the written rows, in input order (duplicates of a key collapse to its last
    /// occurrence's position).
    pub ids: Vec<Id>,
    /// Rows that did not exist before.
    pub inserted: u64,
    /// Rows that existed and were overwritten.
    pub updated: u64,
    /// Skill tags written.
    pub skill_tags: u64,
    /// Skill tags skipped because their URI is not in the taxonomy.
    pub unknown_skills: u64,
    /// The distinct unknown skill URIs, sorted.
    pub unknown_skill_uris: Vec<String>,
    /// Openings whose occupation URI is not in the taxonomy (stored without an occupation).
    pub unknown_occupations: u64,
    /// Organisations created because an opening named one not yet stored.
    pub organisations_created: u64,
}

impl<Id> Default for CatalogUpsertSummary<Id> {
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            inserted: 0,
            updated: 0,
            skill_tags: 0,
            unknown_skills: 0,
            unknown_skill_uris: Vec::new(),
            unknown_occupations: 0,
            organisations_created: 0,
        }
    }
}

/// Inserts or updates courses by `(source, source_id)` in one transaction, with their skill
/// tags, and appends a change per course for the search index.
///
/// Tags found or inferred by an earlier import are replaced; tags a person set (`manual`) are
/// kept. Tags naming an unknown skill URI are skipped and counted.
pub async fn upsert_courses<C>(
    db: &C,
    courses: &[NewCourse],
) -> Result<CatalogUpsertSummary<CourseId>, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    upsert_courses_batch(db, courses, None).await
}

/// [`upsert_courses`], also recording `checkpoint` in the same transaction, so an import that
/// dies between batches resumes after the last batch that committed.
pub async fn upsert_courses_batch<C>(
    db: &C,
    courses: &[NewCourse],
    checkpoint: Option<&Checkpoint>,
) -> Result<CatalogUpsertSummary<CourseId>, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    for course in courses {
        check_number("duration_weeks", &course.source_id, course.duration_weeks)?;
        check_number("cost", &course.source_id, course.cost)?;
        if let Some(hours) = course.hours {
            check_number("hours", &course.source_id, hours)?;
        }
    }
    let courses = last_by_source_key(courses, |c| (&c.source, &c.source_id));
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let before = course::Entity::find().count(&txn).await?;

    use course::Column as C;
    let keys: Vec<(&str, &str)> = courses
        .iter()
        .map(|c| (c.source.as_str(), c.source_id.as_str()))
        .collect();
    let occupation_ids =
        occupation_ids_by_uri(&txn, courses.iter().filter_map(|c| c.occupation.as_ref())).await?;
    let manual = manual_occupations::<course::Entity>(
        &txn,
        [
            C::Source,
            C::SourceId,
            C::OccupationId,
            C::OccupationConfidence,
            C::OccupationOrigin,
        ],
        &keys,
    )
    .await?;
    let mut unknown_occupations = 0;
    let rows = courses
        .iter()
        .zip(&manual)
        .map(|(c, manual)| {
            let place = PlaceValues::from(c.place.as_ref());
            let occupation = OccupationValues::resolve(
                c.occupation.as_ref(),
                manual.as_ref(),
                &occupation_ids,
                &mut unknown_occupations,
            );
            vec![
                c.source.clone().into(),
                c.source_id.clone().into(),
                c.provider.clone().into(),
                c.title.clone().into(),
                c.description.clone().into(),
                c.duration_weeks.into(),
                c.hours.into(),
                c.cost.into(),
                c.currency.clone().into(),
                c.mode.as_str().to_owned().into(),
                place.name,
                place.region,
                place.country,
                place.lat,
                place.lon,
                c.next_start.into(),
                c.funding.clone().into(),
                c.url.clone().into(),
                occupation.id,
                occupation.origin,
                occupation.confidence,
                c.dedupe_key.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    Upsert::<course::Entity> {
        columns: &[
            C::Source,
            C::SourceId,
            C::Provider,
            C::Title,
            C::Description,
            C::DurationWeeks,
            C::Hours,
            C::Cost,
            C::Currency,
            C::Mode,
            C::PlaceName,
            C::Region,
            C::Country,
            C::Lat,
            C::Lon,
            C::NextStart,
            C::Funding,
            C::Url,
            C::OccupationId,
            C::OccupationOrigin,
            C::OccupationConfidence,
            C::DedupeKey,
            C::CreatedAt,
            C::UpdatedAt,
        ],
        conflict: &[C::Source, C::SourceId],
        update: &[
            C::Provider,
            C::Title,
            C::Description,
            C::DurationWeeks,
            C::Hours,
            C::Cost,
            C::Currency,
            C::Mode,
            C::PlaceName,
            C::Region,
            C::Country,
            C::Lat,
            C::Lon,
            C::NextStart,
            C::Funding,
            C::Url,
            C::OccupationId,
            C::OccupationOrigin,
            C::OccupationConfidence,
            C::DedupeKey,
            C::UpdatedAt,
        ],
    }
    .run(&txn, rows, "courses", &|_, _, _| {})
    .await?;
    let after = course::Entity::find().count(&txn).await?;

    let id_of =
        ids_by_source_key::<course::Entity>(&txn, C::Id, C::Source, C::SourceId, &keys).await?;
    let ids = resolve_keys(&id_of, &keys)?;

    let mut uris: Vec<&str> = Vec::new();
    for course in &courses {
        uris.extend(course.skills.iter().map(|tag| tag.uri.as_str()));
    }
    let skill_ids = skill_ids_by_uri(&txn, &uris).await?;
    let mut tags = TagCollector::default();
    let mut tag_rows = Vec::new();
    for (course, course_id) in courses.iter().zip(&ids) {
        let mut seen = HashSet::new();
        for tag in &course.skills {
            let Some(skill_id) = tags.resolve(&skill_ids, &tag.uri) else {
                continue;
            };
            if seen.insert(skill_id) {
                tag_rows.push(vec![
                    (*course_id).into(),
                    skill_id.into(),
                    tag.origin.as_str().to_owned().into(),
                    f64::from(tag.confidence).into(),
                ]);
            }
        }
    }
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        course_skill::Entity::delete_many()
            .filter(course_skill::Column::CourseId.is_in(chunk.iter().copied()))
            .filter(course_skill::Column::Origin.ne(TagOrigin::Manual.as_str()))
            .exec(&txn)
            .await?;
    }
    let skill_tags = tag_rows.len() as u64;
    use course_skill::Column as CS;
    Upsert::<course_skill::Entity> {
        columns: &[CS::CourseId, CS::SkillId, CS::Origin, CS::Confidence],
        conflict: &[CS::CourseId, CS::SkillId],
        update: &[],
    }
    .run(&txn, tag_rows, "course skills", &|_, _, _| {})
    .await?;

    record_upserts(&txn, ChangeKind::Course, &ids).await?;
    if let Some(checkpoint) = checkpoint {
        save_checkpoint(&txn, checkpoint).await?;
    }
    txn.commit().await?;
    let inserted = after.saturating_sub(before);
    let (unknown_skills, unknown_skill_uris) = tags.finish();
    Ok(CatalogUpsertSummary {
        inserted,
        updated: (ids.len() as u64).saturating_sub(inserted),
        ids: ids.into_iter().map(CourseId).collect(),
        skill_tags,
        unknown_skills,
        unknown_skill_uris,
        unknown_occupations,
        ..CatalogUpsertSummary::default()
    })
}

/// Inserts or updates openings by `(source, source_id)` in one transaction, with their skill
/// tags, and appends a change per opening for the search index.
///
/// Organisations are matched by exact name and created as employers when missing. An unknown
/// occupation URI leaves the opening without an occupation; unknown skill URIs are skipped;
/// both are counted. Tags a person set (`manual`) survive re-imports.
pub async fn upsert_openings<C>(
    db: &C,
    openings: &[NewOpening],
) -> Result<CatalogUpsertSummary<OpeningId>, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    upsert_openings_batch(db, openings, None).await
}

/// [`upsert_openings`], also recording `checkpoint` in the same transaction.
pub async fn upsert_openings_batch<C>(
    db: &C,
    openings: &[NewOpening],
    checkpoint: Option<&Checkpoint>,
) -> Result<CatalogUpsertSummary<OpeningId>, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    for opening in openings {
        for (field, value) in [
            ("salary_min", opening.salary_min),
            ("salary_max", opening.salary_max),
        ] {
            if let Some(value) = value {
                check_number(field, &opening.source_id, value)?;
            }
        }
    }
    let openings = last_by_source_key(openings, |o| (&o.source, &o.source_id));
    let txn = begin_write(db).await?;
    let now = Utc::now();

    // Organisations by name.
    let names: Vec<&str> = openings
        .iter()
        .map(|o| o.organisation.trim())
        .filter(|name| !name.is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let organisations_before = organisation::Entity::find().count(&txn).await?;
    use organisation::Column as Org;
    Upsert::<organisation::Entity> {
        columns: &[Org::Name, Org::Kind, Org::CreatedAt],
        conflict: &[Org::Name],
        update: &[],
    }
    .run(
        &txn,
        names
            .iter()
            .map(|name| vec![(*name).to_owned().into(), "employer".into(), now.into()])
            .collect(),
        "organisations",
        &|_, _, _| {},
    )
    .await?;
    let organisations_created = organisation::Entity::find()
        .count(&txn)
        .await?
        .saturating_sub(organisations_before);
    let mut organisation_ids: HashMap<String, i64> = HashMap::new();
    for chunk in names.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = organisation::Entity::find()
            .select_only()
            .columns([Org::Id, Org::Name])
            .filter(Org::Name.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&txn)
            .await?;
        organisation_ids.extend(found.into_iter().map(|(id, name)| (name, id)));
    }

    use opening::Column as O;
    let keys: Vec<(&str, &str)> = openings
        .iter()
        .map(|o| (o.source.as_str(), o.source_id.as_str()))
        .collect();
    let occupation_ids =
        occupation_ids_by_uri(&txn, openings.iter().filter_map(|o| o.occupation.as_ref())).await?;
    let manual = manual_occupations::<opening::Entity>(
        &txn,
        [
            O::Source,
            O::SourceId,
            O::OccupationId,
            O::OccupationConfidence,
            O::OccupationOrigin,
        ],
        &keys,
    )
    .await?;
    let mut unknown_occupations = 0;

    let before = opening::Entity::find().count(&txn).await?;
    let mut rows = Vec::with_capacity(openings.len());
    for (o, manual) in openings.iter().zip(&manual) {
        let place = PlaceValues::from(o.place.as_ref());
        let organisation_id = organisation_ids.get(o.organisation.trim()).copied();
        let occupation = OccupationValues::resolve(
            o.occupation.as_ref(),
            manual.as_ref(),
            &occupation_ids,
            &mut unknown_occupations,
        );
        rows.push(vec![
            o.source.clone().into(),
            o.source_id.clone().into(),
            organisation_id.into(),
            o.title.clone().into(),
            occupation.id,
            o.description.clone().into(),
            place.name,
            place.region,
            place.country,
            place.lat,
            place.lon,
            o.remote.into(),
            o.salary_min.into(),
            o.salary_max.into(),
            o.currency.clone().into(),
            o.status.as_str().to_owned().into(),
            o.posted_on.into(),
            o.expires_on.into(),
            o.url.clone().into(),
            occupation.origin,
            occupation.confidence,
            o.dedupe_key.clone().into(),
            now.into(),
            now.into(),
        ]);
    }
    Upsert::<opening::Entity> {
        columns: &[
            O::Source,
            O::SourceId,
            O::OrganisationId,
            O::Title,
            O::OccupationId,
            O::Description,
            O::PlaceName,
            O::Region,
            O::Country,
            O::Lat,
            O::Lon,
            O::Remote,
            O::SalaryMin,
            O::SalaryMax,
            O::Currency,
            O::Status,
            O::PostedOn,
            O::ExpiresOn,
            O::Url,
            O::OccupationOrigin,
            O::OccupationConfidence,
            O::DedupeKey,
            O::CreatedAt,
            O::UpdatedAt,
        ],
        conflict: &[O::Source, O::SourceId],
        update: &[
            O::OrganisationId,
            O::Title,
            O::OccupationId,
            O::Description,
            O::PlaceName,
            O::Region,
            O::Country,
            O::Lat,
            O::Lon,
            O::Remote,
            O::SalaryMin,
            O::SalaryMax,
            O::Currency,
            O::Status,
            O::PostedOn,
            O::ExpiresOn,
            O::Url,
            O::OccupationOrigin,
            O::OccupationConfidence,
            O::DedupeKey,
            O::UpdatedAt,
        ],
    }
    .run(&txn, rows, "openings", &|_, _, _| {})
    .await?;
    let after = opening::Entity::find().count(&txn).await?;

    let id_of =
        ids_by_source_key::<opening::Entity>(&txn, O::Id, O::Source, O::SourceId, &keys).await?;
    let ids = resolve_keys(&id_of, &keys)?;

    let mut uris: Vec<&str> = Vec::new();
    for opening in &openings {
        uris.extend(opening.skills.iter().map(|tag| tag.uri.as_str()));
    }
    let skill_ids = skill_ids_by_uri(&txn, &uris).await?;
    let mut tags = TagCollector::default();
    let mut tag_rows = Vec::new();
    for (opening, opening_id) in openings.iter().zip(&ids) {
        let mut seen = HashSet::new();
        for tag in &opening.skills {
            let Some(skill_id) = tags.resolve(&skill_ids, &tag.uri) else {
                continue;
            };
            if seen.insert(skill_id) {
                tag_rows.push(vec![
                    (*opening_id).into(),
                    skill_id.into(),
                    tag.essential.into(),
                    tag.origin.as_str().to_owned().into(),
                    f64::from(tag.confidence).into(),
                ]);
            }
        }
    }
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        opening_skill::Entity::delete_many()
            .filter(opening_skill::Column::OpeningId.is_in(chunk.iter().copied()))
            .filter(opening_skill::Column::Origin.ne(TagOrigin::Manual.as_str()))
            .exec(&txn)
            .await?;
    }
    let skill_tags = tag_rows.len() as u64;
    use opening_skill::Column as OS;
    Upsert::<opening_skill::Entity> {
        columns: &[
            OS::OpeningId,
            OS::SkillId,
            OS::Essential,
            OS::Origin,
            OS::Confidence,
        ],
        conflict: &[OS::OpeningId, OS::SkillId],
        update: &[],
    }
    .run(&txn, tag_rows, "opening skills", &|_, _, _| {})
    .await?;

    record_upserts(&txn, ChangeKind::Opening, &ids).await?;
    if let Some(checkpoint) = checkpoint {
        save_checkpoint(&txn, checkpoint).await?;
    }
    txn.commit().await?;
    let inserted = after.saturating_sub(before);
    let (unknown_skills, unknown_skill_uris) = tags.finish();
    Ok(CatalogUpsertSummary {
        inserted,
        updated: (ids.len() as u64).saturating_sub(inserted),
        ids: ids.into_iter().map(OpeningId).collect(),
        skill_tags,
        unknown_skills,
        unknown_skill_uris,
        unknown_occupations,
        organisations_created,
    })
}

/// How far an import of one file has come, saved with the batch that got it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// `courses` or `openings`.
    pub kind: String,
    /// The file's name, for people.
    pub file_name: String,
    /// A hash of the file's bytes.
    pub file_hash: String,
    /// Records of the file committed, counting this batch.
    pub records_done: u64,
    /// Records the file holds.
    pub records_total: u64,
}

/// Returns how many records of the file with `file_hash` an unfinished `kind` import has
/// committed, or `None` when there is nothing to resume.
pub async fn resume_point(
    db: &impl ConnectionTrait,
    kind: &str,
    file_hash: &str,
) -> Result<Option<u64>, StorageError> {
    use import_checkpoint::Column as K;
    let found = import_checkpoint::Entity::find()
        .filter(K::Kind.eq(kind))
        .filter(K::FileHash.eq(file_hash))
        .one(db)
        .await?;
    Ok(found
        .filter(|row| !row.finished)
        .map(|row| u64::try_from(row.records_done).unwrap_or(0)))
}

/// Marks the `kind` import of the file with `file_hash` finished: the next import of the same
/// file starts from the top again (and updates every row, as imports are idempotent).
pub async fn finish_checkpoint(
    db: &impl ConnectionTrait,
    kind: &str,
    file_hash: &str,
) -> Result<(), StorageError> {
    use import_checkpoint::Column as K;
    import_checkpoint::Entity::update_many()
        .col_expr(K::Finished, true.into())
        .col_expr(K::UpdatedAt, Utc::now().into())
        .filter(K::Kind.eq(kind))
        .filter(K::FileHash.eq(file_hash))
        .exec(db)
        .await?;
    Ok(())
}

async fn save_checkpoint(
    db: &impl ConnectionTrait,
    checkpoint: &Checkpoint,
) -> Result<(), StorageError> {
    use import_checkpoint::Column as K;
    let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Upsert::<import_checkpoint::Entity> {
        columns: &[
            K::Kind,
            K::FileName,
            K::FileHash,
            K::RecordsDone,
            K::RecordsTotal,
            K::Finished,
            K::UpdatedAt,
        ],
        conflict: &[K::Kind, K::FileHash],
        update: &[
            K::FileName,
            K::RecordsDone,
            K::RecordsTotal,
            K::Finished,
            K::UpdatedAt,
        ],
    }
    .run(
        db,
        vec![vec![
            checkpoint.kind.clone().into(),
            checkpoint.file_name.clone().into(),
            checkpoint.file_hash.clone().into(),
            as_i64(checkpoint.records_done).into(),
            as_i64(checkpoint.records_total).into(),
            false.into(),
            Utc::now().into(),
        ]],
        "checkpoint",
        &|_, _, _| {},
    )
    .await
}

/// The occupation columns of one catalog row, as bind values.
struct OccupationValues {
    id: Value,
    origin: Value,
    confidence: Value,
}

impl OccupationValues {
    /// Returns the record's occupation, unless a person set one on the stored row and the
    /// record's is not manual too: re-imports and re-tags keep what people chose.
    fn resolve(
        tag: Option<&OccupationTag>,
        manual: Option<&(i64, Option<f64>)>,
        occupation_ids: &HashMap<String, i64>,
        unknown: &mut u64,
    ) -> Self {
        if let Some((id, confidence)) = manual
            && tag.is_none_or(|t| t.origin != TagOrigin::Manual)
        {
            return Self {
                id: Some(*id).into(),
                origin: Some(TagOrigin::Manual.as_str().to_owned()).into(),
                confidence: (*confidence).into(),
            };
        }
        let Some(tag) = tag else {
            return Self::none();
        };
        let Some(id) = occupation_ids.get(&tag.uri).copied() else {
            *unknown += 1;
            return Self::none();
        };
        Self {
            id: Some(id).into(),
            origin: Some(tag.origin.as_str().to_owned()).into(),
            confidence: Some(f64::from(tag.confidence)).into(),
        }
    }

    fn none() -> Self {
        Self {
            id: Option::<i64>::None.into(),
            origin: Option::<String>::None.into(),
            confidence: Option::<f64>::None.into(),
        }
    }
}

/// Loads `uri → id` for the occupations the tags name.
async fn occupation_ids_by_uri<'a>(
    db: &impl ConnectionTrait,
    tags: impl Iterator<Item = &'a OccupationTag>,
) -> Result<HashMap<String, i64>, StorageError> {
    let uris: Vec<&str> = tags
        .map(|t| t.uri.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut ids = HashMap::with_capacity(uris.len());
    for chunk in uris.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = occupation::Entity::find()
            .select_only()
            .columns([occupation::Column::Id, occupation::Column::Uri])
            .filter(occupation::Column::Uri.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(found.into_iter().map(|(id, uri)| (uri, id)));
    }
    Ok(ids)
}

/// Returns, for each key, the occupation a person set (`manual`) on the stored row of `E`, if
/// any; `columns` are E's source, source id, occupation id, occupation confidence and origin.
async fn manual_occupations<E: EntityTrait>(
    db: &impl ConnectionTrait,
    columns: [E::Column; 5],
    keys: &[(&str, &str)],
) -> Result<Vec<Option<(i64, Option<f64>)>>, StorageError> {
    let [source, source_id, occupation_id, confidence, origin] = columns;
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, source_id) in keys {
        by_source.entry(source).or_default().push(source_id);
    }
    let mut found_by_key: HashMap<(String, String), (i64, Option<f64>)> = HashMap::new();
    for (source_name, source_ids) in by_source {
        for chunk in source_ids.chunks(IN_LIST_CHUNK) {
            let found: Vec<(String, Option<i64>, Option<f64>)> = E::find()
                .select_only()
                .column(source_id)
                .column(occupation_id)
                .column(confidence)
                .filter(source.eq(source_name))
                .filter(origin.eq(TagOrigin::Manual.as_str()))
                .filter(source_id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for (key, id, confidence) in found {
                if let Some(id) = id {
                    found_by_key.insert((source_name.to_owned(), key), (id, confidence));
                }
            }
        }
    }
    Ok(keys
        .iter()
        .map(|(s, id)| {
            found_by_key
                .get(&((*s).to_owned(), (*id).to_owned()))
                .copied()
        })
        .collect())
}

/// Rejects a negative or non-finite number in field `field` of record `source_id`.
fn check_number(field: &str, source_id: &str, value: f64) -> Result<(), StorageError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "{field} of {source_id:?} must be a non-negative number, found {value}"
        )))
    }
}

/// Keeps the last record for each `(source, source_id)`, at its last position, so a
/// multi-row upsert never touches a row twice.
fn last_by_source_key<'a, T>(
    records: &'a [T],
    key: impl Fn(&'a T) -> (&'a String, &'a String),
) -> Vec<&'a T> {
    let mut last: HashMap<(&String, &String), usize> = HashMap::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        last.insert(key(record), index);
    }
    records
        .iter()
        .enumerate()
        .filter(|(index, record)| last.get(&key(record)) == Some(index))
        .map(|(_, record)| record)
        .collect()
}

/// Place columns as bind values.
struct PlaceValues {
    name: Value,
    region: Value,
    country: Value,
    lat: Value,
    lon: Value,
}

impl From<Option<&Place>> for PlaceValues {
    fn from(place: Option<&Place>) -> Self {
        Self {
            name: place.map(|p| p.name.clone()).into(),
            region: place.and_then(|p| p.region.clone()).into(),
            country: place.and_then(|p| p.country.clone()).into(),
            lat: place.and_then(|p| p.lat).into(),
            lon: place.and_then(|p| p.lon).into(),
        }
    }
}

/// Resolves skill tag URIs, remembering the unknown ones.
#[derive(Default)]
struct TagCollector {
    unknown: u64,
    unknown_uris: HashSet<String>,
}

impl TagCollector {
    /// Returns the skill id of `uri`, or counts it as unknown.
    fn resolve(&mut self, skill_ids: &HashMap<String, i64>, uri: &str) -> Option<i64> {
        let id = skill_ids.get(uri).copied();
        if id.is_none() {
            self.unknown += 1;
            self.unknown_uris.insert(uri.to_owned());
        }
        id
    }

    /// Returns the count of unknown tags and the distinct unknown URIs, sorted.
    fn finish(self) -> (u64, Vec<String>) {
        let mut uris: Vec<String> = self.unknown_uris.into_iter().collect();
        uris.sort();
        (self.unknown, uris)
    }
}

/// Loads `uri → id` for the given skill URIs, a few thousand per query.
async fn skill_ids_by_uri(
    db: &impl ConnectionTrait,
    uris: &[&str],
) -> Result<HashMap<String, i64>, StorageError> {
    let uris: Vec<&str> = uris
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut ids = HashMap::with_capacity(uris.len());
    for chunk in uris.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = skill::Entity::find()
            .select_only()
            .columns([skill::Column::Id, skill::Column::Uri])
            .filter(skill::Column::Uri.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(found.into_iter().map(|(id, uri)| (uri, id)));
    }
    Ok(ids)
}

/// Loads `(source, source_id) → id` for the given keys of a catalog table, grouped by source.
async fn ids_by_source_key<E>(
    db: &impl ConnectionTrait,
    id: E::Column,
    source: E::Column,
    source_id: E::Column,
    keys: &[(&str, &str)],
) -> Result<HashMap<(String, String), i64>, StorageError>
where
    E: EntityTrait,
{
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, source_id) in keys {
        by_source.entry(source).or_default().push(source_id);
    }
    let mut ids = HashMap::with_capacity(keys.len());
    for (source_name, source_ids) in by_source {
        for chunk in source_ids.chunks(IN_LIST_CHUNK) {
            let found: Vec<(i64, String)> = E::find()
                .select_only()
                .column(id)
                .column(source_id)
                .filter(source.eq(source_name))
                .filter(source_id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            ids.extend(
                found
                    .into_iter()
                    .map(|(id, key)| ((source_name.to_owned(), key), id)),
            );
        }
    }
    Ok(ids)
}

/// Maps keys to ids; a key missing right after its upsert is a bug, reported as such.
fn resolve_keys(
    id_of: &HashMap<(String, String), i64>,
    keys: &[(&str, &str)],
) -> Result<Vec<i64>, StorageError> {
    keys.iter()
        .map(|(source, source_id)| {
            id_of
                .get(&((*source).to_owned(), (*source_id).to_owned()))
                .copied()
                .ok_or_else(|| {
                    StorageError::Corrupt(format!("row {source}/{source_id} vanished after upsert"))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_by_source_key_keeps_the_last_duplicate() {
        let records = [
            ("a".to_owned(), "1".to_owned(), 1),
            ("a".to_owned(), "2".to_owned(), 2),
            ("a".to_owned(), "1".to_owned(), 3),
        ];
        let kept = last_by_source_key(&records, |r| (&r.0, &r.1));
        let values: Vec<i32> = kept.iter().map(|r| r.2).collect();
        assert_eq!(values, vec![2, 3]);
    }
}
