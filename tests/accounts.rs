//! Accounts, roles and workflows through the HTTP API (issue #5), on SQLite and PostgreSQL:
//! the auth flows, the authorization matrix (every actor against the routes, plus forged and
//! stale tokens), and the end-to-end workflow from registration to an employer seeing a
//! seeker's readiness change.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::{Context, ensure};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use reskill_core::accounts::{Email, Role};
use reskill_core::matching::MatchConfig;
use reskill_search::SearchIndexes;
use reskill_server::auth::{Auth, AuthConfig, SigningKey};
use reskill_server::middleware::RateLimiter;
use reskill_server::services::accounts::{NewAccount, create_account};
use reskill_server::services::engine::Engine;
use reskill_server::templates::Templates;
use reskill_server::{App, AppState, ServerConfig};
use reskill_tests::db::for_each_backend;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tower::ServiceExt;

mod deletion;
mod sessions;

const DATA_ENTRY_CLERK: &str =
    "http://data.europa.eu/esco/occupation/6353b3e8-e8f2-4ecb-b230-186927139892";
const PASSWORD: &str = "correct horse battery";

/// The app on the demo data, with a signing key the test knows.
struct TestApp {
    state: AppState,
}

/// A response: status, headers and JSON body (null when empty or not JSON).
struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

static CLIENT: AtomicU32 = AtomicU32::new(1);

impl TestApp {
    async fn new(db: DatabaseConnection) -> anyhow::Result<Self> {
        // Tests call search from few addresses, far above a person's rate.
        Self::with_search_limiter(db, RateLimiter::new(None, 0.0)).await
    }

    async fn with_search_limiter(
        db: DatabaseConnection,
        search_limiter: RateLimiter,
    ) -> anyhow::Result<Self> {
        let search = SearchIndexes::in_ram()?;
        reskill_server::services::demo::load_demo(&db, &search).await?;
        let engine = Engine::load(&db, MatchConfig::default()).await?;
        let key = SigningKey::random();
        let state = AppState::new(App {
            auth: Auth::new(&key, AuthConfig::default()),
            engine: RwLock::new(Arc::new(engine)),
            db,
            search,
            templates: Templates::load()?,
            config: ServerConfig {
                data_dir: std::env::temp_dir(),
                http: Default::default(),
            },
            metrics: Default::default(),
            search_limiter,
            semantic: Arc::new(reskill_server::services::semantic::Semantic::unavailable(
                "not used here",
            )),
            indexing: Default::default(),
        });
        Ok(Self { state })
    }

    /// Sends a request from a fresh client address (so login limits per address do not
    /// interfere), with an optional Bearer token and JSON body.
    async fn send(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))?,
            None => request.body(Body::empty())?,
        };
        let n = CLIENT.fetch_add(1, Ordering::Relaxed);
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((
                [10, (n >> 16) as u8, (n >> 8) as u8, n as u8],
                40_000,
            ))));
        self.raw(request).await
    }

    async fn raw(&self, request: Request<Body>) -> anyhow::Result<Reply> {
        let response = reskill_server::router(self.state.clone())
            .oneshot(request)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await?.to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Sends a prepared request; returns status, headers and the body as text (pages, CSV).
    async fn text(
        &self,
        request: Request<Body>,
    ) -> anyhow::Result<(StatusCode, axum::http::HeaderMap, String)> {
        let response = reskill_server::router(self.state.clone())
            .oneshot(request)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, headers, String::from_utf8(bytes.to_vec())?))
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> anyhow::Result<Reply> {
        self.send(Method::GET, uri, token, None).await
    }

    async fn post(&self, uri: &str, token: Option<&str>, body: &Value) -> anyhow::Result<Reply> {
        self.send(Method::POST, uri, token, Some(body)).await
    }

    /// Creates an account directly (as `reskill user create` does) and logs it in; returns
    /// the access token and the user id.
    async fn account(
        &self,
        role: Role,
        email: &str,
        organisation: Option<i64>,
    ) -> anyhow::Result<(String, i64)> {
        create_account(
            &self.state.db,
            NewAccount {
                email: Email::parse(email)?,
                password: PASSWORD.to_owned(),
                display_name: email.split('@').next().unwrap_or("x").to_owned(),
                role,
                organisation_id: organisation.map(reskill_core::OrganisationId),
                new_organisation: None,
                email_verified: false,
            },
            "http://test",
            std::time::Duration::from_secs(3600),
        )
        .await?;
        self.login(email).await
    }

    async fn login(&self, email: &str) -> anyhow::Result<(String, i64)> {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": PASSWORD}),
            )
            .await?;
        ensure!(
            reply.status == StatusCode::OK,
            "login {email}: {}",
            reply.body
        );
        Ok((
            reply.body["access_token"]
                .as_str()
                .context("no token")?
                .to_owned(),
            reply.body["user"]["id"].as_i64().context("no id")?,
        ))
    }

    /// Registers a seeker through the API; returns token, user id and worker id.
    async fn seeker(&self, email: &str) -> anyhow::Result<(String, i64, i64)> {
        let reply = self
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": email, "password": PASSWORD, "display_name": "Sam Seeker"}),
            )
            .await?;
        ensure!(
            reply.status == StatusCode::CREATED,
            "register: {}",
            reply.body
        );
        let token = reply.body["access_token"].as_str().unwrap().to_owned();
        let id = reply.body["user"]["id"].as_i64().unwrap();
        let profile = self.get("/api/v1/me/profile", Some(&token)).await?;
        ensure!(profile.status == StatusCode::OK, "{}", profile.body);
        Ok((token, id, profile.body["worker_id"].as_i64().unwrap()))
    }

    fn clerk(&self) -> anyhow::Result<i64> {
        Ok(self
            .state
            .engine()
            .occupation_by_uri(DATA_ENTRY_CLERK)
            .context("demo clerk missing")?
            .0)
    }
}

/// Reads the newest outbox email to `to` with `template`, and returns its token.
async fn emailed_token(
    db: &DatabaseConnection,
    to: &str,
    template: &str,
) -> anyhow::Result<String> {
    let emails = reskill_store::accounts::outbox_for(db, to).await?;
    let email = emails
        .iter()
        .rev()
        .find(|e| e.template == template)
        .with_context(|| format!("no {template} email to {to}: {emails:?}"))?;
    Ok(email.payload["token"]
        .as_str()
        .context("no token")?
        .to_owned())
}

#[tokio::test]
async fn auth_flows_register_login_refresh_logout_verify_reset() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;

        // Validation names the field.
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "not-an-email", "password": PASSWORD, "display_name": "X"}),
            )
            .await?;
        ensure!(reply.status == StatusCode::BAD_REQUEST, "{}", reply.body);
        ensure!(reply.body["field"] == "email", "{}", reply.body);
        ensure!(
            reply.headers[header::CONTENT_TYPE] == "application/problem+json",
            "{:?}",
            reply.headers
        );
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "a@example.org", "password": "short", "display_name": "X"}),
            )
            .await?;
        ensure!(reply.body["field"] == "password", "{}", reply.body);
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "a@example.org", "password": PASSWORD, "display_name": "X", "admin": true}),
            )
            .await?;
        ensure!(reply.body["field"] == "admin", "{}", reply.body);
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "a@example.org", "password": PASSWORD, "display_name": "X", "role": "admin"}),
            )
            .await?;
        ensure!(reply.status == StatusCode::BAD_REQUEST && reply.body["field"] == "role");

        // Register; a duplicate address conflicts.
        let (token, _, _) = app.seeker("sam@example.org").await?;
        let again = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "SAM@example.org", "password": PASSWORD, "display_name": "X"}),
            )
            .await?;
        ensure!(again.status == StatusCode::CONFLICT, "{}", again.body);

        // Verification: the token is in the outbox, single use.
        let verify = emailed_token(&t.db, "sam@example.org", "verify_email").await?;
        let reply = app
            .post("/api/v1/auth/verify-email", None, &json!({"token": verify}))
            .await?;
        ensure!(reply.status == StatusCode::NO_CONTENT, "{}", reply.body);
        let reply = app
            .post("/api/v1/auth/verify-email", None, &json!({"token": verify}))
            .await?;
        ensure!(reply.status == StatusCode::BAD_REQUEST, "{}", reply.body);
        let me = app.get("/api/v1/me", Some(&token)).await?;
        ensure!(me.body["email_verified"] == true, "{}", me.body);

        // Wrong password; then the refresh token rotates, and reusing the old one revokes all.
        let wrong = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": "wrong password!"}),
            )
            .await?;
        ensure!(wrong.status == StatusCode::UNAUTHORIZED, "{}", wrong.body);
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": PASSWORD}),
            )
            .await?;
        ensure!(login.status == StatusCode::OK);
        ensure!(login.body["expires_in"].as_u64().unwrap() <= 900);
        let cookies: Vec<&str> = login
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        ensure!(
            cookies
                .iter()
                .any(|c| c.starts_with("reskill_access=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")),
            "{cookies:?}"
        );
        let first = login.body["refresh_token"].as_str().unwrap().to_owned();
        let rotated = app
            .post("/api/v1/auth/refresh", None, &json!({"refresh_token": first}))
            .await?;
        ensure!(rotated.status == StatusCode::OK, "{}", rotated.body);
        let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
        ensure!(second != first);
        let reused = app
            .post("/api/v1/auth/refresh", None, &json!({"refresh_token": first}))
            .await?;
        ensure!(reused.status == StatusCode::UNAUTHORIZED, "{}", reused.body);
        let after_reuse = app
            .post("/api/v1/auth/refresh", None, &json!({"refresh_token": second}))
            .await?;
        ensure!(
            after_reuse.status == StatusCode::UNAUTHORIZED,
            "reuse must revoke the whole family: {}",
            after_reuse.body
        );

        // Logout revokes the refresh token.
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": PASSWORD}),
            )
            .await?;
        let access = login.body["access_token"].as_str().unwrap().to_owned();
        let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
        let out = app
            .post("/api/v1/auth/logout", Some(&access), &json!({"refresh_token": refresh}))
            .await?;
        ensure!(out.status == StatusCode::NO_CONTENT, "{}", out.body);
        let dead = app
            .post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
            .await?;
        ensure!(dead.status == StatusCode::UNAUTHORIZED);

        // Password change revokes every refresh token; the old password stops working.
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": PASSWORD}),
            )
            .await?;
        let access = login.body["access_token"].as_str().unwrap().to_owned();
        let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
        let changed = app
            .post(
                "/api/v1/auth/password",
                Some(&access),
                &json!({"current_password": PASSWORD, "new_password": "a new long passphrase"}),
            )
            .await?;
        ensure!(changed.status == StatusCode::NO_CONTENT, "{}", changed.body);
        let dead = app
            .post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
            .await?;
        ensure!(dead.status == StatusCode::UNAUTHORIZED);

        // Password reset by emailed single-use token; unknown addresses answer the same.
        let unknown = app
            .post(
                "/api/v1/auth/password-reset/request",
                None,
                &json!({"email": "nobody@example.org"}),
            )
            .await?;
        ensure!(unknown.status == StatusCode::ACCEPTED);
        let requested = app
            .post(
                "/api/v1/auth/password-reset/request",
                None,
                &json!({"email": "sam@example.org"}),
            )
            .await?;
        ensure!(requested.status == StatusCode::ACCEPTED);
        let reset = emailed_token(&t.db, "sam@example.org", "reset_password").await?;
        let weak = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                &json!({"token": reset, "new_password": "short"}),
            )
            .await?;
        ensure!(weak.body["field"] == "new_password", "{}", weak.body);
        let done = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                &json!({"token": reset, "new_password": PASSWORD}),
            )
            .await?;
        ensure!(done.status == StatusCode::NO_CONTENT, "{}", done.body);
        let used = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                &json!({"token": reset, "new_password": PASSWORD}),
            )
            .await?;
        ensure!(used.status == StatusCode::BAD_REQUEST);
        app.login("sam@example.org").await?;

        // The cookie carrier: unsafe requests need the CSRF header matching the cookie.
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": PASSWORD}),
            )
            .await?;
        let access = login.body["access_token"].as_str().unwrap();
        let csrf = login.body["csrf_token"].as_str().unwrap();
        let cookie = format!("reskill_access={access}; reskill_csrf={csrf}");
        let read = Request::get("/api/v1/me")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        ensure!(app.raw(read).await?.status == StatusCode::OK);
        let consent = json!({"purpose": "receive_email", "text_version": "v1"}).to_string();
        let forged = Request::post("/api/v1/me/consents")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(consent.clone()))?;
        ensure!(app.raw(forged).await?.status == StatusCode::FORBIDDEN);
        let genuine = Request::post("/api/v1/me/consents")
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(consent))?;
        let genuine = app.raw(genuine).await?;
        ensure!(genuine.status == StatusCode::NO_CONTENT, "{}", genuine.body);

        // Login is rate limited per account, whatever the client address.
        for _ in 0..5 {
            app.post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": "wrong password!"}),
            )
            .await?;
        }
        let limited = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "sam@example.org", "password": PASSWORD}),
            )
            .await?;
        ensure!(limited.status == StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
        ensure!(limited.headers.contains_key(header::RETRY_AFTER));

        // An admin disabling an account stops its access token at once.
        let (admin, _) = app.account(Role::Admin, "root@example.org", None).await?;
        let (other, other_id, _) = app.seeker("olga@example.org").await?;
        let disabled = app
            .send(
                Method::PATCH,
                &format!("/api/v1/admin/users/{other_id}"),
                Some(&admin),
                Some(&json!({"disabled": true})),
            )
            .await?;
        ensure!(disabled.status == StatusCode::OK, "{}", disabled.body);
        ensure!(app.get("/api/v1/me", Some(&other)).await?.status == StatusCode::UNAUTHORIZED);
        Ok(())
    })
    .await;
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    Seeker,
    OtherSeeker,
    CaseworkerWith,
    CaseworkerWithout,
    Employer,
    Admin,
}

