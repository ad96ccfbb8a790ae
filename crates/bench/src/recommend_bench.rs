//! `reskill-bench recommend`: the matching benchmark (a complete recommendation at 1M openings).
//!
//! 1. The same setup as the search benchmark (ESCO, Nesta risk, the real courses tagged with
//!    ESCO skills), then the N generated openings written to Reskill's store with
//!    `reskill_store::catalog::upsert_openings` (with their skill tags, in `opening_skills`).
//! 2. Complete recommendations (`POST /api/v1/recommendations`: risk, top 10 transitions with
//!    gaps and plans, top 20 openings) through the real router in a child process, for
//!    high-risk occupations with and without a location.
//! 3. Baselines in the same run, in-process on the same data: the fit of one worker to all
//!    occupations (the engine's kernel vs dense vectors vs a naive loop), scoring all N openings
//!    for one worker (the engine's sparse kernel vs a naive loop vs a SQL join-and-aggregate on
//!    PostgreSQL over an `opening_skill` table), and the store's candidate query as
//!    `recommend` runs it today.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use reskill_core::catalog::{NewOpening, OpeningStatus, Place, TagOrigin};
use reskill_core::matching::{GeoPoint, OpeningInput, SkillOrigin, WorkerInput, WorkerSkill};
use reskill_core::risk::RiskBand;
use reskill_core::{OccupationId, OpeningId, SkillId};
use reskill_server::services::engine::Engine;
use sea_orm::sqlx::{self, Row};
use serde::Serialize;

use crate::client::{self, HttpRequest, RunStats};
use crate::generator::{Generator, Synthetic};
use crate::serve::ChildServer;
use crate::setup::{self, SetupReport};

/// Options of `reskill-bench recommend`.
#[derive(Debug, Clone, clap::Args)]
pub struct RecommendArgs {
    /// Synthetic openings to store.
    #[arg(long, default_value_t = 1_000_000)]
    pub openings: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 20_261_201)]
    pub seed: u64,
    /// Work folder, shared with `reskill-bench search`.
    #[arg(long, default_value = "/tmp/reskill-bench")]
    pub work: PathBuf,
    /// Shared data bundle (default: RESKILL_SHARED_DATA, else ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// PostgreSQL database for the join-and-aggregate baseline.
    #[arg(
        long,
        default_value = "postgres://reskill:reskill@127.0.0.1/reskill_bench"
    )]
    pub pg_url: String,
    /// Leave out the PostgreSQL baseline.
    #[arg(long)]
    pub skip_pg: bool,
    /// Workers (occupations) in the request set.
    #[arg(long, default_value_t = 20)]
    pub workers: usize,
    /// Timed recommendation requests per variant.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Sentence-embedding model folder: ESCO's texts are embedded (once; stored vectors are
    /// reused) and the server ranks transitions by similarity, as `reskill serve` does with a
    /// model. Without it transitions rank by fit.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
}

/// Openings written per `upsert_openings` call.
const STORE_BATCH: usize = 10_000;

/// Latencies of an in-process loop, as the HTTP runs report them.
fn stats(latencies: Vec<u64>, seconds: f64) -> RunStats {
    RunStats::from_latencies(latencies, 0, seconds, 0)
}

fn time<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed().as_micros() as u64)
}

