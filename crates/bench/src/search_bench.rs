//! `reskill-bench search`: the search benchmark (indexing, query latency, peers).
//!
//! 1. Imports ESCO, Nesta risk and the real courses into a work folder with Reskill's import
//!    services, reads and tags the real postings, and generates N openings.
//! 2. Indexes them into `SearchIndexes` (openings/s, bytes on disk).
//! 3. Runs the query set in-process through `SearchIndexes::search` (the floor), then over HTTP
//!    against Reskill's real router in a child process (latency per class, suggest latency,
//!    multi-word throughput, the server's RSS), then against PostgreSQL and SQLite FTS5 loaded
//!    with the same rows, each behind the same small axum handler in a child process.
//! 4. Prints the tables for docs/BENCHMARKS.md and writes `results-search.json` in the work folder.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use reskill_search::IndexKind;
use reskill_server::services::engine::Engine;
use serde::Serialize;

use crate::client::{self, HttpRequest, RunStats};
use crate::generator::Generator;
use crate::peers::{self, LoadReport};
use crate::queries::{self, QueryClass, QuerySet};
use crate::serve::ChildServer;
use crate::setup::{self, SetupReport};

/// Options of `reskill-bench search`.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// Synthetic openings to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub openings: u64,
    /// Seed of the generator and the query set.
    #[arg(long, default_value_t = 20_261_201)]
    pub seed: u64,
    /// Work folder (database, indexes, FTS5 file, results); reused between runs.
    #[arg(long, default_value = "/tmp/reskill-bench")]
    pub work: PathBuf,
    /// Shared data bundle (default: RESKILL_SHARED_DATA, else ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// PostgreSQL database for the peer (created when missing).
    #[arg(
        long,
        default_value = "postgres://reskill:reskill@127.0.0.1/reskill_bench"
    )]
    pub pg_url: String,
    /// Leave out the PostgreSQL peer.
    #[arg(long)]
    pub skip_pg: bool,
    /// Leave out the SQLite FTS5 peer.
    #[arg(long)]
    pub skip_fts5: bool,
    /// Wipe the work folder's database and indexes first.
    #[arg(long)]
    pub fresh: bool,
    /// Reuse the openings index and the peers' tables when they already hold N rows (indexing
    /// and load figures are then not measured).
    #[arg(long)]
    pub reuse: bool,
    /// Queries drawn per class.
    #[arg(long, default_value_t = 40)]
    pub queries_per_class: usize,
    /// Timed requests per class and system.
    #[arg(long, default_value_t = 400)]
    pub requests: usize,
    /// Concurrent connections for the latency runs.
    #[arg(long, default_value_t = 1)]
    pub latency_concurrency: usize,
    /// Concurrent connections for the multi-word throughput run.
    #[arg(long, default_value_t = 8)]
    pub throughput_concurrency: usize,
    /// Length of the throughput run, seconds.
    #[arg(long, default_value_t = 15.0)]
    pub throughput_seconds: f64,
    /// Longest a class may run per system, seconds (warm-up gets half of it).
    #[arg(long, default_value_t = 60.0)]
    pub class_seconds: f64,
    /// Connections of each peer's pool.
    #[arg(long, default_value_t = 8)]
    pub peer_connections: u32,
    /// Stop after indexing (and writing `queries.json`): a quick indexing measurement.
    #[arg(long)]
    pub index_only: bool,
}

/// One system's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemResult {
    /// Latency per class.
    pub classes: BTreeMap<QueryClass, RunStats>,
    /// Mean `total` per class over the query set (what each system matches).
    pub mean_total: BTreeMap<QueryClass, f64>,
    /// Suggestion latency (Reskill only).
    pub suggest: Option<RunStats>,
    /// Multi-word throughput run.
    pub throughput: Option<RunStats>,
    /// Server memory after the runs, kB: VmRSS, VmHWM, RssAnon, RssFile.
    pub memory_kb: Option<(u64, u64, u64, u64)>,
    /// Loading figures (peers).
    pub load: Option<LoadReport>,
}

