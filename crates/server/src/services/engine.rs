//! The in-memory matching engine the API and the CLI query: the taxonomy, risk scores, course
//! catalogue and live demand loaded from the store once, plus the flows built on it (transitions
//! of an occupation, a full recommendation, fit, gap and plan between two occupations).
//!
//! Loading reads the database; everything after is CPU-bound and synchronous, so async callers
//! run it through `spawn_blocking`. The engine is rebuilt whole after an import
//! ([`crate::AppState::reload_engine`]) and swapped in behind an `Arc`, so requests in flight keep
//! the snapshot they started with.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use reskill_core::matching::{
    CourseCatalog, CourseInput, CoursePlan, GeoPoint, MatchConfig, Matcher, OccupationInput,
    OccupationRef, RankedOpening, RelationInput, RequiredSkill, RiskChange, RiskReading,
    SkillInput, SkillOrigin, SkillParent, SkillParentInput, SkillProfile, Taxonomy, TaxonomyInput,
    Transition, TransitionScoreParts, WorkerInput, WorkerSkill,
};
use reskill_core::matching::{
    LabourFacts, MoveFacts, PlanConstraints, ProgrammeCatalog, ProgrammeOption, SimilarityInput,
};
use reskill_core::risk::{COMBINED_MEASURE, RiskBand};
use reskill_core::taxonomy::RelationType;
use reskill_core::{CourseId, OccupationId, SkillId};
use reskill_search::{GeoFilter, IndexKind, OpeningFilters, SearchIndexes, SearchRequest};
use reskill_store::matching::{CourseLabel, DemandPoint, EngineDataVersion, OpeningCandidate};
use reskill_store::taxonomy::SkillNode;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

/// Radius within which openings count as live demand near a worker whose travel limit is not
/// given, in km.
pub const DEFAULT_DEMAND_RADIUS_KM: f64 = 50.0;

/// How many of the top transitions openings are fetched for in a recommendation.
pub const OPENINGS_FOR_TOP_TRANSITIONS: usize = 3;

/// Most opening candidates (the newest) taken from the search index per recommendation.
const MAX_OPENING_CANDIDATES: usize = 300;

/// Live openings as demand points, to count demand near a worker without asking the database.
///
/// Placed openings sit in cells of [`CELL_DEGREES`]; a cell lying wholly inside the circle adds
/// its per-occupation counts at once, so only the cells on the circle's edge check each opening.
#[derive(Debug, Default)]
pub struct DemandMap {
    /// On-site openings with coordinates, by cell.
    cells: HashMap<(i32, i32), DemandCell>,
    /// Remote openings per occupation: demand everywhere.
    remote: HashMap<OccupationId, u32>,
    /// On-site openings without coordinates per occupation: only in the everywhere count.
    unplaced: HashMap<OccupationId, u32>,
}

/// Side of a demand cell in degrees (about 28 km north to south).
const CELL_DEGREES: f64 = 0.25;
const LAT_CELLS: i32 = (180.0 / CELL_DEGREES) as i32;
const LON_CELLS: i32 = (360.0 / CELL_DEGREES) as i32;

#[derive(Debug, Default)]
struct DemandCell {
    points: Vec<(f32, f32, OccupationId)>,
    counts: Vec<(OccupationId, u32)>,
}

fn lat_cell(lat: f64) -> i32 {
    (((lat + 90.0) / CELL_DEGREES).floor() as i32).clamp(0, LAT_CELLS - 1)
}

fn lon_cell(lon: f64) -> i32 {
    (((lon + 180.0) / CELL_DEGREES).floor() as i32).rem_euclid(LON_CELLS)
}

impl DemandMap {
    /// Builds the map from the store's points.
    pub fn new(points: Vec<DemandPoint>) -> Self {
        let mut map = DemandMap::default();
        for p in points {
            match (p.remote, p.location) {
                (true, _) => *map.remote.entry(p.occupation).or_default() += 1,
                (false, Some(at)) => {
                    let (lat, lon) = (at.lat as f32, at.lon as f32);
                    let key = (lat_cell(f64::from(lat)), lon_cell(f64::from(lon)));
                    map.cells
                        .entry(key)
                        .or_default()
                        .points
                        .push((lat, lon, p.occupation));
                }
                (false, None) => *map.unplaced.entry(p.occupation).or_default() += 1,
            }
        }
        for cell in map.cells.values_mut() {
            let mut counts: HashMap<OccupationId, u32> = HashMap::new();
            for &(_, _, occupation) in &cell.points {
                *counts.entry(occupation).or_default() += 1;
            }
            cell.counts = counts.into_iter().collect();
            cell.counts.sort_unstable();
        }
        map
    }

    /// Live openings per occupation, everywhere.
    pub fn everywhere(&self) -> HashMap<OccupationId, u32> {
        let mut counts = self.remote.clone();
        for (occupation, n) in &self.unplaced {
            *counts.entry(*occupation).or_default() += n;
        }
        for cell in self.cells.values() {
            for &(occupation, n) in &cell.counts {
                *counts.entry(occupation).or_default() += n;
            }
        }
        counts
    }

