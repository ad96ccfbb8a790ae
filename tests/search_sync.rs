//! Near-real-time sync and crash repair, through the real `reskill` binary: writes to
//! the database become searchable over HTTP within a second or two; after SIGKILL of the server
//! mid-indexing and of `reskill reindex` mid-rebuild, a restarted server's indexes hold exactly
//! what the database holds.

use std::time::{Duration, Instant};

use anyhow::ensure;
use chrono::Utc;
use reskill_core::catalog::{NewOpening, OpeningStatus, Place};
use reskill_tests::process::{Server, reskill, reskill_binary};

fn opening(n: usize, marker: &str, status: OpeningStatus) -> NewOpening {
    NewOpening {
        source: "sync-test".into(),
        source_id: format!("{marker}-{n}"),
        organisation: "Sync Test Ltd".into(),
        title: format!("{marker} welder {n}"),
        occupation: None,
        description: format!("Welding role number {n} for the {marker} sync test."),
        skills: Vec::new(),
        place: Some(Place {
            name: "Leeds".into(),
            region: Some("Yorkshire".into()),
            country: Some("GB".into()),
            lat: Some(53.8),
            lon: Some(-1.55),
        }),
        remote: n.is_multiple_of(2),
        salary_min: Some(25_000.0),
        salary_max: Some(30_000.0),
        currency: "GBP".into(),
        status,
        posted_on: Utc::now().date_naive(),
        expires_on: None,
        url: format!("https://example.org/{marker}/{n}"),
        dedupe_key: None,
    }
}