/// Everything measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    /// Openings generated.
    pub openings: u64,
    /// Seconds to generate N openings alone.
    pub generate_seconds: f64,
    /// Seconds to generate and index N openings (one rebuild, including the commit).
    pub index_seconds: Option<f64>,
    /// Openings index on disk, bytes.
    pub openings_index_bytes: u64,
    /// All four indexes on disk, bytes.
    pub all_index_bytes: u64,
    /// Documents per index.
    pub doc_counts: BTreeMap<String, u64>,
    /// Setup figures.
    pub setup: SetupReport,
    /// Bare `SearchIndexes::search` in-process.
    pub bare: SystemResult,
    /// Reskill over HTTP.
    pub reskill: SystemResult,
    /// PostgreSQL.
    pub postgres: Option<SystemResult>,
    /// SQLite FTS5.
    pub fts5: Option<SystemResult>,
    /// Load average at the start and the end.
    pub load_average: (String, String),
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Runs the whole search benchmark.
pub async fn run(args: SearchArgs) -> anyhow::Result<()> {
    let data = args.data.clone().unwrap_or_else(setup::default_data_dir);
    let work = args.work.clone();
    let mut results = SearchResults {
        openings: args.openings,
        load_average: (load_average(), String::new()),
        ..SearchResults::default()
    };
    eprintln!("setup: {} (data {})", work.display(), data.display());
    if !args.skip_pg && !args.index_only {
        // Before minutes of indexing, not after.
        peers::pg_row_count(&args.pg_url)
            .await
            .with_context(|| format!("PostgreSQL at {} (or pass --skip-pg)", args.pg_url))?;
    }
    let tagger = setup::load_tagger(&data, &mut results.setup)?;
    let (db, search) =
        setup::open_work(&work, &data, args.fresh, &tagger, &mut results.setup).await?;
    let engine = Engine::load(&db, Default::default()).await?;
    let corpus = setup::build_corpus(&data, &tagger, &engine, &mut results.setup)?;
    drop(tagger);
    let anchor = setup::default_anchor();
    let generator = Generator::new(&corpus, args.seed, anchor);
    let n = args.openings;

    // Generation alone, so the indexing figure can be read without it.
    let started = Instant::now();
    let mut checksum = 0usize;
    for opening in generator.openings(n) {
        checksum = checksum.wrapping_add(std::hint::black_box(opening.to_doc()).description.len());
    }
    results.generate_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "generate: {n} openings in {:.1} s ({:.0}/s, {:.0} MB of descriptions)",
        results.generate_seconds,
        n as f64 / results.generate_seconds,
        checksum as f64 / 1e6
    );

    if args.reuse && search.doc_count(IndexKind::Openings) == n {
        eprintln!("index: reusing the openings index ({n} documents)");
    } else {
        let watermark = reskill_store::changes::last_change_id(&db)
            .await?
            .unwrap_or(0);
        let started = Instant::now();
        let search2 = search.clone();
        let docs = generator.openings(n).map(|o| o.to_doc());
        let count = tokio::task::block_in_place(|| {
            search2.rebuild(IndexKind::Openings, docs, Some(watermark), |done| {
                if done.is_multiple_of(100_000) {
                    eprintln!(
                        "  indexed {done} in {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            })
        })?;
        let seconds = started.elapsed().as_secs_f64();
        results.index_seconds = Some(seconds);
        eprintln!(
            "index: {count} openings in {seconds:.1} s = {:.0}/s including generation ({:.0}/s without)",
            count as f64 / seconds,
            count as f64 / (seconds - results.generate_seconds).max(1e-9)
        );
    }
    results.openings_index_bytes = setup::disk_usage(&setup::index_dir(&work).join("openings"));
    results.all_index_bytes = setup::disk_usage(&setup::index_dir(&work));
    for kind in IndexKind::ALL {
        results
            .doc_counts
            .insert(kind.to_string(), search.doc_count(kind));
    }
    eprintln!(
        "index size: openings {:.0} MB, all four {:.0} MB; documents {:?}",
        results.openings_index_bytes as f64 / 1e6,
        results.all_index_bytes as f64 / 1e6,
        results.doc_counts
    );

    let queries = queries::build(&corpus, args.seed, args.queries_per_class);
    std::fs::write(
        work.join("queries.json"),
        serde_json::to_string_pretty(&queries)?,
    )?;
    if args.index_only {
        return Ok(());
    }

    // The floor: SearchIndexes::search in-process, one query at a time.
    eprintln!("bare: SearchIndexes::search in-process");
    results.bare =
        tokio::task::block_in_place(|| bare(&search, &queries, args.requests, args.class_seconds))?;
    print_class_line("bare", &results.bare);
    drop(search);
    db.close().await?;
    drop(engine);

    // Reskill over HTTP.
    let options = HttpRunOptions::from(&args);
    eprintln!("reskill: the real router in a child process");
    let server = ChildServer::start(
        &[
            "serve-reskill".into(),
            "--work".into(),
            work.display().to_string(),
        ],
        Duration::from_secs(600),
    )
    .await?;
    results.reskill =
        http_runs(server.addr, &queries, &options, |q| q.reskill_path(), true).await?;
    results.reskill.memory_kb = setup::process_memory(server.pid());
    server.stop();
    print_class_line("reskill", &results.reskill);

    let generator = Generator::new(&corpus, args.seed, anchor);
    if !args.skip_pg {
        eprintln!("postgres: {}", args.pg_url);
        let load = if args.reuse
            && peers::pg_row_count(&args.pg_url).await.ok().flatten() == Some(n as i64)
        {
            eprintln!("  reusing the table");
            None
        } else {
            let load = peers::load_pg(&args.pg_url, &generator, n).await?;
            eprintln!("  loaded: {load:?}");
            Some(load)
        };
        let server = ChildServer::start(
            &[
                "serve-peer".into(),
                "--system".into(),
                "postgres".into(),
                "--pg-url".into(),
                args.pg_url.clone(),
                "--connections".into(),
                args.peer_connections.to_string(),
            ],
            Duration::from_secs(60),
        )
        .await?;
        let mut result =
            http_runs(server.addr, &queries, &options, |q| q.peer_path(), false).await?;
        result.load = load;
        server.stop();
        print_class_line("postgres", &result);
        results.postgres = Some(result);
    }
    if !args.skip_fts5 {
        let path = work.join("fts5.db");
        eprintln!("fts5: {}", path.display());
        let load =
            if args.reuse && peers::fts5_row_count(&path).await.ok().flatten() == Some(n as i64) {
                eprintln!("  reusing the file");
                None
            } else {
                let load = peers::load_fts5(&path, &generator, n).await?;
                eprintln!("  loaded: {load:?}");
                Some(load)
            };
        let server = ChildServer::start(
            &[
                "serve-peer".into(),
                "--system".into(),
                "fts5".into(),
                "--fts5".into(),
                path.display().to_string(),
                "--connections".into(),
                args.peer_connections.to_string(),
            ],
            Duration::from_secs(60),
        )
        .await?;
        let mut result =
            http_runs(server.addr, &queries, &options, |q| q.peer_path(), false).await?;
        result.load = load;
        server.stop();
        print_class_line("fts5", &result);
        results.fts5 = Some(result);
    }
    results.load_average.1 = load_average();
    let path = work.join("results-search.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)
        .with_context(|| format!("failed to write {}", path.display()))?;
    println!("{}", report(&results, &args));
    eprintln!("results written to {}", path.display());
    Ok(())
}

/// Arguments of `reskill-bench probe`.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// Work folder of an earlier `search` run.
    #[arg(long, default_value = "/tmp/reskill-bench")]
    pub work: PathBuf,
    /// Timed requests per class.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Also query Reskill's router over HTTP in a child process, as `search` does.
    #[arg(long)]
    pub http: bool,
    /// Longest a class may run, seconds.
    #[arg(long, default_value_t = 20.0)]
    pub class_seconds: f64,
}

/// What an HTTP run of the query set does.
struct HttpRunOptions {
    requests: usize,
    latency_concurrency: usize,
    class_seconds: f64,
    throughput_concurrency: usize,
    throughput_seconds: f64,
}

impl From<&SearchArgs> for HttpRunOptions {
    fn from(args: &SearchArgs) -> Self {
        Self {
            requests: args.requests,
            latency_concurrency: args.latency_concurrency,
            class_seconds: args.class_seconds,
            throughput_concurrency: args.throughput_concurrency,
            throughput_seconds: args.throughput_seconds,
        }
    }
}

/// Runs the bare in-process loop on a work folder's index and query set, and with `--http` the
/// same queries through Reskill's router.
pub async fn probe(args: ProbeArgs) -> anyhow::Result<()> {
    let queries: QuerySet = serde_json::from_slice(
        &std::fs::read(args.work.join("queries.json")).context("read queries.json")?,
    )?;
    let search = reskill_search::SearchIndexes::open_or_create(&setup::index_dir(&args.work))?;
    let result =
        tokio::task::block_in_place(|| bare(&search, &queries, args.requests, args.class_seconds))?;
    drop(search);
    if args.http {
        let server = ChildServer::start(
            &[
                "serve-reskill".into(),
                "--work".into(),
                args.work.display().to_string(),
            ],
            Duration::from_secs(600),
        )
        .await?;
        let options = HttpRunOptions {
            requests: args.requests,
            latency_concurrency: 1,
            class_seconds: args.class_seconds,
            throughput_concurrency: 8,
            throughput_seconds: 5.0,
        };
        let http = http_runs(server.addr, &queries, &options, |q| q.reskill_path(), true).await?;
        print_class_line("reskill", &http);
    }
    for (class, stats) in &result.classes {
        println!(
            "{:<12} p50 {:>8} p99 {:>8}  mean total {:.0}",
            class.as_str(),
            ms(stats.p50_ms),
            ms(stats.p99_ms),
            result.mean_total.get(class).copied().unwrap_or(0.0)
        );
    }
    if let Some(s) = &result.suggest {
        println!(
            "{:<12} p50 {:>8} p99 {:>8}",
            "suggest",
            ms(s.p50_ms),
            ms(s.p99_ms)
        );
    }
    Ok(())
}

fn bare(
    search: &reskill_search::SearchIndexes,
    queries: &QuerySet,
    requests_per_class: usize,
    class_seconds: f64,
) -> anyhow::Result<SystemResult> {
    let mut result = SystemResult::default();
    let limit = Duration::from_secs_f64(class_seconds);
    for (class, list) in &queries.searches {
        let requests: Vec<_> = list.iter().map(|q| q.search_request()).collect();
        let mut total = 0u64;
        // RESKILL_PROBE_EACH=1 lists each query's time (best of 3) and total: where the tail is.
        let each = std::env::var_os("RESKILL_PROBE_EACH").is_some();
        for request in &requests {
            let found = search.search(IndexKind::Openings, request)?.total;
            total += found;
            if each {
                let best = (0..3)
                    .map(|_| {
                        let sent = Instant::now();
                        let _ = search.search(IndexKind::Openings, request);
                        sent.elapsed().as_secs_f64() * 1e3
                    })
                    .fold(f64::INFINITY, f64::min);
                eprintln!(
                    "{:<12} {best:>8.2} ms  {found:>6}  {:?}",
                    class.as_str(),
                    request.q
                );
            }
        }
        result
            .mean_total
            .insert(*class, total as f64 / requests.len().max(1) as f64);
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(requests_per_class);
        for i in 0..requests_per_class {
            if started.elapsed() >= limit {
                break;
            }
            let sent = Instant::now();
            std::hint::black_box(
                search.search(IndexKind::Openings, &requests[i % requests.len()])?,
            );
            latencies.push(sent.elapsed().as_micros() as u64);
        }
        result.classes.insert(
            *class,
            RunStats::from_latencies(latencies, 0, started.elapsed().as_secs_f64(), 0),
        );
    }
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(requests_per_class);
    for prefix in &queries.suggest {
        search.suggest(IndexKind::Openings, prefix, queries::SUGGESTIONS)?;
    }
    for i in 0..requests_per_class {
        let sent = Instant::now();
        std::hint::black_box(search.suggest(
            IndexKind::Openings,
            &queries.suggest[i % queries.suggest.len()],
            queries::SUGGESTIONS,
        )?);
        latencies.push(sent.elapsed().as_micros() as u64);
    }
    result.suggest = Some(RunStats::from_latencies(
        latencies,
        0,
        started.elapsed().as_secs_f64(),
        0,
    ));
    Ok(result)
}

/// Reads the `total` field of a JSON search response.
fn total_of(body: &[u8]) -> Option<f64> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("total")?
        .as_f64()
}

async fn http_runs(
    addr: std::net::SocketAddr,
    queries: &QuerySet,
    args: &HttpRunOptions,
    path: impl Fn(&queries::BenchQuery) -> String,
    with_suggest: bool,
) -> anyhow::Result<SystemResult> {
    let mut result = SystemResult::default();
    let limit = Duration::from_secs_f64(args.class_seconds);
    for (class, list) in &queries.searches {
        let paths: Arc<Vec<HttpRequest>> =
            Arc::new(list.iter().map(|q| HttpRequest::get(path(q))).collect());
        // Warm-up and what each system matches: every query once, in order.
        let started = Instant::now();
        let mut connection = client::Connection::open(addr).await?;
        let (mut total, mut seen) = (0.0, 0usize);
        for p in paths.iter() {
            if started.elapsed() >= limit / 2 {
                break;
            }
            let (status, body) = connection.send(p).await?;
            anyhow::ensure!(
                status == 200,
                "HTTP {status} for {}: {}",
                p.path,
                String::from_utf8_lossy(&body)
            );
            total += total_of(&body).unwrap_or(0.0);
            seen += 1;
        }
        result.mean_total.insert(*class, total / seen.max(1) as f64);
        let stats =
            client::run(addr, paths, args.requests, args.latency_concurrency, limit).await?;
        eprintln!(
            "  {:<12} p50 {:>8.2} ms  p99 {:>8.2} ms  ({} requests, {} errors, mean total {:.0})",
            class.as_str(),
            stats.p50_ms,
            stats.p99_ms,
            stats.requests,
            stats.errors,
            result.mean_total[class]
        );
        result.classes.insert(*class, stats);
    }
    if with_suggest {
        let paths: Arc<Vec<HttpRequest>> = Arc::new(
            queries
                .suggest
                .iter()
                .map(|p| {
                    HttpRequest::get(format!(
                        "/api/v1/suggest?kind=openings&q={}&limit={}",
                        queries::encode(p),
                        queries::SUGGESTIONS
                    ))
                })
                .collect(),
        );
        client::run(addr, paths.clone(), paths.len(), 1, limit).await?;
        let stats =
            client::run(addr, paths, args.requests, args.latency_concurrency, limit).await?;
        eprintln!(
            "  {:<12} p50 {:>8.2} ms  p99 {:>8.2} ms  ({} requests, {} errors)",
            "suggest", stats.p50_ms, stats.p99_ms, stats.requests, stats.errors
        );
        result.suggest = Some(stats);
    }
    let multi = queries
        .searches
        .iter()
        .find(|(c, _)| *c == QueryClass::Multi)
        .map(|(_, l)| {
            l.iter()
                .map(|q| HttpRequest::get(path(q)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let stats = client::run(
        addr,
        Arc::new(multi),
        usize::MAX,
        args.throughput_concurrency,
        Duration::from_secs_f64(args.throughput_seconds),
    )
    .await?;
    eprintln!(
        "  throughput multi-word, {} connections: {:.1} req/s (p50 {:.2} ms, p99 {:.2} ms, {} errors)",
        args.throughput_concurrency, stats.per_second, stats.p50_ms, stats.p99_ms, stats.errors
    );
    result.throughput = Some(stats);
    Ok(result)
}

fn print_class_line(name: &str, result: &SystemResult) {
    let line: Vec<String> = result
        .classes
        .iter()
        .map(|(c, s)| format!("{} {:.2}/{:.2}", c.as_str(), s.p50_ms, s.p99_ms))
        .collect();
    eprintln!("{name}: p50/p99 ms: {}", line.join("; "));
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.0} ms")
    }
}

/// Renders the Markdown tables for docs/BENCHMARKS.md.
pub fn report(r: &SearchResults, args: &SearchArgs) -> String {
    let mut out = String::new();
    let n = r.openings;
    out.push_str(&format!(
        "openings: {n}; load average {} at start, {} at end\n\n",
        r.load_average.0, r.load_average.1
    ));
    out.push_str("| class | Reskill HTTP p50 / p99 | bare `SearchIndexes::search` p50 / p99 | PostgreSQL p50 / p99 | SQLite FTS5 p50 / p99 | mean matches Reskill / PG / FTS5 |\n|---|---|---|---|---|---|\n");
    let cell = |s: Option<&SystemResult>, c: QueryClass| {
        s.and_then(|s| s.classes.get(&c))
            .map_or("–".to_owned(), |x| {
                format!("{} / {}", ms(x.p50_ms), ms(x.p99_ms))
            })
    };
    let total = |s: Option<&SystemResult>, c: QueryClass| {
        s.and_then(|s| s.mean_total.get(&c))
            .map_or("–".to_owned(), |t| format!("{t:.0}"))
    };
    for class in QueryClass::ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} / {} / {} |\n",
            class.as_str(),
            cell(Some(&r.reskill), class),
            cell(Some(&r.bare), class),
            cell(r.postgres.as_ref(), class),
            cell(r.fts5.as_ref(), class),
            total(Some(&r.reskill), class),
            total(r.postgres.as_ref(), class),
            total(r.fts5.as_ref(), class),
        ));
    }
    let suggest = |s: &SystemResult| {
        s.suggest.as_ref().map_or("–".to_owned(), |x| {
            format!("{} / {}", ms(x.p50_ms), ms(x.p99_ms))
        })
    };
    out.push_str(&format!(
        "| suggest (openings) | {} | {} | – | – | |\n\n",
        suggest(&r.reskill),
        suggest(&r.bare)
    ));

    // Targets.
    let mut rows: Vec<[String; 6]> = Vec::new();
    let met = |ok: bool| {
        if ok {
            "yes".to_owned()
        } else {
            "**no**".to_owned()
        }
    };
    if let Some(seconds) = r.index_seconds {
        let rate = n as f64 / seconds;
        rows.push([
            format!(
                "indexing {n} openings (generation included; {:.1} s of it)",
                r.generate_seconds
            ),
            format!("{rate:.0} openings/s ({seconds:.1} s)"),
            r.postgres
                .as_ref()
                .and_then(|p| p.load.as_ref())
                .map_or("–".into(), |l| {
                    format!(
                        "PG COPY + GIN: {:.0} openings/s",
                        n as f64 / (l.rows_seconds + l.index_seconds)
                    )
                }),
            "–".into(),
            "≥ 15,000/s".into(),
            met(rate >= 15_000.0),
        ]);
    }
    rows.push([
        "openings index on disk (all four indexes)".into(),
        format!(
            "{:.0} MB ({:.0} MB)",
            r.openings_index_bytes as f64 / 1e6,
            r.all_index_bytes as f64 / 1e6
        ),
        format!(
            "PG table + indexes {}; FTS5 file {}",
            r.postgres
                .as_ref()
                .and_then(|p| p.load.as_ref())
                .map_or("–".into(), |l| format!(
                    "{:.0} MB",
                    l.bytes_on_disk as f64 / 1e6
                )),
            r.fts5
                .as_ref()
                .and_then(|p| p.load.as_ref())
                .map_or("–".into(), |l| format!(
                    "{:.0} MB",
                    l.bytes_on_disk as f64 / 1e6
                )),
        ),
        "–".into(),
        "–".into(),
        "–".into(),
    ]);
    let reskill_tp = r
        .reskill
        .throughput
        .as_ref()
        .map_or(f64::NAN, |t| t.per_second);
    for (name, peer, target) in [
        ("PostgreSQL", r.postgres.as_ref(), 10.0),
        ("SQLite FTS5", r.fts5.as_ref(), 3.0),
    ] {
        if let Some(peer) = peer {
            let tp = peer.throughput.as_ref().map_or(f64::NAN, |t| t.per_second);
            rows.push([
                format!(
                    "multi-word throughput, {} connections",
                    args.throughput_concurrency
                ),
                format!("{reskill_tp:.0} req/s"),
                format!("{name} {tp:.1} req/s"),
                format!("{:.1}×", reskill_tp / tp),
                format!("≥ {target}×"),
                met(reskill_tp / tp >= target),
            ]);
        }
    }
    let classes: Vec<QueryClass> = QueryClass::ALL.to_vec();
    let worst_ratio = classes
        .iter()
        .filter_map(|c| {
            let http = r.reskill.classes.get(c)?.p50_ms;
            let bare = r.bare.classes.get(c)?.p50_ms;
            Some((*c, http, bare, http <= 1.5 * bare + 0.5))
        })
        .collect::<Vec<_>>();
    for (class, http, bare, ok) in &worst_ratio {
        rows.push([
            format!("Reskill HTTP p50 vs bare, {}", class.as_str()),
            ms(*http),
            format!("bare {}", ms(*bare)),
            format!("{:.2}× ({:+.2} ms)", http / bare, http - bare),
            "≤ 1.5× + 0.5 ms".into(),
            met(*ok),
        ]);
    }
    if let Some(s) = &r.reskill.suggest {
        rows.push([
            "suggest p99 (openings, HTTP)".into(),
            ms(s.p99_ms),
            "–".into(),
            "–".into(),
            "< 5 ms".into(),
            met(s.p99_ms < 5.0),
        ]);
    }
    let all: Vec<&RunStats> = r.reskill.classes.values().collect();
    let worst_p50 = all.iter().map(|s| s.p50_ms).fold(0.0, f64::max);
    let worst_p99 = all.iter().map(|s| s.p99_ms).fold(0.0, f64::max);
    rows.push([
        "openings search p50, worst class (HTTP)".into(),
        ms(worst_p50),
        "–".into(),
        "–".into(),
        "< 3 ms".into(),
        met(worst_p50 < 3.0),
    ]);
    rows.push([
        "openings search p99, worst class (HTTP)".into(),
        ms(worst_p99),
        "–".into(),
        "–".into(),
        "< 15 ms".into(),
        met(worst_p99 < 15.0),
    ]);
    if let Some((rss, hwm, anon, file)) = r.reskill.memory_kb {
        rows.push([
            "server RSS with every index open, after the runs".into(),
            format!(
                "{:.0} MB (peak {:.0} MB; anonymous {:.0} MB, file-backed {:.0} MB)",
                rss as f64 / 1024.0,
                hwm as f64 / 1024.0,
                anon as f64 / 1024.0,
                file as f64 / 1024.0
            ),
            "–".into(),
            "–".into(),
            "< 1.5 GB".into(),
            met((hwm as f64) < 1.5 * 1024.0 * 1024.0),
        ]);
    }
    out.push_str("| what | measured | peer | ratio | target | met? |\n|---|---|---|---|---|---|\n");
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    for (name, peer) in [
        ("PostgreSQL", r.postgres.as_ref()),
        ("SQLite FTS5", r.fts5.as_ref()),
    ] {
        if let Some(load) = peer.and_then(|p| p.load.as_ref()) {
            out.push_str(&format!(
                "\n{name} load: rows {:.1} s, full-text index {:.1} s, other indexes and statistics {:.1} s, {:.0} MB on disk{}",
                load.rows_seconds,
                load.index_seconds,
                load.other_seconds,
                load.bytes_on_disk as f64 / 1e6,
                load.fulltext_bytes
                    .map_or(String::new(), |b| format!(" (GIN index {:.0} MB)", b as f64 / 1e6))
            ));
        }
    }
    out.push('\n');
    out
}