    /// Live openings per occupation that are remote or within `radius_km` of `centre`: whole
    /// cells inside the circle by their counts, the edge cells opening by opening (a
    /// bounding-box test, then the exact distance).
    pub fn near(&self, centre: GeoPoint, radius_km: f64) -> HashMap<OccupationId, u32> {
        let mut counts = self.remote.clone();
        // The box holding the circle, a little wider for the f32 places: the widest longitude
        // a circle reaches is asin(sin(r / R) / cos(lat)), wider than r / (R cos(lat)).
        let angular = radius_km / 6371.0;
        let lat_span = angular.to_degrees() + 1e-3;
        let ratio = angular.sin() / centre.lat.to_radians().cos().abs();
        let lon_span = if angular >= std::f64::consts::FRAC_PI_2 || ratio.is_nan() || ratio >= 1.0 {
            360.0
        } else {
            ratio.asin().to_degrees() + 1e-3
        };
        let (first_lat, last_lat) = (
            lat_cell(centre.lat - lat_span),
            lat_cell(centre.lat + lat_span),
        );
        let first_lon = ((centre.lon - lon_span + 180.0) / CELL_DEGREES).floor() as i32;
        let last_lon = ((centre.lon + lon_span + 180.0) / CELL_DEGREES).floor() as i32;
        let lon_cells = (last_lon - first_lon + 1).min(LON_CELLS);
        let in_range = |(la, lo): (i32, i32)| {
            la >= first_lat
                && la <= last_lat
                && (lon_cells == LON_CELLS || (lo - first_lon).rem_euclid(LON_CELLS) < lon_cells)
        };
        let ranged = i64::from(last_lat - first_lat + 1) * i64::from(lon_cells);
        let visit =
            |key: (i32, i32), cell: &DemandCell, counts: &mut HashMap<OccupationId, u32>| {
                if Self::cell_inside(centre, radius_km, key) {
                    for &(occupation, n) in &cell.counts {
                        *counts.entry(occupation).or_default() += n;
                    }
                    return;
                }
                let (lat0, lon0) = (centre.lat as f32, centre.lon as f32);
                let (lat_span, lon_span) = (lat_span as f32, lon_span as f32);
                for &(lat, lon, occupation) in &cell.points {
                    if (lat - lat0).abs() > lat_span {
                        continue;
                    }
                    let dlon = (lon - lon0).abs();
                    if dlon.min(360.0 - dlon) > lon_span {
                        continue;
                    }
                    let at = GeoPoint {
                        lat: f64::from(lat),
                        lon: f64::from(lon),
                    };
                    if centre.distance_km(at) <= radius_km {
                        *counts.entry(occupation).or_default() += 1;
                    }
                }
            };
        if ranged >= self.cells.len() as i64 {
            for (&key, cell) in &self.cells {
                if in_range(key) {
                    visit(key, cell, &mut counts);
                }
            }
        } else {
            for la in first_lat..=last_lat {
                for step in 0..lon_cells {
                    let key = (la, (first_lon + step).rem_euclid(LON_CELLS));
                    if let Some(cell) = self.cells.get(&key) {
                        visit(key, cell, &mut counts);
                    }
                }
            }
        }
        counts
    }

