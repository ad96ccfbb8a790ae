//! The matching engine through the HTTP API, on the demo data (SQLite and PostgreSQL) and on the
//! real bundle (full ESCO plus the exposure sources, SQLite only).

use std::sync::{Arc, RwLock};

use anyhow::{Context, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reskill_core::matching::MatchConfig;
use reskill_search::SearchIndexes;
use reskill_server::services::engine::Engine;
use reskill_server::templates::Templates;
use reskill_server::{App, AppState, ServerConfig};
use reskill_tests::data::shared_data;
use reskill_tests::db::for_each_backend;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tower::ServiceExt;

const DATA_ENTRY_CLERK: &str =
    "http://data.europa.eu/esco/occupation/6353b3e8-e8f2-4ecb-b230-186927139892";

/// Builds the app state the way `reskill serve` does, with a freshly loaded engine.
async fn app(db: DatabaseConnection, search: SearchIndexes) -> anyhow::Result<AppState> {
    let engine = Engine::load(&db, MatchConfig::default()).await?;
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
            http: Default::default(),
        },
        metrics: Default::default(),
        // Tests and benchmarks call search from one address, far above a person's rate.
        search_limiter: reskill_server::middleware::RateLimiter::new(None, 0.0),
        semantic: std::sync::Arc::new(reskill_server::services::semantic::Semantic::unavailable(
            "not used here",
        )),
        indexing: Default::default(),
    }))
}

/// Sends one request through the router; returns the status and the parsed JSON body.
async fn call(state: &AppState, request: Request<Body>) -> anyhow::Result<(StatusCode, Value)> {
    let response = reskill_server::router(state.clone())
        .oneshot(request)
        .await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let body = serde_json::from_slice(&bytes)
        .with_context(|| format!("non-JSON body: {}", String::from_utf8_lossy(&bytes)))?;
    Ok((status, body))
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("valid request")
}

