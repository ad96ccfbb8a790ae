//! `reskill serve`: the web server and API.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{ServeArgs, Settings};
use reskill_server::services::indexing::IndexMaintenance;
use reskill_server::services::semantic::{self, Semantic};
use reskill_server::startup::Startup;
use reskill_server::{App, AppState, ServerConfig, templates::Templates};

/// Opens the database and the index writers, binds the port, then (answering `/healthz` and a
/// 503 `/readyz` meanwhile) loads the demo into an empty embedded default database (or with
/// `--demo`), repairs the indexes and loads the matching engine; serves until Ctrl-C or SIGTERM.
pub async fn run(settings: &Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(warning) = settings.public_url_warning() {
        tracing::warn!("{warning}");
    }
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    search.open_writers().with_context(|| {
        format!(
            "another process is writing the search indexes in {}: is a server already running on \
             this data folder?",
            settings.index_dir().display()
        )
    })?;
    // Bound before the slow work (an index rebuild takes tens of seconds per million
    // openings), so supervisors see the process alive and balancers see it not ready yet.
    let listener = TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("failed to listen on {}", args.bind))?;
    tracing::info!("Reskill is listening on http://{}", listener.local_addr()?);
    let startup = Startup::new("checking the database");
    let mut server = tokio::spawn(reskill_server::startup::serve_while_starting(
        listener,
        startup.clone(),
        shutdown_signal(),
    ));
    let indexing = std::sync::Arc::new(IndexMaintenance::default());
    // Tails the change log so writes reach search within a second; stopped after the server.
    let (stop_following, mut stop_requested) = tokio::sync::watch::channel(());
    let started = tokio::select! {
        started = start(settings, &args, db, search, &startup, &indexing, async move {
            let _ = stop_requested.changed().await;
        }) => started?,
        served = &mut server => {
            // Stopped (a signal) before it was ready: nothing was half-done that a restart
            // does not repair from the database.
            served.map_err(std::io::Error::other)??;
            tracing::info!("stopped while starting");
            return Ok(());
        }
    };
    let Started {
        state,
        follower,
        mailer,
    } = started;
    startup.finish(state.clone());
    // Texts imported while no model was present get their vectors in the background; the
    // server answers meanwhile, matching words for what has none yet.
    let embedding = spawn_missing_embeddings(state.clone());
    // Imports run by `reskill import` (or another replica) reach this server's engine.
    let engine_watcher = reskill_server::services::engine::spawn_reload_watcher(
        state.clone(),
        std::time::Duration::from_secs(15),
    );
    // The outbox sender and the weekly schedule; stopped after the server, like the follower.
    let (stop_mail, mail_stop_requested) = tokio::sync::watch::channel(());
    let stopped = |mut receiver: tokio::sync::watch::Receiver<()>| async move {
        let _ = receiver.changed().await;
    };
    let sender = tokio::spawn(reskill_server::services::mail::run_sender(
        state.db.clone(),
        mailer,
        settings.mail.interval,
        stopped(mail_stop_requested.clone()),
    ));
    let schedule = settings.mail.digest_interval.map(|interval| {
        tokio::spawn(reskill_server::services::digests::run_schedule(
            state.clone(),
            interval,
            stopped(mail_stop_requested.clone()),
        ))
    });
    let served = server
        .await
        .unwrap_or_else(|error| Err(std::io::Error::other(error)));
    drop(stop_following);
    if let Err(error) = follower.await {
        tracing::error!(%error, "the change-log follower failed");
    }
    drop(stop_mail);
    if let Err(error) = sender.await {
        tracing::error!(%error, "the mail sender failed");
    }
    if let Some(schedule) = schedule
        && let Err(error) = schedule.await
    {
        tracing::error!(%error, "the weekly email schedule failed");
    }
    served?;
    engine_watcher.abort();
    embedding.abort();
    tracing::info!("stopped");
    Ok(())
}

/// What [`start`] hands back once the server can answer.
struct Started {
    state: AppState,
    follower: tokio::task::JoinHandle<()>,
    mailer: std::sync::Arc<reskill_server::services::mail::Mailer>,
}