const ACTORS: [Actor; 7] = [
    Actor::Anonymous,
    Actor::Seeker,
    Actor::OtherSeeker,
    Actor::CaseworkerWith,
    Actor::CaseworkerWithout,
    Actor::Employer,
    Actor::Admin,
];

/// What a route must answer an actor: allowed (anything but 401/403) or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    Deny,
}

use Expect::{Allow as A, Deny as D};

/// One row of the matrix: a request and the expected answer per actor, in [`ACTORS`] order.
struct Case {
    method: Method,
    uri: String,
    body: Option<Value>,
    expect: [Expect; 7],
}

fn case(method: Method, uri: String, body: Option<Value>, expect: [Expect; 7]) -> Case {
    Case {
        method,
        uri,
        body,
        expect,
    }
}

#[tokio::test]
async fn authorization_matrix_every_route_every_actor() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;
        let (admin, _) = app.account(Role::Admin, "admin@example.org", None).await?;
        let (seeker, seeker_id, worker) = app.seeker("sam@example.org").await?;
        let (other_seeker, _, other_worker) = app.seeker("olga@example.org").await?;
        let (cw_with, cw_with_id) = app
            .account(Role::Caseworker, "carla@example.org", None)
            .await?;
        let (cw_without, _) = app
            .account(Role::Caseworker, "colin@example.org", None)
            .await?;
        let organisation = reskill_store::accounts::create_organisation(&t.db, "Acme Ltd", "employer")
            .await?
            .id
            .0;
        let (employer, _) = app
            .account(Role::Employer, "erin@example.org", Some(organisation))
            .await?;

        // The seeker fills a profile, consents to be seen; the other seeker does not consent.
        let profile = json!({"occupation_id": clerk, "location": {"place_name": "Leeds", "lat": 53.8, "lon": -1.55}});
        for token in [&seeker, &other_seeker] {
            let r = app
                .send(Method::PUT, "/api/v1/me/profile", Some(token), Some(&profile))
                .await?;
            ensure!(r.status == StatusCode::OK, "{}", r.body);
        }
        let r = app
            .post(
                "/api/v1/me/consents",
                Some(&seeker),
                &json!({"purpose": "share_with_employers", "text_version": "2026-11"}),
            )
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT, "{}", r.body);
        // An admin assigns the seeker to one caseworker; the plan everyone pokes at.
        let r = app
            .send(
                Method::PUT,
                &format!("/api/v1/admin/workers/{worker}/caseworker"),
                Some(&admin),
                Some(&json!({"caseworker_id": cw_with_id})),
            )
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT, "{}", r.body);
        let target = app.get("/api/v1/me/recommendations?openings_limit=0", Some(&seeker)).await?;
        ensure!(target.status == StatusCode::OK, "{}", target.body);
        let target = target.body["transitions"][0]["occupation"]["id"]
            .as_i64()
            .context("no transition")?;
        let plan = app
            .post(
                &format!("/api/v1/workers/{worker}/plans"),
                Some(&cw_with),
                &json!({"target_occupation_id": target}),
            )
            .await?;
        ensure!(plan.status == StatusCode::CREATED, "{}", plan.body);
        let plan_id = plan.body["id"].as_i64().unwrap();
        let step_id = plan.body["steps"][0]["id"].as_i64().context("no step")?;
        let opening = app
            .post(
                "/api/v1/employer/openings",
                Some(&employer),
                &json!({"title": "Data analyst", "occupation_id": target}),
            )
            .await?;
        ensure!(opening.status == StatusCode::CREATED, "{}", opening.body);
        let opening_id = opening.body["id"].as_i64().unwrap();
        let saved = app
            .post(
                "/api/v1/me/saved-searches",
                Some(&seeker),
                &json!({"kind": "courses", "query": "excel"}),
            )
            .await?;
        ensure!(saved.status == StatusCode::CREATED, "{}", saved.body);
        let saved_id = saved.body["id"].as_i64().unwrap();
        // An interest addressed to the seeker, for the answer route.
        let interest = app
            .post(
                &format!("/api/v1/employer/openings/{opening_id}/interests"),
                Some(&employer),
                &json!({"worker_id": worker, "message": "hello"}),
            )
            .await?;
        ensure!(interest.status == StatusCode::CREATED, "{}", interest.body);
        let interest_id = interest.body["id"].as_i64().unwrap();
        let other_seeker_id = app.get("/api/v1/me", Some(&other_seeker)).await?.body["id"]
            .as_i64()
            .unwrap();
        let skill = app.state.engine().occupation_skills(
            reskill_core::OccupationId(target),
            reskill_core::matching::SkillOrigin::Declared,
        )[0]
        .skill
        .0;

        use Method as M;
        let w = worker;
        // Columns: anonymous, seeker, other seeker, caseworker with, caseworker without,
        // employer, admin.
        let cases = vec![
            case(M::GET, "/api/v1/me".into(), None, [D, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/me/profile".into(), None, [D, A, A, D, D, D, D]),
            case(M::PUT, "/api/v1/me/profile".into(), Some(profile.clone()), [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/skills".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/recommendations?openings_limit=0".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/plans".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/saved-searches".into(), None, [D, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/me/interests".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/applications".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/api/v1/me/export".into(), None, [D, A, A, D, D, D, D]),
            case(M::POST, format!("/api/v1/me/plans/{plan_id}/steps/{step_id}/complete"), None, [D, A, D, D, D, D, D]),
            case(M::GET, format!("/api/v1/workers/{w}"), None, [D, A, D, A, D, D, A]),
            case(M::PUT, format!("/api/v1/workers/{w}"), Some(profile.clone()), [D, D, D, A, D, D, A]),
            case(M::GET, format!("/api/v1/workers/{w}/recommendations?openings_limit=0"), None, [D, A, D, A, D, D, A]),
            case(M::GET, format!("/api/v1/workers/{w}/plans"), None, [D, A, D, A, D, D, A]),
            case(M::POST, format!("/api/v1/workers/{w}/plans"), Some(json!({"target_occupation_id": target, "status": "draft"})), [D, D, D, A, D, D, A]),
            case(M::GET, format!("/api/v1/plans/{plan_id}"), None, [D, A, D, A, D, D, A]),
            case(M::PATCH, format!("/api/v1/plans/{plan_id}"), Some(json!({"notes": "revised"})), [D, D, D, A, D, D, A]),
            case(M::GET, format!("/api/v1/plans/{plan_id}/history"), None, [D, A, D, A, D, D, A]),
            case(M::GET, format!("/api/v1/workers/{w}/contacts"), None, [D, A, D, A, D, D, A]),
            case(M::POST, format!("/api/v1/workers/{w}/contacts"), Some(json!({"channel": "phone", "note": "called"})), [D, D, D, A, D, D, D]),
            case(M::GET, "/api/v1/caseload".into(), None, [D, D, D, A, A, D, A]),
            case(M::GET, "/api/v1/caseload/export.csv".into(), None, [D, D, D, A, A, D, A]),
            case(M::GET, "/api/v1/caseload/unassigned".into(), None, [D, D, D, A, A, D, A]),
            case(M::GET, format!("/api/v1/organisations/{organisation}"), None, [D, D, D, D, D, A, A]),
            case(M::GET, format!("/api/v1/organisations/{organisation}/members"), None, [D, D, D, D, D, A, A]),
            case(M::GET, "/api/v1/employer/openings".into(), None, [D, D, D, D, D, A, D]),
            case(M::GET, format!("/api/v1/employer/openings/{opening_id}"), None, [D, D, D, D, D, A, A]),
            case(M::PUT, format!("/api/v1/employer/openings/{opening_id}"), Some(json!({"title": "Data analyst", "occupation_id": target})), [D, D, D, D, D, A, A]),
            case(M::GET, "/api/v1/employer/skill-suggestions?title=data%20analyst".into(), None, [D, D, D, D, D, A, A]),
            case(M::GET, format!("/api/v1/employer/openings/{opening_id}/candidates"), None, [D, D, D, D, D, A, A]),
            case(M::POST, format!("/api/v1/employer/openings/{opening_id}/interests"), Some(json!({"worker_id": w})), [D, D, D, D, D, A, A]),
            // Without consent, no employer (nor anyone else) may approach the other seeker.
            case(M::POST, format!("/api/v1/employer/openings/{opening_id}/interests"), Some(json!({"worker_id": other_worker})), [D, D, D, D, D, D, D]),
            case(M::GET, "/api/v1/employer/interests".into(), None, [D, D, D, D, D, A, D]),
            case(M::GET, "/api/v1/admin/users".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/api/v1/admin/organisations".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/api/v1/admin/import-status".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/api/v1/admin/figures".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/api/v1/admin/audit".into(), None, [D, D, D, D, D, D, A]),
            case(M::PUT, format!("/api/v1/admin/openings/{opening_id}/tags"), Some(json!({"occupation_uri": null, "skills": []})), [D, D, D, D, D, D, A]),
            case(M::PUT, format!("/api/v1/admin/workers/{other_worker}/caseworker"), Some(json!({"caseworker_id": null})), [D, D, D, D, D, D, A]),
            case(M::POST, "/api/v1/admin/caseload/reassign".into(), Some(json!({"worker_ids": [other_worker], "to_caseworker_id": cw_with_id})), [D, D, D, D, D, D, A]),
            case(M::POST, "/api/v1/admin/organisations".into(), Some(json!({"name": "Matrix Org", "kind": "service"})), [D, D, D, D, D, D, A]),
            case(M::POST, "/api/v1/admin/reindex?kind=skills".into(), None, [D, D, D, D, D, D, A]),
            // Public routes answer everyone (a 4xx here is about the input, never about who).
            case(M::GET, "/".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/healthz".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/readyz".into(), None, [A, A, A, A, A, A, A]),
            // Metrics go to the machine itself and to administrators (tests come from 10.x).
            case(M::GET, "/metrics".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/search?q=clerk".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/static/site.css".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/openapi.json".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/stats".into(), None, [A, A, A, A, A, A, A]),
            // Unsubscribing needs the signed token, never a session (a bad token is a 400).
            case(M::GET, "/unsubscribe?user=1&list=digest&token=bad".into(), None, [A, A, A, A, A, A, A]),
            case(M::POST, "/unsubscribe?user=1&list=digest&token=bad".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, format!("/api/v1/occupations/{clerk}"), None, [A, A, A, A, A, A, A]),
            case(M::GET, format!("/api/v1/occupations/{clerk}/transitions"), None, [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/recommendations".into(), Some(json!({"occupation_id": clerk, "openings_limit": 0})), [A, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/search/occupations?q=clerk".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/api/v1/suggest?kind=occupations&q=cle".into(), None, [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/register".into(), Some(json!({"email": "matrix@example.org", "password": PASSWORD, "display_name": "M"})), [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/login".into(), Some(json!({"email": "matrix@example.org", "password": PASSWORD})), [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/verify-email".into(), Some(json!({"token": "not-a-token"})), [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/password-reset/request".into(), Some(json!({"email": "matrix@example.org"})), [A, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/password-reset".into(), Some(json!({"token": "not-a-token", "new_password": PASSWORD})), [A, A, A, A, A, A, A]),
            // A bogus refresh token is refused for everyone, signed in or not.
            case(M::POST, "/api/v1/auth/refresh".into(), Some(json!({"refresh_token": "bogus"})), [D, D, D, D, D, D, D]),
            // Authenticated account routes.
            case(M::POST, "/api/v1/auth/logout".into(), Some(json!({})), [D, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/password".into(), Some(json!({"current_password": "not the password", "new_password": "another long phrase"})), [D, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/auth/verify-email/request".into(), None, [D, A, A, A, A, A, A]),
            // The rest of the seeker's own routes.
            case(M::PUT, format!("/api/v1/me/skills/{skill}"), None, [D, A, A, D, D, D, D]),
            case(M::DELETE, format!("/api/v1/me/skills/{skill}"), None, [D, A, A, D, D, D, D]),
            case(M::POST, "/api/v1/me/consents".into(), Some(json!({"purpose": "receive_email", "text_version": "v1"})), [D, A, A, D, D, D, D]),
            case(M::DELETE, "/api/v1/me/consents/receive_email".into(), None, [D, A, A, D, D, D, D]),
            case(M::POST, "/api/v1/me/saved-searches".into(), Some(json!({"kind": "openings", "query": "analyst"})), [D, A, A, A, A, A, A]),
            // Someone else's saved search is simply not found for them.
            case(M::DELETE, format!("/api/v1/me/saved-searches/{saved_id}"), None, [D, A, A, A, A, A, A]),
            case(M::POST, "/api/v1/me/applications".into(), Some(json!({"opening_id": opening_id})), [D, A, A, D, D, D, D]),
            case(M::POST, format!("/api/v1/me/interests/{interest_id}/answer"), Some(json!({"accept": false})), [D, A, D, D, D, D, D]),
            // Claiming: the first caseworker takes the unassigned worker, the second finds it taken.
            case(M::POST, format!("/api/v1/caseload/{other_worker}/claim"), None, [D, D, D, A, A, D, D]),
            case(M::POST, "/api/v1/employer/openings".into(), Some(json!({"title": "Second role", "occupation_id": target})), [D, D, D, D, D, A, D]),
            case(M::POST, format!("/api/v1/organisations/{organisation}/members"), Some(json!({"email": "member@example.org", "display_name": "Mo"})), [D, D, D, D, D, A, A]),
            case(M::POST, "/api/v1/admin/users".into(), Some(json!({"email": "new.cw@example.org", "role": "caseworker", "display_name": "Nia"})), [D, D, D, D, D, D, A]),
            case(M::PATCH, format!("/api/v1/admin/users/{other_seeker_id}"), Some(json!({"display_name": "Olga O"})), [D, D, D, D, D, D, A]),
            // Last, because they change who may see what: closing, the outcome, deletion.
            case(M::POST, format!("/api/v1/employer/openings/{opening_id}/close"), None, [D, D, D, D, D, A, A]),
            case(M::POST, format!("/api/v1/workers/{w}/outcome"), Some(json!({"outcome": "training"})), [D, D, D, A, D, D, A]),
            case(M::DELETE, "/api/v1/me".into(), Some(json!({"password": PASSWORD})), [D, A, A, D, D, D, D]),
        ];
        // The HTML pages (issue #7): anonymous visitors are sent to the login page.
        let pages = vec![
            case(M::GET, format!("/occupations/{clerk}"), None, [A, A, A, A, A, A, A]),
            case(M::GET, format!("/occupations/{clerk}/pathways/{target}"), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/login".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/signup".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/my/plans".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/my/profile".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/my/recommendations".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/my/searches".into(), None, [D, A, A, D, D, D, D]),
            case(M::POST, format!("/occupations/{clerk}/pathways/{target}/plan"), None, [D, A, A, D, D, D, D]),
            case(M::POST, "/my/profile/skills".into(), None, [D, A, A, D, D, D, D]),
            case(M::GET, "/caseload".into(), None, [D, D, D, A, A, D, A]),
            case(M::GET, "/caseload?sort=last_contact&risk_band=high".into(), None, [D, D, D, A, A, D, A]),
            case(M::GET, format!("/caseload/workers/{w}"), None, [D, D, D, A, D, D, A]),
            case(M::GET, format!("/caseload/plans/{plan_id}"), None, [D, D, D, A, D, D, A]),
            // An empty form is refused as invalid (400) only after the actor was let through.
            case(M::POST, format!("/caseload/plans/{plan_id}/steps"), None, [D, D, D, A, D, D, A]),
            case(M::POST, format!("/caseload/workers/{w}/contacts"), None, [D, D, D, A, D, D, D]),
            case(M::GET, "/employer/openings".into(), None, [D, D, D, D, D, A, D]),
            case(M::GET, "/employer/openings/new?title=data%20analyst".into(), None, [D, D, D, D, D, A, D]),
            case(M::GET, format!("/employer/openings/{opening_id}/candidates"), None, [D, D, D, D, D, A, A]),
            case(M::POST, format!("/employer/openings/{opening_id}/interests"), None, [D, D, D, D, D, A, D]),
            case(M::GET, "/admin".into(), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/find?q=data%20entry%20clerk".into(), None, [A, A, A, A, A, A, A]),
            case(M::GET, "/my/interests".into(), None, [D, A, A, D, D, D, D]),
            case(M::POST, format!("/my/interests/{interest_id}/answer"), None, [D, A, A, D, D, D, D]),
            case(M::GET, format!("/employer/openings/{opening_id}/edit"), None, [D, D, D, D, D, A, D]),
            case(M::POST, format!("/employer/openings/{opening_id}"), None, [D, D, D, D, D, A, D]),
            case(M::GET, "/admin/users".into(), None, [D, D, D, D, D, D, A]),
            case(M::POST, format!("/admin/users/{other_seeker_id}/role"), None, [D, D, D, D, D, D, A]),
            case(M::POST, format!("/admin/users/{other_seeker_id}/disabled"), None, [D, D, D, D, D, D, A]),
            case(M::GET, "/admin/organisations".into(), None, [D, D, D, D, D, D, A]),
            case(M::POST, "/admin/organisations".into(), None, [D, D, D, D, D, D, A]),
            // Last of the pages: it closes the opening.
            case(M::POST, format!("/employer/openings/{opening_id}/close"), None, [D, D, D, D, D, A, D]),
        ];
        let mut cases = cases;
        let last_three = cases.split_off(cases.len() - 3);
        cases.extend(pages);
        cases.extend(last_three);
        let tokens = |actor: Actor| -> Option<&str> {
            match actor {
                Actor::Anonymous => None,
                Actor::Seeker => Some(&seeker),
                Actor::OtherSeeker => Some(&other_seeker),
                Actor::CaseworkerWith => Some(&cw_with),
                Actor::CaseworkerWithout => Some(&cw_without),
                Actor::Employer => Some(&employer),
                Actor::Admin => Some(&admin),
            }
        };
        let mut failures = Vec::new();
        for case in &cases {
            for (i, actor) in ACTORS.iter().enumerate() {
                let reply = app
                    .send(case.method.clone(), &case.uri, tokens(*actor), case.body.as_ref())
                    .await?;
                let denied = matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
                let ok = match case.expect[i] {
                    Expect::Allow => !denied && !reply.status.is_server_error(),
                    Expect::Deny if *actor == Actor::Anonymous => {
                        reply.status == StatusCode::UNAUTHORIZED
                            || (reply.status == StatusCode::SEE_OTHER
                                && !case.uri.starts_with("/api/")
                                && reply.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).is_some_and(|l| l.starts_with("/login?next=")))
                    }
                    Expect::Deny => denied,
                };
                if !ok {
                    failures.push(format!(
                        "{} {} as {actor:?}: expected {:?}, got {} {}",
                        case.method, case.uri, case.expect[i], reply.status, reply.body
                    ));
                }
            }
        }

        // Forged and stale tokens are refused on every authenticated route.
        let keys = &app.state.auth.tokens;
        let mut expired = keys.claims_for(reskill_core::UserId(seeker_id), Role::Seeker);
        expired.exp = expired.iat - 3_600;
        expired.nbf = expired.exp - 900;
        expired.iat = expired.nbf;
        let expired = keys.sign(&expired)?;
        let other_key = reskill_server::auth::tokens::TokenKeys::new(&SigningKey::random(), &AuthConfig::default())
            .issue(reskill_core::UserId(seeker_id), Role::Admin)?
            .0;
        let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = serde_json::to_vec(&keys.claims_for(reskill_core::UserId(seeker_id), Role::Admin))?;
        let alg_none = format!("{header_none}.{}.", URL_SAFE_NO_PAD.encode(&claims));
        let mut parts: Vec<String> = seeker.split('.').map(str::to_owned).collect();
        let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1])?)?;
        payload["role"] = json!("admin");
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload)?);
        let tampered = parts.join(".");
        for (name, token) in [
            ("expired", &expired),
            ("another key", &other_key),
            ("alg none", &alg_none),
            ("tampered payload", &tampered),
        ] {
            for case in cases.iter().filter(|c| c.expect[0] == Expect::Deny) {
                let reply = app
                    .send(case.method.clone(), &case.uri, Some(token), case.body.as_ref())
                    .await?;
                if reply.status != StatusCode::UNAUTHORIZED {
                    failures.push(format!(
                        "{} {} with {name} token: got {} {}",
                        case.method, case.uri, reply.status, reply.body
                    ));
                }
            }
        }
        ensure!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));

        // Reads by others than the worker are audited; the worker's own are not.
        let audit = reskill_store::audit::list(&t.db, Some(reskill_core::WorkerId(worker)), None, None, 10_000).await?;
        let admin_id = reskill_store::accounts::user_with_hash_by_email(&t.db, &Email::parse("admin@example.org")?)
            .await?
            .unwrap()
            .0
            .id;
        ensure!(audit.iter().any(|e| e.actor == Some(admin_id) && e.action == "worker.read"), "{audit:?}");
        ensure!(audit.iter().any(|e| e.actor == Some(reskill_core::UserId(cw_with_id)) && e.action == "worker.read"));
        ensure!(audit.iter().any(|e| e.action == "candidate.read"));
        ensure!(!audit.iter().any(|e| e.actor == Some(reskill_core::UserId(seeker_id))));
        Ok(())
    })
    .await;
}

