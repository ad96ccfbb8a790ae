//! Two `reskill serve` processes on one PostgreSQL database, each with its own index folder: a
//! write through one is searchable through the other within 2 s (each replica tails the ordered
//! change table), and their two mail senders, sharing the outbox with SKIP LOCKED, deliver every
//! message exactly once to a real SMTP server.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use reskill_store::accounts::NewEmail;
use reskill_store::outbox;
use reskill_tests::db::{POSTGRES_URL_VAR, TestDb};
use reskill_tests::process::{Server, free_port, reskill_binary};
use reskill_tests::smtp::{SmtpServer, python};

const MESSAGES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_search_and_mail() -> anyhow::Result<()> {
    let Some(server_url) = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the two-replica test needs PostgreSQL in CI: set {POSTGRES_URL_VAR}"
        );
        eprintln!("skipping: set {POSTGRES_URL_VAR} to run two replicas on PostgreSQL");
        return Ok(());
    };
    let Some(python) = python() else {
        return Ok(());
    };
    let db = TestDb::postgres(&server_url).await?;
    let outcome = run(&db, &python).await;
    db.cleanup().await?;
    outcome
}

async fn run(db: &TestDb, python: &str) -> anyhow::Result<()> {
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let smtp = SmtpServer::start(python, free_port()?, &dir.path().join("smtp"), 0)?;
    let smtp_url = smtp.url();
    let envs = [
        ("DATABASE_URL", db.url.as_str()),
        ("RESKILL_SMTP_URL", smtp_url.as_str()),
        ("RESKILL_MAIL_INTERVAL_SECS", "1"),
        ("RESKILL_MAIL_BATCH", "20"),
        ("RESKILL_DIGEST_INTERVAL_SECS", "0"),
    ];
    // The first replica loads the demo into the empty database (asked to: the database is
    // named); the second finds it loaded and builds its own index from the database.
    let first = Server::start_with(
        &binary,
        &dir.path().join("a"),
        &["--demo"],
        &envs,
        std::process::Stdio::inherit(),
    )?;
    let second = Server::start(&binary, &dir.path().join("b"), &envs)?;

    // A write through the first replica, searched through the second.
    let token = first.login("nadia.rahman@example.org")?;
    let opening = serde_json::json!({
        "title": "Quokka habitat interpreter",
        "description": "Explains quokka habitats to visitors.",
        "remote": true,
    });
    let (status, body) = first.request_with_token(
        "POST",
        "/api/v1/employer/openings",
        Some(&opening.to_string()),
        &token,
    )?;
    ensure!(status == 201, "create opening: {status} {body}");
    let written = Instant::now();
    let query = "/api/v1/search/openings?q=quokka%20habitat&limit=5";
    let visible = loop {
        let (status, body) = second.request("GET", query, None)?;
        ensure!(status == 200, "{status} {body}");
        let reply: serde_json::Value = serde_json::from_str(&body)?;
        if reply["total"].as_u64().unwrap_or(0) >= 1 {
            break written.elapsed();
        }
        ensure!(
            written.elapsed() < Duration::from_secs(10),
            "the opening never reached the second replica's index"
        );
        std::thread::sleep(Duration::from_millis(25));
    };
    eprintln!("write on replica 1 searchable on replica 2 after {visible:?}");
    ensure!(
        visible <= Duration::from_secs(2),
        "searchable through the other replica only after {visible:?}"
    );

    // Mail: both replicas' senders claim from one outbox.
    for i in 0..MESSAGES {
        let inserted = outbox::enqueue_once(
            &db.db,
            NewEmail {
                dedupe_key: format!("replicas:{i}"),
                to: format!("person{i}@example.org"),
                template: "password_changed".to_owned(),
                payload: serde_json::json!({ "display_name": format!("Person {i}") }),
            },
        )
        .await?;
        ensure!(inserted);
    }
    smtp.wait_for(MESSAGES, Duration::from_secs(120))?;
    // Give a duplicate the time to arrive before counting.
    std::thread::sleep(Duration::from_secs(3));
    let mut per_recipient = std::collections::BTreeMap::<String, usize>::new();
    for message in smtp.messages()? {
        let to = message.header("To").context("no To header")?.to_owned();
        *per_recipient.entry(to).or_default() += 1;
    }
    let bulk: Vec<_> = per_recipient
        .iter()
        .filter(|(to, _)| to.contains("person"))
        .collect();
    ensure!(
        bulk.len() == MESSAGES,
        "{} of {MESSAGES} recipients got mail",
        bulk.len()
    );
    let twice: Vec<_> = bulk.iter().filter(|(_, n)| **n > 1).collect();
    ensure!(twice.is_empty(), "delivered more than once: {twice:?}");
    let counts = outbox::counts(&db.db).await?;
    ensure!(
        counts.get("sent").copied().unwrap_or(0) >= MESSAGES as u64,
        "{counts:?}"
    );
    drop((first, second));
    smtp.stop();
    Ok(())
}
