//! `reskill-bench titles`: occupation search over real job titles through HTTP, with the
//! semantic part (a server started with the model) and without it (words only) as the peer.
//!
//! Both servers are child processes over the same data folder (a `reskill` data folder holding
//! the full ESCO taxonomy and its vectors). Passes alternate between them, so load from other
//! work on the machine falls on both alike. The titles are the dev job titles that
//! `score.py titles --queries` prints; only the titles are read, never the answers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use crate::client::{self, HttpRequest, RunStats};
use crate::queries::encode;
use crate::serve::ChildServer;
use crate::setup;

/// Options of `reskill-bench titles`.
#[derive(Debug, Clone, clap::Args)]
pub struct TitlesArgs {
    /// A `reskill` data folder (`reskill.db` and `index/`) with the taxonomy and its vectors.
    /// Only read.
    #[arg(long)]
    pub work: PathBuf,
    /// Sentence-embedding model folder for the semantic server.
    #[arg(long)]
    pub model_dir: PathBuf,
    /// Job titles, one a line. Default: what `python3 DATA/dev/score.py titles --queries`
    /// prints.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Shared data bundle (default: RESKILL_SHARED_DATA, else ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Timed passes over all titles, per server (after one untimed warm-up pass each).
    #[arg(long, default_value_t = 3)]
    pub passes: usize,
    /// Hits per page, as the search page asks.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// Everything measured (printed, not written: the data folder is only read).
#[derive(Debug, Serialize)]
struct TitlesResults {
    titles: usize,
    passes: usize,
    semantic: RunStats,
    lexical: RunStats,
    /// `embed_query` alone on each title, in this process while the servers idle.
    embed_only: RunStats,
    semantic_memory_kb: Option<(u64, u64, u64, u64)>,
    lexical_memory_kb: Option<(u64, u64, u64, u64)>,
    load_average: (String, String),
}

fn read_titles(args: &TitlesArgs) -> anyhow::Result<Vec<String>> {
    let text = match &args.queries {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("failed to read {}", path.display()))?,
        None => {
            let data = args.data.clone().unwrap_or_else(setup::default_data_dir);
            let script = data.join("dev/score.py");
            let output = std::process::Command::new("python3")
                .arg(&script)
                .args(["titles", "--queries"])
                .output()
                .with_context(|| format!("failed to run python3 {}", script.display()))?;
            anyhow::ensure!(
                output.status.success(),
                "python3 {} titles --queries failed: {}",
                script.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout)?
        }
    };
    let titles: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(!titles.is_empty(), "no job titles to search");
    Ok(titles)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Runs the occupation-search benchmark.
pub async fn run(args: TitlesArgs) -> anyhow::Result<()> {
    let titles = read_titles(&args)?;
    let load_before = load_average();
    let requests: Arc<Vec<HttpRequest>> = Arc::new(
        titles
            .iter()
            .map(|t| {
                HttpRequest::get(format!(
                    "/api/v1/search/occupations?q={}&limit={}",
                    encode(t),
                    args.limit
                ))
            })
            .collect(),
    );
    let work = args.work.display().to_string();
    let mut semantic_args = vec!["serve-reskill".to_owned(), "--work".into(), work.clone()];
    semantic_args.extend([
        "--model-dir".to_owned(),
        args.model_dir.display().to_string(),
    ]);
    let lexical_args = vec!["serve-reskill".to_owned(), "--work".into(), work];
    let semantic = ChildServer::start(&semantic_args, Duration::from_secs(300)).await?;
    let lexical = ChildServer::start(&lexical_args, Duration::from_secs(300)).await?;
    for (name, server, with_model) in [("semantic", &semantic, true), ("lexical", &lexical, false)]
    {
        let mut connection = client::Connection::open(server.addr).await?;
        let (status, body) = connection.get("/readyz").await?;
        let ready: serde_json::Value = serde_json::from_slice(&body)?;
        eprintln!(
            "{name} server: /readyz {status}, semantic {}",
            ready["semantic"]
        );
        let vectors = ready["semantic"]["occupations"].as_u64().unwrap_or(0);
        anyhow::ensure!(
            status == 200 && (vectors > 0) == with_model,
            "the {name} server is not as expected: {}",
            ready["semantic"]
        );
    }

    let count = requests.len();
    let time_limit = Duration::from_secs(3600);
    let (mut semantic_us, mut lexical_us) = (Vec::new(), Vec::new());
    let (mut semantic_errors, mut lexical_errors) = (0, 0);
    let (mut semantic_seconds, mut lexical_seconds) = (0.0, 0.0);
    for pass in 0..=args.passes {
        for (name, server, latencies, errors, seconds) in [
            (
                "semantic",
                &semantic,
                &mut semantic_us,
                &mut semantic_errors,
                &mut semantic_seconds,
            ),
            (
                "lexical",
                &lexical,
                &mut lexical_us,
                &mut lexical_errors,
                &mut lexical_seconds,
            ),
        ] {
            let raw = client::run_raw(server.addr, requests.clone(), count, 1, time_limit).await?;
            eprintln!(
                "pass {pass} {name}: {} answered in {:.1} s, {} errors",
                raw.latencies_us.len(),
                raw.seconds,
                raw.errors
            );
            // Pass 0 warms the page cache and the index readers.
            if pass > 0 {
                latencies.extend(raw.latencies_us);
                *errors += raw.errors;
                *seconds += raw.seconds;
            }
        }
    }
    // The floor under the semantic part: the query embedding alone, same titles (before the
    // server's abbreviation expansion, which changes few of them).
    let embedder = reskill_server::services::semantic::Semantic::open(&args.model_dir)
        .embedder()
        .cloned()
        .with_context(|| format!("no usable model in {}", args.model_dir.display()))?;
    let embed_only = tokio::task::spawn_blocking(move || -> anyhow::Result<RunStats> {
        for title in titles.iter().take(50) {
            embedder.embed_query(title)?;
        }
        let started = std::time::Instant::now();
        let mut latencies = Vec::with_capacity(titles.len());
        for title in &titles {
            let sent = std::time::Instant::now();
            std::hint::black_box(embedder.embed_query(title)?);
            latencies.push(sent.elapsed().as_micros() as u64);
        }
        Ok(RunStats::from_latencies(
            latencies,
            0,
            started.elapsed().as_secs_f64(),
            0,
        ))
    })
    .await??;
    let results = TitlesResults {
        titles: count,
        passes: args.passes,
        semantic: RunStats::from_latencies(semantic_us, semantic_errors, semantic_seconds, 0),
        lexical: RunStats::from_latencies(lexical_us, lexical_errors, lexical_seconds, 0),
        embed_only,
        semantic_memory_kb: setup::process_memory(semantic.pid()),
        lexical_memory_kb: setup::process_memory(lexical.pid()),
        load_average: (load_before, load_average()),
    };
    semantic.stop();
    lexical.stop();
    println!("{}", serde_json::to_string_pretty(&results)?);
    println!("\n{}", render(&results));
    Ok(())
}

fn render(r: &TitlesResults) -> String {
    let mut out = format!(
        "{} dev job titles × {} passes per server, one connection; load average {} → {}\n\n",
        r.titles, r.passes, r.load_average.0, r.load_average.1
    );
    out.push_str(
        "| server | p50 | p95 | p99 | max | requests/s | errors |\n|---|---|---|---|---|---|---|\n",
    );
    for (name, s) in [
        ("with the model (words + meaning)", &r.semantic),
        ("without a model (words only)", &r.lexical),
        (
            "floor: `embed_query` alone, in-process, one pass",
            &r.embed_only,
        ),
    ] {
        out.push_str(&format!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {} |\n",
            s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms, s.per_second, s.errors
        ));
    }
    for (name, m) in [
        ("with the model", r.semantic_memory_kb),
        ("without", r.lexical_memory_kb),
    ] {
        if let Some((rss, hwm, _, _)) = m {
            out.push_str(&format!(
                "\nserver {name}: RSS {:.0} MB (peak {:.0} MB)",
                rss as f64 / 1024.0,
                hwm as f64 / 1024.0
            ));
        }
    }
    out
}