fn fit_of(recommendation: &Value, target: i64) -> Option<f64> {
    recommendation["transitions"]
        .as_array()?
        .iter()
        .find(|t| t["occupation"]["id"] == target)
        .and_then(|t| t["fit"].as_f64())
}

#[tokio::test]
async fn workflow_seeker_plan_step_raises_fit_and_employer_sees_readiness() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;

        // A seeker registers and fills a profile, the occupation chosen by title.
        let (seeker, _, worker) = app.seeker("sam@example.org").await?;
        let profile = app
            .send(
                Method::PUT,
                "/api/v1/me/profile",
                Some(&seeker),
                Some(&json!({
                    "display_name": "Sam Seeker",
                    "occupation_title": "data entry clerk",
                    "location": {"place_name": "Leeds", "region": "West Yorkshire", "country": "gb", "lat": 53.8, "lon": -1.55},
                    "preferences": {"max_training_weeks": 52, "budget": 3000}
                })),
            )
            .await?;
        ensure!(profile.status == StatusCode::OK, "{}", profile.body);
        ensure!(profile.body["occupation"]["uri"] == DATA_ENTRY_CLERK, "{}", profile.body);
        ensure!(profile.body["location"]["country"] == "GB");
        let skills = profile.body["skills"].as_array().unwrap();
        ensure!(!skills.is_empty() && skills.iter().all(|s| s["origin"] == "inferred"));

        // Recommendations through the engine.
        let before = app.get("/api/v1/me/recommendations", Some(&seeker)).await?;
        ensure!(before.status == StatusCode::OK, "{}", before.body);
        let transitions = before.body["transitions"].as_array().unwrap();
        ensure!(!transitions.is_empty(), "{}", before.body);

        // An admin assigns the seeker to a caseworker, who assigns a plan prefilled by the
        // engine for a transition that has courses.
        let (admin, _) = app.account(Role::Admin, "admin@example.org", None).await?;
        let (caseworker, caseworker_id) = app
            .account(Role::Caseworker, "carla@example.org", None)
            .await?;
        let r = app
            .send(
                Method::PUT,
                &format!("/api/v1/admin/workers/{worker}/caseworker"),
                Some(&admin),
                Some(&json!({"caseworker_id": caseworker_id})),
            )
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT, "{}", r.body);
        let caseload = app.get("/api/v1/caseload?sort=risk", Some(&caseworker)).await?;
        ensure!(caseload.body["items"][0]["worker_id"] == worker, "{}", caseload.body);
        ensure!(caseload.body["items"][0]["risk_band"] == "high", "{}", caseload.body);
        let target = transitions
            .iter()
            .find(|t| !t["plan"]["steps"].as_array().unwrap().is_empty())
            .context("no transition with a course plan")?;
        let target_id = target["occupation"]["id"].as_i64().unwrap();
        let fit_before = target["fit"].as_f64().unwrap();
        let plan = app
            .post(
                &format!("/api/v1/workers/{worker}/plans"),
                Some(&caseworker),
                &json!({
                    "target_occupation_id": target_id,
                    "milestones": [{"title": "first interview", "due_on": "2027-03-01"}],
                    "notes": "start with the shortest course"
                }),
            )
            .await?;
        ensure!(plan.status == StatusCode::CREATED, "{}", plan.body);
        let steps = plan.body["steps"].as_array().unwrap().clone();
        let courses: Vec<&Value> = steps.iter().filter(|s| s["kind"] == "course").collect();
        ensure!(!courses.is_empty(), "no course prefilled: {}", plan.body);
        ensure!(steps.last().unwrap()["kind"] == "milestone");
        let plan_id = plan.body["id"].as_i64().unwrap();
        let outbox = reskill_store::accounts::outbox_for(&t.db, "sam@example.org").await?;
        ensure!(outbox.iter().any(|e| e.template == "plan_assigned"), "{outbox:?}");
        let contact = app
            .post(
                &format!("/api/v1/workers/{worker}/contacts"),
                Some(&caseworker),
                &json!({"channel": "phone", "note": "explained the plan"}),
            )
            .await?;
        ensure!(contact.status == StatusCode::CREATED, "{}", contact.body);
        let csv = app.get("/api/v1/caseload/export.csv", Some(&caseworker)).await?;
        ensure!(csv.status == StatusCode::OK);
        ensure!(csv.headers[header::CONTENT_TYPE].to_str()?.starts_with("text/csv"));

        // An employer posts a role for the target; the seeker is not a candidate until they
        // consent.
        let registered = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "erin@example.org", "password": PASSWORD, "display_name": "Erin",
                        "role": "employer", "organisation_name": "Acme Analytics"}),
            )
            .await?;
        ensure!(registered.status == StatusCode::CREATED, "{}", registered.body);
        let employer = registered.body["access_token"].as_str().unwrap().to_owned();
        let suggestions = app
            .get(
                &format!(
                    "/api/v1/employer/skill-suggestions?title={}",
                    target["occupation"]["label"].as_str().unwrap().replace(' ', "%20")
                ),
                Some(&employer),
            )
            .await?;
        ensure!(suggestions.status == StatusCode::OK, "{}", suggestions.body);
        ensure!(!suggestions.body["essential"].as_array().unwrap().is_empty(), "{}", suggestions.body);
        let opening = app
            .post(
                "/api/v1/employer/openings",
                Some(&employer),
                &json!({"title": target["occupation"]["label"], "occupation_id": target_id, "remote": true}),
            )
            .await?;
        ensure!(opening.status == StatusCode::CREATED, "{}", opening.body);
        let opening_id = opening.body["id"].as_i64().unwrap();
        let candidates_uri = format!("/api/v1/employer/openings/{opening_id}/candidates");
        let none = app.get(&candidates_uri, Some(&employer)).await?;
        ensure!(none.status == StatusCode::OK, "{}", none.body);
        ensure!(
            !none.body["items"].as_array().unwrap().iter().any(|c| c["worker_id"] == worker),
            "visible without consent: {}",
            none.body
        );
        let r = app
            .post(
                "/api/v1/me/consents",
                Some(&seeker),
                &json!({"purpose": "share_with_employers", "text_version": "2026-11"}),
            )
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT);
        let listed = app.get(&candidates_uri, Some(&employer)).await?;
        let candidate = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["worker_id"] == worker)
            .cloned()
            .with_context(|| format!("not a candidate after consent: {}", listed.body))?;
        ensure!(candidate["revealed"] == false && candidate["display_name"].is_null() && candidate["email"].is_null(), "{candidate}");
        let fit_now_before = candidate["fit_now"].as_f64().unwrap();
        ensure!(candidate["fit_after_plan"].as_f64().unwrap() >= fit_now_before);

        // The seeker completes a course step: its skills arrive as gained, the fit rises, and
        // the employer sees the readiness change.
        let step = courses[0]["id"].as_i64().unwrap();
        let done = app
            .post(
                &format!("/api/v1/me/plans/{plan_id}/steps/{step}/complete"),
                Some(&seeker),
                &json!({}),
            )
            .await?;
        ensure!(done.status == StatusCode::OK, "{}", done.body);
        let profile = app.get("/api/v1/me/profile", Some(&seeker)).await?;
        ensure!(
            profile.body["skills"].as_array().unwrap().iter().any(|s| s["origin"] == "gained"),
            "{}",
            profile.body
        );
        let after = app.get("/api/v1/me/recommendations", Some(&seeker)).await?;
        let fit_after = fit_of(&after.body, target_id).context("target gone")?;
        ensure!(fit_after > fit_before, "fit {fit_before} -> {fit_after}");
        let relisted = app.get(&candidates_uri, Some(&employer)).await?;
        let candidate_after = relisted.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["worker_id"] == worker)
            .cloned()
            .context("candidate gone")?;
        ensure!(
            candidate_after["fit_now"].as_f64().unwrap() > fit_now_before,
            "employer's view did not change: {candidate} -> {candidate_after}"
        );
        let history = app
            .get(&format!("/api/v1/plans/{plan_id}/history"), Some(&caseworker))
            .await?;
        ensure!(history.body["items"].as_array().unwrap().len() >= 2, "{}", history.body);

        // Interest, answered: the candidate is revealed.
        let interest = app
            .post(
                &format!("/api/v1/employer/openings/{opening_id}/interests"),
                Some(&employer),
                &json!({"worker_id": worker, "message": "we would like to talk"}),
            )
            .await?;
        ensure!(interest.status == StatusCode::CREATED, "{}", interest.body);
        let interest_id = interest.body["id"].as_i64().unwrap();
        let answer = app
            .post(
                &format!("/api/v1/me/interests/{interest_id}/answer"),
                Some(&seeker),
                &json!({"accept": true}),
            )
            .await?;
        ensure!(answer.status == StatusCode::OK, "{}", answer.body);
        let revealed = app.get(&candidates_uri, Some(&employer)).await?;
        let candidate = revealed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["worker_id"] == worker)
            .cloned()
            .unwrap();
        ensure!(candidate["revealed"] == true && candidate["email"] == "sam@example.org", "{candidate}");

        // The outcome closes the loop; the figures count it; export then deletion.
        let outcome = app
            .post(
                &format!("/api/v1/workers/{worker}/outcome"),
                Some(&caseworker),
                &json!({"outcome": "hired", "occupation_id": target_id, "opening_id": opening_id}),
            )
            .await?;
        ensure!(outcome.status == StatusCode::OK, "{}", outcome.body);
        let figures = app.get("/api/v1/admin/figures", Some(&admin)).await?;
        ensure!(figures.status == StatusCode::OK, "{}", figures.body);
        ensure!(figures.body["funnel"]["planned"] == 1, "{}", figures.body);
        ensure!(figures.body["funnel"]["trained"] == 1, "{}", figures.body);
        ensure!(figures.body["funnel"]["hired_in_target"] == 1, "{}", figures.body);
        let export = app.get("/api/v1/me/export", Some(&seeker)).await?;
        ensure!(export.status == StatusCode::OK);
        ensure!(export.body["account"]["email"] == "sam@example.org");
        ensure!(!export.body["plans"].as_array().unwrap().is_empty());
        let deleted = app
            .send(Method::DELETE, "/api/v1/me", Some(&seeker), Some(&json!({"password": PASSWORD})))
            .await?;
        ensure!(deleted.status == StatusCode::NO_CONTENT, "{}", deleted.body);
        ensure!(app.get("/api/v1/me", Some(&seeker)).await?.status == StatusCode::UNAUTHORIZED);
        let figures = app.get("/api/v1/admin/figures", Some(&admin)).await?;
        ensure!(figures.body["funnel"]["hired_in_target"] == 1, "aggregates lost: {}", figures.body);
        let record = reskill_store::people::worker_by_id(&t.db, reskill_core::WorkerId(worker)).await?;
        ensure!(record.user_id.is_none() && record.display_name.is_none() && record.lat.is_none());
        Ok(())
    })
    .await;
}

