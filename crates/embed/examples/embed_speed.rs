//! Times the embedder on this machine: one short query (p50/p99 latency) and a file of texts
//! (throughput), plus an exact `VectorIndex::top_k` over 100k random rows.
//!
//! ```text
//! cargo run --release -p reskill-embed --example embed_speed -- MODEL_DIR [TEXTS_FILE [N]]
//! ```
//!
//! TEXTS_FILE has one text per line; the first N (default 5000) are embedded in one `embed`
//! call, which batches them itself.

use std::time::{Duration, Instant};

use reskill_embed::{Embedder, VectorIndex};

const WARM_UPS: usize = 10;
const QUERY_RUNS: usize = 200;
const INDEX_ROWS: usize = 100_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: embed_speed MODEL_DIR [TEXTS_FILE [N]]")?;
    let texts_file = args.next();
    let n: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5000);

    println!(
        "candle threads: {} (RAYON_NUM_THREADS / CANDLE_NUM_THREADS override)",
        candle_core::utils::get_num_threads()
    );
    let started = Instant::now();
    let embedder = Embedder::load(std::path::Path::new(&dir))?;
    println!(
        "loaded {} ({} dims) in {:.2?}; rss {}",
        embedder.model().name,
        embedder.dimensions(),
        started.elapsed(),
        memory()
    );

    let query = "forklift driver";
    for _ in 0..WARM_UPS {
        embedder.embed_query(query)?;
    }
    let mut times: Vec<Duration> = (0..QUERY_RUNS)
        .map(|_| {
            let started = Instant::now();
            embedder.embed_query(query).map(|_| started.elapsed())
        })
        .collect::<Result<_, _>>()?;
    times.sort();
    println!(
        "one query {query:?}: p50 {:.2?}, p99 {:.2?} over {QUERY_RUNS} runs",
        times[QUERY_RUNS / 2],
        times[QUERY_RUNS * 99 / 100]
    );

    if let Some(file) = texts_file {
        let content = std::fs::read_to_string(&file)?;
        let texts: Vec<&str> = content.lines().take(n).collect();
        let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
        let started = Instant::now();
        let vectors = embedder.embed(&texts)?;
        let elapsed = started.elapsed();
        println!(
            "{} texts from {file} (mean {:.0} chars): {:.2?}, {:.0} texts/s; rss {}",
            vectors.len(),
            chars as f64 / texts.len().max(1) as f64,
            elapsed,
            texts.len() as f64 / elapsed.as_secs_f64(),
            memory()
        );
    }

    let dims = embedder.dimensions();
    let mut index = VectorIndex::new(dims);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut row = vec![0.0f32; dims];
    for id in 0..INDEX_ROWS {
        for x in &mut row {
            // xorshift64: a fixed pseudo-random fill, no dependency needed.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *x = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
        index.push((id / 3) as i64, &row)?;
    }
    let query = embedder.embed_query("operate forklift trucks")?;
    let mut times: Vec<Duration> = (0..50)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(index.top_k(&query, 20));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "top_k(20) over {INDEX_ROWS} rows x {dims} dims: p50 {:.2?}, max {:.2?}",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    Ok(())
}

/// Returns the process's current and peak resident memory, where Linux reports them.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .map(|line| line[name.len()..].trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    format!("{} (peak {})", field("VmRSS:"), field("VmHWM:"))
}