fn post(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// Returns the id of the occupation with `uri`, through the engine.
fn occupation_id(state: &AppState, uri: &str) -> anyhow::Result<i64> {
    Ok(state
        .engine()
        .occupation_by_uri(uri)
        .with_context(|| format!("{uri} is not loaded"))?
        .0)
}

/// Checks that every transition is at least `min_points` percentile points safer.
fn check_safer(transitions: &[Value], min_points: f64) -> anyhow::Result<()> {
    for t in transitions {
        let points = t["risk"]["reduction_points"]
            .as_f64()
            .with_context(|| format!("no risk reduction in {t}"))?;
        ensure!(points >= min_points, "not safer: {t}");
        ensure!(
            t["fit"].as_f64().unwrap_or(0.0) >= MatchConfig::default().viable_fit - 1e-9,
            "not viable: {t}"
        );
    }
    Ok(())
}

/// `GET /api/v1/occupations/{id}` lists the programme types linked through the occupation's
/// O*NET-SOC code once they are imported: the engine sees its data version change and reloads.
#[tokio::test]
async fn occupation_api_lists_programme_types_once_the_engine_reloads() {
    use reskill_store::programmes::{ProgrammeSocLink, replace_programme_types};
    for_each_backend(|t| async move {
        let search = SearchIndexes::in_ram()?;
        reskill_server::services::demo::load_demo(&t.db, &search).await?;
        let state = app(t.db.clone(), search).await?;
        let clerk = occupation_id(&state, DATA_ENTRY_CLERK)?;
        let (status, body) = call(&state, get(&format!("/api/v1/occupations/{clerk}"))).await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(body["programme_types"] == json!([]), "{body}");

        reskill_store::crosswalk::replace_onet_codes(
            &t.db,
            &[(DATA_ENTRY_CLERK.to_owned(), "43-9021.00".to_owned())],
            "test crosswalk",
        )
        .await?;
        let data_entry = reskill_core::catalog::ProgrammeType {
            code: "52.0407".to_owned(),
            title: "Business/Office Automation/Technology/Data Entry".to_owned(),
            definition: "A program that prepares individuals to use computer software.".to_owned(),
        };
        replace_programme_types(
            &t.db,
            std::slice::from_ref(&data_entry),
            &[ProgrammeSocLink {
                code: "52.0407".to_owned(),
                soc_2010: "43-9021".to_owned(),
            }],
            "test CIP",
        )
        .await?;
        // What the engine's reload task checks.
        let version = reskill_store::matching::engine_data_version(&t.db).await?;
        ensure!(
            version != state.engine().version,
            "the import went unnoticed"
        );
        state.reload_engine().await?;
        let (_, body) = call(&state, get(&format!("/api/v1/occupations/{clerk}"))).await?;
        ensure!(
            body["programme_types"] == json!([data_entry]),
            "{}",
            body["programme_types"]
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn occupation_transitions_and_recommendations_on_the_demo() {
    for_each_backend(|t| async move {
        let search = SearchIndexes::in_ram()?;
        reskill_server::services::demo::load_demo(&t.db, &search).await?;
        let state = app(t.db.clone(), search).await?;
        let clerk = occupation_id(&state, DATA_ENTRY_CLERK)?;

        // The occupation, with risk named by its source.
        let (status, body) = call(&state, get(&format!("/api/v1/occupations/{clerk}"))).await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(body["preferred_label"] == "data entry clerk", "{body}");
        ensure!(!body["essential_skills"].as_array().unwrap().is_empty());
        let readings = body["risk"]["readings"].as_array().context("no risk")?;
        ensure!(readings[0]["source"] == "nesta-mcc", "{body}");
        ensure!(readings[0]["active"] == true);
        ensure!(body["risk"]["band"] == "high", "{body}");
        // Every reading says what it measures; the band shown is the combined measure's.
        ensure!(
            readings[0]["description"]
                .as_str()
                .is_some_and(|d| d.contains("machine learning")),
            "{body}"
        );
        let mean = readings
            .iter()
            .map(|r| r["percentile"].as_f64().unwrap())
            .sum::<f64>()
            / readings.len() as f64;
        let clerk_percentile = body["risk"]["percentile"]
            .as_f64()
            .context("no percentile")?;
        ensure!((clerk_percentile - mean).abs() < 1e-9, "{body}");

        // Transitions: non-empty, each safer and viable.
        let (status, body) = call(
            &state,
            get(&format!("/api/v1/occupations/{clerk}/transitions?limit=5")),
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        let transitions = body["transitions"].as_array().unwrap();
        ensure!(!transitions.is_empty(), "no transitions: {body}");
        check_safer(transitions, 10.0)?;
        // "N points lower" starts from the same figure the occupation shows.
        for t in transitions {
            let before = t["risk"]["before"]["percentile"]
                .as_f64()
                .unwrap_or(f64::NAN);
            ensure!((before - clerk_percentile).abs() < 1e-9, "{t}");
        }

        // A recommendation: plans cover only gap skills; openings are for the top transitions.
        let request = json!({
            "occupation_uri": DATA_ENTRY_CLERK,
            "location": {"lat": 53.8, "lon": -1.55},
            "constraints": {"max_weeks": 60, "budget": 2000, "minimise": "weeks"},
            "limit": 5
        });
        let (status, body) = call(&state, post("/api/v1/recommendations", &request)).await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(body["risk"]["readings"][0]["source"] == "nesta-mcc");
        let transitions = body["transitions"].as_array().unwrap();
        ensure!(!transitions.is_empty(), "no transitions: {body}");
        check_safer(transitions, 10.0)?;
        let mut planned_courses = 0;
        for t in transitions {
            let gap: Vec<&Value> = t["gap"]["essential"]
                .as_array()
                .unwrap()
                .iter()
                .chain(t["gap"]["optional"].as_array().unwrap())
                .map(|s| &s["skill"]["id"])
                .collect();
            let plan = &t["plan"];
            ensure!(
                plan["total_weeks"].as_f64().unwrap() <= 60.0 + 1e-9,
                "{plan}"
            );
            // The schedule runs steps end to end; every course teaches an essential gap skill
            // (nice-to-have-only courses were not asked for).
            let essential: Vec<&Value> = t["gap"]["essential"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| &s["skill"]["id"])
                .collect();
            let mut week = 0.0;
            for step in plan["steps"].as_array().unwrap() {
                ensure!(
                    (step["start_week"].as_f64().unwrap() - week).abs() < 1e-9,
                    "steps overlap or leave a gap: {plan}"
                );
                week = step["end_week"].as_f64().unwrap();
                let first_essential = step["covers_essential"].as_u64().unwrap() as usize;
                ensure!(
                    first_essential >= 1,
                    "a course without an essential skill: {step}"
                );
                for covered in &step["covers"].as_array().unwrap()[..first_essential] {
                    ensure!(
                        essential.contains(&&covered["id"]),
                        "{covered} is not essential"
                    );
                }
            }
            ensure!(
                (plan["total_weeks"].as_f64().unwrap() - week).abs() < 1e-9,
                "{plan}"
            );
            ensure!(
                plan["essential_gap"].as_u64() == Some(essential.len() as u64),
                "{plan}"
            );
            ensure!(
                plan["total_cost"].as_f64().unwrap() <= 2000.0 + 1e-9,
                "{plan}"
            );
            for step in plan["steps"].as_array().unwrap() {
                planned_courses += 1;
                ensure!(
                    plan["courses"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|c| c["id"] == step["course"]),
                    "step without its course label: {plan}"
                );
                for covered in step["covers"].as_array().unwrap() {
                    ensure!(gap.contains(&&covered["id"]), "{covered} is not in the gap");
                }
            }
        }
        ensure!(planned_courses > 0, "no course planned: {body}");
        let top: Vec<&Value> = transitions
            .iter()
            .take(3)
            .map(|t| &t["occupation"]["id"])
            .collect();
        for opening in body["openings"].as_array().unwrap() {
            ensure!(top.contains(&&opening["for_transition"]), "{opening}");
            ensure!(opening["occupation"]["id"] == opening["for_transition"]);
        }

        // A title resolves through search; skills alone work too.
        let (status, body) = call(
            &state,
            post(
                "/api/v1/recommendations",
                &json!({"occupation_title": "data entry clerk", "openings_limit": 0}),
            ),
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(
            body["current_occupation"]["uri"] == DATA_ENTRY_CLERK,
            "{body}"
        );
        let skill = state.engine().occupation_skills(
            reskill_core::OccupationId(clerk),
            reskill_core::matching::SkillOrigin::Declared,
        )[0]
        .skill
        .0;
        let (status, body) = call(
            &state,
            post("/api/v1/recommendations", &json!({"skills": [skill]})),
        )
        .await?;
        ensure!(status == StatusCode::OK, "{status}: {body}");
        ensure!(body["risk"].is_null());
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn bad_inputs_are_400_naming_the_field() {
    for_each_backend(|t| async move {
        let search = SearchIndexes::in_ram()?;
        reskill_server::services::demo::load_demo(&t.db, &search).await?;
        let state = app(t.db.clone(), search).await?;
        let clerk = occupation_id(&state, DATA_ENTRY_CLERK)?;

        for (uri, field, status) in [
            ("/api/v1/occupations/abc".to_owned(), Some("id"), 400),
            ("/api/v1/occupations/999999".to_owned(), None, 404),
            (
                format!("/api/v1/occupations/{clerk}/transitions?limit=51"),
                Some("limit"),
                400,
            ),
            (
                format!("/api/v1/occupations/{clerk}/transitions?limit=0"),
                Some("limit"),
                400,
            ),
            (
                format!("/api/v1/occupations/{clerk}/transitions?include_riskier=maybe"),
                Some("include_riskier"),
                400,
            ),
            (
                "/api/v1/occupations/999999/transitions".to_owned(),
                None,
                404,
            ),
        ] {
            let (got, body) = call(&state, get(&uri)).await?;
            ensure!(got.as_u16() == status, "{uri}: {got} {body}");
            ensure!(body["field"].as_str() == field, "{uri}: {body}");
        }

        let cases = [
            (json!({}), "skills"),
            (json!({"occupation_id": 999_999}), "occupation_id"),
            (json!({"occupation_id": "x"}), "occupation_id"),
            (json!({"occupation_uri": "http://nope"}), "occupation_uri"),
            (
                json!({"occupation_id": clerk, "occupation_uri": DATA_ENTRY_CLERK}),
                "occupation_uri",
            ),
            (json!({"occupation_title": "   "}), "occupation_title"),
            (json!({"occupation_id": clerk, "limit": 51}), "limit"),
            (json!({"occupation_id": clerk, "limit": 0}), "limit"),
            (
                json!({"occupation_id": clerk, "skills": [1, "http://nope"]}),
                "skills[1]",
            ),
            (json!({"occupation_id": clerk, "skills": "x"}), "skills"),
            (
                json!({"occupation_id": clerk, "location": {"lat": 91, "lon": 0}}),
                "location.lat",
            ),
            (
                json!({"occupation_id": clerk, "location": {"lat": 50}}),
                "location.lon",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"max_weeks": -1}}),
                "constraints.max_weeks",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"budget": -5}}),
                "constraints.budget",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"modes": ["boat"]}}),
                "constraints.modes[0]",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"minimise": "fun"}}),
                "constraints.minimise",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"max_travel_km": 0}}),
                "constraints.max_travel_km",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"weeks": 3}}),
                "constraints.weeks",
            ),
            (
                json!({"occupation_id": clerk, "constraints": {"include_optional_only_courses": "yes"}}),
                "constraints.include_optional_only_courses",
            ),
            (json!({"occupation_id": clerk, "colour": "red"}), "colour"),
            (json!([1, 2]), "body"),
        ];
        for (request, field) in cases {
            let (status, body) = call(&state, post("/api/v1/recommendations", &request)).await?;
            ensure!(
                status == StatusCode::BAD_REQUEST,
                "{request}: {status} {body}"
            );
            ensure!(
                body["field"] == field,
                "{request}: expected field {field}, got {body}"
            );
        }
        Ok(())
    })
    .await;
}

