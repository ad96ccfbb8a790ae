//! The taxonomy: importing an ESCO bundle, and reading occupations, skills and their relations.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Utc;
use reskill_core::taxonomy::{EscoBundle, RelationType, ReuseLevel, SkillType, split_labels};
use reskill_core::{OccupationId, SkillGroupId, SkillId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::changes::{ChangeKind, record_rebuild};
use crate::db::begin_write;
use crate::entities::{
    isco_group, occupation, occupation_skill, skill, skill_broader, skill_group,
};
use crate::upsert::{Progress, Upsert};

/// How many rows an upsert created and how many it found already present (and overwrote).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertCount {
    /// Rows that did not exist before.
    pub inserted: u64,
    /// Rows that existed and were overwritten with the incoming values.
    pub updated: u64,
}

/// What [`import_esco`] wrote, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscoImportSummary {
    /// ISCO groups.
    pub isco_groups: UpsertCount,
    /// Occupations.
    pub occupations: UpsertCount,
    /// Skills.
    pub skills: UpsertCount,
    /// Occupation–skill relations.
    pub relations: UpsertCount,
    /// Skill groups.
    pub skill_groups: UpsertCount,
    /// Skill hierarchy edges.
    pub skill_broader: UpsertCount,
    /// Occupations of the bundle that have a broader occupation.
    pub occupations_with_parent: u64,
    /// Wall-clock time of the import, in milliseconds.
    pub duration_ms: u64,
}

impl std::fmt::Display for UpsertCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} new, {} updated", self.inserted, self.updated)
    }
}

impl std::fmt::Display for EscoImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "occupations:     {}", self.occupations)?;
        writeln!(f, "skills:          {}", self.skills)?;
        writeln!(f, "relations:       {}", self.relations)?;
        writeln!(f, "ISCO groups:     {}", self.isco_groups)?;
        writeln!(f, "skill groups:    {}", self.skill_groups)?;
        writeln!(f, "skill hierarchy: {}", self.skill_broader)?;
        write!(
            f,
            "{} occupations with a broader occupation; {} ms",
            self.occupations_with_parent, self.duration_ms
        )
    }
}

/// Imports an ESCO bundle in one transaction: everything is written or nothing is.
///
/// Concepts are upserted by URI, relations by `(occupation, skill)` and hierarchy edges by
/// `(child URI, parent URI)`, so importing the same bundle twice changes nothing but
/// `updated_at`. Rows absent from the bundle are kept (workers and plans may refer to them).
/// A relation or edge naming a URI that is neither in the bundle nor already stored is an
/// [`StorageError::Invalid`] naming that URI. `progress` receives `(stage, done, total)`.
pub async fn import_esco<C>(
    db: &C,
    bundle: &EscoBundle,
    progress: Progress<'_>,
) -> Result<EscoImportSummary, StorageError>
where
    C: TransactionTrait + ConnectionTrait,
{
    let started = Instant::now();
    let txn = begin_write(db).await?;
    let mut summary = import_esco_in(&txn, bundle, progress).await?;
    txn.commit().await?;
    summary.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        occupations = bundle.occupations.len(),
        skills = bundle.skills.len(),
        relations = bundle.relations.len(),
        duration_ms = summary.duration_ms,
        "imported ESCO bundle of {} occupations and {} skills",
        bundle.occupations.len(),
        bundle.skills.len()
    );
    Ok(summary)
}

