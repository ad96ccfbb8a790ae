//! Running the real `reskill` binary from tests.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// Returns the `reskill` binary beside this test executable (`target/<profile>/reskill`), after
/// asking cargo to build it when cargo is at hand: `cargo test -p reskill-tests` alone does not
/// build other packages' binaries.
pub fn reskill_binary() -> anyhow::Result<PathBuf> {
    let test_exe = std::env::current_exe()?;
    // target/<profile>/deps/integration-<hash>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no target/<profile> folder")?;
    let binary = profile_dir.join(format!("reskill{}", std::env::consts::EXE_SUFFIX));
    let target_dir = profile_dir.parent().context("no target folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "-p", "reskill", "--bin", "reskill"])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    // `cargo test` gives this process the test package's variables (CARGO_MANIFEST_DIR, …);
    // build scripts that watch them (ring's) would see a change and rebuild half the tree, and
    // the next `cargo test` would rebuild it back.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || name == "CARGO_PRIMARY_PACKAGE"
            || name == "CARGO_TARGET_TMPDIR"
        {
            build.env_remove(name.as_ref());
        }
    }
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    match build.status() {
        Ok(status) if status.success() => {}
        Ok(status) if !binary.is_file() => bail!("cargo build -p reskill failed: {status}"),
        Err(error) if !binary.is_file() => bail!("could not run cargo to build reskill: {error}"),
        _ => eprintln!("could not rebuild reskill; using {}", binary.display()),
    }
    ensure!(
        binary.is_file(),
        "no reskill binary at {}",
        binary.display()
    );
    Ok(binary)
}

