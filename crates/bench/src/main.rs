//! `reskill-bench`: Reskill's benchmarks, run by hand (never in `cargo test`), figures recorded
//! in docs/BENCHMARKS.md.
//!
//! * `reskill-bench search [--openings N]` — indexing throughput and size, HTTP query
//!   latency per class and suggest latency on Reskill's real router, multi-word throughput, the
//!   server's RSS; PostgreSQL full-text search and SQLite FTS5 on the same rows and queries, and
//!   bare `SearchIndexes::search` as the floor.
//! * `reskill-bench recommend [--openings N]` — a complete recommendation with 1M
//!   openings stored, against dense-vector, naive-loop and SQL join-and-aggregate baselines.
//! * `reskill-bench titles --work DATA_DIR --model-dir MODEL` — occupation search over the dev
//!   job titles through HTTP, a server with the model against one without (words only).
//! * `reskill-bench mail [--messages N] [--database-url URL]` — the outbox sender
//!   draining N emails to Postfix's smtp-sink, pooled against one connection per message, and
//!   the bare claim rate of the outbox query.
//! * `serve-reskill` and `serve-peer` are the child processes the benchmarks start.

mod client;
mod corpus;
mod generator;
mod mail_bench;
mod peers;
mod queries;
mod recommend_bench;
mod rng;
mod search_bench;
mod serve;
mod setup;
mod titles_bench;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "reskill-bench", about = "Reskill's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PeerSystem {
    Postgres,
    Fts5,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The search benchmark: indexing, query latency and peers.
    Search(search_bench::SearchArgs),
    /// The matching benchmark: a complete recommendation at 1M openings.
    Recommend(recommend_bench::RecommendArgs),
    /// Occupation search over real job titles through HTTP, with the model and without.
    Titles(titles_bench::TitlesArgs),
    /// Bare `SearchIndexes::search` over the index and `queries.json` a `search` run left in a
    /// work folder: a quick check while tuning queries, not a benchmark of record.
    Probe(search_bench::ProbeArgs),
    /// The outbox sender benchmark: 100,000 emails to Postfix's smtp-sink.
    Mail(mail_bench::MailArgs),
    /// Serves Reskill's router over a benchmark work folder (started by `search`).
    ServeReskill {
        /// Work folder.
        #[arg(long)]
        work: PathBuf,
        /// Listen address.
        #[arg(long)]
        bind: SocketAddr,
        /// Sentence-embedding model folder: transitions then rank by similarity, as `reskill
        /// serve` does with a model.
        #[arg(long)]
        model_dir: Option<PathBuf>,
    },
    /// Serves a peer's search handler (started by `search`).
    ServePeer {
        /// Which peer.
        #[arg(long, value_enum)]
        system: PeerSystem,
        /// PostgreSQL URL.
        #[arg(
            long,
            default_value = "postgres://reskill:reskill@127.0.0.1/reskill_bench"
        )]
        pg_url: String,
        /// FTS5 database file.
        #[arg(long)]
        fts5: Option<PathBuf>,
        /// Pool size.
        #[arg(long, default_value_t = 8)]
        connections: u32,
        /// Listen address.
        #[arg(long)]
        bind: SocketAddr,
    },
}

// The same allocator as the `reskill` binary, so the child servers measure what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: failed to start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Search(args) => search_bench::run(args).await,
            Command::Recommend(args) => recommend_bench::run(args).await,
            Command::Titles(args) => titles_bench::run(args).await,
            Command::Probe(args) => search_bench::probe(args).await,
            Command::Mail(args) => mail_bench::run(args).await,
            Command::ServeReskill {
                work,
                bind,
                model_dir,
            } => serve::serve_reskill(&work, bind, model_dir.as_deref()).await,
            Command::ServePeer {
                system,
                pg_url,
                fts5,
                connections,
                bind,
            } => {
                let peer = match system {
                    PeerSystem::Postgres => peers::Peer::postgres(&pg_url, connections).await?,
                    PeerSystem::Fts5 => {
                        let path =
                            fts5.ok_or_else(|| anyhow::anyhow!("--fts5 FILE is required"))?;
                        peers::Peer::fts5(&path, connections).await?
                    }
                };
                serve::serve_peer(peer, bind).await
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