/// The body of [`import_esco`], inside the caller's transaction.
async fn import_esco_in(
    txn: &impl ConnectionTrait,
    bundle: &EscoBundle,
    progress: Progress<'_>,
) -> Result<EscoImportSummary, StorageError> {
    let now = Utc::now();
    let mut summary = EscoImportSummary::default();

    // ISCO groups.
    let isco_groups = last_by_key(&bundle.isco_groups, |g| g.uri.clone());
    let before = isco_group::Entity::find().count(txn).await?;
    let rows = isco_groups
        .iter()
        .map(|g| {
            vec![
                g.uri.clone().into(),
                g.code.clone().into(),
                g.preferred_label.clone().into(),
                g.description.clone().into(),
                now.into(),
            ]
        })
        .collect();
    use isco_group::Column as G;
    Upsert::<isco_group::Entity> {
        columns: &[
            G::Uri,
            G::Code,
            G::PreferredLabel,
            G::Description,
            G::UpdatedAt,
        ],
        conflict: &[G::Uri],
        update: &[G::Code, G::PreferredLabel, G::Description, G::UpdatedAt],
    }
    .run(txn, rows, "isco groups", progress)
    .await?;
    summary.isco_groups = count_change(
        before,
        isco_group::Entity::find().count(txn).await?,
        isco_groups.len(),
    );

    // Occupations, without parents: a parent may come later in the file.
    let occupations = last_by_key(&bundle.occupations, |o| o.uri.clone());
    let before = occupation::Entity::find().count(txn).await?;
    use occupation::Column as O;
    let occupation_columns = [
        O::Uri,
        O::Code,
        O::IscoGroup,
        O::PreferredLabel,
        O::AltLabels,
        O::HiddenLabels,
        O::Description,
        O::ParentId,
        O::UpdatedAt,
    ];
    let occupation_row = |o: &reskill_core::taxonomy::OccupationRecord, parent: Option<i64>| {
        vec![
            o.uri.clone().into(),
            o.code.clone().into(),
            o.isco_group.clone().into(),
            o.preferred_label.clone().into(),
            o.alt_labels.join("\n").into(),
            o.hidden_labels.join("\n").into(),
            o.description.clone().into(),
            parent.into(),
            now.into(),
        ]
    };
    Upsert::<occupation::Entity> {
        columns: &occupation_columns,
        conflict: &[O::Uri],
        update: &[
            O::Code,
            O::IscoGroup,
            O::PreferredLabel,
            O::AltLabels,
            O::HiddenLabels,
            O::Description,
            O::UpdatedAt,
        ],
    }
    .run(
        txn,
        occupations
            .iter()
            .map(|o| occupation_row(o, None))
            .collect(),
        "occupations",
        progress,
    )
    .await?;
    summary.occupations = count_change(
        before,
        occupation::Entity::find().count(txn).await?,
        occupations.len(),
    );
    let occupation_ids = uri_map(txn, occupation::Entity, O::Uri, O::Id).await?;

    // Occupation parents, now that every occupation has an id. Occupations of the bundle
    // without a broader occupation get none, so a re-import also removes stale parents.
    let mut parent_of: HashMap<&str, i64> = HashMap::new();
    for edge in &bundle.occupation_broader {
        let parent = lookup(&occupation_ids, &edge.parent_uri, "broader occupation")?;
        lookup(&occupation_ids, &edge.child_uri, "narrower occupation")?;
        parent_of.insert(edge.child_uri.as_str(), parent);
    }
    summary.occupations_with_parent = occupations
        .iter()
        .filter(|o| parent_of.contains_key(o.uri.as_str()))
        .count() as u64;
    Upsert::<occupation::Entity> {
        columns: &occupation_columns,
        conflict: &[O::Uri],
        update: &[O::ParentId],
    }
    .run(
        txn,
        occupations
            .iter()
            .map(|o| occupation_row(o, parent_of.get(o.uri.as_str()).copied()))
            .collect(),
        "occupation parents",
        progress,
    )
    .await?;

    // Skills.
    let skills = last_by_key(&bundle.skills, |s| s.uri.clone());
    let before = skill::Entity::find().count(txn).await?;
    use skill::Column as S;
    let rows = skills
        .iter()
        .map(|s| {
            vec![
                s.uri.clone().into(),
                s.skill_type.map(|t| t.as_str().to_owned()).into(),
                s.reuse_level.map(|r| r.as_str().to_owned()).into(),
                s.preferred_label.clone().into(),
                s.alt_labels.join("\n").into(),
                s.hidden_labels.join("\n").into(),
                s.description.clone().into(),
                now.into(),
            ]
        })
        .collect();
    Upsert::<skill::Entity> {
        columns: &[
            S::Uri,
            S::SkillType,
            S::ReuseLevel,
            S::PreferredLabel,
            S::AltLabels,
            S::HiddenLabels,
            S::Description,
            S::UpdatedAt,
        ],
        conflict: &[S::Uri],
        update: &[
            S::SkillType,
            S::ReuseLevel,
            S::PreferredLabel,
            S::AltLabels,
            S::HiddenLabels,
            S::Description,
            S::UpdatedAt,
        ],
    }
    .run(txn, rows, "skills", progress)
    .await?;
    summary.skills = count_change(
        before,
        skill::Entity::find().count(txn).await?,
        skills.len(),
    );
    let skill_ids = uri_map(txn, skill::Entity, S::Uri, S::Id).await?;

    // Occupation–skill relations, resolved to ids; the last of duplicate pairs wins.
    let mut relations: HashMap<(i64, i64), RelationType> = HashMap::new();
    for relation in &bundle.relations {
        let occupation = lookup(&occupation_ids, &relation.occupation_uri, "occupation")?;
        let skill = lookup(&skill_ids, &relation.skill_uri, "skill")?;
        relations.insert((occupation, skill), relation.relation);
    }
    let mut relations: Vec<_> = relations.into_iter().collect();
    relations.sort_unstable_by_key(|(pair, _)| *pair);
    let before = occupation_skill::Entity::find().count(txn).await?;
    let relation_count = relations.len();
    let rows = relations
        .into_iter()
        .map(|((occupation, skill), relation)| {
            vec![
                occupation.into(),
                skill.into(),
                relation.as_str().to_owned().into(),
            ]
        })
        .collect();
    use occupation_skill::Column as R;
    Upsert::<occupation_skill::Entity> {
        columns: &[R::OccupationId, R::SkillId, R::Relation],
        conflict: &[R::OccupationId, R::SkillId],
        update: &[R::Relation],
    }
    .run(txn, rows, "relations", progress)
    .await?;
    summary.relations = count_change(
        before,
        occupation_skill::Entity::find().count(txn).await?,
        relation_count,
    );

    // Skill groups.
    let groups = last_by_key(&bundle.skill_groups, |g| g.uri.clone());
    let before = skill_group::Entity::find().count(txn).await?;
    use skill_group::Column as SG;
    let rows = groups
        .iter()
        .map(|g| {
            vec![
                g.uri.clone().into(),
                g.code.clone().into(),
                g.preferred_label.clone().into(),
                g.description.clone().into(),
                now.into(),
            ]
        })
        .collect();
    Upsert::<skill_group::Entity> {
        columns: &[
            SG::Uri,
            SG::Code,
            SG::PreferredLabel,
            SG::Description,
            SG::UpdatedAt,
        ],
        conflict: &[SG::Uri],
        update: &[SG::Code, SG::PreferredLabel, SG::Description, SG::UpdatedAt],
    }
    .run(txn, rows, "skill groups", progress)
    .await?;
    summary.skill_groups = count_change(
        before,
        skill_group::Entity::find().count(txn).await?,
        groups.len(),
    );
    let group_ids = uri_map(txn, skill_group::Entity, SG::Uri, SG::Id).await?;

    // Skill hierarchy edges: each end is a skill or a group.
    let node = |uri: &str, role: &str| -> Result<(Option<i64>, Option<i64>), StorageError> {
        if let Some(id) = skill_ids.get(uri) {
            Ok((Some(*id), None))
        } else if let Some(id) = group_ids.get(uri) {
            Ok((None, Some(*id)))
        } else {
            Err(StorageError::Invalid(format!(
                "unknown {role} {uri:?} in the skill hierarchy: it is neither a skill nor a skill group"
            )))
        }
    };
    let edges = last_by_key(&bundle.skill_broader, |e| {
        (e.child_uri.clone(), e.parent_uri.clone())
    });
    let mut rows = Vec::with_capacity(edges.len());
    for edge in &edges {
        let (child_skill, child_group) = node(&edge.child_uri, "narrower concept")?;
        let (parent_skill, parent_group) = node(&edge.parent_uri, "broader concept")?;
        rows.push(vec![
            edge.child_uri.clone().into(),
            edge.parent_uri.clone().into(),
            child_skill.into(),
            child_group.into(),
            parent_skill.into(),
            parent_group.into(),
        ]);
    }
    let before = skill_broader::Entity::find().count(txn).await?;
    use skill_broader::Column as B;
    Upsert::<skill_broader::Entity> {
        columns: &[
            B::ChildUri,
            B::ParentUri,
            B::ChildSkillId,
            B::ChildGroupId,
            B::ParentSkillId,
            B::ParentGroupId,
        ],
        conflict: &[B::ChildUri, B::ParentUri],
        update: &[
            B::ChildSkillId,
            B::ChildGroupId,
            B::ParentSkillId,
            B::ParentGroupId,
        ],
    }
    .run(txn, rows, "skill hierarchy", progress)
    .await?;
    summary.skill_broader = count_change(
        before,
        skill_broader::Entity::find().count(txn).await?,
        edges.len(),
    );

    // Thousands of concepts changed: the search indexes rebuild rather than replay each.
    record_rebuild(txn, ChangeKind::Occupation).await?;
    record_rebuild(txn, ChangeKind::Skill).await?;
    Ok(summary)
}

