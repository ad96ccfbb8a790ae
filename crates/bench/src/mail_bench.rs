//! `reskill-bench mail`: drains N queued emails through Reskill's outbox sender to
//! Postfix's `smtp-sink`, pooled against one connection per message, and measures the bare claim
//! rate of the outbox query, all in one run on one database; checks that the sink received
//! exactly N messages per phase and that every row was sent on its first attempt (no duplicate).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::Utc;
use reskill_server::services::mail::{Mailer, SenderConfig, drain};
use reskill_store::entities::email_outbox;
use reskill_store::outbox;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};

/// Options of `reskill-bench mail`.
#[derive(Debug, clap::Args)]
pub struct MailArgs {
    /// Messages queued per phase.
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    /// Messages for the one-connection-per-message phase (default: the same).
    #[arg(long)]
    per_message_messages: Option<usize>,
    /// Database (default: a SQLite file in the work folder). Its outbox is emptied first.
    #[arg(long)]
    database_url: Option<String>,
    /// Work folder.
    #[arg(long, default_value = "/tmp/reskill-mail-bench")]
    work: PathBuf,
    /// The smtp-sink binary (Postfix); LD_LIBRARY_PATH may be needed for an extracted one.
    #[arg(long, default_value = "/usr/sbin/smtp-sink")]
    smtp_sink: PathBuf,
    /// Rows per claim.
    #[arg(long, default_value_t = 200)]
    batch: u64,
    /// Messages in flight (and pool size).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Most sent rows marked per transaction.
    #[arg(long, default_value_t = 50)]
    mark_group: usize,
}

/// smtp-sink's running counters.
#[derive(Debug, Default, Clone, Copy)]
struct SinkCount {
    sessions: u64,
    messages: u64,
}

struct Sink {
    child: std::process::Child,
    port: u16,
    count: Arc<Mutex<SinkCount>>,
}