/// Whether a reply is an HTML page (a page's own 404 is routed, unlike the router's fallback).
fn is_html(reply: &Reply) -> bool {
    reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[tokio::test]
async fn openapi_document_covers_every_route() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let reply = app.get("/api/v1/openapi.json", None).await?;
        ensure!(reply.status == StatusCode::OK, "{}", reply.body);
        let doc = &reply.body;
        ensure!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{doc}"
        );
        ensure!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
        ensure!(doc["components"]["schemas"]["Problem"].is_object());
        let paths = doc["paths"].as_object().context("no paths")?;
        // The routes that existed before the accounts API and a sample of the new ones, each
        // with its method: the document is generated from the router, so all are there.
        for (path, method) in [
            ("/", "get"),
            ("/healthz", "get"),
            ("/readyz", "get"),
            ("/metrics", "get"),
            ("/search", "get"),
            ("/static/{file}", "get"),
            ("/api/v1/stats", "get"),
            ("/api/v1/occupations/{id}", "get"),
            ("/api/v1/occupations/{id}/transitions", "get"),
            ("/api/v1/recommendations", "post"),
            ("/api/v1/search/{kind}", "get"),
            ("/api/v1/suggest", "get"),
            ("/api/v1/openapi.json", "get"),
            ("/unsubscribe", "get"),
            ("/unsubscribe", "post"),
            ("/api/v1/auth/login", "post"),
            ("/api/v1/auth/refresh", "post"),
            ("/api/v1/me", "get"),
            ("/api/v1/me", "delete"),
            ("/api/v1/me/profile", "put"),
            ("/api/v1/caseload/export.csv", "get"),
            ("/api/v1/plans/{plan_id}", "patch"),
            ("/api/v1/employer/openings/{opening_id}/candidates", "get"),
            ("/api/v1/admin/figures", "get"),
            ("/api/v1/admin/reindex", "post"),
            ("/occupations/{id}", "get"),
            ("/occupations/{id}/pathways/{target_id}", "get"),
            ("/login", "post"),
            ("/signup", "post"),
            ("/verify-email", "get"),
            ("/verify-email", "post"),
            ("/verify-email/request", "post"),
            ("/reset-password", "get"),
            ("/reset-password", "post"),
            ("/forgot-password", "get"),
            ("/forgot-password", "post"),
            ("/my/plans", "get"),
            ("/caseload/plans/{plan_id}", "get"),
            ("/employer/openings/{opening_id}/candidates", "get"),
        ] {
            ensure!(
                paths.get(path).and_then(|p| p.get(method)).is_some(),
                "{method} {path} missing"
            );
        }
        ensure!(paths.len() >= 60, "only {} paths", paths.len());
        // The structural rules a validator checks: operation ids are unique, and path
        // parameters are exactly the path's `{name}`s (query parameters are not path ones).
        let mut operation_ids = std::collections::HashSet::new();
        for (path, item) in paths {
            for (method, operation) in item.as_object().unwrap() {
                if let Some(id) = operation["operationId"].as_str() {
                    ensure!(
                        operation_ids.insert(id.to_owned()),
                        "operationId {id} twice"
                    );
                }
                let declared: std::collections::BTreeSet<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                let templated: std::collections::BTreeSet<&str> = path
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split('}').next())
                    .collect();
                ensure!(
                    declared == templated,
                    "{method} {path}: path parameters {declared:?}, template {templated:?}"
                );
            }
        }
        // The endpoints that send mail document their 429.
        for path in [
            "/api/v1/auth/register",
            "/api/v1/auth/verify-email/request",
            "/api/v1/auth/password-reset/request",
            "/api/v1/organisations/{organisation_id}/members",
        ] {
            ensure!(
                doc["paths"][path]["post"]["responses"]["429"].is_object(),
                "{path} does not document 429"
            );
        }
        // Every documented operation is routed: none answers 404 or 405 for its method.
        for (path, item) in paths {
            for method in item.as_object().unwrap().keys() {
                let uri = path
                    .replace("{file}", "site.css")
                    .replace("{kind}", "occupations")
                    .replace("{purpose}", "receive_email")
                    .replace(['{', '}'], "")
                    .split('/')
                    .map(|seg| {
                        if seg.ends_with("_id") || seg == "id" {
                            "1"
                        } else {
                            seg
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let method = Method::from_bytes(method.to_uppercase().as_bytes())?;
                let reply = app.send(method.clone(), &uri, None, None).await?;
                ensure!(
                    reply.status != StatusCode::METHOD_NOT_ALLOWED
                        && !(reply.status == StatusCode::NOT_FOUND
                            && reply.body.is_null()
                            && !is_html(&reply)
                            && uri != "/static/site.css"),
                    "{method} {uri} (documented as {path}) is not routed: {}",
                    reply.status
                );
            }
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn user_create_command_bootstraps_an_admin_who_can_log_in() {
    for_each_backend(|t| async move {
        let dir = tempfile::tempdir()?;
        let settings = reskill_cli::Settings::for_data_dir(dir.path(), Some(t.url.clone()));
        reskill_cli::commands::user::run(
            &settings,
            reskill_cli::UserCommand::Create(reskill_cli::UserCreateArgs {
                role: "admin".into(),
                email: "Root@Example.org".into(),
                display_name: None,
                organisation: Some("Reskill Service".into()),
                password_stdin: false,
            }),
        )
        .await?;
        let (user, hash) = reskill_store::accounts::user_with_hash_by_email(
            &t.db,
            &Email::parse("root@example.org")?,
        )
        .await?
        .context("no admin created")?;
        ensure!(user.role == Role::Admin && user.email_verified && user.organisation_id.is_some());
        // The operator vouched for the address: no "confirm your email" mail.
        ensure!(outbox_count(&t.db, "root@example.org", "verify_email").await? == 0);
        ensure!(hash.starts_with("$argon2id$"), "{hash}");
        // The development key is generated into the data folder, private.
        let auth = settings.auth()?;
        let key = dir.path().join(reskill_server::auth::keys::KEY_FILE);
        ensure!(key.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            ensure!(std::fs::metadata(&key)?.permissions().mode() & 0o777 == 0o600);
        }
        let (token, _) = auth.tokens.issue(user.id, user.role)?;
        ensure!(auth.tokens.verify(&token).is_ok());
        // A bad role is refused with its name.
        let bad = reskill_cli::commands::user::run(
            &settings,
            reskill_cli::UserCommand::Create(reskill_cli::UserCreateArgs {
                role: "root".into(),
                email: "x@example.org".into(),
                display_name: None,
                organisation: None,
                password_stdin: false,
            }),
        )
        .await;
        ensure!(bad.is_err_and(|e| e.to_string().contains("--role")));
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn demo_accounts_can_log_in_with_their_profiles() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let engine = app.state.engine();
        let created =
            reskill_server::services::demo_accounts::load_demo_accounts(&t.db, &engine).await?;
        ensure!(created == reskill_ingest::demo::people().len(), "{created}");
        let again =
            reskill_server::services::demo_accounts::load_demo_accounts(&t.db, &engine).await?;
        ensure!(again == 0, "not idempotent: {again}");
        // The demo's accounts are verified, so they get no "confirm your email" mail.
        for person in reskill_ingest::demo::people() {
            let mails = outbox_count(&t.db, person.email, "verify_email").await?;
            ensure!(
                mails == 0,
                "{} was asked to confirm a verified address",
                person.email
            );
        }
        let reply = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "amira.haddad@example.org",
                        "password": reskill_server::services::demo_accounts::DEMO_PASSWORD}),
            )
            .await?;
        ensure!(reply.status == StatusCode::OK, "{}", reply.body);
        let token = reply.body["access_token"].as_str().unwrap().to_owned();
        let profile = app.get("/api/v1/me/profile", Some(&token)).await?;
        ensure!(profile.body["occupation"].is_object(), "{}", profile.body);
        ensure!(
            profile.body["skills"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["origin"] == "declared")
        );
        let recommendations = app
            .get("/api/v1/me/recommendations?openings_limit=0", Some(&token))
            .await?;
        ensure!(
            recommendations.status == StatusCode::OK,
            "{}",
            recommendations.body
        );
        Ok(())
    })
    .await;
}

/// Sends `GET uri` from `address`, with extra headers.
async fn get_from(
    app: &TestApp,
    uri: &str,
    address: [u8; 4],
    headers: &[(&str, &str)],
) -> anyhow::Result<Reply> {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty())?;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
    app.raw(request).await
}