/// Keeps the last record for each key, in first-seen order: a multi-row upsert must not touch
/// the same row twice (PostgreSQL refuses it).
fn last_by_key<T, K>(records: &[T], key: impl Fn(&T) -> K) -> Vec<&T>
where
    K: std::hash::Hash + Eq,
{
    let mut position: HashMap<K, usize> = HashMap::with_capacity(records.len());
    let mut kept: Vec<&T> = Vec::with_capacity(records.len());
    for record in records {
        match position.entry(key(record)) {
            std::collections::hash_map::Entry::Occupied(slot) => kept[*slot.get()] = record,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(record);
            }
        }
    }
    kept
}

/// Returns the id of `uri`, or an error naming it as an unknown `what`.
fn lookup(ids: &HashMap<String, i64>, uri: &str, what: &str) -> Result<i64, StorageError> {
    ids.get(uri).copied().ok_or_else(|| {
        StorageError::Invalid(format!(
            "unknown {what} {uri:?}: not in the bundle nor in the database"
        ))
    })
}

/// Loads `uri → id` for every row of a table, in one query.
async fn uri_map<E>(
    db: &impl ConnectionTrait,
    entity: E,
    uri: E::Column,
    id: E::Column,
) -> Result<HashMap<String, i64>, StorageError>
where
    E: EntityTrait,
{
    let _ = entity;
    let pairs: Vec<(String, i64)> = E::find()
        .select_only()
        .column(uri)
        .column(id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(pairs.into_iter().collect())
}

/// Derives inserted/updated counts from a table's size before and after an upsert of
/// `distinct` rows (imports never delete, so growth is insertion).
fn count_change(before: u64, after: u64, distinct: usize) -> UpsertCount {
    let inserted = after.saturating_sub(before);
    UpsertCount {
        inserted,
        updated: (distinct as u64).saturating_sub(inserted),
    }
}

/// An occupation with everything the taxonomy stores about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occupation {
    /// Key.
    pub id: OccupationId,
    /// ESCO concept URI.
    pub uri: String,
    /// ESCO notation code.
    pub code: String,
    /// 4-digit ISCO-08 unit group.
    pub isco_group: String,
    /// English preferred label.
    pub preferred_label: String,
    /// Alternative labels (synonyms).
    pub alt_labels: Vec<String>,
    /// Hidden labels (misspellings, obsolete terms): searchable, never shown.
    pub hidden_labels: Vec<String>,
    /// English description.
    pub description: String,
    /// The broader occupation, if any.
    pub parent_id: Option<OccupationId>,
}

