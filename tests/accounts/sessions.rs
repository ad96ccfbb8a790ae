//! Sessions as an attacker would try them: old refresh tokens, password guesses through account
//! deletion, redirects after sign-in, and forms posted from another site.

use anyhow::{Context, ensure};
use axum::http::{Method, StatusCode, header};
use chrono::Utc;
use reskill_server::auth::tokens::hash_token;
use reskill_store::entities::refresh_token;
use reskill_tests::db::{for_each_backend, scalar};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{PASSWORD, TestApp, cookie_page, page, post_session_form, set_cookies};

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

// `/login?next=/%09/evil.example` answered `Location: /\t/evil.example`, which browsers read
// as //evil.example, another site; a control character in `next` gave a 500 after the session
// was set. Only a local path is followed now; anything else goes to the role's home page.
#[tokio::test]
async fn sign_in_redirects_only_to_local_paths() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        app.account(
            reskill_core::accounts::Role::Caseworker,
            "cw.next@example.org",
            None,
        )
        .await?;
        let sign_in_to = |next: &'static str| {
            let app = &app;
            async move {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                let form = format!(
                    "email=cw.next%40example.org&password=correct%20horse%20battery&next={next}"
                );
                let (status, headers, body) = post_session_form(app, "/login", &form).await?;
                ensure!(status == StatusCode::SEE_OTHER, "{status} {body}");
                Ok(headers[header::LOCATION].to_str()?.to_owned())
            }
        };
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "evil.example",
            "/a\u{1}b",
            "/a\u{7f}b",
            "/with space",
            "/caf\u{e9}",
            "",
        ] {
            let location = sign_in_to(hostile).await?;
            ensure!(
                location == "/caseload",
                "next {hostile:?} led to {location:?}"
            );
        }
        for local in [
            "/caseload/workers/1",
            "/search?q=nurse&kind=occupations",
            "/",
        ] {
            ensure!(
                sign_in_to(local).await? == local,
                "{local} was not followed"
            );
        }
        // The form does not carry a hostile `next` onwards.
        let (status, _, body) = page(
            &app,
            Method::GET,
            "/login?next=/%09/evil.example",
            None,
            None,
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}");
        ensure!(!body.contains("evil.example"), "{body}");
        Ok(())
    })
    .await;
}

// Login accepted a cross-site POST with no CSRF token, so another site could sign a visitor
// into an account it controls. The sign-in and sign-up forms now carry the double-submit token
// the other forms use, set as a cookie when the form is shown.
#[tokio::test]
async fn sign_in_and_sign_up_forms_need_their_csrf_token() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        app.seeker("csrf.login@example.org").await?;
        let credentials = "email=csrf.login%40example.org&password=correct%20horse%20battery";

        let (status, headers, body) = page(&app, Method::GET, "/login", None, None).await?;
        ensure!(status == StatusCode::OK, "{status}");
        let token = set_cookies(&headers)
            .into_iter()
            .find(|(name, _)| name == "reskill_csrf")
            .map(|(_, value)| value)
            .context("no CSRF cookie with the form")?;
        ensure!(
            body.contains(&format!(r#"name="csrf_token" value="{token}""#)),
            "the form does not carry the token"
        );
        let set = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("reskill_csrf="))
            .unwrap_or_default();
        ensure!(set.contains("SameSite=Strict"), "{set}");

        // From another site: no cookie (SameSite=Strict) and no token, or a cookie and no token.
        for cookies in ["", &format!("reskill_csrf={token}")] {
            let (status, headers, body) =
                cookie_page(&app, Method::POST, "/login", cookies, Some(credentials)).await?;
            ensure!(status == StatusCode::FORBIDDEN, "{status} with {cookies:?}");
            ensure!(
                !set_cookies(&headers)
                    .iter()
                    .any(|(name, value)| name == "reskill_access" && !value.is_empty()),
                "signed in without the CSRF token"
            );
            ensure!(body.contains("This form had expired"), "{body}");
        }
        let (status, headers, _) = cookie_page(
            &app,
            Method::POST,
            "/login",
            &format!("reskill_csrf={token}"),
            Some(&format!("csrf_token={token}&{credentials}")),
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        let issued = set_cookies(&headers);
        ensure!(
            issued
                .iter()
                .any(|(name, value)| name == "reskill_access" && !value.is_empty())
        );
        ensure!(
            issued
                .iter()
                .any(|(name, value)| name == "reskill_csrf" && !value.is_empty() && *value != token),
            "the session must get a CSRF token of its own"
        );

        let signup = "display_name=Cross%20Site&email=cross.site%40example.org&password=a%20long%20enough%20phrase";
        let (status, _, _) = cookie_page(&app, Method::POST, "/signup", "", Some(signup)).await?;
        ensure!(status == StatusCode::FORBIDDEN, "{status}");
        let email = reskill_core::accounts::Email::parse("cross.site@example.org")?;
        ensure!(
            reskill_store::accounts::user_with_hash_by_email(&t.db, &email)
                .await?
                .is_none(),
            "an account was created without the CSRF token"
        );
        let (status, _, body) = post_session_form(&app, "/signup", signup).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status} {body}");
        Ok(())
    })
    .await;
}
