//! Sessions as an attacker would try them: old refresh tokens, password guesses through account
//! deletion.

use anyhow::{Context, ensure};
use axum::http::{Method, StatusCode, header};
use chrono::Utc;
use reskill_server::auth::tokens::hash_token;
use reskill_store::entities::refresh_token;
use reskill_tests::db::{for_each_backend, scalar};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{PASSWORD, TestApp};

/// Logs `email` in through the API; returns the access and refresh tokens.
async fn sign_in(app: &TestApp, email: &str) -> anyhow::Result<(String, String)> {
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": PASSWORD}),
        )
        .await?;
    ensure!(reply.status == StatusCode::OK, "login: {}", reply.body);
    Ok((
        reply.body["access_token"]
            .as_str()
            .context("no access")?
            .to_owned(),
        reply.body["refresh_token"]
            .as_str()
            .context("no refresh")?
            .to_owned(),
    ))
}

/// Presents `refresh` at the API; returns the status and the successor when it worked.
async fn present(app: &TestApp, refresh: &str) -> anyhow::Result<(StatusCode, Option<String>)> {
    let reply = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await?;
    let next = reply.body["refresh_token"].as_str().map(str::to_owned);
    Ok((reply.status, next))
}

// An old refresh token presented after a logout and a new login signed the account out
// everywhere, with no time limit: the reuse check came before the expiry check, and revoked
// rows were never removed. Now an expired or signed-out token is only refused, a rotated one
// still trips the theft alarm until it expires, and expired rows go when a token is issued.
#[tokio::test]
async fn old_refresh_tokens_are_refused_without_signing_out_everywhere() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let email = "old.tokens@example.org";
        app.seeker(email).await?;

        // Signed out, then signed in again: the old token is unknown, the new session lives.
        let (access, signed_out) = sign_in(&app, email).await?;
        let out = app
            .post(
                "/api/v1/auth/logout",
                Some(&access),
                &json!({"refresh_token": signed_out}),
            )
            .await?;
        ensure!(out.status == StatusCode::NO_CONTENT, "{}", out.body);
        let (_, current) = sign_in(&app, email).await?;
        ensure!(present(&app, &signed_out).await?.0 == StatusCode::UNAUTHORIZED);
        let (status, rotated) = present(&app, &current).await?;
        ensure!(
            status == StatusCode::OK,
            "a signed-out token signed the new session out: {status}"
        );
        let current = rotated.context("no successor")?;

        // A rotated token past its expiry is only refused.
        let (status, successor) = present(&app, &current).await?;
        ensure!(status == StatusCode::OK, "{status}");
        let (expired, current) = (current, successor.context("no successor")?);
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::ExpiresAt,
                Expr::value(Utc::now() - chrono::Duration::days(1)),
            )
            .filter(refresh_token::Column::TokenHash.eq(hash_token(&expired)))
            .exec(&t.db)
            .await?;
        ensure!(present(&app, &expired).await?.0 == StatusCode::UNAUTHORIZED);
        let (status, successor) = present(&app, &current).await?;
        ensure!(
            status == StatusCode::OK,
            "an expired token signed the account out everywhere: {status}"
        );
        let current = successor.context("no successor")?;

        // Issuing that successor removed the expired row.
        let rows = scalar(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = '{}'",
                hash_token(&expired)
            ),
        )
        .await?;
        ensure!(rows == 0, "the expired refresh token is still stored");

        // A rotated token presented again before it expires still signs out everywhere.
        let (status, successor) = present(&app, &current).await?;
        ensure!(status == StatusCode::OK, "{status}");
        let successor = successor.context("no successor")?;
        ensure!(present(&app, &current).await?.0 == StatusCode::UNAUTHORIZED);
        ensure!(
            present(&app, &successor).await?.0 == StatusCode::UNAUTHORIZED,
            "reuse of a rotated token must revoke the account's sessions"
        );
        Ok(())
    })
    .await;
}

// Wrong passwords sent to `DELETE /api/v1/me` were neither throttled nor counted: a stolen
// access token allowed unlimited guesses. They now count toward the login lockout, both ways.
#[tokio::test]
async fn deletion_password_guesses_count_toward_the_login_lockout() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let (token, _, _) = app.seeker("guessed@example.org").await?;
        let delete = |password: &'static str| {
            let token = token.clone();
            let app = &app;
            async move {
                app.send(
                    Method::DELETE,
                    "/api/v1/me",
                    Some(&token),
                    Some(&json!({"password": password})),
                )
                .await
            }
        };
        for _ in 0..5 {
            let reply = delete("not the password").await?;
            ensure!(reply.status == StatusCode::BAD_REQUEST, "{}", reply.body);
            ensure!(reply.body["field"] == "password", "{}", reply.body);
        }
        let locked = delete(PASSWORD).await?;
        ensure!(
            locked.status == StatusCode::TOO_MANY_REQUESTS,
            "the sixth guess was answered {}",
            locked.status
        );
        ensure!(locked.headers.contains_key(header::RETRY_AFTER));
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "guessed@example.org", "password": PASSWORD}),
            )
            .await?;
        ensure!(
            login.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            login.body
        );
        ensure!(app.get("/api/v1/me", Some(&token)).await?.status == StatusCode::OK);

        // Failed logins lock deletion too.
        let (token, _, _) = app.seeker("guessed.too@example.org").await?;
        for _ in 0..5 {
            app.post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "guessed.too@example.org", "password": "wrong password!"}),
            )
            .await?;
        }
        let reply = app
            .send(
                Method::DELETE,
                "/api/v1/me",
                Some(&token),
                Some(&json!({"password": PASSWORD})),
            )
            .await?;
        ensure!(
            reply.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.body
        );
        Ok(())
    })
    .await;
}