impl From<occupation::Model> for Occupation {
    fn from(model: occupation::Model) -> Self {
        Self {
            id: OccupationId(model.id),
            uri: model.uri,
            code: model.code,
            isco_group: model.isco_group,
            preferred_label: model.preferred_label,
            alt_labels: split_labels(&model.alt_labels),
            hidden_labels: split_labels(&model.hidden_labels),
            description: model.description,
            parent_id: model.parent_id.map(OccupationId),
        }
    }
}

/// The few fields of an occupation that lists and the in-memory taxonomy need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationSummary {
    /// Key.
    pub id: OccupationId,
    /// ESCO concept URI.
    pub uri: String,
    /// English preferred label.
    pub preferred_label: String,
    /// 4-digit ISCO-08 unit group.
    pub isco_group: String,
}

/// The few fields of a skill that lists and the in-memory taxonomy need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillSummary {
    /// Key.
    pub id: SkillId,
    /// ESCO concept URI.
    pub uri: String,
    /// English preferred label.
    pub preferred_label: String,
    /// Skill or knowledge, where known.
    pub skill_type: Option<SkillType>,
    /// Reuse level, where known.
    pub reuse_level: Option<ReuseLevel>,
}

/// A skill group (inner node of the skill hierarchy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillGroupSummary {
    /// Key.
    pub id: SkillGroupId,
    /// ESCO concept URI.
    pub uri: String,
    /// ESCO code such as `S1.1`, empty when unknown.
    pub code: String,
    /// English label.
    pub preferred_label: String,
}

/// A node of the skill hierarchy: a skill or a skill group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum SkillNode {
    /// A skill.
    Skill(SkillId),
    /// A skill group.
    Group(SkillGroupId),
}

