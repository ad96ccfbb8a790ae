//! schemathesis (PyPI) against a real `reskill serve` with the demo data: every operation in
//! the OpenAPI document, as anonymous and as each role, with a bounded number of generated
//! examples; no 5xx and no response that breaks its documented schema.
//!
//! The served document is also checked with openapi-spec-validator (PyPI), and for what the
//! generator cannot check: real schemas for every body, problem+json for every error.
//!
//! The CLIs are `RESKILL_TEST_SCHEMATHESIS` (default `st` on PATH) and
//! `RESKILL_TEST_OPENAPI_VALIDATOR` (default `openapi-spec-validator`); .ci/run installs both in
//! a venv. Outside CI a missing tool skips with a message; under CI it fails.

use std::process::{Command, Stdio};

use anyhow::{Context, ensure};
use reskill_tests::process::{Server, reskill_binary};

const SCHEMATHESIS_VAR: &str = "RESKILL_TEST_SCHEMATHESIS";
const VALIDATOR_VAR: &str = "RESKILL_TEST_OPENAPI_VALIDATOR";
/// Generated examples per operation and phase: bounded so CI stays in minutes.
const MAX_EXAMPLES: &str = "5";
/// Every check runs but these. `positive_data_acceptance` expects every request that matches
/// the schema to succeed, but the API answers 400 naming the field, by design, for what no
/// schema can say: a key of a record that does not exist, a wrong password, a used token, an
/// occupation title that matches nothing.
const EXCLUDED_CHECKS: &str = "positive_data_acceptance";
/// Fixed, so a failure in CI reproduces by hand with the same command.
const SEED: &str = "20261201";

/// The demo accounts, one per role (crates/ingest/src/demo.rs), with the demo password.
const ROLES: [(&str, Option<&str>); 5] = [
    ("anonymous", None),
    ("seeker", Some("daniel.okafor@example.org")),
    ("caseworker", Some("helen.brooks@example.org")),
    ("employer", Some("nadia.rahman@example.org")),
    ("admin", Some("admin@example.org")),
];

/// Returns the command named by `var` (else `default` on PATH) when it answers `--version`;
/// `None` with a message outside CI, a failure under CI.
fn tool(var: &str, default: &str) -> Option<String> {
    let command = std::env::var(var)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| default.to_owned());
    let ok = Command::new(&command)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(command);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{default} ({command}) is required in CI: set {var}"
    );
    eprintln!("skipping: {default} not found ({command}); set {var} to it");
    None
}

fn schemathesis() -> Option<String> {
    tool(SCHEMATHESIS_VAR, "st")
}

/// The operations whose answers were once typed as an empty object.
const CENTRAL: [(&str, &str); 8] = [
    ("/api/v1/search/{kind}", "get"),
    ("/api/v1/suggest", "get"),
    ("/api/v1/occupations/{id}", "get"),
    ("/api/v1/occupations/{id}/transitions", "get"),
    ("/api/v1/recommendations", "post"),
    ("/api/v1/stats", "get"),
    ("/healthz", "get"),
    ("/readyz", "get"),
];