#[tokio::test]
async fn http_layer_sets_headers_ids_limits_and_metrics() {
    for_each_backend(|t| async move {
        let app = TestApp::with_search_limiter(t.db.clone(), RateLimiter::new(Some(1.0), 3.0)).await?;
        let home = app.get("/", None).await?;
        ensure!(home.status == StatusCode::OK);
        let csp = home.headers["content-security-policy"].to_str()?;
        ensure!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        ensure!(!csp.contains("unsafe-inline"), "{csp}");
        ensure!(home.headers["x-content-type-options"] == "nosniff");
        ensure!(home.headers["x-frame-options"] == "DENY");
        ensure!(home.headers["cache-control"] == "no-store");
        ensure!(!home.headers.contains_key("strict-transport-security"), "HSTS only behind TLS");
        ensure!(!home.headers.contains_key("access-control-allow-origin"), "CORS is closed");
        let generated = home.headers["x-request-id"].to_str()?;
        ensure!(generated.len() >= 32, "request id {generated}");
        let echoed = get_from(&app, "/healthz", [10, 9, 9, 9], &[("x-request-id", "abc-123")]).await?;
        ensure!(echoed.headers["x-request-id"] == "abc-123");

        // A body over the limit is refused before any handler reads it.
        let huge = json!({ "email": "a".repeat(2 * 1024 * 1024), "password": "x" });
        let refused = app.post("/api/v1/auth/login", None, &huge).await?;
        ensure!(refused.status == StatusCode::PAYLOAD_TOO_LARGE, "{}", refused.status);
        // Errors the HTTP layer answers itself are problem documents on the API too.
        let is_problem = |reply: &Reply, status: StatusCode| {
            reply.status == status
                && reply.headers[header::CONTENT_TYPE] == "application/problem+json"
                && reply.body["status"] == status.as_u16()
        };
        ensure!(is_problem(&refused, StatusCode::PAYLOAD_TOO_LARGE), "{:?}", refused.body);
        let unknown = app.get("/api/v1/no-such-thing", None).await?;
        ensure!(is_problem(&unknown, StatusCode::NOT_FOUND), "{:?}", unknown.body);
        let wrong = app.send(Method::DELETE, "/api/v1/stats", None, None).await?;
        ensure!(is_problem(&wrong, StatusCode::METHOD_NOT_ALLOWED), "{:?}", wrong.body);
        ensure!(wrong.headers.contains_key(header::ALLOW), "{:?}", wrong.headers);
        let mut plain = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/recommendations")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("occupation_id=1"))?;
        plain
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 8, 8, 8], 40_000))));
        let plain = app.raw(plain).await?;
        ensure!(is_problem(&plain, StatusCode::UNSUPPORTED_MEDIA_TYPE), "{:?}", plain.body);
        // A made-up method is counted as OTHER, so it cannot add a metric series.
        let made_up = Method::from_bytes(b"FOO1")?;
        app.send(made_up, "/api/v1/stats", None, None).await?;

        // Search is rate limited per address: a burst of 3, then 429 with Retry-After.
        for n in 0..3 {
            let ok = get_from(&app, "/api/v1/search/occupations?q=clerk", [10, 7, 7, 7], &[]).await?;
            ensure!(ok.status == StatusCode::OK, "request {n}: {}", ok.status);
        }
        let limited = get_from(&app, "/api/v1/suggest?kind=occupations&q=cle", [10, 7, 7, 7], &[]).await?;
        ensure!(limited.status == StatusCode::TOO_MANY_REQUESTS, "{}", limited.status);
        ensure!(limited.headers.contains_key("retry-after"));
        let other = get_from(&app, "/api/v1/search/occupations?q=clerk", [10, 7, 7, 8], &[]).await?;
        ensure!(other.status == StatusCode::OK, "another address is not limited");

        // Metrics: every request above is counted under its route template.
        let denied = get_from(&app, "/metrics", [10, 1, 1, 1], &[]).await?;
        ensure!(denied.status == StatusCode::UNAUTHORIZED, "{}", denied.status);
        let metrics = get_text_from(&app, "/metrics", [127, 0, 0, 1]).await?;
        for needle in [
            "reskill_http_request_duration_seconds_bucket{method=\"GET\",route=\"/\",le=\"+Inf\"} 1",
            "reskill_http_responses_total{method=\"GET\",route=\"/api/v1/suggest\",status=\"4xx\"} 1",
            "reskill_http_responses_total{method=\"GET\",route=\"/api/v1/search/{kind}\",status=\"2xx\"} 4",
            "reskill_outbox_messages{status=\"pending\"}",
            "reskill_index_lag_changes{index=\"occupations\"}",
            "reskill_index_documents{index=\"occupations\"}",
            "reskill_imported_rows{table=\"occupations\"}",
        ] {
            ensure!(metrics.contains(needle), "missing {needle} in\n{metrics}");
        }
        ensure!(!metrics.contains("FOO1") && metrics.contains("method=\"OTHER\""), "{metrics}");
        Ok(())
    })
    .await;
}

/// Sends `GET uri` from `address` and returns the body as text.
async fn get_text_from(app: &TestApp, uri: &str, address: [u8; 4]) -> anyhow::Result<String> {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Body::empty())?;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
    let (status, _, body) = app.text(request).await?;
    ensure!(status == StatusCode::OK, "{status}");
    Ok(body)
}

/// A TCP relay to the PostgreSQL server that the test can cut and restore, standing in for a
/// database that goes away for a while.
struct Relay {
    port: u16,
    upstream: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let mut relay = Self {
            port,
            upstream,
            task: None,
        };
        relay.serve(listener);
        Ok(relay)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream;
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    /// Drops the listener and every relayed connection (aborting the task drops its JoinSet).
    fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    async fn restore(&mut self) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        self.serve(listener);
        Ok(())
    }
}

#[tokio::test]
async fn database_outage_gives_503_quickly_and_service_resumes() {
    for_each_backend(|t| async move {
        if t.backend != reskill_tests::db::Backend::Postgres {
            return Ok(()); // a SQLite file cannot go away
        }
        let url = url::Url::parse(&t.url)?;
        let upstream = tokio::net::lookup_host((
            url.host_str().context("no host")?,
            url.port().unwrap_or(5432),
        ))
        .await?
        .next()
        .context("no address")?;
        let mut relay = Relay::start(upstream).await?;
        let mut relayed = url.clone();
        relayed.set_host(Some("127.0.0.1"))?;
        relayed.set_port(Some(relay.port)).ok().context("port")?;
        let db = reskill_store::connect(relayed.as_str()).await?;
        let app = TestApp::new(db).await?;
        ensure!(app.get("/api/v1/stats", None).await?.status == StatusCode::OK);

        relay.cut();
        for attempt in 0..3 {
            let started = std::time::Instant::now();
            let reply = app.get("/api/v1/stats", None).await?;
            let waited = started.elapsed();
            ensure!(
                reply.status == StatusCode::SERVICE_UNAVAILABLE,
                "attempt {attempt}: {} {}",
                reply.status,
                reply.body
            );
            // Bounded by the pool's acquire timeout (5 s), far from the 30 s request limit.
            ensure!(
                waited < std::time::Duration::from_secs(15),
                "waited {waited:?}"
            );
        }
        let ready = app.get("/readyz", None).await?;
        ensure!(
            ready.status == StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            ready.status
        );

        relay.restore().await?;
        let mut resumed = false;
        for _ in 0..40 {
            if app.get("/api/v1/stats", None).await?.status == StatusCode::OK {
                resumed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        ensure!(
            resumed,
            "service did not resume after the database came back"
        );
        ensure!(app.get("/readyz", None).await?.status == StatusCode::OK);
        relay.cut();
        Ok(())
    })
    .await;
}

/// Sends a request to the pages and returns the status, headers and body text.
async fn page(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: Option<&str>,
    form: Option<&str>,
) -> anyhow::Result<(StatusCode, axum::http::HeaderMap, String)> {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let mut request = match form {
        Some(form) => request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))?,
        None => request.body(Body::empty())?,
    };
    let n = CLIENT.fetch_add(1, Ordering::Relaxed);
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((
            [10, 200, (n >> 8) as u8, n as u8],
            40_000,
        ))));
    app.text(request).await
}