/// The whole taxonomy as plain vectors, for building the in-memory graph in one go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaxonomySnapshot {
    /// Every occupation, by id.
    pub occupations: Vec<OccupationSummary>,
    /// Every skill, by id.
    pub skills: Vec<SkillSummary>,
    /// Every occupation–skill requirement, by occupation then skill.
    pub relations: Vec<(OccupationId, SkillId, RelationType)>,
    /// Every skill group, by id.
    pub skill_groups: Vec<SkillGroupSummary>,
    /// Skill hierarchy edges, child → parent.
    pub skill_edges: Vec<(SkillNode, SkillNode)>,
    /// Occupation hierarchy edges, child → parent.
    pub occupation_parents: Vec<(OccupationId, OccupationId)>,
}

/// Stored skill columns: id, URI, label, type, reuse level.
type SkillRow = (i64, String, String, Option<String>, Option<String>);
/// Stored skill columns plus the relation type.
type SkillRelationRow = (i64, String, String, Option<String>, Option<String>, String);
/// Stored hierarchy edge ends: child skill, child group, parent skill, parent group.
type EdgeRow = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// Returns every occupation's `(uri, isco_group)`, for attaching ISCO-keyed risk scores.
pub async fn occupation_isco_groups(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String)>, StorageError> {
    Ok(occupation::Entity::find()
        .select_only()
        .columns([occupation::Column::Uri, occupation::Column::IscoGroup])
        .order_by_asc(occupation::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Returns the occupation with key `id`.
pub async fn occupation_by_id(
    db: &impl ConnectionTrait,
    id: OccupationId,
) -> Result<Occupation, StorageError> {
    occupation::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(Occupation::from)
        .ok_or_else(|| StorageError::not_found("occupation", id))
}

/// Returns the occupation with ESCO URI `uri`.
pub async fn occupation_by_uri(
    db: &impl ConnectionTrait,
    uri: &str,
) -> Result<Occupation, StorageError> {
    occupation::Entity::find()
        .filter(occupation::Column::Uri.eq(uri))
        .one(db)
        .await?
        .map(Occupation::from)
        .ok_or_else(|| StorageError::not_found("occupation", uri))
}

/// Returns up to `limit` occupations with keys above `after` (all when `None`), by key: a
/// stable cursor for pagination.
pub async fn list_occupations(
    db: &impl ConnectionTrait,
    limit: u64,
    after: Option<OccupationId>,
) -> Result<Vec<OccupationSummary>, StorageError> {
    use occupation::Column as O;
    let mut query = occupation::Entity::find()
        .select_only()
        .columns([O::Id, O::Uri, O::PreferredLabel, O::IscoGroup])
        .order_by_asc(O::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(O::Id.gt(after.0));
    }
    let rows: Vec<(i64, String, String, String)> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, uri, preferred_label, isco_group)| OccupationSummary {
            id: OccupationId(id),
            uri,
            preferred_label,
            isco_group,
        })
        .collect())
}

/// Returns the skills occupation `id` requires, essential ones first, then by label.
pub async fn skills_of_occupation(
    db: &impl ConnectionTrait,
    id: OccupationId,
) -> Result<Vec<(SkillSummary, RelationType)>, StorageError> {
    use skill::Column as S;
    let rows: Vec<SkillRelationRow> = occupation_skill::Entity::find()
        .select_only()
        .columns([
            S::Id,
            S::Uri,
            S::PreferredLabel,
            S::SkillType,
            S::ReuseLevel,
        ])
        .column(occupation_skill::Column::Relation)
        .inner_join(skill::Entity)
        .filter(occupation_skill::Column::OccupationId.eq(id.0))
        .order_by_asc(occupation_skill::Column::Relation)
        .order_by_asc(S::PreferredLabel)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(id, uri, label, skill_type, reuse_level, relation)| {
            Ok((
                skill_summary(id, uri, label, skill_type, reuse_level)?,
                parse_relation(&relation)?,
            ))
        })
        .collect()
}

