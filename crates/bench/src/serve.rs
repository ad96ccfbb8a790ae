//! The servers the benchmarks query, each run as a child process of the benchmark so its memory
//! and CPU are its own: Reskill's real router over a work folder, and the peers' handler.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use reskill_search::SearchIndexes;
use reskill_server::services::engine::Engine;
use reskill_server::services::semantic::Semantic;
use reskill_server::templates::Templates;
use reskill_server::{App, AppState, ServerConfig};
use tokio::net::TcpListener;

use crate::peers::Peer;
use crate::setup;

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
}

/// Serves Reskill's router (`reskill_server::routes::router`) with a real [`AppState`] over the
/// work folder's database and indexes, as `reskill serve` builds it (without the change-log
/// follower and engine watcher: nothing writes during a benchmark). With `model_dir`, the
/// stored vectors attach the transition similarity as `reskill serve` attaches them.
pub async fn serve_reskill(
    work: &Path,
    bind: SocketAddr,
    model_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let db = reskill_store::db::connect(&setup::database_url(work)).await?;
    let search = SearchIndexes::open_or_create(&setup::index_dir(work))?;
    let semantic = Arc::new(match model_dir {
        Some(dir) => Semantic::open(dir),
        None => Semantic::unavailable("no model folder given"),
    });
    semantic.reload(&db).await?;
    let engine = Engine::load(&db, Default::default())
        .await
        .context("failed to load the matching engine")?
        .with_similarity(semantic.similarity_input().as_deref());
    eprintln!(
        "serve-reskill: transitions rank by {}",
        if engine.taxonomy.has_similarity() {
            "similarity"
        } else {
            "fit"
        }
    );
    let state = AppState::new(App {
        engine: RwLock::new(Arc::new(engine)),
        db,
        search,
        templates: Templates::load().context("failed to load page templates")?,
        config: ServerConfig {
            data_dir: work.to_owned(),
            http: Default::default(),
        },
        metrics: Default::default(),
        // Tests and benchmarks call search from one address, far above a person's rate.
        search_limiter: reskill_server::middleware::RateLimiter::new(None, 0.0),
        semantic,
        // Benchmarks call public routes only; a throwaway key is enough.
        auth: reskill_server::auth::Auth::new(
            &reskill_server::auth::SigningKey::random(),
            Default::default(),
        ),
        indexing: Default::default(),
    });
    let listener = TcpListener::bind(bind).await?;
    reskill_server::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// Serves the peers' handler over PostgreSQL or the FTS5 file.
pub async fn serve_peer(peer: Peer, bind: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(bind).await?;
    axum::serve(listener, crate::peers::router(peer))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// A server running as a child process; killed when dropped.
pub struct ChildServer {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ChildServer {
    /// Starts `reskill-bench ARGS --bind 127.0.0.1:PORT` on a free port and waits until
    /// `/healthz` answers.
    pub async fn start(args: &[String], ready_timeout: Duration) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let exe: PathBuf = std::env::current_exe()?;
        let child = Command::new(exe)
            .args(args)
            .arg("--bind")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .spawn()
            .context("failed to start a server process")?;
        let mut server = Self { child, addr };
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("the server process exited early: {status}");
            }
            if crate::client::wait_ready(addr, "/healthz", Duration::from_millis(1))
                .await
                .is_ok()
            {
                return Ok(server);
            }
            anyhow::ensure!(
                started.elapsed() < ready_timeout,
                "the server did not answer /healthz within {ready_timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Returns the child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the child.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}