// Issue #7: bad input on a page is a clear HTML error (never a 500), a form with errors is shown
// again with a summary linking to each field, and a cookie session needs the CSRF field.
#[tokio::test]
async fn pages_answer_bad_input_with_clear_html_errors() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;
        let (caseworker, _) = app
            .account(Role::Caseworker, "cw.pages@example.org", None)
            .await?;
        for (uri, token, expected) in [
            ("/occupations/abc".to_owned(), None, StatusCode::BAD_REQUEST),
            (
                "/occupations/999999999".to_owned(),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                format!("/occupations/{clerk}/pathways/0"),
                None,
                StatusCode::BAD_REQUEST,
            ),
            (format!("/occupations/{clerk}"), None, StatusCode::OK),
            (
                "/caseload?sort=sideways".to_owned(),
                Some(caseworker.as_str()),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/caseload?min_days_since_contact=x".to_owned(),
                Some(caseworker.as_str()),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/caseload/workers/-4".to_owned(),
                Some(caseworker.as_str()),
                StatusCode::BAD_REQUEST,
            ),
            (
                "/caseload".to_owned(),
                Some(caseworker.as_str()),
                StatusCode::OK,
            ),
        ] {
            let (status, headers, body) = page(&app, Method::GET, &uri, token, None).await?;
            ensure!(status == expected, "{uri}: {status} {body}");
            ensure!(
                headers[header::CONTENT_TYPE]
                    .to_str()?
                    .starts_with("text/html"),
                "{uri} is not HTML"
            );
            ensure!(body.matches("<h1").count() == 1, "{uri}: not one h1");
            ensure!(
                !body.contains("style=") && !body.contains("<script>"),
                "{uri}: inline style or script"
            );
        }
        let (status, _, body) = post_session_form(&app, "/login", "email=&password=").await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        ensure!(
            body.contains(r##"<a href="#email">"##)
                && body.contains(r#"aria-describedby="email-error""#),
            "{body}"
        );
        let (status, headers, _) = post_session_form(
            &app,
            "/login",
            "email=cw.pages%40example.org&password=correct%20horse%20battery&next=%2Fcaseload",
        )
        .await?;
        ensure!(
            status == StatusCode::SEE_OTHER && headers[header::LOCATION].to_str()? == "/caseload",
            "{status}"
        );
        let cookies: Vec<&str> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        ensure!(
            cookies
                .iter()
                .any(|c| c.starts_with("reskill_access=") && c.contains("HttpOnly"))
        );
        let (status, _, body) =
            post_session_form(&app, "/signup", "display_name=&email=nope&password=short").await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        for field in ["display_name", "email", "password"] {
            ensure!(
                body.contains(&format!(r##"<a href="#{field}">"##)),
                "no summary link to {field}"
            );
        }
        // A form posted with the session cookie but without the CSRF field is refused.
        let cookie = cookies
            .iter()
            .filter_map(|c| c.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let request = Request::builder()
            .method(Method::POST)
            .uri("/logout")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("csrf_token=wrong"))?;
        let response = reskill_server::router(app.state.clone())
            .oneshot(request)
            .await?;
        ensure!(
            response.status() == StatusCode::FORBIDDEN,
            "{}",
            response.status()
        );
        Ok(())
    })
    .await;
}

// A page key that no record can have (beyond i64, not a number, not UTF-8) is the same HTML
// 400 for everyone, anonymous visitors included, instead of the sign-in page; a valid key still
// sends them to sign in. An unsubscribe link with a missing or malformed parameter is the
// page's own HTML 400. The caseload export refuses the list's paging parameters, which it
// would otherwise ignore.
#[tokio::test]
async fn malformed_keys_and_links_get_the_same_html_error_for_everyone() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let (caseworker, _) = app
            .account(Role::Caseworker, "cw.keys@example.org", None)
            .await?;
        let (seeker, _, _) = app.seeker("seeker.keys@example.org").await?;
        let huge = "99999999999999999999";
        for (method, uri, form) in [
            (Method::GET, format!("/caseload/workers/{huge}"), None),
            (Method::GET, format!("/caseload/plans/{huge}"), None),
            (Method::GET, "/caseload/workers/%FF".to_owned(), None),
            (Method::GET, format!("/employer/openings/{huge}/edit"), None),
            (
                Method::POST,
                format!("/caseload/plans/{huge}/assign"),
                Some(""),
            ),
            (
                Method::POST,
                format!("/admin/users/{huge}/role"),
                Some("role=admin"),
            ),
            (
                Method::POST,
                format!("/my/searches/{huge}/delete"),
                Some(""),
            ),
            (
                Method::POST,
                format!("/occupations/1/pathways/{huge}/plan"),
                Some(""),
            ),
            (Method::GET, "/unsubscribe".to_owned(), None),
            (
                Method::GET,
                "/unsubscribe?user=abc&list=digest&token=x".to_owned(),
                None,
            ),
            (
                Method::POST,
                "/unsubscribe?user=-9223372036854775808&list=".to_owned(),
                Some(""),
            ),
        ] {
            for token in [None, Some(caseworker.as_str())] {
                let (status, headers, body) = page(&app, method.clone(), &uri, token, form).await?;
                ensure!(
                    status == StatusCode::BAD_REQUEST,
                    "{method} {uri} ({}): {status} {body}",
                    if token.is_some() {
                        "caseworker"
                    } else {
                        "anonymous"
                    }
                );
                ensure!(
                    headers[header::CONTENT_TYPE]
                        .to_str()?
                        .starts_with("text/html"),
                    "{method} {uri} is not HTML"
                );
                ensure!(
                    !body.contains("Sign in ·"),
                    "{method} {uri}: the sign-in page"
                );
            }
        }
        let (status, headers, _) =
            page(&app, Method::GET, "/caseload/workers/5", None, None).await?;
        ensure!(
            status == StatusCode::SEE_OTHER
                && headers[header::LOCATION]
                    .to_str()?
                    .starts_with("/login?next="),
            "{status}"
        );
        for query in ["limit=2147483648", "limit=10", "cursor=cDow"] {
            let field = query.split('=').next().unwrap_or_default();
            let reply = app
                .get(
                    &format!("/api/v1/caseload/export.csv?{query}"),
                    Some(&caseworker),
                )
                .await?;
            ensure!(
                reply.status == StatusCode::BAD_REQUEST && reply.body["field"] == field,
                "{query}: {} {}",
                reply.status,
                reply.body
            );
        }
        let reply = app
            .get(
                "/api/v1/caseload/export.csv?risk_band=high&sort=last_contact",
                Some(&caseworker),
            )
            .await?;
        ensure!(reply.status == StatusCode::OK, "{}", reply.status);
        // A refused saved search is a documented 400 page.
        let (status, _, _) = page(
            &app,
            Method::POST,
            "/my/searches",
            Some(&seeker),
            Some("kind=bogus&q=x"),
        )
        .await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        let doc = app.get("/api/v1/openapi.json", None).await?.body;
        ensure!(
            doc["paths"]["/my/searches"]["post"]["responses"]["400"]["content"]["text/html"]
                .is_object(),
            "POST /my/searches does not document its 400 page"
        );
        Ok(())
    })
    .await;
}

/// Returns the `name=value` pairs of a response's `Set-Cookie` headers.
fn set_cookies(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Sends a page request carried by cookies (as a browser does), with an optional form.
async fn cookie_page(
    app: &TestApp,
    method: Method,
    uri: &str,
    cookies: &str,
    form: Option<&str>,
) -> anyhow::Result<(StatusCode, axum::http::HeaderMap, String)> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookies);
    let mut request = match form {
        Some(form) => request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))?,
        None => request.body(Body::empty())?,
    };
    let n = CLIENT.fetch_add(1, Ordering::Relaxed);
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((
            [10, 201, (n >> 8) as u8, n as u8],
            40_000,
        ))));
    app.text(request).await
}

/// Opens the sign-in or sign-up form of `uri` as a browser does, then posts `form` from it with
/// the CSRF cookie and field the form came with; returns the answer to the post.
async fn post_session_form(
    app: &TestApp,
    uri: &str,
    form: &str,
) -> anyhow::Result<(StatusCode, axum::http::HeaderMap, String)> {
    let path = uri.split('?').next().unwrap_or(uri);
    let (status, headers, _) = page(app, Method::GET, path, None, None).await?;
    ensure!(status == StatusCode::OK, "GET {path}: {status}");
    let token = set_cookies(&headers)
        .into_iter()
        .find(|(name, value)| name == "reskill_csrf" && !value.is_empty())
        .map(|(_, value)| value)
        .context("the form came without a CSRF cookie")?;
    let field: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    cookie_page(
        app,
        Method::POST,
        uri,
        &format!("reskill_csrf={token}"),
        Some(&format!("csrf_token={field}&{form}")),
    )
    .await
}

// Issue #7: a page request whose access cookie expired (or was dropped by the browser after
// its Max-Age) but whose refresh cookie is valid is served, and the answer sets new cookies.
#[tokio::test]
async fn pages_refresh_an_expired_access_cookie_from_the_refresh_cookie() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let (_, seeker_id, _) = app.seeker("refresh.me@example.org").await?;
        let (status, headers, _) = post_session_form(
            &app,
            "/login",
            "email=refresh.me%40example.org&password=correct%20horse%20battery",
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        let issued = set_cookies(&headers);
        let value = |name: &str| {
            issued
                .iter()
                .find(|(n, v)| n == name && !v.is_empty())
                .map(|(_, v)| v.clone())
                .context(format!("no {name} cookie"))
        };
        let (refresh, csrf) = (value("reskill_refresh")?, value("reskill_csrf")?);
        ensure!(
            headers.get_all(header::SET_COOKIE).iter().any(|c| c
                .to_str()
                .is_ok_and(|c| c.starts_with("reskill_refresh=") && c.contains("Path=/;"))),
            "the refresh cookie must reach the pages"
        );
        let keys = &app.state.auth.tokens;
        let mut claims = keys.claims_for(reskill_core::UserId(seeker_id), Role::Seeker);
        claims.exp = claims.iat - 3_600;
        claims.nbf = claims.exp - 900;
        claims.iat = claims.nbf;
        let expired = keys.sign(&claims)?;

        // Without a refresh cookie, an expired session goes to the login page.
        let (status, headers, _) = cookie_page(
            &app,
            Method::GET,
            "/my/plans",
            &format!("reskill_access={expired}; reskill_csrf={csrf}"),
            None,
        )
        .await?;
        ensure!(
            status == StatusCode::SEE_OTHER
                && headers[header::LOCATION]
                    .to_str()?
                    .starts_with("/login?next="),
            "{status}"
        );

        // With it, the page is shown and the session renewed (the refresh token rotates).
        let (status, headers, body) = cookie_page(
            &app,
            Method::GET,
            "/my/plans",
            &format!("reskill_access={expired}; reskill_refresh={refresh}; reskill_csrf={csrf}"),
            None,
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status} {body}");
        ensure!(body.contains("Your plans"), "{body}");
        let renewed = set_cookies(&headers);
        let access = renewed
            .iter()
            .find(|(n, v)| n == "reskill_access" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .context("no new access cookie")?;
        let new_refresh = renewed
            .iter()
            .find(|(n, v)| n == "reskill_refresh" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .context("no new refresh cookie")?;
        ensure!(new_refresh != refresh, "the refresh token must rotate");
        ensure!(
            keys.verify(&access).is_ok(),
            "the new access token must verify"
        );
        ensure!(
            renewed
                .iter()
                .any(|(n, v)| n == "reskill_csrf" && *v == csrf),
            "the CSRF token of forms already shown is kept"
        );

        // A browser drops the access cookie after its Max-Age: a form posted then (with the
        // CSRF token it was rendered with) still goes through.
        let (status, headers, body) = cookie_page(
            &app,
            Method::POST,
            "/my/searches",
            &format!("reskill_refresh={new_refresh}; reskill_csrf={csrf}"),
            Some(&format!("csrf_token={csrf}&kind=courses&q=excel")),
        )
        .await?;
        ensure!(
            status == StatusCode::SEE_OTHER && headers[header::LOCATION] == "/my/searches",
            "{status} {body}"
        );
        ensure!(
            set_cookies(&headers)
                .iter()
                .any(|(n, v)| n == "reskill_access" && !v.is_empty())
        );

        // A refresh token that no longer works clears the cookies and asks to sign in.
        let (status, headers, _) = cookie_page(
            &app,
            Method::GET,
            "/my/plans",
            &format!("reskill_refresh=not-a-token; reskill_csrf={csrf}"),
            None,
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        ensure!(
            set_cookies(&headers)
                .iter()
                .any(|(n, v)| n == "reskill_refresh" && v.is_empty()),
            "the dead refresh cookie is cleared"
        );
        Ok(())
    })
    .await;
}

// Issue #7: the home page's question lands on the occupation when the words name one
// confidently, and on the search results otherwise.
#[tokio::test]
async fn home_question_goes_straight_to_a_confidently_named_occupation() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;
        let label = app
            .state
            .engine()
            .occupation(reskill_core::OccupationId(clerk))
            .context("no clerk")?
            .label
            .clone();
        let location = |headers: &axum::http::HeaderMap| -> anyhow::Result<String> {
            Ok(headers[header::LOCATION].to_str()?.to_owned())
        };
        let q = label.to_uppercase().replace(' ', "%20");
        let (status, headers, _) =
            page(&app, Method::GET, &format!("/find?q={q}"), None, None).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        ensure!(
            location(&headers)? == format!("/occupations/{clerk}"),
            "{:?}",
            location(&headers)
        );
        for (uri, expected) in [
            ("/find?q=zzqqxx", "/search?q=zzqqxx&kind=occupations"),
            ("/find?q=clerk&kind=courses", "/search?q=clerk&kind=courses"),
            ("/find?q=", "/search?q=&kind=occupations"),
        ] {
            let (status, headers, _) = page(&app, Method::GET, uri, None, None).await?;
            ensure!(status == StatusCode::SEE_OTHER, "{uri}: {status}");
            ensure!(
                location(&headers)? == expected,
                "{uri}: {:?}",
                location(&headers)
            );
        }
        Ok(())
    })
    .await;
}