    /// Whether every point of a cell is within `radius_km` of `centre`: on a sphere the
    /// farthest point of a small latitude/longitude rectangle is one of its corners.
    fn cell_inside(centre: GeoPoint, radius_km: f64, (la, lo): (i32, i32)) -> bool {
        let south = f64::from(la) * CELL_DEGREES - 90.0;
        let west = f64::from(lo) * CELL_DEGREES - 180.0;
        [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
            .iter()
            .all(|&(dlat, dlon)| {
                let corner = GeoPoint {
                    lat: south + dlat * CELL_DEGREES,
                    lon: west + dlon * CELL_DEGREES,
                };
                centre.distance_km(corner) <= radius_km
            })
    }

    /// Number of live openings in the map.
    pub fn len(&self) -> usize {
        self.cells.values().map(|c| c.points.len()).sum::<usize>()
            + self.remote.values().sum::<u32>() as usize
            + self.unplaced.values().sum::<u32>() as usize
    }

    /// Whether the map holds no openings.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The matching engine with everything it matches against.
#[derive(Debug)]
pub struct Engine {
    /// Occupations, skills, requirement vectors, hierarchy and risk.
    pub taxonomy: Taxonomy,
    /// Thresholds and weights.
    pub config: MatchConfig,
    /// The course catalogue as planner inputs, by id.
    pub courses: CourseCatalog,
    /// Programme types (CIP 2020) with the essential skills of the occupations they prepare
    /// for, named in plans where no course covers an essential skill.
    pub programmes: ProgrammeCatalog,
    /// What plans show about each course.
    pub course_labels: HashMap<CourseId, CourseLabel>,
    /// Live openings per occupation, everywhere.
    pub demand: HashMap<OccupationId, u32>,
    /// Live openings with their places, for demand near a worker.
    pub demand_points: DemandMap,
    /// The store's state the engine was built from.
    pub version: EngineDataVersion,
    /// How long loading took, in milliseconds.
    pub load_ms: u64,
    occupation_by_uri: HashMap<String, OccupationId>,
    skill_by_uri: HashMap<String, SkillId>,
    /// What each exposure source measures, by source name.
    risk_descriptions: HashMap<String, String>,
}

impl Engine {
    /// Loads the engine from the store: a handful of set-based queries, then an in-memory build.
    pub async fn load(db: &DatabaseConnection, config: MatchConfig) -> anyhow::Result<Engine> {
        let started = Instant::now();
        let version = reskill_store::matching::engine_data_version(db).await?;
        let snapshot = reskill_store::taxonomy::load_taxonomy_snapshot(db)
            .await
            .context("failed to load the taxonomy")?;
        let risk = reskill_store::matching::all_risk_scores(db)
            .await
            .context("failed to load risk scores")?;
        let courses =
            reskill_store::matching::course_inputs(db, f64::from(config.plan_min_tag_confidence))
                .await
                .context("failed to load courses")?;
        let today = chrono::Utc::now().date_naive();
        let demand_points = DemandMap::new(
            reskill_store::matching::live_demand_points(db, today)
                .await
                .context("failed to read live openings")?,
        );
        let demand = demand_points.everywhere();

        let occupation_by_uri = snapshot
            .occupations
            .iter()
            .map(|o| (o.uri.clone(), o.id))
            .collect();
        let skill_by_uri = snapshot
            .skills
            .iter()
            .map(|s| (s.uri.clone(), s.id))
            .collect();
        let input = TaxonomyInput {
            occupations: snapshot
                .occupations
                .into_iter()
                .map(|o| OccupationInput {
                    id: o.id,
                    uri: o.uri,
                    label: o.preferred_label,
                    isco_group: o.isco_group,
                })
                .collect(),
            skills: snapshot
                .skills
                .into_iter()
                .map(|s| SkillInput {
                    id: s.id,
                    uri: s.uri,
                    label: s.preferred_label,
                    skill_type: s.skill_type,
                    reuse_level: s.reuse_level,
                })
                .collect(),
            relations: snapshot
                .relations
                .into_iter()
                .map(|(occupation, skill, relation)| RelationInput {
                    occupation,
                    skill,
                    relation,
                })
                .collect(),
            // Only skill → parent edges matter for sibling credit; group → group edges do not.
            skill_parents: snapshot
                .skill_edges
                .into_iter()
                .filter_map(|(child, parent)| match (child, parent) {
                    (SkillNode::Skill(skill), SkillNode::Group(group)) => Some(SkillParentInput {
                        skill,
                        parent: SkillParent::Group(group),
                    }),
                    (SkillNode::Skill(skill), SkillNode::Skill(parent)) => Some(SkillParentInput {
                        skill,
                        parent: SkillParent::Skill(parent),
                    }),
                    _ => None,
                })
                .collect(),
            risk: risk.scores,
            active_risk_source: risk.active_source,
        };
        let labour: Vec<(OccupationId, LabourFacts)> =
            reskill_store::labour::occupation_attributes(db)
                .await
                .context("failed to load occupation attributes")?
                .into_iter()
                .map(|a| {
                    let facts = LabourFacts {
                        job_zone: a.job_zone,
                        annual_earnings: a.annual_earnings,
                        remote_work: a.remote_work,
                    };
                    (OccupationId(a.occupation_id), facts)
                })
                .collect();
        let onet_codes: Vec<(OccupationId, String)> = reskill_store::crosswalk::onet_codes(db)
            .await
            .context("failed to load O*NET-SOC codes")?
            .into_iter()
            .map(|c| (OccupationId(c.occupation_id), c.onet_code))
            .collect();
        let programmes = reskill_store::programmes::occupation_programme_types(db)
            .await
            .context("failed to load programme types")?;
        let taxonomy = Taxonomy::build(input)
            .with_labour_facts(&labour)
            .with_onet_codes(&onet_codes)
            .with_programme_types(programmes);
        let (courses, labels): (Vec<CourseInput>, Vec<CourseLabel>) = courses.into_iter().unzip();
        let programmes = programme_catalog(&taxonomy);
        let engine = Engine {
            taxonomy,
            config,
            courses: CourseCatalog::new(courses),
            programmes,
            course_labels: labels.into_iter().map(|l| (l.id, l)).collect(),
            demand,
            demand_points,
            version,
            load_ms: 0,
            occupation_by_uri,
            skill_by_uri,
            risk_descriptions: risk.descriptions.into_iter().collect(),
        };
        let load_ms = started.elapsed().as_millis() as u64;
        let stats = engine.taxonomy.stats();
        tracing::info!(
            occupations = engine.taxonomy.occupation_count(),
            skills = engine.taxonomy.skill_count(),
            courses = engine.courses.len(),
            skipped_references = stats.unknown_references,
            duration_ms = load_ms,
            "matching engine loaded with {} occupations in {load_ms} ms",
            engine.taxonomy.occupation_count()
        );
        Ok(Engine { load_ms, ..engine })
    }

    /// Attaches the semantic layer's vectors, so transitions rank by similarity; `None` keeps
    /// ranking by fit.
    pub fn with_similarity(mut self, input: Option<&SimilarityInput>) -> Self {
        if let Some(input) = input {
            let started = Instant::now();
            self.taxonomy = self.taxonomy.with_similarity(input);
            tracing::info!(
                duration_ms = started.elapsed().as_millis() as u64,
                "transition similarity attached"
            );
        }
        self
    }

    /// Returns a matcher over the taxonomy with the engine's configuration.
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher::new(&self.taxonomy, self.config.clone())
    }

    /// Returns the matcher for occupation transitions: with `include_riskier`, every occupation
    /// is ranked by fit alone (no viability threshold, no risk filter, no risk or demand term).
    fn matcher_with(&self, include_riskier: bool) -> Matcher<'_> {
        let mut config = self.config.clone();
        if include_riskier {
            config.include_riskier = true;
            config.viable_fit = 0.0;
            config.viable_similarity = 0.0;
            config.transition_risk_weight = 0.0;
            config.transition_demand_weight = 0.0;
        }
        Matcher::new(&self.taxonomy, config)
    }

