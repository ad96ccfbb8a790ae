//! What the real binary's logs may contain: no colour codes when they go to a file or a pipe,
//! and no SMTP credentials, recipients, messages or tokens even at `RESKILL_LOG=debug`.

use std::process::{Output, Stdio};

use anyhow::ensure;
use base64::Engine as _;
use reskill_store::accounts::NewEmail;
use reskill_tests::db::TestDb;
use reskill_tests::process::{reskill, reskill_binary};
use reskill_tests::smtp::{self, SmtpServer};

const SMTP_USER: &str = "reskill-mailer";
const SMTP_PASSWORD: &str = "pw-never-in-logs-7Qx";
const RECIPIENT: &str = "dana.recipient@example.org";

/// Runs `reskill ARGS…` on `data_dir` with `RESKILL_LOG=filter` and returns what it wrote,
/// standard error going to a pipe as under systemd or `2> file`.
fn run_logged(data_dir: &std::path::Path, args: &[&str], filter: &str) -> anyhow::Result<Output> {
    Ok(reskill(&reskill_binary()?, data_dir, args)
        .env("RESKILL_LOG", filter)
        .env_remove("RESKILL_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .stderr(Stdio::piped())
        .output()?)
}

// Text logs carried ANSI colour codes into files and journald: colour only on a terminal.
#[test]
fn logs_written_to_a_pipe_carry_no_colour_codes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("reskill.env");
    std::fs::write(&config, "RESKILL_SEARCH_BURST=60\n")?;
    let config = config.to_str().unwrap_or_default();
    let output = run_logged(dir.path(), &["--config", config, "stats"], "info")?;
    let log = String::from_utf8_lossy(&output.stderr);
    ensure!(output.status.success(), "{log}");
    ensure!(
        log.contains("read settings file"),
        "no log line to look at:\n{log}"
    );
    ensure!(
        !log.contains("\x1b["),
        "colour codes in a piped log:\n{log:?}"
    );
    Ok(())
}

/// Queues one password-reset email carrying `token` to [`RECIPIENT`].
async fn queue_reset_email(db: &TestDb, token: &str) -> anyhow::Result<()> {
    reskill_store::accounts::enqueue_email(
        &db.db,
        NewEmail {
            dedupe_key: format!("reset_password:test:{token}"),
            to: RECIPIENT.to_owned(),
            template: "reset_password".to_owned(),
            payload: serde_json::json!({
                "display_name": "Dana Recipient",
                "token": token,
                "link": format!("http://reskill.test/reset-password?token={token}"),
                "expires_in_hours": 1,
            }),
        },
    )
    .await?;
    Ok(())
}

// RESKILL_LOG=debug logged the SMTP dialogue: AUTH PLAIN with the credentials, the
// recipients, and whole messages with their reset links. lettre now stays at warn unless a
// directive names it; naming it shows the dialogue, which proves this test would see a leak.
#[tokio::test]
async fn debug_logs_carry_no_smtp_credentials_recipients_or_reset_links() -> anyhow::Result<()> {
    let Some(python) = smtp::python() else {
        return Ok(());
    };
    let db = TestDb::sqlite().await?;
    let dir = tempfile::tempdir()?;
    let auth = format!("{SMTP_USER}:{SMTP_PASSWORD}");
    let server = SmtpServer::start_with_auth(&python, 0, &dir.path().join("smtp"), 0, Some(&auth))?;
    let url = format!(
        "smtp://{auth}@127.0.0.1:{}?tls=none&timeout_secs=5",
        server.port
    );
    let send = |filter: &str| {
        let mut command = reskill(
            &reskill_binary()?,
            &dir.path().join("data"),
            &["--database-url", &db.url, "send-mail", "--all"],
        );
        let output = command
            .env("RESKILL_SMTP_URL", &url)
            .env("RESKILL_LOG", filter)
            .env_remove("RESKILL_LOG_FORMAT")
            .stderr(Stdio::piped())
            .output()?;
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        ensure!(output.status.success(), "send-mail failed:\n{log}");
        anyhow::Ok(log)
    };
    let plain =
        base64::engine::general_purpose::STANDARD.encode(format!("\0{SMTP_USER}\0{SMTP_PASSWORD}"));
    let secrets = |token: &str| {
        [
            SMTP_PASSWORD.to_owned(),
            plain.clone(),
            "AUTH".to_owned(),
            RECIPIENT.to_owned(),
            token.to_owned(),
        ]
    };

    let token = "reset-token-debug-3f9a";
    queue_reset_email(&db, token).await?;
    let log = send("debug")?;
    server.wait_for(1, std::time::Duration::from_secs(10))?;
    for secret in secrets(token) {
        ensure!(!log.contains(&secret), "{secret:?} in a debug log:\n{log}");
    }

    // Asked for by name, lettre's dialogue is there: the check above would have caught it.
    let token = "reset-token-named-8c2d";
    queue_reset_email(&db, token).await?;
    let log = send("debug,lettre=debug")?;
    server.wait_for(2, std::time::Duration::from_secs(10))?;
    ensure!(
        log.contains("AUTH"),
        "lettre=debug shows no SMTP dialogue:\n{log}"
    );
    server.stop();
    db.cleanup().await?;
    Ok(())
}