// Issue #7: a seeker answers an employer's interest on a page (accepting reveals them); the
// employer edits and closes an opening; an admin changes a role, cannot disable themselves,
// and creates an organisation. Forms re-shown with errors link each error to its field.
#[tokio::test]
async fn pages_answer_interest_edit_and_close_openings_manage_users_and_organisations() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;
        let (admin, admin_id) = app.account(Role::Admin, "admin.pages@example.org", None).await?;
        let (seeker, _, worker) = app.seeker("sara.pages@example.org").await?;
        let (other_seeker, other_id, _) = app.seeker("otto.pages@example.org").await?;
        let organisation = reskill_store::accounts::create_organisation(&t.db, "Pages Ltd", "employer")
            .await?
            .id
            .0;
        let (employer, _) = app
            .account(Role::Employer, "erin.pages@example.org", Some(organisation))
            .await?;
        let r = app
            .send(Method::PUT, "/api/v1/me/profile", Some(&seeker), Some(&json!({"occupation_id": clerk})))
            .await?;
        ensure!(r.status == StatusCode::OK, "{}", r.body);
        let r = app
            .post("/api/v1/me/consents", Some(&seeker), &json!({"purpose": "share_with_employers", "text_version": "2026-11"}))
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT, "{}", r.body);
        let opening = app
            .post("/api/v1/employer/openings", Some(&employer), &json!({"title": "Records assistant", "occupation_id": clerk, "region": "Yorkshire", "salary_min": 21000.0}))
            .await?;
        ensure!(opening.status == StatusCode::CREATED, "{}", opening.body);
        let opening_id = opening.body["id"].as_i64().unwrap();
        let interest = app
            .post(&format!("/api/v1/employer/openings/{opening_id}/interests"), Some(&employer), &json!({"worker_id": worker, "message": "We would like to talk"}))
            .await?;
        ensure!(interest.status == StatusCode::CREATED, "{}", interest.body);
        let interest_id = interest.body["id"].as_i64().unwrap();

        // The seeker sees who is interested and in which role, and accepts.
        let (status, _, body) = page(&app, Method::GET, "/my/interests", Some(&seeker), None).await?;
        ensure!(status == StatusCode::OK, "{status}");
        for text in ["Records assistant", "Pages Ltd", "We would like to talk", "Accept and share"] {
            ensure!(body.contains(text), "no {text:?} on the interests page");
        }
        let answer = format!("/my/interests/{interest_id}/answer");
        let (status, _, _) = page(&app, Method::POST, &answer, Some(&other_seeker), Some("answer=accept")).await?;
        ensure!(status == StatusCode::FORBIDDEN, "another seeker answered: {status}");
        let (status, _, _) = page(&app, Method::POST, &answer, Some(&seeker), Some("answer=maybe")).await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        let (status, headers, _) = page(&app, Method::POST, &answer, Some(&seeker), Some("answer=accept")).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        ensure!(headers[header::LOCATION] == format!("/my/interests#interest-{interest_id}").as_str());
        let (_, _, body) = page(&app, Method::GET, "/my/interests", Some(&seeker), None).await?;
        ensure!(body.contains("Accepted") && !body.contains("Accept and share"), "{body}");
        let (status, _, _) = page(&app, Method::POST, &answer, Some(&seeker), Some("answer=decline")).await?;
        ensure!(status == StatusCode::CONFLICT, "answered twice: {status}");
        let candidates = app
            .get(&format!("/api/v1/employer/openings/{opening_id}/candidates"), Some(&employer))
            .await?;
        let revealed = candidates.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(candidates.body.as_array().into_iter().flatten())
            .any(|c| c["email"] == "sara.pages@example.org");
        ensure!(revealed, "accepting reveals the seeker: {}", candidates.body);

        // The employer edits the opening: prefilled, same errors as the create form, and what
        // the form does not show (region, status) is kept.
        let edit = format!("/employer/openings/{opening_id}/edit");
        let (status, _, body) = page(&app, Method::GET, &edit, Some(&employer), None).await?;
        ensure!(status == StatusCode::OK, "{status}");
        ensure!(body.contains(r#"value="Records assistant""#) && body.contains(r#"value="21000""#), "not prefilled");
        ensure!(body.contains(r#"name="skill""#) && body.contains("checked"), "the opening's skills are not ticked");
        let skills: Vec<String> = body
            .match_indices(r#"name="skill" value=""#)
            .filter_map(|(i, m)| body[i + m.len()..].split('"').next().map(str::to_owned))
            .collect();
        ensure!(!skills.is_empty(), "no skills in the editor");
        let update = format!("/employer/openings/{opening_id}");
        let (status, _, body) = page(&app, Method::POST, &update, Some(&employer), Some("title=X&salary_min=lots")).await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        for field in ["title", "salary_min"] {
            ensure!(body.contains(&format!(r##"<a href="#{field}">"##)), "no summary link to {field}");
        }
        let form = format!(
            "title=Senior+records+assistant&occupation_id={clerk}&salary_min=23000&place_name=Leeds&skill={}&essential={}",
            skills[0], skills[0]
        );
        let (status, headers, body) = page(&app, Method::POST, &update, Some(&employer), Some(&form)).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status} {body}");
        ensure!(headers[header::LOCATION] == format!("/employer/openings#opening-{opening_id}").as_str());
        let shown = app.get(&format!("/api/v1/employer/openings/{opening_id}"), Some(&employer)).await?;
        ensure!(shown.body["title"] == "Senior records assistant", "{}", shown.body);
        ensure!(shown.body["region"] == "Yorkshire" && shown.body["status"] == "open", "{}", shown.body);
        ensure!(shown.body["skills"].as_array().map(Vec::len) == Some(1), "{}", shown.body);
        let (_, _, body) = page(&app, Method::GET, "/employer/openings", Some(&employer), None).await?;
        ensure!(body.contains(&format!("/employer/openings/{opening_id}/close")), "no close button");
        let (status, _, _) = page(&app, Method::POST, &format!("/employer/openings/{opening_id}/close"), Some(&employer), Some("")).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        let shown = app.get(&format!("/api/v1/employer/openings/{opening_id}"), Some(&employer)).await?;
        ensure!(shown.body["status"] == "closed", "{}", shown.body);
        let (_, _, body) = page(&app, Method::GET, "/employer/openings", Some(&employer), None).await?;
        ensure!(!body.contains(&format!("/employer/openings/{opening_id}/close")), "a closed opening offers to close");

        // The admin lists users with role, organisation and creation date, and changes them.
        let (status, _, body) = page(&app, Method::GET, "/admin/users", Some(&admin), None).await?;
        ensure!(status == StatusCode::OK, "{status}");
        ensure!(body.contains("erin.pages@example.org") && body.contains("Pages Ltd"), "users table");
        let (status, _, _) = page(&app, Method::POST, &format!("/admin/users/{other_id}/role"), Some(&admin), Some("role=caseworker")).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        let changed = reskill_store::accounts::user_by_id(&t.db, reskill_core::UserId(other_id)).await?;
        ensure!(changed.role == Role::Caseworker, "{changed:?}");
        let (status, _, _) = page(&app, Method::POST, &format!("/admin/users/{other_id}/disabled"), Some(&admin), Some("disabled=yes")).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        ensure!(reskill_store::accounts::user_by_id(&t.db, reskill_core::UserId(other_id)).await?.disabled);
        let (status, _, body) = page(&app, Method::POST, &format!("/admin/users/{admin_id}/disabled"), Some(&admin), Some("disabled=yes")).await?;
        ensure!(status == StatusCode::BAD_REQUEST, "an admin disabled themselves: {status}");
        ensure!(body.contains(&format!(r##"<a href="#disabled-{admin_id}">"##)), "{body}");
        let audit = reskill_store::audit::list(&t.db, None, None, None, 10_000).await?;
        ensure!(audit.iter().filter(|e| e.action == "user.update").count() >= 2, "changes are audited");

        // Organisations: listed, created, and a duplicate name is an error on the name field.
        let (status, _, body) = page(&app, Method::GET, "/admin/organisations", Some(&admin), None).await?;
        ensure!(status == StatusCode::OK && body.contains("Pages Ltd"), "{status}");
        let (status, headers, _) = page(&app, Method::POST, "/admin/organisations", Some(&admin), Some("name=Job+Centre+North&kind=service")).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        ensure!(headers[header::LOCATION].to_str()?.starts_with("/admin/organisations#organisation-"));
        let (status, _, body) = page(&app, Method::POST, "/admin/organisations", Some(&admin), Some("name=Job+Centre+North&kind=service")).await?;
        ensure!(status == StatusCode::BAD_REQUEST && body.contains(r##"<a href="#name">"##), "{status}");
        let (status, _, body) = page(&app, Method::POST, "/admin/organisations", Some(&admin), Some("name=Somewhere&kind=club")).await?;
        ensure!(status == StatusCode::BAD_REQUEST && body.contains(r##"<a href="#kind">"##), "{status}");
        Ok(())
    })
    .await;
}

/// The admin tag routes replace an imported opening's and course's tags with manual ones,
/// audit the change, and refuse an unknown URI without changing anything (issue #8).
#[tokio::test]
async fn admin_sets_imported_tags_by_hand_and_unknown_uris_change_nothing() {
    for_each_backend(|t| async move {
        use reskill_store::entities::{course_skill, opening, opening_skill, skill};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let app = TestApp::new(t.db.clone()).await?;
        let (admin, _) = app.account(Role::Admin, "tags.admin@example.org", None).await?;
        let target = opening::Entity::find().order_by_asc(opening::Column::Id).one(&t.db).await?.context("no demo opening")?;
        let skills: Vec<skill::Model> = skill::Entity::find().order_by_asc(skill::Column::Id).all(&t.db).await?;
        let (first, second) = (&skills[3], &skills[7]);
        let tags_of = |id: i64| {
            let db = t.db.clone();
            async move {
                let mut rows = opening_skill::Entity::find().filter(opening_skill::Column::OpeningId.eq(id)).all(&db).await?;
                rows.sort_by_key(|r| r.skill_id);
                anyhow::Ok(rows.into_iter().map(|r| (r.skill_id, r.essential, r.origin)).collect::<Vec<_>>())
            }
        };
        let before = tags_of(target.id).await?;

        let uri = format!("/api/v1/admin/openings/{}/tags", target.id);
        let body = json!({"occupation_uri": DATA_ENTRY_CLERK, "skills": [
            {"uri": first.uri, "essential": true}, {"uri": second.uri, "essential": false}]});
        let reply = app.send(Method::PUT, &uri, Some(&admin), Some(&body)).await?;
        ensure!(reply.status == StatusCode::NO_CONTENT, "{} {}", reply.status, reply.body);
        let mut expected = vec![(first.id, true, "manual".to_owned()), (second.id, false, "manual".to_owned())];
        expected.sort_by_key(|e| e.0);
        ensure!(tags_of(target.id).await? == expected, "tags after: {:?} (before {before:?})", tags_of(target.id).await?);
        let stored = opening::Entity::find_by_id(target.id).one(&t.db).await?.context("opening gone")?;
        ensure!(stored.occupation_id == Some(app.clerk()?) && stored.occupation_origin.as_deref() == Some("manual"), "{stored:?}");
        let audit = reskill_store::audit::list(&t.db, None, None, None, 10_000).await?;
        ensure!(audit.iter().any(|e| e.action == "opening.tags"), "the change is audited");

        // An unknown skill URI is a 400 naming the problem, and the tags stay as they were.
        let bad = json!({"occupation_uri": null, "skills": [{"uri": "http://data.europa.eu/esco/skill/nope"}]});
        let reply = app.send(Method::PUT, &uri, Some(&admin), Some(&bad)).await?;
        ensure!(reply.status == StatusCode::BAD_REQUEST, "{} {}", reply.status, reply.body);
        ensure!(reply.body.to_string().contains("nope"), "{}", reply.body);
        ensure!(tags_of(target.id).await? == expected, "a refused request changed the tags");
        let reply = app.send(Method::PUT, "/api/v1/admin/openings/999999999/tags", Some(&admin), Some(&body)).await?;
        ensure!(reply.status == StatusCode::NOT_FOUND, "{} {}", reply.status, reply.body);

        // Courses the same way.
        let course = reskill_store::entities::course::Entity::find().one(&t.db).await?.context("no demo course")?;
        let uri = format!("/api/v1/admin/courses/{}/tags", course.id);
        let reply = app.send(Method::PUT, &uri, Some(&admin), Some(&json!({"skills": [{"uri": first.uri}]}))).await?;
        ensure!(reply.status == StatusCode::NO_CONTENT, "{} {}", reply.status, reply.body);
        let rows = course_skill::Entity::find().filter(course_skill::Column::CourseId.eq(course.id)).all(&t.db).await?;
        ensure!(rows.len() == 1 && rows[0].skill_id == first.id && rows[0].origin == "manual", "{rows:?}");
        Ok(())
    })
    .await;
}

/// Returns the emails in the outbox to `to` with `template`.
async fn outbox_count(db: &DatabaseConnection, to: &str, template: &str) -> anyhow::Result<usize> {
    Ok(reskill_store::accounts::outbox_for(db, to)
        .await?
        .iter()
        .filter(|e| e.template == template)
        .count())
}

/// Returns the path and query of the newest emailed link to `to` with `template`.
async fn emailed_path(db: &DatabaseConnection, to: &str, template: &str) -> anyhow::Result<String> {
    let emails = reskill_store::accounts::outbox_for(db, to).await?;
    let link = emails
        .iter()
        .rev()
        .find(|e| e.template == template)
        .and_then(|e| e.payload["link"].as_str())
        .with_context(|| format!("no {template} link to {to}"))?;
    let public = &AuthConfig::default().public_url;
    Ok(link
        .strip_prefix(public.as_str())
        .with_context(|| format!("{link} is not under {public}"))?
        .to_owned())
}

/// Checks that every visible form control of `body` has a label naming it.
fn ensure_labelled(body: &str, uri: &str) -> anyhow::Result<()> {
    for input in body.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap_or("");
        if tag.contains(r#"type="hidden""#) {
            continue;
        }
        let id = tag
            .split(r#"id=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .with_context(|| format!("{uri}: an input without id: {tag}"))?;
        ensure!(
            body.contains(&format!(r#"<label for="{id}">"#)),
            "{uri}: input {id} has no label"
        );
    }
    Ok(())
}

// Before: "confirm my email" and "reset password" links opened empty 404s, and /login had no
// way to ask for a reset. The GET never uses the single-use token (mail scanners fetch links);
// a used, replaced or unknown link gets a clear page with a way to a new one.
#[tokio::test]
async fn emailed_links_open_pages_that_verify_and_reset() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let (token, _, _) = app.seeker("lena@example.org").await?;

        let verify = emailed_path(&t.db, "lena@example.org", "verify_email").await?;
        ensure!(verify.starts_with("/verify-email?token="), "{verify}");
        let (status, _, body) = page(&app, Method::GET, &verify, None, None).await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(
            body.contains("Confirm my email address") && body.contains(r#"action="/verify-email""#)
        );
        let me = app.get("/api/v1/me", Some(&token)).await?;
        ensure!(
            me.body["email_verified"] == false,
            "a GET used the token: {}",
            me.body
        );
        let form = format!(
            "token={}",
            verify.trim_start_matches("/verify-email?token=")
        );
        let (status, _, body) =
            page(&app, Method::POST, "/verify-email", None, Some(&form)).await?;
        ensure!(
            status == StatusCode::OK && body.contains("Your email address is confirmed"),
            "{status}: {body}"
        );
        let me = app.get("/api/v1/me", Some(&token)).await?;
        ensure!(me.body["email_verified"] == true, "{}", me.body);
        for (method, uri, form) in [
            (Method::POST, "/verify-email", Some(form.as_str())),
            (Method::GET, verify.as_str(), None),
            (Method::GET, "/verify-email?token=made-up", None),
        ] {
            let (status, _, body) = page(&app, method, uri, None, form).await?;
            ensure!(status == StatusCode::BAD_REQUEST, "{uri}: {status}");
            ensure!(
                body.contains("This link does not work")
                    && body.contains("/login?next=%2Fverify-email"),
                "{uri}: {body}"
            );
        }
        // Signed in and unverified: a new link on request.
        let (other, _, _) = app.seeker("max@example.org").await?;
        let (status, _, body) =
            page(&app, Method::GET, "/verify-email", Some(&other), None).await?;
        ensure!(
            status == StatusCode::OK && body.contains(r#"action="/verify-email/request""#),
            "{body}"
        );
        let (status, _, body) = page(
            &app,
            Method::POST,
            "/verify-email/request",
            Some(&other),
            Some(""),
        )
        .await?;
        ensure!(
            status == StatusCode::OK && body.contains("We sent a new link to max@example.org"),
            "{status}: {body}"
        );
        ensure!(outbox_count(&t.db, "max@example.org", "verify_email").await? == 2);

        // Forgot password: linked from /login, the same answer whether or not the address has
        // an account.
        let (_, _, login) = page(&app, Method::GET, "/login", None, None).await?;
        ensure!(
            login.contains(r#"href="/forgot-password""#),
            "no forgot-password link on /login"
        );
        let (status, _, body) = page(&app, Method::GET, "/forgot-password", None, None).await?;
        ensure!(
            status == StatusCode::OK && body.contains("<form"),
            "{status}"
        );
        ensure_labelled(&body, "/forgot-password")?;
        let (status, _, known) = page(
            &app,
            Method::POST,
            "/forgot-password",
            None,
            Some("email=lena%40example.org"),
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}: {known}");
        let (status, _, unknown) = page(
            &app,
            Method::POST,
            "/forgot-password",
            None,
            Some("email=nobody%40example.org"),
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}");
        ensure!(
            known.replace("lena@example.org", "X") == unknown.replace("nobody@example.org", "X"),
            "the answer differs for a known and an unknown address"
        );
        let (status, _, body) = page(
            &app,
            Method::POST,
            "/forgot-password",
            None,
            Some("email=nope"),
        )
        .await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && body.contains(r##"<a href="#email">"##),
            "{status}"
        );

        // Reset: the form applies the API's password rules and keeps the link usable after a
        // weak password; a used link gets a clear page.
        let reset = emailed_path(&t.db, "lena@example.org", "reset_password").await?;
        ensure!(reset.starts_with("/reset-password?token="), "{reset}");
        let (status, _, body) = page(&app, Method::GET, &reset, None, None).await?;
        ensure!(
            status == StatusCode::OK && body.contains("Choose a new password"),
            "{status}: {body}"
        );
        ensure_labelled(&body, &reset)?;
        let reset_token = reset
            .trim_start_matches("/reset-password?token=")
            .to_owned();
        let (status, _, body) = page(
            &app,
            Method::POST,
            "/reset-password",
            None,
            Some(&format!("token={reset_token}&new_password=short")),
        )
        .await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{status}");
        ensure!(
            body.contains(r##"<a href="#new_password">"##)
                && body.contains(r#"aria-invalid="true""#),
            "{body}"
        );
        let (status, _, _) = page(&app, Method::GET, &reset, None, None).await?;
        ensure!(status == StatusCode::OK, "a weak password used up the link");
        let (status, _, body) = page(
            &app,
            Method::POST,
            "/reset-password",
            None,
            Some(&format!(
                "token={reset_token}&new_password=a%20brand%20new%20passphrase"
            )),
        )
        .await?;
        ensure!(
            status == StatusCode::OK && body.contains("Your password is changed"),
            "{status}: {body}"
        );
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "lena@example.org", "password": "a brand new passphrase"}),
            )
            .await?;
        ensure!(login.status == StatusCode::OK, "{}", login.body);
        for (method, uri, form) in [
            (Method::GET, reset.clone(), None),
            (
                Method::POST,
                "/reset-password".to_owned(),
                Some(format!(
                    "token={reset_token}&new_password=another%20long%20passphrase"
                )),
            ),
            (Method::GET, "/reset-password".to_owned(), None),
        ] {
            let (status, _, body) = page(&app, method, &uri, None, form.as_deref()).await?;
            ensure!(status == StatusCode::BAD_REQUEST, "{uri}: {status}");
            ensure!(
                body.contains("This link does not work")
                    && body.contains(r#"href="/forgot-password""#),
                "{uri}: {body}"
            );
        }
        Ok(())
    })
    .await;
}

/// Posts JSON `body` to `uri` from client address `address`.
async fn post_from(
    app: &TestApp,
    uri: &str,
    token: Option<&str>,
    body: &Value,
    address: [u8; 4],
) -> anyhow::Result<Reply> {
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let mut request = request.body(Body::from(body.to_string()))?;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
    app.raw(request).await
}

// Before: anonymous reset requests queued 3,000 emails to 8 users in 8 s, and `register`
// mailed any address given. Every request that sends mail is limited per client address
// (429 with Retry-After), and reset and verification emails per recipient (resets silently,
// so the answer never tells whether the address has an account).
#[tokio::test]
async fn mail_sending_requests_are_limited_per_address_and_per_recipient() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let (token, _, _) = app.seeker("rita@example.org").await?;

        // Per recipient: resets from many addresses reach the account a few times only.
        for _ in 0..6 {
            let reply = app
                .post(
                    "/api/v1/auth/password-reset/request",
                    None,
                    &json!({"email": "rita@example.org"}),
                )
                .await?;
            ensure!(reply.status == StatusCode::ACCEPTED, "{}", reply.body);
        }
        let resets = outbox_count(&t.db, "rita@example.org", "reset_password").await?;
        ensure!(resets == 3, "{resets} reset emails to one account");
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(
                app.post(
                    "/api/v1/auth/verify-email/request",
                    Some(&token),
                    &json!({}),
                )
                .await?
                .status,
            );
        }
        ensure!(
            statuses[..3].iter().all(|s| *s == StatusCode::ACCEPTED)
                && statuses[3] == StatusCode::TOO_MANY_REQUESTS,
            "{statuses:?}"
        );

        // Per address: the mail-sending routes share one budget per client address.
        let address = [10, 77, 0, 1];
        for i in 0..10 {
            let reply = post_from(
                &app,
                "/api/v1/auth/password-reset/request",
                None,
                &json!({"email": format!("n{i}@example.org")}),
                address,
            )
            .await?;
            ensure!(
                reply.status == StatusCode::ACCEPTED,
                "request {i}: {}",
                reply.status
            );
        }
        let refused = post_from(
            &app,
            "/api/v1/auth/register",
            None,
            &json!({"email": "spam@example.org", "password": PASSWORD, "display_name": "S"}),
            address,
        )
        .await?;
        ensure!(
            refused.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.status
        );
        ensure!(refused.headers[header::CONTENT_TYPE] == "application/problem+json");
        let wait: u64 = refused.headers[header::RETRY_AFTER].to_str()?.parse()?;
        ensure!(wait > 0 && wait <= 3600, "Retry-After {wait}");
        // An employer inviting members emails the addresses given: limited the same way.
        let employer = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "emma@example.org", "password": PASSWORD,
                "display_name": "Emma", "role": "employer", "organisation_name": "Limited Ltd"}),
            )
            .await?;
        ensure!(employer.status == StatusCode::CREATED, "{}", employer.body);
        let organisation = employer.body["user"]["organisation_id"]
            .as_i64()
            .context("no organisation")?;
        let invite = post_from(
            &app,
            &format!("/api/v1/organisations/{organisation}/members"),
            employer.body["access_token"].as_str(),
            &json!({"email": "invitee@example.org", "display_name": "I"}),
            address,
        )
        .await?;
        ensure!(
            invite.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            invite.status
        );
        ensure!(
            reskill_store::accounts::user_with_hash_by_email(
                &t.db,
                &Email::parse("spam@example.org")?
            )
            .await?
            .is_none(),
            "a refused registration created the account"
        );
        // The page form is refused with an HTML page, and another address is not affected.
        let request = Request::post("/forgot-password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("email=rita%40example.org"));
        let mut request = request?;
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
        let (status, headers, _) = app.text(request).await?;
        ensure!(
            status == StatusCode::TOO_MANY_REQUESTS && headers.contains_key(header::RETRY_AFTER),
            "{status}"
        );
        ensure!(
            headers[header::CONTENT_TYPE]
                .to_str()?
                .starts_with("text/html")
        );
        let other = post_from(
            &app,
            "/api/v1/auth/password-reset/request",
            None,
            &json!({"email": "x@example.org"}),
            [10, 77, 0, 2],
        )
        .await?;
        ensure!(other.status == StatusCode::ACCEPTED, "{}", other.status);
        // Reading pages is not limited.
        let reply = app
            .raw(
                Request::get("/forgot-password")
                    .extension(ConnectInfo(SocketAddr::from((address, 40_000))))
                    .body(Body::empty())?,
            )
            .await?;
        ensure!(reply.status == StatusCode::OK, "{}", reply.status);
        Ok(())
    })
    .await;
}

// Before: a seeker who saved her own plan was told "your caseworker made a plan for you".
// Her own save sends nothing; a caseworker's later change to it says it is the plan she saved.
#[tokio::test]
async fn plan_email_reflects_who_made_the_plan() {
    for_each_backend(|t| async move {
        let app = TestApp::new(t.db.clone()).await?;
        let clerk = app.clerk()?;
        let (seeker, _, worker) = app.seeker("sara@example.org").await?;
        let transitions = app
            .get(&format!("/api/v1/occupations/{clerk}/transitions"), None)
            .await?;
        let target = transitions.body["transitions"][0]["occupation"]["id"]
            .as_i64()
            .with_context(|| format!("no transition: {}", transitions.body))?;
        let (status, headers, _) = page(
            &app,
            Method::POST,
            &format!("/occupations/{clerk}/pathways/{target}/plan"),
            Some(&seeker),
            Some(""),
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{status}");
        let plan_id: i64 = headers[header::LOCATION]
            .to_str()?
            .rsplit("plan-")
            .next()
            .context("no plan anchor")?
            .parse()?;
        ensure!(
            outbox_count(&t.db, "sara@example.org", "plan_assigned").await? == 0,
            "the seeker was emailed about her own plan"
        );

        let (admin, _) = app
            .account(Role::Admin, "root.plan@example.org", None)
            .await?;
        let (caseworker, caseworker_id) = app
            .account(Role::Caseworker, "cw.plan@example.org", None)
            .await?;
        let r = app
            .send(
                Method::PUT,
                &format!("/api/v1/admin/workers/{worker}/caseworker"),
                Some(&admin),
                Some(&json!({"caseworker_id": caseworker_id})),
            )
            .await?;
        ensure!(r.status == StatusCode::NO_CONTENT, "{}", r.body);
        for status in ["draft", "active"] {
            let r = app
                .send(
                    Method::PATCH,
                    &format!("/api/v1/plans/{plan_id}"),
                    Some(&caseworker),
                    Some(&json!({"status": status})),
                )
                .await?;
            ensure!(r.status == StatusCode::OK, "{status}: {}", r.body);
        }
        let emails = reskill_store::accounts::outbox_for(&t.db, "sara@example.org").await?;
        let email = emails
            .iter()
            .find(|e| e.template == "plan_assigned")
            .context("no plan email after the caseworker reactivated the plan")?;
        let mut extra = serde_json::Map::new();
        extra.insert("public_url".into(), json!("http://test"));
        let text = reskill_mail::Renderer::new()
            .render("plan_assigned", &email.payload, extra)?
            .text;
        ensure!(
            text.contains("Your caseworker has reactivated the reskilling plan you saved")
                && !text.contains("made a reskilling plan for you"),
            "{text}"
        );
        Ok(())
    })
    .await;
}