/// Returns a free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs `reskill --data-dir DIR ARGS…` with a clean environment for its settings.
pub fn reskill(binary: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("RESKILL_BIND")
        .env("RESKILL_LOG", "warn")
        // Tests poll search from one address far faster than a person; the limiter has its own test.
        .env("RESKILL_SEARCH_RATE", "0")
        // The real model when the tests have one; never a download from inside a test.
        .env(
            "RESKILL_MODEL_DIR",
            std::env::var_os("RESKILL_TEST_MODEL_DIR")
                .unwrap_or_else(|| data_dir.join("model").into()),
        )
        .env("RESKILL_PIP", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}

/// A `reskill serve` child, SIGKILLed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `reskill serve` on a free port with `envs` set and waits until it answers.
    pub fn start(binary: &Path, data_dir: &Path, envs: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::start_with(binary, data_dir, &[], envs, Stdio::inherit())
    }

    /// Like [`Server::start`], with `serve_args` after `serve --bind ADDR` and the server's
    /// standard error sent to `stderr` (a file, to read its log afterwards). Waits until
    /// `/readyz` answers 200: the port opens before the indexes and the engine are ready.
    pub fn start_with(
        binary: &Path,
        data_dir: &Path,
        serve_args: &[&str],
        envs: &[(&str, &str)],
        stderr: Stdio,
    ) -> anyhow::Result<Self> {
        let mut server = Self::spawn(binary, data_dir, serve_args, envs, stderr)?;
        server.wait_ready(Duration::from_secs(120))?;
        Ok(server)
    }

    /// Starts `reskill serve` like [`Server::start_with`] but returns as soon as `/healthz`
    /// answers (polled every 10 ms), before the server is ready.
    pub fn spawn(
        binary: &Path,
        data_dir: &Path,
        serve_args: &[&str],
        envs: &[(&str, &str)],
        stderr: Stdio,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let bind = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--bind", &bind];
        args.extend_from_slice(serve_args);
        let mut command = reskill(binary, data_dir, &args);
        command.envs(envs.iter().copied()).stderr(stderr);
        let child = command.spawn()?;
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.request("GET", "/healthz", None).map(|r| r.0).ok() != Some(200) {
            if let Some(status) = server.child.try_wait()? {
                bail!("reskill serve exited early: {status}");
            }
            ensure!(Instant::now() < deadline, "reskill serve did not come up");
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }

    /// Polls `/readyz` until it answers 200.
    pub fn wait_ready(&mut self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let (status, body) = self.get("/readyz").unwrap_or((0, String::new()));
            if status == 200 {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("reskill serve exited before it was ready: {status}");
            }
            ensure!(
                Instant::now() < deadline,
                "reskill serve was not ready in {within:?}: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A minimal HTTP/1.1 request; returns the status and body (the server answers login
    /// with a Content-Length body).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
    ) -> anyhow::Result<(u16, String)> {
        self.send(method, path, json, "")
    }

    /// Like [`Server::request`], with a Bearer token.
    pub fn request_with_token(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
        token: &str,
    ) -> anyhow::Result<(u16, String)> {
        self.send(
            method,
            path,
            json,
            &format!("Authorization: Bearer {token}\r\n"),
        )
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
        extra_headers: &str,
    ) -> anyhow::Result<(u16, String)> {
        self.send_with_head(method, path, json, extra_headers)
            .map(|(status, _, body)| (status, body))
    }

    /// A request with `extra_headers` (each line ending in CRLF); returns the status, the
    /// response head (status line and headers, lower-cased) and the body.
    pub fn send_with_head(
        &self,
        method: &str,
        path: &str,
        json: Option<&str>,
        extra_headers: &str,
    ) -> anyhow::Result<(u16, String, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = json.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra_headers}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").context("no HTTP header")?;
        let status = head.split(' ').nth(1).context("no status")?.parse()?;
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Ok((status, head.to_ascii_lowercase(), body))
    }

    /// A GET; returns the status and body.
    pub fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        self.request("GET", path, None)
    }

    /// Returns `total` of a search.
    pub fn total(&self, kind: &str, query: &str) -> anyhow::Result<u64> {
        let (status, body) = self.get(&format!("/api/v1/search/{kind}?limit=1&q={query}"))?;
        ensure!(status == 200, "search {kind} {query:?}: {status} {body}");
        let json: serde_json::Value = serde_json::from_str(&body)?;
        json["total"].as_u64().context("no total")
    }

    /// Checks that every index holds exactly the documents the database says it should, by the
    /// document counts `/readyz` reports (search totals stop being exact past 10,000 hits).
    /// Polls for a few seconds, since the follower may still be applying the last changes.
    pub async fn assert_indexes_match_database(
        &self,
        db: &sea_orm::DatabaseConnection,
    ) -> anyhow::Result<()> {
        let counts = reskill_store::documents::document_counts(db).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (status, body) = self.get("/readyz")?;
            ensure!(status == 200, "/readyz: {status} {body}");
            let ready: serde_json::Value = serde_json::from_str(&body)?;
            let mismatch = [
                ("occupations", counts.occupations),
                ("skills", counts.skills),
                ("courses", counts.courses),
                ("openings", counts.searchable_openings),
            ]
            .into_iter()
            .find_map(|(kind, want)| {
                let have = ready["indexes"][kind]["documents"].as_u64();
                (have != Some(want)).then(|| format!("{kind}: index has {have:?}, database {want}"))
            });
            match mismatch {
                None => return Ok(()),
                Some(mismatch) if Instant::now() > deadline => bail!(mismatch),
                Some(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// SIGTERM, then waits (at most `within`) for the graceful shutdown; returns the exit status.
    pub fn terminate(mut self, within: Duration) -> anyhow::Result<std::process::ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        ensure!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            ensure!(
                Instant::now() < deadline,
                "no exit {within:?} after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL on Unix: no graceful shutdown, no final commit.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Logs a demo account in; returns its access token.
    pub fn login(&self, email: &str) -> anyhow::Result<String> {
        let body = serde_json::json!({ "email": email, "password": "reskill-demo" }).to_string();
        let (status, reply) = self.request("POST", "/api/v1/auth/login", Some(&body))?;
        ensure!(status == 200, "login {email}: {status} {reply}");
        let reply: serde_json::Value = serde_json::from_str(&reply)?;
        Ok(reply["access_token"]
            .as_str()
            .context("no access_token")?
            .to_owned())
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