    /// Returns the occupation with key `id`, if the taxonomy has it.
    pub fn occupation(&self, id: OccupationId) -> Option<&OccupationInput> {
        let occupations = self.taxonomy.occupations();
        occupations
            .binary_search_by_key(&id, |o| o.id)
            .ok()
            .map(|i| &occupations[i])
    }

    /// Returns a short reference to an occupation.
    pub fn occupation_ref(&self, id: OccupationId) -> Option<OccupationRef> {
        self.occupation(id).map(|o| OccupationRef {
            id: o.id,
            uri: o.uri.clone(),
            label: o.label.clone(),
        })
    }

    /// Returns the occupation with ESCO URI `uri`.
    pub fn occupation_by_uri(&self, uri: &str) -> Option<OccupationId> {
        self.occupation_by_uri.get(uri).copied()
    }

    /// Returns the skill with ESCO URI `uri`.
    pub fn skill_by_uri(&self, uri: &str) -> Option<SkillId> {
        self.skill_by_uri.get(uri).copied()
    }

    /// Returns whether the taxonomy knows skill `id`.
    pub fn has_skill(&self, id: SkillId) -> bool {
        self.taxonomy.skill_idf(id).is_some()
    }

    /// Returns an occupation's requirements (essential and optional) as held skills of `origin`.
    pub fn occupation_skills(&self, id: OccupationId, origin: SkillOrigin) -> Vec<WorkerSkill> {
        self.taxonomy
            .requirements(id)
            .unwrap_or_default()
            .into_iter()
            .map(|(skill, _, _)| WorkerSkill { skill, origin })
            .collect()
    }

    /// Returns what is known about an occupation's exposure: the combined measure and every
    /// source's reading with what it measures.
    pub fn risk(&self, id: OccupationId) -> Option<RiskDetail> {
        let view = self.matcher().risk(id)?;
        let active_source = view
            .readings
            .iter()
            .find(|r| r.active)
            .map(|r| r.source.clone());
        Some(RiskDetail {
            percentile: view.percentile,
            band: view.band,
            agreement: view.agreement,
            measure: COMBINED_MEASURE.to_owned(),
            active_source,
            readings: view
                .readings
                .into_iter()
                .map(|reading| RiskReadingDetail {
                    description: self
                        .risk_descriptions
                        .get(&reading.source)
                        .cloned()
                        .unwrap_or_default(),
                    reading,
                })
                .collect(),
        })
    }

    /// Returns the best `limit` transitions from occupation `from` for a worker holding all its
    /// requirements, or `None` for an unknown occupation.
    pub fn occupation_transitions(
        &self,
        from: OccupationId,
        limit: usize,
        include_riskier: bool,
    ) -> Option<TransitionsReport> {
        let occupation = self.occupation_ref(from)?;
        let worker = WorkerInput {
            skills: self.occupation_skills(from, SkillOrigin::Declared),
            current_occupation: Some(from),
            location: None,
        };
        let matcher = self.matcher_with(include_riskier);
        let transitions = matcher
            .transitions(&worker, &self.demand, limit)
            .into_iter()
            .map(TransitionView::from)
            .collect();
        Some(TransitionsReport {
            from: occupation,
            risk: self.risk(from),
            thresholds: Thresholds::of(&matcher.config, self.taxonomy.has_similarity()),
            transitions,
        })
    }

    /// Returns the fit, gap and (optionally) plan from occupation `from` to `to`, for a worker
    /// holding all of `from`'s requirements; `None` when either is unknown.
    pub fn pair(
        &self,
        from: OccupationId,
        to: OccupationId,
        constraints: Option<&PlanConstraints>,
    ) -> Option<PairReport> {
        let from_ref = self.occupation_ref(from)?;
        let to_ref = self.occupation_ref(to)?;
        let matcher = self.matcher();
        let profile = matcher.profile(&self.occupation_skills(from, SkillOrigin::Declared));
        let explanation = matcher.explain_fit(&profile, to)?;
        let plan = constraints.map(|c| self.plan_for(&matcher, &profile, to, c));
        let risk = matcher.risk_change(from, to);
        Some(PairReport {
            from: from_ref,
            to: to_ref,
            fit: explanation.fit,
            similarity: matcher.similarity(&profile, Some(from), to),
            risk,
            labour: matcher.move_facts(from, to),
            matched_skills: explanation.matched_skills,
            gap: GapView {
                ready: explanation.missing_essential.is_empty(),
                essential: explanation.missing_essential,
                optional: explanation.missing_optional,
            },
            plan,
        })
    }

    fn plan_for(
        &self,
        matcher: &Matcher<'_>,
        profile: &SkillProfile,
        target: OccupationId,
        constraints: &PlanConstraints,
    ) -> PlanView {
        let gap = matcher
            .gap(profile, target)
            .expect("target occupation checked by the caller");
        let plan = matcher.plan_courses_with_programmes(
            &gap,
            &self.courses,
            constraints,
            &self.programmes,
        );
        self.plan_view(plan)
    }

    fn plan_view(&self, plan: CoursePlan) -> PlanView {
        let courses = plan
            .steps
            .iter()
            .filter_map(|step| self.course_labels.get(&step.course).cloned())
            .collect();
        PlanView { plan, courses }
    }

