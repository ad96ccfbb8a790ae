//! Deleting an account leaves nothing that names the person: not in any table, and on SQLite
//! not in the database file's free pages or its write-ahead log either.

use anyhow::{Context, ensure};
use axum::http::{Method, StatusCode};
use chrono::Utc;
use reskill_store::outbox::{self, Mark};
use reskill_tests::db::{Backend, for_each_backend, rows_mentioning, scalar};
use serde_json::json;

use super::{PASSWORD, TestApp, page};

const ADDRESS: &str = "zebedee.quartermaine@example.org";
const NAME: &str = "Zebedee Quartermaine";

/// Returns whether `needle` occurs in the bytes of `path` (false when there is no such file).
fn file_mentions(path: &std::path::Path, needle: &str) -> anyhow::Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    Ok(bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes()))
}

// Deleting an account left the person's address, name and tokens in `email_outbox` (25 rows
// for one demo seeker), and deleted rows stayed readable in SQLite's free pages and WAL. Now
// the emails to them go (with their attempts), emails to others that name them are scrubbed,
// their tokens go, and SQLite zeroes what was deleted (secure_delete, then a WAL checkpoint).
#[tokio::test]
async fn deleting_an_account_leaves_no_trace_of_the_person() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;

        // A seeker with a verification email, a reset email, a saved plan.
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": ADDRESS, "password": PASSWORD, "display_name": NAME}),
            )
            .await?;
        ensure!(reply.status == StatusCode::CREATED, "{}", reply.body);
        let token = reply.body["access_token"]
            .as_str()
            .context("no token")?
            .to_owned();
        let user_id = reply.body["user"]["id"].as_i64().context("no id")?;
        let profile = app.get("/api/v1/me/profile", Some(&token)).await?;
        let worker = profile.body["worker_id"].as_i64().context("no worker")?;
        let reply = app
            .post(
                "/api/v1/auth/password-reset/request",
                None,
                &json!({"email": ADDRESS}),
            )
            .await?;
        ensure!(reply.status == StatusCode::ACCEPTED, "{}", reply.body);
        let transitions = app
            .get(&format!("/api/v1/occupations/{clerk}/transitions"), None)
            .await?;
        let target = transitions.body["transitions"][0]["occupation"]["id"]
            .as_i64()
            .context("no transition")?;
        let (status, _, _) = page(
            &app,
            Method::POST,
            &format!("/occupations/{clerk}/pathways/{target}/plan"),
            Some(&token),
            Some(""),
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");

        // A caseworker whose weekly summary names the seeker.
        let (admin, _) = app
            .account(
                reskill_core::accounts::Role::Admin,
                "root.erase@example.org",
                None,
            )
            .await?;
        let (_, caseworker_id) = app
            .account(
                reskill_core::accounts::Role::Caseworker,
                "cw.erase@example.org",
                None,
            )
            .await?;
        let reply = app
            .send(
                Method::PUT,
                &format!("/api/v1/admin/workers/{worker}/caseworker"),
                Some(&admin),
                Some(&json!({"caseworker_id": caseworker_id})),
            )
            .await?;
        ensure!(reply.status == StatusCode::NO_CONTENT, "{}", reply.body);
        reskill_server::services::digests::run_weekly(
            &t.db,
            &app.state.engine(),
            "http://test",
            Utc::now(),
            false,
        )
        .await?;
        let summaries = || async {
            let rows = outbox::rows(&t.db).await?;
            anyhow::Ok(
                rows.into_iter()
                    .filter(|r| r.to == "cw.erase@example.org" && r.dedupe_key.contains("caseload"))
                    .count(),
            )
        };
        ensure!(summaries().await? == 1, "no caseload summary");
        ensure!(!rows_mentioning(&t.db, NAME).await?.is_empty());

        // Sent, with a failed attempt quoting the address on record.
        let claimed =
            outbox::claim_due(&t.db, "test", Utc::now(), chrono::Duration::minutes(5), 100).await?;
        for email in &claimed {
            let mark = if email.to == ADDRESS {
                Mark::Dead {
                    error: format!("550 5.1.1 <{ADDRESS}>: no such user"),
                }
            } else {
                Mark::Sent {
                    message_id: format!("<{}@test>", email.id),
                }
            };
            outbox::mark(&t.db, email, mark).await?;
        }
        let before = rows_mentioning(&t.db, ADDRESS).await?;
        ensure!(
            before.iter().any(|(table, _)| table == "email_outbox")
                && before.iter().any(|(table, _)| table == "email_attempts"),
            "{before:?}"
        );

        let reply = app
            .send(
                Method::DELETE,
                "/api/v1/me",
                Some(&token),
                Some(&json!({"password": PASSWORD})),
            )
            .await?;
        ensure!(reply.status == StatusCode::NO_CONTENT, "{}", reply.body);

        for needle in [ADDRESS, NAME] {
            let left = rows_mentioning(&t.db, needle).await?;
            ensure!(left.is_empty(), "rows still naming {needle:?}: {left:?}");
        }
        for table in ["refresh_tokens", "one_time_tokens", "email_digest_state"] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id = {user_id}");
            ensure!(
                scalar(&t.db, &sql).await? == 0,
                "{table} keeps the account's rows"
            );
        }
        ensure!(
            summaries().await? == 1,
            "the caseworker's summary must be scrubbed, not lost"
        );

        if t.backend == Backend::Sqlite {
            let file = std::path::PathBuf::from(
                t.url
                    .strip_prefix("sqlite://")
                    .context("not a SQLite URL")?,
            );
            let wal = file.with_extension("db-wal");
            for needle in [ADDRESS, NAME] {
                for path in [&file, &wal] {
                    ensure!(
                        !file_mentions(path, needle)?,
                        "{needle:?} is still readable in {}",
                        path.display()
                    );
                }
            }
        }
        Ok(())
    })
    .await;
}