/// The slow part of starting, run while the port already answers: the demo, the index repair,
/// the change-log follower, the model and the engine.
async fn start(
    settings: &Settings,
    args: &ServeArgs,
    db: sea_orm::DatabaseConnection,
    search: reskill_search::SearchIndexes,
    startup: &Startup,
    indexing: &std::sync::Arc<IndexMaintenance>,
    stop_following: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Started> {
    let load_demo = reskill_store::stats::is_empty(&db).await? && demo_wanted(settings, args);
    if !load_demo && args.demo {
        tracing::info!("--demo: the database is not empty, so the demo is not loaded");
    }
    if load_demo {
        startup.step("loading the demo data set");
        let summary = reskill_server::services::demo::load_demo(&db, &search).await?;
        tracing::info!("{summary}");
    }
    startup.step("checking the search indexes against the database (rebuilding any out of date)");
    reskill_server::services::indexing::repair_on_start(&db, &search).await?;
    let follower = tokio::spawn(reskill_server::services::indexing::follow_changes(
        db.clone(),
        search.clone(),
        indexing.clone(),
        stop_following,
    ));
    startup.step("loading the sentence-embedding model");
    super::model::fetch_on_first_start(settings).await;
    let semantic = std::sync::Arc::new(Semantic::open(&settings.model_dir));
    semantic.reload(&db).await?;
    startup.step("loading the matching engine");
    let engine = reskill_server::services::engine::Engine::load(&db, Default::default())
        .await
        .context("failed to load the matching engine")?
        .with_similarity(semantic.similarity_input().as_deref());
    if load_demo {
        let created =
            reskill_server::services::demo_accounts::load_demo_accounts(&db, &engine).await?;
        tracing::info!(
            "{created} demo accounts created (password {:?}; demo data only)",
            reskill_server::services::demo_accounts::DEMO_PASSWORD
        );
    }
    let auth = settings.auth()?;
    let mailer = std::sync::Arc::new(settings.mailer(&auth)?);
    let state = AppState::new(App {
        auth,
        engine: std::sync::RwLock::new(std::sync::Arc::new(engine)),
        db,
        search,
        templates: Templates::load().context("failed to load page templates")?,
        config: ServerConfig {
            data_dir: settings.data_dir.clone(),
            http: settings.http.clone(),
        },
        metrics: Default::default(),
        search_limiter: reskill_server::middleware::RateLimiter::new(
            settings.http.search_per_second,
            settings.http.search_burst,
        ),
        semantic,
        indexing: indexing.clone(),
    });
    Ok(Started {
        state,
        follower,
        mailer,
    })
}

/// Returns whether an empty database gets the demo, saying why either way. Its accounts share a
/// published password (an admin among them), so a database someone named gets it only when
/// asked for with `--demo`.
fn demo_wanted(settings: &Settings, args: &ServeArgs) -> bool {
    if args.no_demo {
        tracing::info!("empty database: not loading the demo (--no-demo)");
        false
    } else if args.demo {
        tracing::warn!(
            "empty database: loading the demo data set as --demo asks; its accounts share a \
             published password"
        );
        true
    } else if settings.is_embedded_default() {
        tracing::info!(
            "empty database in the embedded default (SQLite in the data folder): loading the \
             demo data set; --no-demo starts empty"
        );
        true
    } else {
        tracing::warn!(
            "the database DATABASE_URL names is empty: not loading the demo, whose accounts \
             share a published password (--demo loads it anyway); import data with `reskill \
             import` and create the first admin with `reskill user create --role admin`"
        );
        false
    }
}

/// Embeds the taxonomy texts that have no vector yet, then reloads the vectors.
fn spawn_missing_embeddings(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Some(embedder) = state.semantic.embedder().cloned() else {
            return;
        };
        match semantic::embed_taxonomy(&state.db, &embedder, &|_, _, _| {}).await {
            Ok(report) if report.embedded > 0 => {
                tracing::info!(
                    embedded = report.embedded,
                    duration_s = report.seconds,
                    "taxonomy texts embedded"
                );
                if let Err(error) = state.reload_engine().await {
                    tracing::warn!("failed to reload the taxonomy's vectors: {error:#}");
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!("failed to embed the taxonomy: {error:#}"),
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
