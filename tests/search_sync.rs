//! Near-real-time sync and crash repair, through the real `reskill` binary (issue 3): writes to
//! the database become searchable over HTTP within a second or two; after SIGKILL of the server
//! mid-indexing and of `reskill reindex` mid-rebuild, a restarted server's indexes hold exactly
//! what the database holds.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::Utc;
use reskill_core::catalog::{NewOpening, OpeningStatus, Place};
use reskill_store::documents;
use reskill_tests::process::{free_port, reskill, reskill_binary};

/// A `reskill serve` child process, SIGKILLed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(binary: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let bind = format!("127.0.0.1:{port}");
        let child = reskill(binary, data_dir, &["serve", "--bind", &bind]).spawn()?;
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok((200, _)) = server.get("/healthz") {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("reskill serve exited early: {status}");
            }
            ensure!(Instant::now() < deadline, "reskill serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A minimal HTTP/1.1 GET; returns the status and body.
    fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").context("no HTTP header")?;
        let status = head
            .split(' ')
            .nth(1)
            .context("no status")?
            .parse::<u16>()?;
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Ok((status, body))
    }

    /// Returns `total` of a search.
    fn total(&self, kind: &str, query: &str) -> anyhow::Result<u64> {
        let (status, body) = self.get(&format!("/api/v1/search/{kind}?limit=1&q={query}"))?;
        ensure!(status == 200, "search {kind} {query:?}: {status} {body}");
        let json: serde_json::Value = serde_json::from_str(&body)?;
        json["total"].as_u64().context("no total")
    }

    fn kill(mut self) -> anyhow::Result<()> {
        // SIGKILL on Unix: no graceful shutdown, no final commit.
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

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

/// Checks that every index holds exactly the documents the database says it should.
async fn assert_indexes_match_database(
    server: &Server,
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<()> {
    let counts = documents::document_counts(db).await?;
    for (kind, want) in [
        ("occupations", counts.occupations),
        ("skills", counts.skills),
        ("courses", counts.courses),
        ("openings", counts.searchable_openings),
    ] {
        let total = server.total(kind, "")?;
        ensure!(total == want, "{kind}: index has {total}, database {want}");
    }
    Ok(())
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
    let server = Server::start(&binary, data_dir)?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("reskill.db").display()
    );
    let db = reskill_store::connect(&url).await?;
    assert_indexes_match_database(&server, &db).await?;
    check_api_contract(&server)?;

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

    // 3. SIGKILL while the follower is applying a large batch.
    let batch: Vec<NewOpening> = (0..3_000)
        .map(|n| opening(n, "quokkavale", OpeningStatus::Open))
        .collect();
    reskill_store::catalog::upsert_openings(&db, &batch).await?;
    std::thread::sleep(Duration::from_millis(150));
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
    let server = Server::start(&binary, data_dir)?;
    assert_indexes_match_database(&server, &db).await?;
    ensure!(server.total("openings", "zanzibarqux")? == 40);
    ensure!(server.total("openings", "quokkavale")? == 3_000);
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
