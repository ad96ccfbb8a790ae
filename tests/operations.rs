//! Operating a running server, through the real `reskill` binary where it matters: the port
//! opens before the slow start, a deleted index folder is rebuilt, commands that write run
//! beside the server, and (through the router) the client address behind a proxy, the
//! `/metrics` token and the standard metrics.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reskill_search::SearchIndexes;
use reskill_server::middleware::{HttpConfig, MetricsToken, RateLimiter};
use reskill_server::services::engine::Engine;
use reskill_server::templates::Templates;
use reskill_server::{App, AppState, ServerConfig};
use reskill_tests::db::{TestDb, for_each_backend};
use reskill_tests::process::{Server, reskill, reskill_binary};
use tower::ServiceExt;

/// Polls a search until it has `want` hits.
fn wait_for_total(server: &Server, kind: &str, q: &str, want: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let total = server.total(kind, q)?;
        if total == want {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{kind} {q:?}: {total} hits, want {want}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Deletes `folder` as someone would under a running server, trying again while the server
/// writes a file into it mid-way (a commit or a segment merge).
fn delete_folder(folder: &std::path::Path) -> anyhow::Result<()> {
    let mut attempts = 0;
    loop {
        match std::fs::remove_dir_all(folder) {
            Ok(()) => return Ok(()),
            Err(error) if attempts < 50 && error.kind() != std::io::ErrorKind::NotFound => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Two JobPosting JSON-LD lines whose titles carry `marker`.
fn postings(marker: &str) -> String {
    (1..=2)
        .map(|n| {
            serde_json::json!({
                "@context": "https://schema.org",
                "@type": "JobPosting",
                "identifier": format!("{marker}-{n}"),
                "title": format!("{marker} data steward {n}"),
                "description": format!("Look after the {marker} records."),
                "datePosted": "2026-12-01",
                "hiringOrganization": {"@type": "Organization", "name": "Operations Test Ltd"},
                "jobLocation": {"@type": "Place", "address": {
                    "@type": "PostalAddress", "addressLocality": "Leeds", "addressCountry": "GB"}},
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `serve` on `t`'s database with the demo (and its accounts), in `data_dir`.
fn serve_on(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
    t: &TestDb,
    stderr: Stdio,
) -> anyhow::Result<Server> {
    Server::start_with(
        binary,
        data_dir,
        &["--demo"],
        &[("DATABASE_URL", &t.url)],
        stderr,
    )
}

#[test]
fn serve_answers_healthz_before_the_slow_start_and_readyz_only_when_ready() -> anyhow::Result<()> {
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path)?;
    // A fresh embedded default: the demo is loaded and every index built before it is ready.
    let mut server = Server::spawn(
        &binary,
        &data_dir,
        &[],
        &[("RESKILL_LOG", "info")],
        Stdio::from(log),
    )?;
    let (status, head, body) = server.send_with_head("GET", "/readyz", None, "")?;
    ensure!(
        status == 503 && body.contains("starting") && head.contains("retry-after: 5"),
        "/readyz while starting: {status} {body}"
    );
    let (status, head, body) =
        server.send_with_head("GET", "/api/v1/search/openings?q=nurse", None, "")?;
    ensure!(
        status == 503
            && head.contains("content-type: application/problem+json")
            && head.contains("retry-after:"),
        "search while starting: {status} {head} {body}"
    );
    let (status, _, page) = server.send_with_head("GET", "/", None, "")?;
    ensure!(
        status == 503 && page.contains("starting"),
        "{status} {page}"
    );

    server.wait_ready(Duration::from_secs(120))?;
    ensure!(server.get("/api/v1/search/openings?q=nurse")?.0 == 200);
    let log = std::fs::read_to_string(&log_path)?;
    let listening = log.find("is listening on").context("no listening line")?;
    let rebuilt = log.find("rebuilt index").context("no rebuild line")?;
    ensure!(
        listening < rebuilt,
        "the port opened only after the indexes were built:\n{log}"
    );
    server.kill()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_index_folder_is_noticed_reported_and_rebuilt() {
    for_each_backend(|t| async move {
        let binary = reskill_binary()?;
        let dir = tempfile::tempdir()?;
        let data_dir = dir.path().join("data");
        let log_path = dir.path().join("serve.log");
        let server = serve_on(
            &binary,
            &data_dir,
            &t,
            Stdio::from(std::fs::File::create(&log_path)?),
        )?;
        let demo_openings = server.total("openings", "assistant")?;
        ensure!(demo_openings > 0, "the demo has openings");

        delete_folder(&data_dir.join("index"))?;
        // A write while the folder is gone: it must be searchable once the server recovers.
        let import = dir.path().join("after.jsonld");
        std::fs::write(&import, postings("zorblefinch"))?;
        let mut saw_not_ready = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut imported = false;
        loop {
            let (status, body) = server.get("/readyz")?;
            if status == 503 {
                saw_not_ready.get_or_insert(body);
            } else if status == 200 && saw_not_ready.is_some() {
                break;
            }
            if !imported {
                let output = reskill(&binary, &data_dir, &["import", "openings"])
                    .arg(&import)
                    .env("DATABASE_URL", &t.url)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .output()?;
                ensure!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                imported = true;
            }
            ensure!(Instant::now() < deadline, "/readyz never went 503 then 200");
            std::thread::sleep(Duration::from_millis(20));
        }
        let reason = saw_not_ready.unwrap_or_default();
        ensure!(reason.contains("index folder"), "{reason}");
        ensure!(data_dir.join("index/openings/meta.json").is_file());
        wait_for_total(&server, "openings", "zorblefinch", 2)?;
        ensure!(server.total("openings", "assistant")? == demo_openings);

        // Deleted again just before a graceful stop: no panic, a clean exit.
        delete_folder(&data_dir.join("index"))?;
        let status = server.terminate(Duration::from_secs(30))?;
        let log = std::fs::read_to_string(&log_path)?;
        ensure!(status.success(), "exit {status}:\n{log}");
        ensure!(!log.contains("panicked"), "{log}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_that_write_run_beside_a_running_server_which_indexes_their_changes() {
    for_each_backend(|t| async move {
        let binary = reskill_binary()?;
        let dir = tempfile::tempdir()?;
        let data_dir = dir.path().join("data");
        let server = serve_on(&binary, &data_dir, &t, Stdio::inherit())?;
        let run = |args: &[&str]| {
            reskill(&binary, &data_dir, args)
                .env("DATABASE_URL", &t.url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()
        };

        // An import writes the database; the server's follower indexes it.
        let file = dir.path().join("postings.jsonld");
        std::fs::write(&file, postings("quillwhistle"))?;
        let file = file.display().to_string();
        let output = run(&["import", "openings", &file])?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(output.status.success(), "{stdout}{stderr}");
        ensure!(
            stdout.contains("a running server will index these changes"),
            "{stdout}"
        );
        wait_for_total(&server, "openings", "quillwhistle", 2)?;

        // Re-tagging and the demo (taxonomy, risk, courses, openings) likewise, with no raw
        // library error.
        for args in [&["retag", "--kind", "openings"][..], &["demo"][..]] {
            let output = run(args)?;
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            ensure!(output.status.success(), "{args:?}: {all}");
            ensure!(!all.contains("LockBusy"), "{args:?}: {all}");
        }

        // `reindex` cannot take the writers; it says how to ask the server instead.
        let output = run(&["reindex"])?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(
            !output.status.success(),
            "reindex beside a server succeeded"
        );
        ensure!(
            stderr.contains("a running server holds the search indexes")
                && stderr.contains("/api/v1/admin/reindex")
                && !stderr.contains("LockBusy"),
            "{stderr}"
        );

        // The endpoint: administrators only, 202, rebuilt in the background.
        let seeker = server.login("amira.haddad@example.org")?;
        let (status, _) =
            server.request_with_token("POST", "/api/v1/admin/reindex", None, &seeker)?;
        ensure!(status == 403, "seeker: {status}");
        ensure!(server.request("POST", "/api/v1/admin/reindex", None)?.0 == 401);
        let admin = server.login("admin@example.org")?;
        let (status, body) = server.request_with_token(
            "POST",
            "/api/v1/admin/reindex?kind=nonsense",
            None,
            &admin,
        )?;
        ensure!(status == 400 && body.contains("kind"), "{status} {body}");
        let (status, body) = server.request_with_token(
            "POST",
            "/api/v1/admin/reindex?kind=openings",
            None,
            &admin,
        )?;
        ensure!(
            status == 202 && body.contains("\"openings\""),
            "{status} {body}"
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = server.get("/readyz")?;
            let ready: serde_json::Value = serde_json::from_str(&body)?;
            if status == 200 && ready["rebuilding"].is_null() {
                break;
            }
            ensure!(Instant::now() < deadline, "rebuild never finished: {body}");
            std::thread::sleep(Duration::from_millis(100));
        }
        ensure!(server.total("openings", "quillwhistle")? == 2);
        server.assert_indexes_match_database(&t.db).await?;
        server.kill()?;
        Ok(())
    })
    .await;
}

/// The app state over `db` and in-memory indexes with `http` settings.
async fn app(db: sea_orm::DatabaseConnection, http: HttpConfig) -> anyhow::Result<AppState> {
    let search = SearchIndexes::in_ram()?;
    reskill_server::services::demo::load_demo(&db, &search).await?;
    let engine = Engine::load(&db, Default::default()).await?;
    let search_limiter = RateLimiter::new(http.search_per_second, http.search_burst);
    Ok(AppState::new(App {
        auth: reskill_server::auth::Auth::new(
            &reskill_server::auth::SigningKey::random(),
            Default::default(),
        ),
        engine: RwLock::new(Arc::new(engine)),
        db,
        search,
        templates: Templates::load()?,
        config: ServerConfig {
            data_dir: std::env::temp_dir(),
            http,
        },
        metrics: Default::default(),
        search_limiter,
        semantic: Arc::new(reskill_server::services::semantic::Semantic::unavailable(
            "not used here",
        )),
        indexing: Default::default(),
    }))
}

/// Sends a GET from `peer` with extra headers; returns the status and the body.
async fn get_from(
    state: &AppState,
    peer: [u8; 4],
    uri: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, String)> {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty())?;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
    let response = reskill_server::router(state.clone())
        .oneshot(request)
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate_limit() {
    for_each_backend(|t| async move {
        let state = app(
            t.db.clone(),
            HttpConfig {
                search_per_second: Some(0.001),
                search_burst: 2.0,
                trusted_proxies: vec!["10.0.0.0/24".parse()?],
                ..HttpConfig::default()
            },
        )
        .await?;
        let search = "/api/v1/search/occupations?q=clerk";
        let proxy = [10, 0, 0, 2];
        let via = |client: &'static str| [("x-forwarded-for", client)];
        // Each client behind the proxy has its own bucket of two.
        for _ in 0..2 {
            let (status, _) = get_from(&state, proxy, search, &via("203.0.113.1")).await?;
            ensure!(status == StatusCode::OK, "{status}");
        }
        let (status, _) = get_from(&state, proxy, search, &via("203.0.113.1")).await?;
        ensure!(status == StatusCode::TOO_MANY_REQUESTS, "{status}");
        // A forged entry on the left is not believed: the proxy appended the real client.
        let (status, _) = get_from(
            &state,
            proxy,
            search,
            &[("x-forwarded-for", "198.51.100.7, 203.0.113.1")],
        )
        .await?;
        ensure!(status == StatusCode::TOO_MANY_REQUESTS, "{status}");
        let (status, _) = get_from(&state, proxy, search, &via("203.0.113.2")).await?;
        ensure!(status == StatusCode::OK, "another client: {status}");

        // From a peer that is not a trusted proxy the header is ignored: one shared bucket.
        let stranger = [192, 0, 2, 1];
        for (n, client) in ["203.0.113.10", "203.0.113.11"].into_iter().enumerate() {
            let (status, _) = get_from(&state, stranger, search, &via(client)).await?;
            ensure!(status == StatusCode::OK, "request {n}: {status}");
        }
        let (status, _) = get_from(&state, stranger, search, &via("203.0.113.12")).await?;
        ensure!(
            status == StatusCode::TOO_MANY_REQUESTS,
            "a forged header bought a new bucket: {status}"
        );
        Ok(())
    })
    .await;
}

/// Returns the value of the sample `series` (its first line starting with `series `).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set_and_carry_process_and_build_series() {
    for_each_backend(|t| async move {
        let loopback = [127, 0, 0, 1];
        // Without a token: the machine itself, not a client a trusted local proxy forwards.
        let open = app(
            t.db.clone(),
            HttpConfig {
                trusted_proxies: vec!["127.0.0.1/32".parse()?],
                ..HttpConfig::default()
            },
        )
        .await?;
        let (status, text) = get_from(&open, loopback, "/metrics", &[]).await?;
        ensure!(status == StatusCode::OK, "{status}");
        let (status, _) = get_from(
            &open,
            loopback,
            "/metrics",
            &[("x-forwarded-for", "203.0.113.5")],
        )
        .await?;
        ensure!(
            status == StatusCode::UNAUTHORIZED,
            "a client behind the local proxy read /metrics: {status}"
        );

        // The standard series, with plausible values.
        let version = env!("CARGO_PKG_VERSION");
        ensure!(
            text.lines()
                .any(|line| line.starts_with("reskill_build_info{")
                    && line.contains(&format!("version=\"{version}\""))
                    && line.ends_with(" 1")),
            "{text}"
        );
        let cpu = sample(&text, "process_cpu_seconds_total").context("cpu")?;
        let rss = sample(&text, "process_resident_memory_bytes").context("rss")?;
        let fds = sample(&text, "process_open_fds").context("fds")?;
        let start = sample(&text, "process_start_time_seconds").context("start")?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs_f64();
        ensure!(cpu > 0.0, "cpu {cpu}");
        ensure!(rss > 10.0 * 1024.0 * 1024.0, "rss {rss}");
        ensure!(fds >= 3.0, "fds {fds}");
        ensure!(
            start <= now + 1.0 && start > now - 24.0 * 3600.0,
            "start {start}"
        );
        ensure!(text.contains("reskill_outbox_messages"), "{text}");

        // With a token: required from everyone, the machine itself included.
        let guarded = app(
            t.db.clone(),
            HttpConfig {
                metrics_token: MetricsToken::new("scrape-secret-0123456789"),
                ..HttpConfig::default()
            },
        )
        .await?;
        let (status, body) = get_from(&guarded, loopback, "/metrics", &[]).await?;
        ensure!(status == StatusCode::UNAUTHORIZED, "{status} {body}");
        let (status, _) = get_from(
            &guarded,
            loopback,
            "/metrics",
            &[(
                header::AUTHORIZATION.as_str(),
                "Bearer scrape-secret-012345678",
            )],
        )
        .await?;
        ensure!(status == StatusCode::UNAUTHORIZED, "wrong token: {status}");
        let (status, text) = get_from(
            &guarded,
            [192, 0, 2, 9],
            "/metrics",
            &[(
                header::AUTHORIZATION.as_str(),
                "Bearer scrape-secret-0123456789",
            )],
        )
        .await?;
        ensure!(
            status == StatusCode::OK && text.contains("process_open_fds"),
            "{status}"
        );
        Ok(())
    })
    .await;
}