/// Everything measured.
#[derive(Debug, Default, Serialize)]
struct RecommendResults {
    openings: u64,
    store_seconds: Option<f64>,
    store_bytes: u64,
    http_no_location: Option<RunStats>,
    http_with_location: Option<RunStats>,
    mean_openings_returned: f64,
    mean_transitions_returned: f64,
    fit_engine_kernel: Option<RunStats>,
    fit_engine_transitions: Option<RunStats>,
    fit_dense: Option<RunStats>,
    fit_naive: Option<RunStats>,
    prepare_openings_seconds: f64,
    openings_engine: Option<RunStats>,
    openings_naive: Option<RunStats>,
    openings_pg: Option<RunStats>,
    pg_load_seconds: Option<f64>,
    store_candidates: Option<RunStats>,
    mean_store_candidates: f64,
    server_memory_kb: Option<(u64, u64, u64, u64)>,
    load_average: (String, String),
    /// Whether transitions ranked by similarity (a model folder was given).
    similarity: bool,
    embed_seconds: Option<f64>,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn new_opening(
    o: &Synthetic,
    occupation_uris: &HashMap<i64, String>,
    skill_uris: &HashMap<i64, String>,
) -> NewOpening {
    NewOpening {
        source: "bench".to_owned(),
        source_id: o.id.to_string(),
        organisation: o.organisation.clone(),
        title: o.title.clone(),
        occupation: o
            .occupation
            .as_ref()
            .and_then(|x| occupation_uris.get(&x.0).cloned())
            .map(|uri| reskill_core::catalog::OccupationTag {
                origin: TagOrigin::Extracted,
                ..reskill_core::catalog::OccupationTag::manual(uri)
            }),
        description: o.description.clone(),
        skills: o
            .skills
            .iter()
            .filter_map(|(id, essential)| {
                Some(reskill_core::catalog::SkillTag {
                    essential: *essential,
                    origin: TagOrigin::Extracted,
                    ..reskill_core::catalog::SkillTag::manual(skill_uris.get(id)?.clone())
                })
            })
            .collect(),
        place: o.place_name.as_ref().map(|name| Place {
            name: name.clone(),
            region: o.region.clone(),
            country: o.country.clone(),
            lat: o.lat,
            lon: o.lon,
        }),
        remote: o.remote,
        salary_min: o.salary_min,
        salary_max: o.salary_max,
        currency: if o.currency.is_empty() {
            "GBP".to_owned()
        } else {
            o.currency.clone()
        },
        status: OpeningStatus::Open,
        posted_on: o.posted_on,
        expires_on: None,
        url: String::new(),
        dedupe_key: None,
    }
}

/// Runs the whole matching benchmark.
pub async fn run(args: RecommendArgs) -> anyhow::Result<()> {
    let data = args.data.clone().unwrap_or_else(setup::default_data_dir);
    let work = args.work.clone();
    let mut results = RecommendResults {
        openings: args.openings,
        load_average: (load_average(), String::new()),
        ..RecommendResults::default()
    };
    let mut report = SetupReport::default();
    let tagger = setup::load_tagger(&data, &mut report)?;
    let (db, search) = setup::open_work(&work, &data, false, &tagger, &mut report).await?;
    drop(search);
    // The rest of the transition similarity's inputs: job zones, earnings, remote work and
    // O*NET codes (each import replaces the last), and the texts' vectors.
    reskill_server::services::import::import_attributes_file(
        &db,
        &data.join("labour/nesta_occupation_attributes.csv"),
        "GBP",
        "Nesta",
    )
    .await?;
    reskill_server::services::import::import_onet_crosswalk_file(
        &db,
        &data.join("crosswalk/esco_onet_crosswalk_MCC.csv"),
        "MCC",
    )
    .await?;
    if let Some(dir) = &args.model_dir {
        let semantic = reskill_server::services::semantic::Semantic::open(dir);
        let embedder = semantic
            .embedder()
            .with_context(|| format!("no usable model in {}", dir.display()))?;
        let started = Instant::now();
        let embedded =
            reskill_server::services::semantic::embed_taxonomy(&db, embedder, &|_, _, _| {})
                .await?;
        eprintln!("vectors: {embedded:?}");
        results.embed_seconds = Some(started.elapsed().as_secs_f64());
        results.similarity = true;
    }
    let engine = Engine::load(&db, Default::default()).await?;
    let corpus = setup::build_corpus(&data, &tagger, &engine, &mut report)?;
    drop(tagger);
    let generator = Generator::new(&corpus, args.seed, setup::default_anchor());
    let n = args.openings;

    // 1. The openings in the store.
    let stored_openings = reskill_store::stats::stats(&db).await?.openings;
    if stored_openings == n {
        eprintln!("store: reusing {n} stored openings");
    } else {
        anyhow::ensure!(
            stored_openings == 0,
            "the store holds {stored_openings} openings, not {n}: use a new --work folder"
        );
        let snapshot = reskill_store::taxonomy::load_taxonomy_snapshot(&db).await?;
        let occupation_uris: HashMap<i64, String> = snapshot
            .occupations
            .iter()
            .map(|o| (o.id.0, o.uri.clone()))
            .collect();
        let skill_uris: HashMap<i64, String> = snapshot
            .skills
            .iter()
            .map(|s| (s.id.0, s.uri.clone()))
            .collect();
        let started = Instant::now();
        let mut batch = Vec::with_capacity(STORE_BATCH);
        let mut done = 0u64;
        for opening in generator.openings(n) {
            batch.push(new_opening(&opening, &occupation_uris, &skill_uris));
            if batch.len() == STORE_BATCH {
                reskill_store::catalog::upsert_openings(&db, &batch).await?;
                done += batch.len() as u64;
                batch.clear();
                if done.is_multiple_of(100_000) {
                    eprintln!(
                        "  stored {done} in {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        if !batch.is_empty() {
            reskill_store::catalog::upsert_openings(&db, &batch).await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "store: {n} openings in {seconds:.0} s ({:.0}/s)",
            n as f64 / seconds
        );
        results.store_seconds = Some(seconds);
    }
    results.store_bytes = setup::disk_usage(&work.join("reskill.db"))
        + setup::disk_usage(&work.join("reskill.db-wal"));
    // The engine's live demand now counts the stored openings.
    let engine = Arc::new(Engine::load(&db, Default::default()).await?);

    // The workers: high-risk occupations with requirements, every k-th by id.
    let high_risk: Vec<OccupationId> = engine
        .taxonomy
        .occupations()
        .iter()
        .map(|o| o.id)
        .filter(|&id| engine.risk(id).is_some_and(|r| r.band == RiskBand::High))
        .filter(|&id| {
            engine
                .taxonomy
                .requirements(id)
                .is_some_and(|r| r.len() >= 5)
        })
        .collect();
    anyhow::ensure!(!high_risk.is_empty(), "no high-risk occupation");
    let step = (high_risk.len() / args.workers.max(1)).max(1);
    let workers: Vec<OccupationId> = high_risk
        .iter()
        .step_by(step)
        .take(args.workers)
        .copied()
        .collect();
    let places = corpus.busiest_places(10);

    // 2. Complete recommendations over HTTP.
    let bodies = |with_location: bool| -> Vec<HttpRequest> {
        workers
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut body = serde_json::json!({
                    "occupation_id": id.0,
                    "limit": 10,
                    "openings_limit": 20,
                });
                if with_location && let Some((_, lat, lon)) = places.get(i % places.len().max(1)) {
                    body["location"] = serde_json::json!({"lat": lat, "lon": lon});
                    body["constraints"] = serde_json::json!({"max_travel_km": 50});
                }
                HttpRequest::post("/api/v1/recommendations", body.to_string())
            })
            .collect()
    };
    {
        eprintln!("recommendations: the real router in a child process");
        let mut child_args = vec![
            "serve-reskill".to_owned(),
            "--work".into(),
            work.display().to_string(),
        ];
        if let Some(dir) = &args.model_dir {
            child_args.extend(["--model-dir".to_owned(), dir.display().to_string()]);
        }
        let server = ChildServer::start(&child_args, Duration::from_secs(900)).await?;
        let mut connection = client::Connection::open(server.addr).await?;
        let (mut openings, mut transitions, mut seen) = (0usize, 0usize, 0usize);
        for with_location in [false, true] {
            for request in bodies(with_location) {
                let (status, body) = connection.send(&request).await?;
                anyhow::ensure!(
                    status == 200,
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body)
                );
                let value: serde_json::Value = serde_json::from_slice(&body)?;
                openings += value["openings"].as_array().map_or(0, Vec::len);
                transitions += value["transitions"].as_array().map_or(0, Vec::len);
                seen += 1;
            }
        }
        results.mean_openings_returned = openings as f64 / seen.max(1) as f64;
        results.mean_transitions_returned = transitions as f64 / seen.max(1) as f64;
        for with_location in [false, true] {
            let stats = client::run(
                server.addr,
                Arc::new(bodies(with_location)),
                args.requests,
                1,
                Duration::from_secs(120),
            )
            .await?;
            eprintln!(
                "  location {with_location}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests, {} errors)",
                stats.p50_ms, stats.p99_ms, stats.max_ms, stats.requests, stats.errors
            );
            if with_location {
                results.http_with_location = Some(stats);
            } else {
                results.http_no_location = Some(stats);
            }
        }
        results.server_memory_kb = setup::process_memory(server.pid());
        server.stop();
        eprintln!(
            "  mean per response: {:.1} transitions, {:.1} openings",
            results.mean_transitions_returned, results.mean_openings_returned
        );
    }

    // 3. Baselines, in-process.
    let taxonomy = &engine.taxonomy;
    let matcher = engine.matcher();
    let worker_inputs: Vec<WorkerInput> = workers
        .iter()
        .map(|&id| WorkerInput {
            skills: engine.occupation_skills(id, SkillOrigin::Inferred),
            current_occupation: Some(id),
            location: None,
        })
        .collect();
    let occupations: Vec<OccupationId> = taxonomy.occupations().iter().map(|o| o.id).collect();
    let skill_slot: HashMap<SkillId, usize> = {
        let mut ids: Vec<SkillId> = occupations
            .iter()
            .flat_map(|&o| taxonomy.requirements(o).unwrap_or_default())
            .map(|(s, _, _)| s)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().enumerate().map(|(i, s)| (s, i)).collect()
    };
    let requirements: Vec<Vec<(SkillId, f64)>> = occupations
        .iter()
        .map(|&o| {
            taxonomy
                .requirements(o)
                .unwrap_or_default()
                .into_iter()
                .map(|(s, _, w)| (s, w))
                .collect()
        })
        .collect();
    let slots = skill_slot.len();
    let mut dense = vec![0.0f32; occupations.len() * slots];
    let mut dense_totals = vec![0.0f32; occupations.len()];
    for (o, reqs) in requirements.iter().enumerate() {
        for &(s, w) in reqs {
            dense[o * slots + skill_slot[&s]] = w as f32;
            dense_totals[o] += w as f32;
        }
    }
    let held_weight = |w: &WorkerSkill| match w.origin {
        SkillOrigin::Inferred => engine.config.inferred_weight as f32,
        _ => 1.0,
    };
    let rounds = 10;
    let (mut kernel, mut full, mut dense_t, mut naive_t) = (vec![], vec![], vec![], vec![]);
    let started = Instant::now();
    for _ in 0..rounds {
        for worker in &worker_inputs {
            let (_, t) = time(|| {
                let profile = matcher.profile(&worker.skills);
                let fits: Vec<f64> = occupations
                    .iter()
                    .map(|&o| matcher.fit_profile(&profile, o).unwrap_or(0.0))
                    .collect();
                std::hint::black_box(fits)
            });
            kernel.push(t);
            let (_, t) =
                time(|| std::hint::black_box(matcher.transitions(worker, &engine.demand, 10)));
            full.push(t);
            let (_, t) = time(|| {
                let mut w = vec![0.0f32; slots];
                for held in &worker.skills {
                    if let Some(&s) = skill_slot.get(&held.skill) {
                        w[s] = w[s].max(held_weight(held));
                    }
                }
                let fits: Vec<f32> = (0..occupations.len())
                    .map(|o| {
                        let row = &dense[o * slots..(o + 1) * slots];
                        let dot: f32 = row.iter().zip(&w).map(|(a, b)| a * b).sum();
                        if dense_totals[o] > 0.0 {
                            dot / dense_totals[o]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                std::hint::black_box(fits)
            });
            dense_t.push(t);
            let (_, t) = time(|| {
                let fits: Vec<f64> = requirements
                    .iter()
                    .map(|reqs| {
                        let (mut covered, mut total) = (0.0, 0.0);
                        for &(s, w) in reqs {
                            total += w;
                            if let Some(held) = worker.skills.iter().find(|h| h.skill == s) {
                                covered += w * f64::from(held_weight(held));
                            }
                        }
                        if total > 0.0 { covered / total } else { 0.0 }
                    })
                    .collect();
                std::hint::black_box(fits)
            });
            naive_t.push(t);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    results.fit_engine_kernel = Some(stats(kernel, seconds));
    results.fit_engine_transitions = Some(stats(full, seconds));
    results.fit_dense = Some(stats(dense_t, seconds));
    results.fit_naive = Some(stats(naive_t, seconds));
    drop(dense);

    // Scoring all N openings for one worker.
    let today = chrono::Utc::now().date_naive();
    let inputs: Vec<OpeningInput> = generator
        .openings(n)
        .map(|o| OpeningInput {
            id: OpeningId(o.id),
            occupation: o.occupation.as_ref().map(|x| OccupationId(x.0)),
            skills: o.skills.iter().map(|&(s, e)| (SkillId(s), e)).collect(),
            location: o.lat.zip(o.lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            remote: o.remote,
            posted_days_ago: u32::try_from((today - o.posted_on).num_days().max(0)).unwrap_or(0),
        })
        .collect();
    let started = Instant::now();
    let prepared = matcher.prepare_openings(&inputs);
    results.prepare_openings_seconds = started.elapsed().as_secs_f64();
    let weight_of = |s: SkillId, essential: bool| -> Option<f64> {
        Some(taxonomy.skill_idf(s)? * if essential { 1.0 } else { 0.5 })
    };
    let top20 = |fits: &mut Vec<(f64, usize)>| {
        let k = 20.min(fits.len());
        if k > 0 {
            fits.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            fits.truncate(k);
            fits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }
    };
    let (mut engine_t, mut naive_t) = (vec![], vec![]);
    let mut fits = Vec::new();
    let started = Instant::now();
    for worker in &worker_inputs {
        let (_, t) = time(|| {
            let profile = matcher.profile(&worker.skills);
            matcher.fit_openings(&profile, &prepared, &mut fits);
            let mut pairs: Vec<(f64, usize)> = fits.iter().copied().zip(0..).collect();
            top20(&mut pairs);
            std::hint::black_box(pairs)
        });
        engine_t.push(t);
        let (_, t) = time(|| {
            let held: HashMap<SkillId, f64> = worker
                .skills
                .iter()
                .map(|h| (h.skill, f64::from(held_weight(h))))
                .collect();
            let mut pairs: Vec<(f64, usize)> = inputs
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let (mut covered, mut total) = (0.0, 0.0);
                    for &(s, e) in &o.skills {
                        if let Some(w) = weight_of(s, e) {
                            total += w;
                            covered += w * held.get(&s).copied().unwrap_or(0.0);
                        }
                    }
                    (if total > 0.0 { covered / total } else { 0.0 }, i)
                })
                .collect();
            top20(&mut pairs);
            std::hint::black_box(pairs)
        });
        naive_t.push(t);
    }
    let seconds = started.elapsed().as_secs_f64();
    results.openings_engine = Some(stats(engine_t, seconds));
    results.openings_naive = Some(stats(naive_t, seconds));

    if !args.skip_pg {
        eprintln!("postgres: join-and-aggregate over bench_opening_skill");
        let started = Instant::now();
        let pool = load_pg_opening_skills(&args.pg_url, &inputs, &weight_of).await?;
        results.pg_load_seconds = Some(started.elapsed().as_secs_f64());
        let mut latencies = Vec::new();
        let started = Instant::now();
        for (round, worker) in worker_inputs.iter().chain(&worker_inputs).enumerate() {
            let held: HashMap<SkillId, f64> = worker
                .skills
                .iter()
                .map(|h| (h.skill, f64::from(held_weight(h))))
                .collect();
            let (ids, credits): (Vec<i64>, Vec<f64>) = held.iter().map(|(s, w)| (s.0, *w)).unzip();
            let sent = Instant::now();
            let rows = sqlx::query(
                "SELECT os.opening_id, sum(os.weight * w.credit) / t.total AS fit
                 FROM bench_opening_skill os
                 JOIN unnest($1::bigint[], $2::float8[]) AS w(skill_id, credit) USING (skill_id)
                 JOIN bench_opening_total t USING (opening_id)
                 GROUP BY os.opening_id, t.total
                 ORDER BY fit DESC, os.opening_id LIMIT 20",
            )
            .bind(ids)
            .bind(credits)
            .fetch_all(&pool)
            .await?;
            // The first pass warms the cache.
            if round >= worker_inputs.len() {
                latencies.push(sent.elapsed().as_micros() as u64);
            }
            std::hint::black_box(rows.first().map(|r| r.try_get::<i64, _>(0)));
        }
        results.openings_pg = Some(stats(latencies, started.elapsed().as_secs_f64()));
    }

    // The store's candidate query, as `recommend` runs it for the top 3 transitions.
    let mut latencies = Vec::new();
    let mut candidates = 0usize;
    let started = Instant::now();
    for worker in &worker_inputs {
        let targets: Vec<OccupationId> = matcher
            .transitions(worker, &engine.demand, 3)
            .into_iter()
            .map(|t| t.fit.occupation.id)
            .collect();
        let sent = Instant::now();
        let found =
            reskill_store::matching::opening_candidates(&db, &targets, today, 5_000).await?;
        latencies.push(sent.elapsed().as_micros() as u64);
        candidates += found.len();
    }
    results.mean_store_candidates = candidates as f64 / worker_inputs.len().max(1) as f64;
    results.store_candidates = Some(stats(latencies, started.elapsed().as_secs_f64()));

    results.load_average.1 = load_average();
    let path = work.join("results-recommend.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    println!("{}", render(&results, &args));
    eprintln!("results written to {}", path.display());
    Ok(())
}

async fn load_pg_opening_skills(
    url: &str,
    inputs: &[OpeningInput],
    weight_of: &dyn Fn(SkillId, bool) -> Option<f64>,
) -> anyhow::Result<sqlx::PgPool> {
    crate::peers::ensure_pg_database(url).await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query("SET jit = off").execute(&mut *conn).await?;
                sqlx::query("SET work_mem = '256MB'")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    let mut conn = pool.acquire().await?;
    for statement in [
        "SET maintenance_work_mem = '1GB'",
        "DROP TABLE IF EXISTS bench_opening_skill",
        "DROP TABLE IF EXISTS bench_opening_total",
        "CREATE TABLE bench_opening_skill (opening_id bigint NOT NULL, skill_id bigint NOT NULL, weight float8 NOT NULL)",
        "CREATE TABLE bench_opening_total (opening_id bigint PRIMARY KEY, total float8 NOT NULL)",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    let mut skills = String::new();
    let mut totals = String::new();
    let mut copy = conn
        .copy_in_raw("COPY bench_opening_skill (opening_id, skill_id, weight) FROM STDIN")
        .await?;
    for o in inputs {
        let mut total = 0.0;
        for &(s, e) in &o.skills {
            if let Some(w) = weight_of(s, e) {
                total += w;
                skills.push_str(&format!("{}\t{}\t{w}\n", o.id.0, s.0));
            }
        }
        totals.push_str(&format!("{}\t{}\n", o.id.0, total.max(f64::MIN_POSITIVE)));
        if skills.len() > 4 << 20 {
            copy.send(skills.as_bytes()).await?;
            skills.clear();
        }
    }
    copy.send(skills.as_bytes()).await?;
    copy.finish().await?;
    let mut copy = conn
        .copy_in_raw("COPY bench_opening_total (opening_id, total) FROM STDIN")
        .await?;
    copy.send(totals.as_bytes()).await?;
    copy.finish().await?;
    for statement in [
        "CREATE INDEX bench_opening_skill_skill ON bench_opening_skill (skill_id) INCLUDE (opening_id, weight)",
        "VACUUM ANALYZE bench_opening_skill",
        "VACUUM ANALYZE bench_opening_total",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    drop(conn);
    Ok(pool)
}

fn render(r: &RecommendResults, args: &RecommendArgs) -> String {
    let ms = |s: &Option<RunStats>| {
        s.as_ref().map_or("–".to_owned(), |s| {
            format!("p50 {:.2} ms, p99 {:.2} ms", s.p50_ms, s.p99_ms)
        })
    };
    let p50 = |s: &Option<RunStats>| s.as_ref().map_or(f64::NAN, |s| s.p50_ms);
    let met = |ok: bool| if ok { "yes" } else { "**no**" };
    let mut out = format!(
        "openings stored: {} ({:.0} MB SQLite); load average {} → {}\n\n",
        r.openings,
        r.store_bytes as f64 / 1e6,
        r.load_average.0,
        r.load_average.1
    );
    out.push_str("| what | measured | baseline in the same run | ratio | target | met? |\n|---|---|---|---|---|---|\n");
    for (name, s) in [
        ("no location", &r.http_no_location),
        ("with location, 50 km", &r.http_with_location),
    ] {
        let p99 = s.as_ref().map_or(f64::NAN, |s| s.p99_ms);
        out.push_str(&format!(
            "| complete recommendation over HTTP ({name}; {} workers × {} requests) | {} | – | – | p99 < 30 ms | {} |\n",
            args.workers,
            args.requests,
            ms(s),
            met(p99 < 30.0)
        ));
    }
    out.push_str(&format!(
        "| fit of one worker to all occupations (engine kernel, sibling credit) | {} | dense vectors: {}; naive loop: {} | dense/engine {:.1}×, naive/engine {:.1}× | – | – |\n",
        ms(&r.fit_engine_kernel),
        ms(&r.fit_dense),
        ms(&r.fit_naive),
        p50(&r.fit_dense) / p50(&r.fit_engine_kernel),
        p50(&r.fit_naive) / p50(&r.fit_engine_kernel),
    ));
    out.push_str(&format!(
        "| top 10 transitions with explanations (`Matcher::transitions`) | {} | – | – | – | – |\n",
        ms(&r.fit_engine_transitions)
    ));
    out.push_str(&format!(
        "| score all {} openings for one worker, top 20 (engine sparse kernel; prepare once {:.1} s) | {} | naive loop: {}; PostgreSQL join-and-aggregate: {} | naive/engine {:.1}×, PG/engine {:.1}× | – | – |\n",
        r.openings,
        r.prepare_openings_seconds,
        ms(&r.openings_engine),
        ms(&r.openings_naive),
        ms(&r.openings_pg),
        p50(&r.openings_naive) / p50(&r.openings_engine),
        p50(&r.openings_pg) / p50(&r.openings_engine),
    ));
    out.push_str(&format!(
        "| store candidates for the top 3 transitions (`opening_candidates`, limit 5,000; mean {:.0} rows) | {} | – | – | – | – |\n",
        r.mean_store_candidates,
        ms(&r.store_candidates)
    ));
    if let Some((rss, hwm, anon, file)) = r.server_memory_kb {
        out.push_str(&format!(
            "\nserver memory after the runs: RSS {:.0} MB (peak {:.0} MB; anonymous {:.0} MB, file {:.0} MB)\n",
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0,
            anon as f64 / 1024.0,
            file as f64 / 1024.0
        ));
    }
    out.push_str(&format!(
        "mean per response: {:.1} transitions, {:.1} openings\n",
        r.mean_transitions_returned, r.mean_openings_returned
    ));
    if let Some(s) = r.store_seconds {
        out.push_str(&format!(
            "storing {} openings with `upsert_openings`: {s:.0} s ({:.0}/s)\n",
            r.openings,
            r.openings as f64 / s
        ));
    }
    if let Some(s) = r.pg_load_seconds {
        out.push_str(&format!(
            "PostgreSQL opening_skill load and index: {s:.0} s\n"
        ));
    }
    out
}