/// Full ESCO plus the four exposure sources on SQLite: the story's occupations read as highly
/// exposed, every page and facet uses the same measure, and the transitions of "data entry
/// clerk" exist and are safer.
#[tokio::test]
async fn real_bundle_transitions_of_data_entry_clerk_are_safer() -> anyhow::Result<()> {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let db = reskill_tests::db::TestDb::sqlite().await?;
    let search = SearchIndexes::in_ram()?;
    reskill_server::services::import::import_esco_dir(
        &db.db,
        &search,
        &data.join("esco"),
        &|_, _, _| {},
    )
    .await?;
    let reports = reskill_server::services::demo::load_bundle_risk(&db.db, &search, &data).await?;
    ensure!(reports.len() == 4);
    ensure!(reports.iter().all(|r| !r.description.is_empty()));
    reskill_server::services::import::import_attributes_file(
        &db.db,
        &data.join("labour/nesta_occupation_attributes.csv"),
        "GBP",
        "Nesta",
    )
    .await?;
    let state = app(db.db.clone(), search).await?;
    ensure!(state.engine().taxonomy.occupation_count() == 3_007);

    // The jobs the product was built for read as highly exposed once generative AI is counted
    // (a call centre agent is low by Nesta alone).
    let engine = state.engine();
    let by_label = |label: &str| {
        engine
            .taxonomy
            .occupations()
            .iter()
            .find(|o| o.label == label)
            .map(|o| o.id)
            .with_context(|| format!("no occupation {label:?}"))
    };
    for label in [
        "customer service representative",
        "call centre agent",
        "customer contact centre information clerk",
        "translator",
        "marketing assistant",
        "data entry clerk",
        "bookkeeper",
        // ESCO files "telemarketer" under call centre agent; receptionists complete the story.
        "receptionist",
    ] {
        let risk = engine.risk(by_label(label)?).context("unscored")?;
        ensure!(
            risk.band == reskill_core::risk::RiskBand::High && risk.readings.len() >= 3,
            "{label}: {risk:?}"
        );
        let sources: Vec<&str> = risk
            .readings
            .iter()
            .map(|r| r.reading.source.as_str())
            .collect();
        ensure!(
            sources.contains(&"eloundou-gpt4") && sources.contains(&"tomlinson-copilot"),
            "{label}: {sources:?}"
        );
    }
    let agent = engine.risk(by_label("call centre agent")?).unwrap();
    ensure!(
        !agent.agreement,
        "Nesta and the generative-AI sources disagree: {agent:?}"
    );

    // The search facet's band is the engine's, for every occupation.
    let rows = reskill_store::documents::occupations(&db.db, None).await?;
    ensure!(rows.len() == 3_007);
    for row in rows {
        let engine_band = engine
            .risk(reskill_core::OccupationId(row.id))
            .map(|r| r.band.as_str().to_owned());
        ensure!(
            row.risk_band == engine_band,
            "{}: {:?} vs {engine_band:?}",
            row.preferred_label,
            row.risk_band
        );
    }

    let clerk = occupation_id(&state, DATA_ENTRY_CLERK)?;
    let (status, body) = call(
        &state,
        get(&format!("/api/v1/occupations/{clerk}/transitions?limit=10")),
    )
    .await?;
    ensure!(status == StatusCode::OK, "{status}: {body}");
    let transitions = body["transitions"].as_array().unwrap();
    ensure!(transitions.len() >= 5, "too few transitions: {body}");
    check_safer(transitions, 10.0)?;

    // The pathway page says how pay and preparation compare, as the transitions do.
    let first = &transitions[0];
    let target = first["occupation"]["id"].as_i64().context("no target id")?;
    let ratio = first["labour"]["earnings_ratio"]
        .as_f64()
        .with_context(|| format!("no pay ratio in {first}"))?;
    let response = reskill_server::router(state.clone())
        .oneshot(get(&format!("/occupations/{clerk}/pathways/{target}")))
        .await?;
    ensure!(response.status() == StatusCode::OK);
    let page = String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?;
    let expected = format!(
        "Pay and preparation compared with data entry clerk: pay {:.0}%",
        ratio * 100.0
    );
    ensure!(
        page.contains(&expected),
        "{expected:?} not on the pathway page"
    );
    db.cleanup().await?;
    Ok(())
}