    /// Returns the transitions, each with its gap and plan, for a validated recommendation
    /// query; the first stage of [`recommend`].
    pub fn recommend_transitions(
        &self,
        query: &RecommendationQuery,
        demand: &HashMap<OccupationId, u32>,
    ) -> (WorkerInput, Vec<TransitionView>) {
        let worker = self.worker(query);
        let matcher = self.matcher();
        let profile = matcher.profile(&worker.skills);
        let transitions = matcher
            .transitions(&worker, demand, query.limit)
            .into_iter()
            .map(|transition| {
                let target = transition.fit.occupation.id;
                let plan = self.plan_for(&matcher, &profile, target, &query.constraints);
                TransitionView {
                    plan: Some(plan),
                    ..TransitionView::from(transition)
                }
            })
            .collect();
        (worker, transitions)
    }

    /// Returns the worker a query describes: the occupation's requirements as inferred skills
    /// (unless `infer_skills` is off) plus the listed skills as declared.
    pub fn worker(&self, query: &RecommendationQuery) -> WorkerInput {
        let mut skills = match (query.occupation, query.infer_skills) {
            (Some(occupation), true) => self.occupation_skills(occupation, SkillOrigin::Inferred),
            _ => Vec::new(),
        };
        skills.extend(query.skills.iter().map(|&skill| WorkerSkill {
            skill,
            origin: SkillOrigin::Declared,
        }));
        WorkerInput {
            skills,
            current_occupation: query.occupation,
            location: query.location,
        }
    }

    /// Ranks opening candidates for the top transitions, each against its own plan; the second
    /// stage of [`recommend`].
    pub fn rank_openings(
        &self,
        query: &RecommendationQuery,
        worker: &WorkerInput,
        transitions: &[TransitionView],
        candidates: Vec<OpeningCandidate>,
    ) -> Vec<OpeningView> {
        let mut config = self.config.clone();
        config.opening_max_distance_km = query.constraints.max_travel_km;
        let matcher = Matcher::new(&self.taxonomy, config);
        let mut by_id: HashMap<_, _> = candidates.iter().map(|c| (c.input.id, c)).collect();
        let mut ranked: Vec<(RankedOpening, OccupationId)> = Vec::new();
        for transition in transitions.iter().take(OPENINGS_FOR_TOP_TRANSITIONS) {
            let target = transition.occupation.id;
            let inputs: Vec<_> = candidates
                .iter()
                .filter(|c| c.input.occupation == Some(target))
                .map(|c| c.input.clone())
                .collect();
            let plan_skills: Vec<SkillId> = transition
                .plan
                .iter()
                .flat_map(|p| p.plan.covered_skills().map(|s| s.id))
                .collect();
            ranked.extend(
                matcher
                    .rank_openings(worker, &plan_skills, &inputs, query.openings_limit)
                    .into_iter()
                    .map(|r| (r, target)),
            );
        }
        ranked.sort_by(|a, b| {
            b.0.score
                .total_cmp(&a.0.score)
                .then(a.0.opening.cmp(&b.0.opening))
        });
        ranked.truncate(query.openings_limit);
        ranked
            .into_iter()
            .filter_map(|(ranked, target)| {
                let candidate = by_id.remove(&ranked.opening)?;
                Some(OpeningView {
                    title: candidate.title.clone(),
                    organisation: candidate.organisation.clone(),
                    place_name: candidate.place_name.clone(),
                    region: candidate.region.clone(),
                    salary_min: candidate.salary_min,
                    salary_max: candidate.salary_max,
                    currency: candidate.currency.clone(),
                    posted_on: candidate.posted_on,
                    url: candidate.url.clone(),
                    for_transition: target,
                    ranked,
                })
            })
            .collect()
    }
}

/// Returns up to `limit` open openings for occupation `target`, newest first, from the
/// openings index (the candidate stage of [`recommend`]), read from the store.
pub async fn openings_for(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    target: OccupationId,
    limit: usize,
) -> anyhow::Result<Vec<OpeningCandidate>> {
    let today = chrono::Utc::now().date_naive();
    let search = search.clone();
    let ids = super::blocking(move || {
        Ok(search.opening_ids(&[target.0], &OpeningFilters::default(), limit)?)
    })
    .await?;
    Ok(reskill_store::matching::opening_candidates_by_ids(db, &ids, today).await?)
}

/// Exposure of one occupation: the combined measure Reskill shows and compares, and every
/// source's reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskDetail {
    /// The combined measure: mean percentile (0–100) of the sources that score the occupation.
    pub percentile: f64,
    /// Band of the combined percentile.
    pub band: RiskBand,
    /// Whether the sources' percentiles lie within one band's width of each other; when not,
    /// pages say the sources disagree.
    pub agreement: bool,
    /// How the combined measure is made, in words.
    pub measure: String,
    /// The active source's name (listed first), when it scores the occupation.
    pub active_source: Option<String>,
    /// One reading per source, the active one first.
    pub readings: Vec<RiskReadingDetail>,
}

/// One source's reading, with what the source measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskReadingDetail {
    /// Source, year, score, percentile, band and whether the score was inherited.
    #[serde(flatten)]
    pub reading: RiskReading,
    /// What the source measures, in words.
    pub description: String,
}