/// Polls until `total(kind, q) == want`; returns how long it took.
fn wait_for_total(server: &Server, kind: &str, q: &str, want: u64) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let total = server.total(kind, q)?;
        if total == want {
            return Ok(started.elapsed());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(2),
            "{kind} {q:?}: total {total}, want {want} after 2 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The search API and page on the demo data: statuses, problem+json fields, highlights.
fn check_api_contract(server: &Server) -> anyhow::Result<()> {
    let problem = |path: &str, field: &str| -> anyhow::Result<()> {
        let (status, body) = server.get(path)?;
        ensure!(status == 400, "{path}: {status} {body}");
        let json: serde_json::Value = serde_json::from_str(&body)?;
        ensure!(json["field"] == field, "{path}: {body}");
        Ok(())
    };
    problem("/api/v1/search/occupations?limit=0", "limit")?;
    problem("/api/v1/search/occupations?limit=101", "limit")?;
    problem("/api/v1/search/occupations?risk_band=extreme", "risk_band")?;
    problem("/api/v1/search/openings?lat=99&lon=0&radius_km=5", "lat")?;
    problem("/api/v1/search/courses?cost_min=ten", "cost_min")?;
    problem("/api/v1/search/openings?cursor=garbage", "cursor")?;
    problem(&format!("/api/v1/search/skills?q={}", "a".repeat(501)), "q")?;
    problem("/api/v1/suggest?kind=widgets&q=nu", "kind")?;
    ensure!(server.get("/api/v1/search/widgets")?.0 == 404);

    let (status, body) = server.get("/api/v1/search/occupations?q=healthcare+assistant&limit=2")?;
    ensure!(status == 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body)?;
    ensure!(json["total"].as_u64().is_some_and(|n| n > 0), "{body}");
    ensure!(
        json["hits"][0]["title_html"]
            .as_str()
            .is_some_and(|t| t.contains("<mark>")),
        "{body}"
    );
    ensure!(json["facets"]["risk_band"].is_array(), "{body}");

    let (status, body) = server.get("/api/v1/suggest?kind=occupations&q=healthc")?;
    ensure!(status == 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body)?;
    ensure!(
        json["suggestions"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{body}"
    );

    let (status, page) = server.get("/search?q=healthcare+assistant&kind=occupations")?;
    ensure!(
        status == 200 && page.contains("<mark>") && page.contains("/occupations/"),
        "{page}"
    );
    let (status, page) = server.get("/search?q=assistant&kind=openings&salary_min=x")?;
    ensure!(status == 400 && page.contains("salary_min"), "{status}");
    ensure!(server.get("/static/suggest.js")?.0 == 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_reach_search_within_a_second_and_sigkill_loses_nothing() -> anyhow::Result<()> {
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path();

    // 1. A fresh server loads the demo; then a write through the store is searchable soon.
    let server = Server::start(&binary, data_dir, &[])?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("reskill.db").display()
    );
    let db = reskill_store::connect(&url).await?;
    server.assert_indexes_match_database(&db).await?;
    check_api_contract(&server)?;

    // Commands that only read work beside the running server: they no longer take the index
    // writer the server holds. A second server on the same folder is refused, saying why.
    let output = reskill(
        &binary,
        data_dir,
        &[
            "transitions",
            "--from",
            "data entry clerk",
            "--format",
            "json",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .output()?;
    ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    ensure!(report["from"]["label"] == "data entry clerk", "{report}");
    let output = reskill(&binary, data_dir, &["serve", "--bind", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(
        !output.status.success() && stderr.contains("is a server already running"),
        "{stderr}"
    );

    let fresh: Vec<NewOpening> = (0..50)
        .map(|n| opening(n, "zanzibarqux", OpeningStatus::Open))
        .collect();
    reskill_store::catalog::upsert_openings(&db, &fresh).await?;
    let took = wait_for_total(&server, "openings", "zanzibarqux", 50)?;
    println!("50 new openings searchable after {} ms", took.as_millis());

    // 2. Closing openings removes them from search.
    let closed: Vec<NewOpening> = (0..10)
        .map(|n| opening(n, "zanzibarqux", OpeningStatus::Closed))
        .collect();
    reskill_store::catalog::upsert_openings(&db, &closed).await?;
    let took = wait_for_total(&server, "openings", "zanzibarqux", 40)?;
    println!("10 closed openings gone after {} ms", took.as_millis());

    // 3. SIGKILL while the follower is applying a large batch, at several points: each restart
    // repairs the index from the database before the next batch and kill.
    let mut server = server;
    let mut killed_batches = Vec::new();
    for (round, delay_ms) in [30u64, 150, 400].into_iter().enumerate() {
        // Words far apart, so typo tolerance never mixes the batches up.
        let marker = ["quokkavale", "narwhalcove", "ibexhollow"][round].to_owned();
        let batch: Vec<NewOpening> = (0..1_000)
            .map(|n| opening(n, &marker, OpeningStatus::Open))
            .collect();
        reskill_store::catalog::upsert_openings(&db, &batch).await?;
        std::thread::sleep(Duration::from_millis(delay_ms));
        let seen = server.total("openings", &marker)?;
        server.kill()?;
        println!("killed {delay_ms} ms after a 1,000-opening write, {seen} of it searchable");
        killed_batches.push(marker);
        server = Server::start(&binary, data_dir, &[])?;
        server.assert_indexes_match_database(&db).await?;
        for marker in &killed_batches {
            ensure!(
                server.total("openings", marker)? == 1_000,
                "{marker} after restart"
            );
        }
    }
    server.kill()?;

    // 4. More writes while no server runs, then `reskill reindex` killed at several points.
    let offline: Vec<NewOpening> = (0..500)
        .map(|n| opening(n, "wombatfield", OpeningStatus::Open))
        .collect();
    reskill_store::catalog::upsert_openings(&db, &offline).await?;
    let mut finished = 0;
    for delay_ms in [40, 120, 250, 400, 700] {
        let mut reindex = reskill(&binary, data_dir, &["reindex"]).spawn()?;
        std::thread::sleep(Duration::from_millis(delay_ms));
        if reindex.try_wait()?.is_some() {
            finished += 1;
        } else {
            reindex.kill()?;
        }
        reindex.wait()?;
    }
    println!("reindex killed mid-way {} times of 5", 5 - finished);

    // 5. A restarted server repairs its indexes from the database.
    let server = Server::start(&binary, data_dir, &[])?;
    server.assert_indexes_match_database(&db).await?;
    ensure!(server.total("openings", "zanzibarqux")? == 40);
    for marker in &killed_batches {
        ensure!(server.total("openings", marker)? == 1_000);
    }
    ensure!(server.total("openings", "wombatfield")? == 500);

    // 6. And keeps following: a write after the restart is searchable too.
    reskill_store::catalog::upsert_openings(
        &db,
        &[opening(1, "platypusmoor", OpeningStatus::Open)],
    )
    .await?;
    let took = wait_for_total(&server, "openings", "platypusmoor", 1)?;
    println!(
        "write after restart searchable after {} ms",
        took.as_millis()
    );
    server.kill()?;
    db.close().await?;
    Ok(())
}