/// Prints the calibration figures of docs/MATCHING.md (markdown on stdout). Run with
/// `cargo test -p reskill-tests --release --test integration calibration -- --ignored --nocapture`;
/// set `RESKILL_CALIBRATION_DATABASE_URL` to reuse a database already holding ESCO, Nesta
/// (active) and Frey–Osborne, otherwise they are imported into a temporary SQLite file.
#[tokio::test]
#[ignore = "slow: regenerates the calibration figures of docs/MATCHING.md"]
async fn calibration_figures() -> anyhow::Result<()> {
    let Some(data) = shared_data() else {
        return Ok(());
    };
    let mut _keep = None;
    let db = match std::env::var("RESKILL_CALIBRATION_DATABASE_URL") {
        Ok(url) => reskill_store::connect(&url).await?,
        Err(_) => {
            let t = reskill_tests::db::TestDb::sqlite().await?;
            let search = SearchIndexes::in_ram()?;
            use reskill_server::services::import;
            import::import_esco_dir(&t.db, &search, &data.join("esco"), &|_, _, _| {}).await?;
            reskill_server::services::demo::load_bundle_risk(&t.db, &search, &data).await?;
            let db = t.db.clone();
            _keep = Some(t);
            db
        }
    };
    // The demo catalogue's courses are tagged with real ESCO skill URIs; the real MOOC files
    // carry no ESCO tags, so the demo catalogue is the only catalogue plans can use here.
    let courses = reskill_ingest::demo::courses().map_err(|e| anyhow::anyhow!(e))?;
    reskill_store::catalog::upsert_courses(&db, &courses).await?;
    let engine = Engine::load(&db, MatchConfig::default()).await?;
    println!("{}", calibration::report(&engine));
    Ok(())
}