#[test]
fn served_openapi_document_validates_and_types_every_body_and_error() -> anyhow::Result<()> {
    let Some(validator) = tool(VALIDATOR_VAR, "openapi-spec-validator") else {
        return Ok(());
    };
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let server = Server::start(&binary, dir.path(), &[])?;
    let (status, body) = server.request("GET", "/api/v1/openapi.json", None)?;
    ensure!(status == 200, "openapi.json answered {status}");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &body)?;
    let output = Command::new(&validator)
        .arg(&file)
        .output()
        .context("could not run openapi-spec-validator")?;
    let report = String::from_utf8_lossy(&output.stdout);
    // Its error message quotes the whole document; the first lines say what is wrong.
    let head: String = report.chars().take(2_000).collect();
    ensure!(output.status.success(), "the document is invalid:\n{head}");

    let doc: serde_json::Value = serde_json::from_str(&body)?;
    let schemas = &doc["components"]["schemas"];
    let resolve = |schema: &serde_json::Value| -> serde_json::Value {
        let mut schema = schema.clone();
        while let Some(r) = schema["$ref"].as_str() {
            schema = schemas[r.trim_start_matches("#/components/schemas/")].clone();
        }
        schema
    };
    // A real schema has properties (or is an enum, a union or a list): never a bare object.
    let is_typed = |schema: &serde_json::Value| {
        let schema = resolve(schema);
        schema["properties"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
            || schema.get("oneOf").is_some()
            || schema.get("allOf").is_some()
            || schema.get("items").is_some()
    };
    for (path, method) in CENTRAL {
        let operation = &doc["paths"][path][method];
        let ok = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        ensure!(is_typed(ok), "{method} {path} answers an untyped 200: {ok}");
        if let Some(body) = operation["requestBody"].get("content") {
            let schema = &body["application/json"]["schema"];
            ensure!(
                is_typed(schema),
                "{method} {path} reads an untyped body: {schema}"
            );
        }
    }
    let paths = doc["paths"].as_object().context("no paths")?;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let responses = operation["responses"].as_object().context("no responses")?;
            if path.starts_with("/api/") {
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let problem = &response["content"]["application/problem+json"]["schema"];
                        ensure!(
                            problem["$ref"] == "#/components/schemas/Problem"
                                && response["content"]
                                    .as_object()
                                    .is_some_and(|c| c.len() == 1),
                            "{method} {path} {status} is not problem+json: {response}"
                        );
                    }
                }
                if operation.get("requestBody").is_some() {
                    for status in ["413", "415"] {
                        ensure!(
                            responses.contains_key(status),
                            "{method} {path} reads a body but does not document {status}"
                        );
                    }
                }
            }
        }
    }
    for (path, method) in [
        ("/api/v1/search/{kind}", "get"),
        ("/api/v1/suggest", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/password-reset/request", "post"),
        ("/api/v1/auth/verify-email/request", "post"),
        ("/api/v1/organisations/{organisation_id}/members", "post"),
        ("/api/v1/me", "delete"),
    ] {
        ensure!(
            doc["paths"][path][method]["responses"]["429"].is_object(),
            "{method} {path} is rate limited but does not document 429"
        );
    }
    ensure!(
        doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object()
            && doc["paths"]["/api/v1/stats"]["get"]["responses"]["503"].is_object(),
        "503 (starting, database unreachable) is not documented"
    );
    Ok(())
}

#[test]
fn schemathesis_runs_all_checks_clean_for_every_role() -> anyhow::Result<()> {
    let Some(st) = schemathesis() else {
        return Ok(());
    };
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let server = Server::start(&binary, dir.path(), &[])?;
    let schema = format!("http://127.0.0.1:{}/api/v1/openapi.json", server.port);
    let mut failures = Vec::new();
    // Every role signs in before any run: the fuzzing of `DELETE /api/v1/me` sends wrong
    // passwords, which count toward this address's sign-in budget. The runs together take a
    // few minutes, well inside an access token's 15.
    let mut tokens = Vec::new();
    for (_, email) in ROLES {
        tokens.push(email.map(|e| server.login(e)).transpose()?);
    }
    for ((role, _), token) in ROLES.into_iter().zip(tokens) {
        let junit = dir.path().join(format!("{role}.xml"));
        let mut command = Command::new(&st);
        command
            .args(["run", &schema, "--checks", "all", "--exclude-checks"])
            .arg(EXCLUDED_CHECKS)
            .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
            .args([
                "--phases",
                "coverage,fuzzing",
                "--workers",
                "1",
                "--no-color",
            ])
            .args(["--report", "junit", "--report-junit-path"])
            .arg(&junit)
            .stdin(Stdio::null());
        if let Some(token) = &token {
            command.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        let output = command.output().context("could not run schemathesis")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout
            .lines()
            .filter(|l| l.contains("generated") || l.contains("passed") || l.contains("failed"))
            .collect::<Vec<_>>()
            .join(" | ");
        eprintln!("schemathesis as {role}: {summary}");
        let report = std::fs::read_to_string(&junit)
            .with_context(|| format!("no JUnit report from schemathesis as {role}:\n{stdout}"))?;
        // A <failure> is a check that failed against our API; an <error> is schemathesis
        // failing to generate a case (reported, not ours to fix).
        let failed = report.matches("<failure").count();
        let errored = report.matches("<error").count();
        if errored > 0 {
            eprintln!("schemathesis as {role}: {errored} generation errors (tool side)");
        }
        if failed > 0 {
            failures.push(format!("as {role}: {failed} failing operations\n{stdout}"));
        }
        if output.status.code() != Some(0) && failed == 0 && errored == 0 {
            failures.push(format!("as {role}: exit {}\n{stdout}", output.status));
        }
        ensure!(
            stdout.contains("generated"),
            "schemathesis as {role} generated nothing:\n{stdout}"
        );
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}