/// The thresholds transitions were filtered with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Thresholds {
    /// Smallest fit listed.
    pub viable_fit: f64,
    /// Smallest viability (the similarity without its SOC part) listed, when transitions rank
    /// by similarity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viable_similarity: Option<f64>,
    /// Smallest risk drop in percentile points (unless riskier ones are included).
    pub min_risk_reduction: f64,
    /// Whether riskier occupations were included.
    pub include_riskier: bool,
}

impl Thresholds {
    fn of(config: &MatchConfig, similarity: bool) -> Self {
        Self {
            viable_fit: config.viable_fit,
            viable_similarity: similarity.then_some(config.viable_similarity),
            min_risk_reduction: config.min_risk_reduction,
            include_riskier: config.include_riskier,
        }
    }
}

/// Missing skills for a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GapView {
    /// Whether no essential skill is missing.
    pub ready: bool,
    /// Essential skills missing, most informative first.
    pub essential: Vec<RequiredSkill>,
    /// Nice-to-have skills missing, most informative first.
    pub optional: Vec<RequiredSkill>,
}

/// A course plan with the courses it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = CoursePlanView)]
pub struct PlanView {
    /// Steps, totals, coverage and uncovered skills.
    #[serde(flatten)]
    pub plan: CoursePlan,
    /// Title, provider and link of each step's course, in step order.
    pub courses: Vec<CourseLabel>,
}

/// One recommended occupation with why, what is missing and (in recommendations) the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionView {
    /// The target occupation.
    pub occupation: OccupationRef,
    /// Ranking score, the sum of `score_parts`.
    pub score: f64,
    /// Weighted fit, risk reduction and demand.
    pub score_parts: TransitionScoreParts,
    /// Fit in [0, 1]: the weighted share of the target's requirements already held.
    pub fit: f64,
    /// Similarity in [0, 1] by meaning, which ranks transitions when the model is available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// The similarity without its SOC part, which must reach `thresholds.viable_similarity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viability: Option<f64>,
    /// Live openings for the target (near the worker when a location was given).
    pub demand: u32,
    /// Risk before and after, with the source both were read from.
    pub risk: Option<RiskChange>,
    /// Pay and preparation compared, when both occupations' figures are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labour: Option<MoveFacts>,
    /// Requirements already held, heaviest first.
    pub matched_skills: Vec<RequiredSkill>,
    /// What is missing.
    pub gap: GapView,
    /// The course plan closing the gap (recommendations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanView>,
}

impl From<Transition> for TransitionView {
    fn from(t: Transition) -> Self {
        Self {
            occupation: t.fit.occupation,
            score: t.score,
            score_parts: t.score_parts,
            fit: t.fit.fit,
            similarity: t.similarity,
            viability: t.viability,
            labour: t.labour,
            demand: t.demand,
            risk: t.risk,
            matched_skills: t.fit.matched_skills,
            gap: GapView {
                ready: t.fit.missing_essential.is_empty(),
                essential: t.fit.missing_essential,
                optional: t.fit.missing_optional,
            },
            plan: None,
        }
    }
}

/// The transitions of one occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionsReport {
    /// The origin.
    pub from: OccupationRef,
    /// Its risk.
    pub risk: Option<RiskDetail>,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// Best first.
    pub transitions: Vec<TransitionView>,
}

/// Fit, gap and plan between two occupations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairReport {
    /// The origin.
    pub from: OccupationRef,
    /// The target.
    pub to: OccupationRef,
    /// Fit in [0, 1].
    pub fit: f64,
    /// Similarity in [0, 1] by meaning, as transitions rank it, when the model is available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Risk change, with its source.
    pub risk: Option<RiskChange>,
    /// Pay and preparation compared, when both occupations' figures are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labour: Option<MoveFacts>,
    /// Requirements already held, heaviest first.
    pub matched_skills: Vec<RequiredSkill>,
    /// What is missing.
    pub gap: GapView,
    /// The course plan, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanView>,
}

/// A validated recommendation request in domain terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecommendationQuery {
    /// Current or last occupation.
    pub occupation: Option<OccupationId>,
    /// Skills the worker declares.
    pub skills: Vec<SkillId>,
    /// Whether the occupation's requirements count as (inferred) skills.
    pub infer_skills: bool,
    /// Where the worker lives.
    pub location: Option<GeoPoint>,
    /// Plan limits (their `location` is the worker's).
    pub constraints: PlanConstraints,
    /// Transitions wanted.
    pub limit: usize,
    /// Openings wanted.
    pub openings_limit: usize,
}

/// An opening ranked for a recommendation, with what a person needs to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RecommendedOpening)]
pub struct OpeningView {
    /// Score, fit now and after the plan, distance, recency and explanation.
    #[serde(flatten)]
    pub ranked: RankedOpening,
    /// Job title.
    pub title: String,
    /// Employer.
    pub organisation: String,
    /// Place name.
    pub place_name: Option<String>,
    /// Region or county.
    pub region: Option<String>,
    /// Yearly salary range.
    pub salary_min: Option<f64>,
    /// Yearly salary range.
    pub salary_max: Option<f64>,
    /// Salary currency.
    pub currency: String,
    /// Date posted.
    pub posted_on: NaiveDate,
    /// Original posting.
    pub url: String,
    /// The transition (target occupation) it was ranked for.
    pub for_transition: OccupationId,
}