mod calibration {
    use std::collections::HashSet;
    use std::fmt::Write;

    use reskill_core::OccupationId;
    use reskill_core::matching::{MatchConfig, Matcher, PlanConstraints, SkillOrigin};
    use reskill_core::risk::RiskBand;
    use reskill_server::services::engine::Engine;

    fn quantiles(mut values: Vec<f32>, qs: &[f64]) -> Vec<f32> {
        values.sort_by(f32::total_cmp);
        qs.iter()
            .map(|q| values[((values.len() - 1) as f64 * q).round() as usize])
            .collect()
    }

    /// Returns the markdown figures.
    pub fn report(engine: &Engine) -> String {
        let mut out = String::new();
        let n = engine.taxonomy.occupation_count();
        let ids: Vec<OccupationId> = engine.taxonomy.occupations().iter().map(|o| o.id).collect();
        let started = std::time::Instant::now();
        let matrix = engine.matcher().all_pairs_fit();
        let mut no_sibling = engine.config.clone();
        no_sibling.sibling_credit = 0.0;
        let matrix_plain = Matcher::new(&engine.taxonomy, no_sibling).all_pairs_fit();
        let _ = writeln!(
            out,
            "two all-pairs fit matrices of {n} occupations (with and without sibling credit): {} ms\n",
            started.elapsed().as_millis()
        );

        // 1. Distribution of fits.
        let qs = [0.5, 0.75, 0.9, 0.95, 0.99, 0.999];
        let mut off_diagonal = Vec::with_capacity(n * n);
        let mut best_other = Vec::with_capacity(n);
        for a in 0..n {
            let row = matrix.row(a);
            let mut best = 0.0f32;
            for (b, &f) in row.iter().enumerate() {
                if a != b {
                    off_diagonal.push(f);
                    best = best.max(f);
                }
            }
            best_other.push(best);
        }
        let mut plain = Vec::with_capacity(n * n);
        for a in 0..n {
            for (b, &f) in matrix_plain.row(a).iter().enumerate() {
                if a != b {
                    plain.push(f);
                }
            }
        }
        let _ = writeln!(
            out,
            "| fits A→B, A≠B | p50 | p75 | p90 | p95 | p99 | p99.9 |\n|---|---|---|---|---|---|---|"
        );
        for (name, v) in [
            (
                "all ordered pairs (sibling credit 0.5)",
                off_diagonal.clone(),
            ),
            ("all ordered pairs (no sibling credit)", plain),
            ("best other occupation per origin", best_other.clone()),
        ] {
            let q = quantiles(v, &qs);
            let _ = writeln!(
                out,
                "| {name} | {} |",
                q.iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        for t in [0.2f32, 0.3, 0.35, 0.4, 0.5] {
            let share =
                off_diagonal.iter().filter(|&&f| f >= t).count() as f64 / off_diagonal.len() as f64;
            let _ = writeln!(
                out,
                "\nshare of ordered pairs with fit ≥ {t}: {:.2}%",
                share * 100.0
            );
        }

        // 2. Coverage of high-risk occupations by threshold.
        let matcher = engine.matcher();
        let high: Vec<usize> = (0..n)
            .filter(|&a| {
                engine
                    .risk(ids[a])
                    .is_some_and(|r| r.band == RiskBand::High)
            })
            .collect();
        let scored = (0..n).filter(|&a| engine.risk(ids[a]).is_some()).count();
        let _ = writeln!(
            out,
            "\n{scored} occupations scored by the active source (own or inherited); {} in the high band\n",
            high.len()
        );
        // reductions[a][b] for high-risk a.
        let reductions: Vec<Vec<Option<f64>>> = high
            .iter()
            .map(|&a| {
                (0..n)
                    .map(|b| {
                        matcher
                            .risk_change(ids[a], ids[b])
                            .and_then(|c| c.reduction_points)
                    })
                    .collect()
            })
            .collect();
        let fits_grid = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
        let reduction_grid = [5.0, 10.0, 20.0, 33.0];
        for (title, matrix_used) in [
            ("sibling credit 0.5 (default)", &matrix),
            ("no sibling credit", &matrix_plain),
        ] {
            let _ = writeln!(
                out,
                "share of high-risk occupations with ≥ 5 viable safer transitions, {title} (rows: viable_fit; columns: min_risk_reduction in percentile points)\n"
            );
            let _ = writeln!(
                out,
                "| viable_fit | {} |\n|---|{}",
                reduction_grid.map(|r| format!("≥ {r}")).join(" | "),
                "---|".repeat(reduction_grid.len())
            );
            for vf in fits_grid {
                let cells: Vec<String> = reduction_grid
                    .iter()
                    .map(|&mr| {
                        let ok = high
                            .iter()
                            .enumerate()
                            .filter(|(i, a)| {
                                (0..n)
                                    .filter(|&b| {
                                        b != **a
                                            && f64::from(matrix_used.get(**a, b)) >= vf
                                            && reductions[*i][b].is_some_and(|p| p >= mr)
                                    })
                                    .count()
                                    >= 5
                            })
                            .count();
                        format!("{:.0}%", ok as f64 * 100.0 / high.len() as f64)
                    })
                    .collect();
                let _ = writeln!(out, "| {vf} | {} |", cells.join(" | "));
            }
            let _ = writeln!(out);
        }
        // Median number of viable safer transitions at the defaults.
        let counts: Vec<f32> = high
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                (0..n)
                    .filter(|&b| {
                        b != a
                            && f64::from(matrix.get(a, b)) >= engine.config.viable_fit
                            && reductions[i][b]
                                .is_some_and(|p| p >= engine.config.min_risk_reduction)
                    })
                    .count() as f32
            })
            .collect();
        let q = quantiles(counts, &[0.1, 0.25, 0.5, 0.75, 0.9]);
        let _ = writeln!(
            out,
            "viable safer transitions per high-risk occupation at the defaults (fit ≥ {}, ≥ {} points): p10 {} p25 {} median {} p75 {} p90 {}\n",
            engine.config.viable_fit,
            engine.config.min_risk_reduction,
            q[0],
            q[1],
            q[2],
            q[3],
            q[4]
        );

        // 3. The 20 most at-risk customer-service, clerical and marketing occupations.
        let in_story = |isco: &str| {
            (isco.starts_with('4') && !isco.starts_with("432"))
                || ["2431", "2432", "3322", "5244", "1221"].contains(&isco)
        };
        let mut story: Vec<(f64, usize)> = (0..n)
            .filter(|&a| in_story(&engine.taxonomy.occupations()[a].isco_group))
            .filter_map(|a| {
                let risk = engine.risk(ids[a])?;
                let first = risk.readings.first()?;
                (first.reading.active && !first.reading.inherited)
                    .then_some((first.reading.percentile, a))
            })
            .collect();
        story.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        story.truncate(20);
        let _ = writeln!(
            out,
            "| occupation (ISCO) | risk pct (nesta / frey-osborne) | top transitions: fit, risk pct after | essential gap of #1 (most informative first) | plan for #1 (demo catalogue) |\n|---|---|---|---|---|"
        );
        let mut gap_skills_total = 0usize;
        let mut gap_skills_taught = 0usize;
        let mut gap_weight_total = 0.0f64;
        let mut gap_weight_taught = 0.0f64;
        let taught: HashSet<_> = engine
            .courses
            .courses()
            .iter()
            .flat_map(|c| c.skills.iter().copied())
            .collect();
        for (pct, a) in &story {
            let occ = &engine.taxonomy.occupations()[*a];
            let risk = engine.risk(occ.id).expect("scored");
            let fo = risk
                .readings
                .iter()
                .find(|r| r.reading.source == "frey-osborne")
                .map_or("–".to_owned(), |r| format!("{:.0}", r.reading.percentile));
            let report = engine
                .occupation_transitions(occ.id, 3, false)
                .expect("known");
            let tops: Vec<String> = report
                .transitions
                .iter()
                .map(|t| {
                    format!(
                        "{} ({:.2}, {:.0})",
                        t.occupation.label,
                        t.fit,
                        t.risk.as_ref().map_or(f64::NAN, |r| r.after.percentile)
                    )
                })
                .collect();
            let (gap, plan) = match report.transitions.first() {
                Some(t) => {
                    let pair = engine
                        .pair(occ.id, t.occupation.id, Some(&PlanConstraints::default()))
                        .expect("known");
                    let names: Vec<&str> = pair
                        .gap
                        .essential
                        .iter()
                        .take(3)
                        .map(|s| s.skill.label.as_str())
                        .collect();
                    let gap = format!("{} missing: {}", pair.gap.essential.len(), names.join("; "));
                    let plan = pair.plan.expect("asked");
                    let plan = if plan.plan.steps.is_empty() {
                        "no course covers any gap skill".to_owned()
                    } else {
                        format!(
                            "{} courses, {:.0} wk, covers {:.0}% of gap weight",
                            plan.plan.steps.len(),
                            plan.plan.total_weeks,
                            plan.plan.covered_share * 100.0
                        )
                    };
                    (gap, plan)
                }
                None => ("–".to_owned(), "–".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} ({}) | {:.0} / {} | {} | {} | {} |",
                occ.label,
                occ.isco_group,
                pct,
                fo,
                if tops.is_empty() {
                    "none".to_owned()
                } else {
                    tops.join("; ")
                },
                gap,
                plan
            );
        }

        // 4. Catalogue coverage of the gaps of every high-risk occupation's top 5 transitions.
        for &a in &high {
            let report = engine
                .occupation_transitions(ids[a], 5, false)
                .expect("known");
            for t in &report.transitions {
                for s in &t.gap.essential {
                    gap_skills_total += 1;
                    gap_weight_total += s.requirement_weight;
                    if taught.contains(&s.skill.id) {
                        gap_skills_taught += 1;
                        gap_weight_taught += s.requirement_weight;
                    }
                }
            }
        }
        let _ = writeln!(
            out,
            "\ncatalogue: {} courses teaching {} distinct skills",
            engine.courses.len(),
            taught.len()
        );
        let _ = writeln!(
            out,
            "essential gap skills of the top 5 transitions of every high-risk occupation: {gap_skills_total}; taught by some course: {gap_skills_taught} ({:.1}%), by weight {:.1}%",
            gap_skills_taught as f64 * 100.0 / gap_skills_total.max(1) as f64,
            gap_weight_taught * 100.0 / gap_weight_total.max(1e-9)
        );

        // 5. Inferred-skill workers: fit scales by the inferred weight.
        let clerk = ids[high[0]];
        let inferred = matcher.profile(&engine.occupation_skills(clerk, SkillOrigin::Inferred));
        let declared = matcher.profile(&engine.occupation_skills(clerk, SkillOrigin::Declared));
        let other = ids[(high[0] + 1) % n];
        let _ = writeln!(
            out,
            "\ninferred/declared fit ratio (sample pair): {:.3} (config inferred_weight {})",
            matcher.fit_profile(&inferred, other).unwrap_or(0.0)
                / matcher
                    .fit_profile(&declared, other)
                    .unwrap_or(1.0)
                    .max(1e-12),
            MatchConfig::default().inferred_weight
        );
        out
    }
}
