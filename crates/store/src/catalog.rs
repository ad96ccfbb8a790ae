//! The catalog: courses and openings, upserted in batches by `(source, source_id)` with their
//! skill tags, and organisations created by name on the way.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use reskill_core::catalog::{NewCourse, NewOpening, Place, TagOrigin};
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
    course, course_skill, occupation, opening, opening_skill, organisation, skill,
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
    let rows = courses
        .iter()
        .map(|c| {
            let place = PlaceValues::from(c.place.as_ref());
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
            C::UpdatedAt,
        ],
    }
    .run(&txn, rows, "courses", &|_, _, _| {})
    .await?;
    let after = course::Entity::find().count(&txn).await?;

    let keys: Vec<(&str, &str)> = courses
        .iter()
        .map(|c| (c.source.as_str(), c.source_id.as_str()))
        .collect();
    let id_of =
        ids_by_source_key::<course::Entity>(&txn, C::Id, C::Source, C::SourceId, &keys).await?;
    let ids = resolve_keys(&id_of, &keys)?;

    let mut uris: Vec<&str> = Vec::new();
    for course in &courses {
        uris.extend(course.skills.iter().map(|(uri, _)| uri.as_str()));
    }
    let skill_ids = skill_ids_by_uri(&txn, &uris).await?;
    let mut tags = TagCollector::default();
    let mut tag_rows = Vec::new();
    for (course, course_id) in courses.iter().zip(&ids) {
        let mut seen = HashSet::new();
        for (uri, origin) in &course.skills {
            let Some(skill_id) = tags.resolve(&skill_ids, uri) else {
                continue;
            };
            if seen.insert(skill_id) {
                tag_rows.push(vec![
                    (*course_id).into(),
                    skill_id.into(),
                    origin.as_str().to_owned().into(),
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
        columns: &[CS::CourseId, CS::SkillId, CS::Origin],
        conflict: &[CS::CourseId, CS::SkillId],
        update: &[],
    }
    .run(&txn, tag_rows, "course skills", &|_, _, _| {})
    .await?;

    record_upserts(&txn, ChangeKind::Course, &ids).await?;
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

    // Occupations by URI.
    let occupation_uris: Vec<&str> = openings
        .iter()
        .filter_map(|o| o.occupation_uri.as_deref())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut occupation_ids: HashMap<String, i64> = HashMap::new();
    for chunk in occupation_uris.chunks(IN_LIST_CHUNK) {
        let found: Vec<(i64, String)> = occupation::Entity::find()
            .select_only()
            .columns([occupation::Column::Id, occupation::Column::Uri])
            .filter(occupation::Column::Uri.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&txn)
            .await?;
        occupation_ids.extend(found.into_iter().map(|(id, uri)| (uri, id)));
    }
    let mut unknown_occupations = 0;

    let before = opening::Entity::find().count(&txn).await?;
    use opening::Column as O;
    let mut rows = Vec::with_capacity(openings.len());
    for o in &openings {
        let place = PlaceValues::from(o.place.as_ref());
        let organisation_id = organisation_ids.get(o.organisation.trim()).copied();
        let occupation_id = match o.occupation_uri.as_deref() {
            Some(uri) => {
                let id = occupation_ids.get(uri).copied();
                if id.is_none() {
                    unknown_occupations += 1;
                }
                id
            }
            None => None,
        };
        rows.push(vec![
            o.source.clone().into(),
            o.source_id.clone().into(),
            organisation_id.into(),
            o.title.clone().into(),
            occupation_id.into(),
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
            O::UpdatedAt,
        ],
    }
    .run(&txn, rows, "openings", &|_, _, _| {})
    .await?;
    let after = opening::Entity::find().count(&txn).await?;

    let keys: Vec<(&str, &str)> = openings
        .iter()
        .map(|o| (o.source.as_str(), o.source_id.as_str()))
        .collect();
    let id_of =
        ids_by_source_key::<opening::Entity>(&txn, O::Id, O::Source, O::SourceId, &keys).await?;
    let ids = resolve_keys(&id_of, &keys)?;

    let mut uris: Vec<&str> = Vec::new();
    for opening in &openings {
        uris.extend(opening.skills.iter().map(|(uri, _, _)| uri.as_str()));
    }
    let skill_ids = skill_ids_by_uri(&txn, &uris).await?;
    let mut tags = TagCollector::default();
    let mut tag_rows = Vec::new();
    for (opening, opening_id) in openings.iter().zip(&ids) {
        let mut seen = HashSet::new();
        for (uri, essential, origin) in &opening.skills {
            let Some(skill_id) = tags.resolve(&skill_ids, uri) else {
                continue;
            };
            if seen.insert(skill_id) {
                tag_rows.push(vec![
                    (*opening_id).into(),
                    skill_id.into(),
                    (*essential).into(),
                    origin.as_str().to_owned().into(),
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
        columns: &[OS::OpeningId, OS::SkillId, OS::Essential, OS::Origin],
        conflict: &[OS::OpeningId, OS::SkillId],
        update: &[],
    }
    .run(&txn, tag_rows, "opening skills", &|_, _, _| {})
    .await?;

    record_upserts(&txn, ChangeKind::Opening, &ids).await?;
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
