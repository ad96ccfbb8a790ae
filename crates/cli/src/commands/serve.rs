//! `reskill serve`: the web server and API.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{ServeArgs, Settings};
use reskill_server::{App, AppState, ServerConfig, templates::Templates};

/// Opens everything, loads the demo into an empty database, and serves until Ctrl-C or SIGTERM.
pub async fn run(settings: &Settings, args: ServeArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    if !args.no_demo && reskill_store::stats::is_empty(&db).await? {
        tracing::info!("empty database: loading the demo data set");
        let summary = reskill_server::services::demo::load_demo(&db, &search).await?;
        tracing::info!("{summary}");
    }
    reskill_server::services::indexing::repair_on_start(&db, &search).await?;
    let state = AppState::new(App {
        db,
        search,
        templates: Templates::load().context("failed to load page templates")?,
        config: ServerConfig {
            data_dir: settings.data_dir.clone(),
        },
    });
    let listener = TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("failed to listen on {}", args.bind))?;
    tracing::info!("Reskill is listening on http://{}", listener.local_addr()?);
    reskill_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
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