/// A complete recommendation: risk now, safer transitions with gaps and plans, openings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendation {
    /// The current occupation, when given.
    pub current_occupation: Option<OccupationRef>,
    /// Its risk, every source named.
    pub risk: Option<RiskDetail>,
    /// Number of skills matched with (inferred plus declared).
    pub skill_count: usize,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// Best first, each with gap and plan.
    pub transitions: Vec<TransitionView>,
    /// Openings for the top transitions, best first.
    pub openings: Vec<OpeningView>,
}

/// Runs a complete recommendation: live demand near the worker, transitions with gaps and plans
/// (off the async runtime), then openings of the top transitions re-ranked exactly.
pub async fn recommend(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    engine: Arc<Engine>,
    query: RecommendationQuery,
) -> anyhow::Result<Recommendation> {
    let today = chrono::Utc::now().date_naive();
    let radius_km = query
        .constraints
        .max_travel_km
        .unwrap_or(DEFAULT_DEMAND_RADIUS_KM);
    let query = Arc::new(query);
    let (worker, transitions, candidate_ids) = {
        let (engine, query, search) = (engine.clone(), query.clone(), search.clone());
        super::blocking(move || {
            let demand = match query.location {
                Some(centre) => engine.demand_points.near(centre, radius_km),
                None => engine.demand.clone(),
            };
            let (worker, transitions) = engine.recommend_transitions(&query, &demand);
            let targets: Vec<i64> = transitions
                .iter()
                .take(OPENINGS_FOR_TOP_TRANSITIONS)
                .map(|t| t.occupation.id.0)
                .collect();
            // Candidates come from the openings index (occupation, status, place), newest
            // first; the engine re-ranks them exactly below.
            let ids = if query.openings_limit == 0 {
                Vec::new()
            } else {
                let filters = OpeningFilters {
                    near: query.location.map(|c| GeoFilter {
                        lat: c.lat,
                        lon: c.lon,
                        radius_km,
                    }),
                    remote: query.location.map(|_| true),
                    ..OpeningFilters::default()
                };
                search.opening_ids(&targets, &filters, MAX_OPENING_CANDIDATES)?
            };
            Ok((worker, transitions, ids))
        })
        .await?
    };
    let candidates =
        reskill_store::matching::opening_candidates_by_ids(db, &candidate_ids, today).await?;
    let engine2 = engine.clone();
    let query2 = query.clone();
    super::blocking(move || {
        let openings = engine2.rank_openings(&query2, &worker, &transitions, candidates);
        Ok(Recommendation {
            current_occupation: query2.occupation.and_then(|o| engine2.occupation_ref(o)),
            risk: query2.occupation.and_then(|o| engine2.risk(o)),
            skill_count: worker.skills.len(),
            thresholds: Thresholds::of(&engine2.config, engine2.taxonomy.has_similarity()),
            transitions,
            openings,
        })
    })
    .await
}

/// How an occupation named on the command line (or in a request) was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Resolved {
    /// A numeric key.
    Id {
        /// The occupation.
        occupation: OccupationRef,
    },
    /// An ESCO URI.
    Uri {
        /// The occupation.
        occupation: OccupationRef,
    },
    /// The best hit of a title search.
    Title {
        /// The text searched for.
        query: String,
        /// The occupation chosen.
        occupation: OccupationRef,
    },
}

impl Resolved {
    /// Returns the occupation found.
    pub fn occupation(&self) -> &OccupationRef {
        match self {
            Self::Id { occupation } | Self::Uri { occupation } | Self::Title { occupation, .. } => {
                occupation
            }
        }
    }
}

/// Why an occupation could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Nothing matched.
    #[error("no occupation matches {0:?}")]
    NotFound(String),
    /// The text is empty or too long.
    #[error("{0}")]
    Invalid(String),
    /// The search index failed.
    #[error("occupation search failed: {0}")]
    Search(#[from] reskill_search::SearchError),
}

/// Longest occupation reference accepted, in characters.
pub const MAX_OCCUPATION_REFERENCE_CHARS: usize = 200;

/// Resolves an occupation named by a numeric id, an ESCO URI or a title (best hit of the
/// occupation search, words and meaning fused). Blocking: the title search runs tantivy and
/// the model.
pub fn resolve_occupation(
    engine: &Engine,
    search: &SearchIndexes,
    semantic: &super::semantic::Semantic,
    reference: &str,
) -> Result<Resolved, ResolveError> {
    let text = reference.trim();
    if text.is_empty() {
        return Err(ResolveError::Invalid("must not be empty".to_owned()));
    }
    if text.chars().count() > MAX_OCCUPATION_REFERENCE_CHARS {
        return Err(ResolveError::Invalid(format!(
            "must be at most {MAX_OCCUPATION_REFERENCE_CHARS} characters"
        )));
    }
    let not_found = || ResolveError::NotFound(text.to_owned());
    if let Ok(id) = text.parse::<i64>() {
        let occupation = engine
            .occupation_ref(OccupationId(id))
            .ok_or_else(not_found)?;
        return Ok(Resolved::Id { occupation });
    }
    if text.starts_with("http://") || text.starts_with("https://") {
        let id = engine.occupation_by_uri(text).ok_or_else(not_found)?;
        let occupation = engine.occupation_ref(id).ok_or_else(not_found)?;
        return Ok(Resolved::Uri { occupation });
    }
    let response = super::semantic::search(
        search,
        semantic,
        IndexKind::Occupations,
        &SearchRequest::new(text, 1),
    )?;
    let hit = response.hits.first().ok_or_else(not_found)?;
    let occupation = engine
        .occupation_ref(OccupationId(hit.id))
        .ok_or_else(not_found)?;
    Ok(Resolved::Title {
        query: text.to_owned(),
        occupation,
    })
}