impl Sink {
    fn start(binary: &PathBuf) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new(binary)
            .args(["-u", "nobody", "-c", &format!("127.0.0.1:{port}"), "1024"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("failed to start {}", binary.display()))?;
        let mut stdout = child.stdout.take().context("no stdout")?;
        let count = Arc::new(Mutex::new(SinkCount::default()));
        let shared = count.clone();
        // "sess=N quit=N mesg=N\r", repeated.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let mut line = String::new();
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                for &byte in &buffer[..n] {
                    if byte == b'\r' || byte == b'\n' {
                        let mut parsed = SinkCount::default();
                        for field in line.split_whitespace() {
                            if let Some(v) = field.strip_prefix("sess=") {
                                parsed.sessions = v.parse().unwrap_or(0);
                            } else if let Some(v) = field.strip_prefix("mesg=") {
                                parsed.messages = v.parse().unwrap_or(0);
                            }
                        }
                        *shared.lock().unwrap() = parsed;
                        line.clear();
                    } else {
                        line.push(byte as char);
                    }
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(Instant::now() < deadline, "smtp-sink did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self { child, port, count })
    }

    /// Waits until the counter stops moving, then returns it.
    fn settled(&self) -> SinkCount {
        let mut last = *self.count.lock().unwrap();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = *self.count.lock().unwrap();
            if now.messages == last.messages {
                return now;
            }
            last = now;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn reset(db: &DatabaseConnection) -> anyhow::Result<()> {
    db.execute_unprepared("DELETE FROM email_attempts").await?;
    db.execute_unprepared("DELETE FROM email_outbox").await?;
    Ok(())
}

async fn enqueue(db: &DatabaseConnection, phase: &str, n: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let now = Utc::now();
    for chunk_start in (0..n).step_by(1_000) {
        let rows = (chunk_start..n.min(chunk_start + 1_000)).map(|i| email_outbox::ActiveModel {
            dedupe_key: Set(format!("bench:{phase}:{i}")),
            to_address: Set(format!("person{i}@example.org")),
            template: Set("password_changed".to_owned()),
            payload: Set(serde_json::json!({"display_name": format!("Person {i}")})),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        });
        email_outbox::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(started.elapsed())
}

/// Checks that all `n` rows are sent on their first attempt.
async fn check_sent_once(db: &DatabaseConnection, n: usize) -> anyhow::Result<()> {
    let counts = outbox::counts(db).await?;
    ensure!(
        counts.get("sent").copied() == Some(n as u64) && counts.len() == 1,
        "not all sent: {counts:?}"
    );
    let retried = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM email_outbox WHERE attempts <> 1",
        ))
        .await?
        .context("no count")?
        .try_get::<i64>("", "n")?;
    ensure!(retried == 0, "{retried} rows needed more than one attempt");
    Ok(())
}

/// Runs the benchmark.
pub async fn run(args: MailArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.work)?;
    let url = args.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            args.work.join("mail-bench.db").display()
        )
    });
    let db = reskill_store::connect(&url).await?;
    reskill_store::migrate(&db).await?;
    let backend = format!("{:?}", db.get_database_backend());
    let n = args.messages;
    let n_single = args.per_message_messages.unwrap_or(n);
    let sink = Sink::start(&args.smtp_sink)?;
    let config = SenderConfig {
        batch_size: args.batch,
        concurrency: args.concurrency,
        mark_group: args.mark_group,
        ..SenderConfig::default()
    };
    let key = reskill_mail::UnsubscribeKey::derive(b"benchmark key of at least 32 bytes!");
    let mailer = |query: &str| -> anyhow::Result<Arc<Mailer>> {
        Ok(Arc::new(Mailer {
            composer: reskill_mail::Composer::new(
                "Reskill <noreply@reskill.test>",
                "http://reskill.test",
                key.clone(),
            )?,
            transport: reskill_mail::Transport::from_url(
                &format!(
                    "smtp://127.0.0.1:{}?tls=none&pool_max={}{query}",
                    sink.port, args.concurrency
                ),
                &args.work,
            )?,
            config: config.clone(),
        }))
    };
    println!(
        "mail benchmark: {n} messages on {backend}, batch {}, {} in flight, marks in groups of up to {}",
        args.batch, args.concurrency, args.mark_group
    );

    // 1. The bare claim rate: the outbox query alone, batch after batch, nothing sent.
    reset(&db).await?;
    let enqueue_time = enqueue(&db, "claim", n).await?;
    println!(
        "enqueue: {n} rows in {:.2} s ({:.0} rows/s, batched inserts of 1,000)",
        enqueue_time.as_secs_f64(),
        n as f64 / enqueue_time.as_secs_f64()
    );
    let started = Instant::now();
    let mut claimed = 0;
    loop {
        let rows = outbox::claim_due(
            &db,
            "bench",
            Utc::now(),
            chrono::Duration::hours(1),
            args.batch,
        )
        .await?;
        if rows.is_empty() {
            break;
        }
        claimed += rows.len();
    }
    let claim_time = started.elapsed();
    ensure!(claimed == n, "claimed {claimed} of {n}");
    let claim_rate = n as f64 / claim_time.as_secs_f64();
    println!(
        "claim only: {n} rows in {:.2} s = {claim_rate:.0} rows/s",
        claim_time.as_secs_f64()
    );

    // 2. Pooled SMTP.
    reset(&db).await?;
    enqueue(&db, "pooled", n).await?;
    let before = sink.settled();
    let started = Instant::now();
    let report = drain(&db, &mailer("")?).await?;
    let pooled_time = started.elapsed();
    let after = sink.settled();
    ensure!(report.sent == n, "pooled: {report}");
    check_sent_once(&db, n).await?;
    let pooled_received = after.messages - before.messages;
    ensure!(
        pooled_received == n as u64,
        "pooled: the sink received {pooled_received} for {n}"
    );
    let pooled_rate = n as f64 / pooled_time.as_secs_f64();
    println!(
        "pooled: {n} messages in {:.2} s = {pooled_rate:.0} msg/s, {} SMTP sessions, sink received {pooled_received} (0 duplicates)",
        pooled_time.as_secs_f64(),
        after.sessions - before.sessions
    );

    // 3. One connection per message.
    reset(&db).await?;
    enqueue(&db, "single", n_single).await?;
    let before = sink.settled();
    let started = Instant::now();
    let report = drain(&db, &mailer("&pool=false")?).await?;
    let single_time = started.elapsed();
    let after = sink.settled();
    ensure!(report.sent == n_single, "one per message: {report}");
    check_sent_once(&db, n_single).await?;
    let single_received = after.messages - before.messages;
    if single_received != n_single as u64 {
        bail!("one per message: the sink received {single_received} for {n_single}");
    }
    let single_rate = n_single as f64 / single_time.as_secs_f64();
    println!(
        "one connection per message: {n_single} messages in {:.2} s = {single_rate:.0} msg/s, {} SMTP sessions, sink received {single_received} (0 duplicates)",
        single_time.as_secs_f64(),
        after.sessions - before.sessions
    );
    println!(
        "pooled / one per message = {:.1}x; pooled / claim-only = {:.2}",
        pooled_rate / single_rate,
        pooled_rate / claim_rate
    );
    reset(&db).await?;
    Ok(())
}