/// Loads the whole taxonomy for the in-memory graph: a handful of queries, no per-row reads.
pub async fn load_taxonomy_snapshot(
    db: &impl ConnectionTrait,
) -> Result<TaxonomySnapshot, StorageError> {
    use occupation::Column as O;
    let occupation_rows: Vec<(i64, String, String, String, Option<i64>)> =
        occupation::Entity::find()
            .select_only()
            .columns([O::Id, O::Uri, O::PreferredLabel, O::IscoGroup, O::ParentId])
            .order_by_asc(O::Id)
            .into_tuple()
            .all(db)
            .await?;
    let mut snapshot = TaxonomySnapshot::default();
    for (id, uri, preferred_label, isco_group, parent) in occupation_rows {
        if let Some(parent) = parent {
            snapshot
                .occupation_parents
                .push((OccupationId(id), OccupationId(parent)));
        }
        snapshot.occupations.push(OccupationSummary {
            id: OccupationId(id),
            uri,
            preferred_label,
            isco_group,
        });
    }

    use skill::Column as S;
    let skill_rows: Vec<SkillRow> = skill::Entity::find()
        .select_only()
        .columns([
            S::Id,
            S::Uri,
            S::PreferredLabel,
            S::SkillType,
            S::ReuseLevel,
        ])
        .order_by_asc(S::Id)
        .into_tuple()
        .all(db)
        .await?;
    snapshot.skills = skill_rows
        .into_iter()
        .map(|(id, uri, label, skill_type, reuse_level)| {
            skill_summary(id, uri, label, skill_type, reuse_level)
        })
        .collect::<Result<_, _>>()?;

    use occupation_skill::Column as R;
    let relation_rows: Vec<(i64, i64, String)> = occupation_skill::Entity::find()
        .select_only()
        .columns([R::OccupationId, R::SkillId, R::Relation])
        .order_by_asc(R::OccupationId)
        .order_by_asc(R::SkillId)
        .into_tuple()
        .all(db)
        .await?;
    snapshot.relations = relation_rows
        .into_iter()
        .map(|(occupation, skill, relation)| {
            Ok((
                OccupationId(occupation),
                SkillId(skill),
                parse_relation(&relation)?,
            ))
        })
        .collect::<Result<_, StorageError>>()?;

    use skill_group::Column as SG;
    let group_rows: Vec<(i64, String, String, String)> = skill_group::Entity::find()
        .select_only()
        .columns([SG::Id, SG::Uri, SG::Code, SG::PreferredLabel])
        .order_by_asc(SG::Id)
        .into_tuple()
        .all(db)
        .await?;
    snapshot.skill_groups = group_rows
        .into_iter()
        .map(|(id, uri, code, preferred_label)| SkillGroupSummary {
            id: SkillGroupId(id),
            uri,
            code,
            preferred_label,
        })
        .collect();

    use skill_broader::Column as B;
    let edge_rows: Vec<EdgeRow> = skill_broader::Entity::find()
        .select_only()
        .columns([
            B::ChildSkillId,
            B::ChildGroupId,
            B::ParentSkillId,
            B::ParentGroupId,
        ])
        .order_by_asc(B::Id)
        .into_tuple()
        .all(db)
        .await?;
    snapshot.skill_edges = edge_rows
        .into_iter()
        .map(|(child_skill, child_group, parent_skill, parent_group)| {
            Ok((
                skill_node(child_skill, child_group)?,
                skill_node(parent_skill, parent_group)?,
            ))
        })
        .collect::<Result<_, StorageError>>()?;
    Ok(snapshot)
}

/// Builds a [`SkillSummary`] from stored columns.
fn skill_summary(
    id: i64,
    uri: String,
    preferred_label: String,
    skill_type: Option<String>,
    reuse_level: Option<String>,
) -> Result<SkillSummary, StorageError> {
    let corrupt =
        |err: reskill_core::ValidationError| StorageError::Corrupt(format!("skill {id}: {err}"));
    Ok(SkillSummary {
        id: SkillId(id),
        uri,
        preferred_label,
        skill_type: SkillType::parse(skill_type.as_deref().unwrap_or_default()).map_err(corrupt)?,
        reuse_level: ReuseLevel::parse(reuse_level.as_deref().unwrap_or_default())
            .map_err(corrupt)?,
    })
}

/// Parses a stored relation type.
fn parse_relation(value: &str) -> Result<RelationType, StorageError> {
    RelationType::parse(value).map_err(|err| StorageError::Corrupt(err.to_string()))
}

/// Returns the node that one skill/group column pair names.
fn skill_node(skill: Option<i64>, group: Option<i64>) -> Result<SkillNode, StorageError> {
    match (skill, group) {
        (Some(skill), None) => Ok(SkillNode::Skill(SkillId(skill))),
        (None, Some(group)) => Ok(SkillNode::Group(SkillGroupId(group))),
        _ => Err(StorageError::Corrupt(
            "skill hierarchy edge end names neither or both of a skill and a group".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_by_key_keeps_first_position_and_last_value() {
        let records = [("a", 1), ("b", 2), ("a", 3)];
        let kept = last_by_key(&records, |r| r.0);
        assert_eq!(kept, vec![&("a", 3), &("b", 2)]);
    }
}