/// Reloads the engine whenever the store's [`EngineDataVersion`] differs from the one it was
/// built from, checking every `every`: imports run by `reskill import` in another process, or on
/// another replica, reach this server's engine within one period.
pub fn spawn_reload_watcher(
    state: crate::AppState,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match reskill_store::matching::engine_data_version(&state.db).await {
                Ok(version) if version != state.engine().version => {
                    tracing::info!("data changed; reloading the matching engine");
                    if let Err(error) = state.reload_engine().await {
                        tracing::warn!(error = format!("{error:#}"), "engine reload failed");
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = %error, "failed to check whether the engine is stale");
                }
            }
        }
    })
}

/// Each programme type with the essential skills of every occupation it prepares for: a
/// vocational programme trains for the occupation as a whole, so it stands for all of them.
fn programme_catalog(taxonomy: &Taxonomy) -> ProgrammeCatalog {
    let mut by_code: BTreeMap<&str, (&str, BTreeSet<SkillId>)> = BTreeMap::new();
    for occupation in taxonomy.occupations() {
        let types = taxonomy.programme_types_for(occupation.id);
        if types.is_empty() {
            continue;
        }
        let essential: Vec<SkillId> = taxonomy
            .requirements(occupation.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, relation, _)| *relation == RelationType::Essential)
            .map(|(skill, _, _)| skill)
            .collect();
        for programme in types {
            by_code
                .entry(programme.code.as_str())
                .or_insert_with(|| (programme.title.as_str(), BTreeSet::new()))
                .1
                .extend(essential.iter().copied());
        }
    }
    ProgrammeCatalog::new(
        by_code
            .into_iter()
            .map(|(code, (title, skills))| ProgrammeOption {
                code: code.to_owned(),
                title: title.to_owned(),
                skills: skills.into_iter().collect(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod demand_tests {
    use super::*;

    fn point(occupation: i64, at: Option<(f64, f64)>, remote: bool) -> DemandPoint {
        DemandPoint {
            occupation: OccupationId(occupation),
            location: at.map(|(lat, lon)| GeoPoint { lat, lon }),
            remote,
        }
    }

    #[test]
    fn demand_near_counts_remote_and_close_openings_only() {
        let leeds = (53.8008, -1.5491);
        let bradford = (53.7960, -1.7594); // ≈ 14 km from Leeds
        let london = (51.5074, -0.1278);
        let map = DemandMap::new(vec![
            point(1, Some(leeds), false),
            point(1, Some(bradford), false),
            point(1, Some(london), false),
            point(2, None, true),
            point(3, None, false),
            // Across the antimeridian from a point at 179.9°E: about 11 km.
            point(4, Some((0.0, -179.95)), false),
        ]);
        assert_eq!(map.len(), 6);
        let everywhere = map.everywhere();
        assert_eq!(everywhere[&OccupationId(1)], 3);
        assert_eq!(everywhere[&OccupationId(3)], 1);
        let centre = GeoPoint {
            lat: leeds.0,
            lon: leeds.1,
        };
        let near = map.near(centre, 20.0);
        assert_eq!(near.get(&OccupationId(1)), Some(&2));
        assert_eq!(
            near.get(&OccupationId(2)),
            Some(&1),
            "remote counts everywhere"
        );
        assert_eq!(near.get(&OccupationId(3)), None, "no place, not near");
        assert_eq!(map.near(centre, 400.0).get(&OccupationId(1)), Some(&3));
        let east = GeoPoint {
            lat: 0.0,
            lon: 179.95,
        };
        assert_eq!(map.near(east, 20.0).get(&OccupationId(4)), Some(&1));
    }

    /// The cells are a shortcut: every count equals checking each opening's distance.
    #[test]
    fn demand_near_equals_checking_every_opening() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut points = Vec::new();
        for i in 0..20_000 {
            // Mostly around Great Britain, some anywhere (poles and antimeridian included).
            let (lat, lon) = if i % 10 == 0 {
                (next() * 180.0 - 90.0, next() * 360.0 - 180.0)
            } else {
                (50.0 + next() * 8.0, -6.0 + next() * 8.0)
            };
            points.push(point(i % 37, Some((lat, lon)), i % 23 == 0));
        }
        let map = DemandMap::new(points.clone());
        let centres = [
            (53.8, -1.55),
            (51.5, -0.13),
            (0.0, 179.9),
            (89.9, 10.0),
            (-60.0, -179.99),
        ];
        for (lat, lon) in centres {
            for radius in [5.0, 30.0, 50.0, 140.0, 2_000.0, 20_000.0] {
                let centre = GeoPoint { lat, lon };
                let mut brute: HashMap<OccupationId, u32> = HashMap::new();
                for p in &points {
                    let at = p.location.map(|g| GeoPoint {
                        lat: f64::from(g.lat as f32),
                        lon: f64::from(g.lon as f32),
                    });
                    if p.remote || at.is_some_and(|at| centre.distance_km(at) <= radius) {
                        *brute.entry(p.occupation).or_default() += 1;
                    }
                }
                assert_eq!(
                    map.near(centre, radius),
                    brute,
                    "centre {lat},{lon} radius {radius}"
                );
            }
        }
    }
}
