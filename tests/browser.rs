//! The browser journeys of issue #7: starts the real `reskill serve` on a temp data dir (the
//! demo data loads into the empty database) and runs tests/browser/journeys.mjs in headless
//! Chromium through playwright-core, with axe-core on every page. Needs node, Chromium and
//! `npm ci --prefix tests/browser` (.ci/run installs all three). Outside CI missing tools skip
//! the test with a message; under CI (`CI` set) they fail it.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use reskill_tests::process::{free_port, reskill, reskill_binary};

/// A `reskill serve` child, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn healthy(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// Returns what is missing to run the browser tests, if anything.
fn missing_tools(browser_dir: &Path, chromium: &Path) -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not installed".to_owned());
    }
    if !chromium.is_file() {
        return Some(format!("no Chromium at {}", chromium.display()));
    }
    for package in ["playwright-core", "axe-core"] {
        if !browser_dir.join("node_modules").join(package).is_dir() {
            return Some(format!(
                "{package} is not installed (run npm ci --prefix tests/browser)"
            ));
        }
    }
    None
}

#[test]
fn browser_journeys_seeker_caseworker_employer_with_axe() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("browser");
    let chromium = PathBuf::from(
        std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
    );
    if let Some(missing) = missing_tools(&browser_dir, &chromium) {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        ensure!(!ci, "the browser tests are required in CI: {missing}");
        eprintln!("skipping the browser journeys: {missing}");
        return Ok(());
    }
    let binary = reskill_binary()?;
    let data_dir = tempfile::tempdir()?;
    let port = free_port()?;
    let bind = format!("127.0.0.1:{port}");
    // Every journey comes from one address; the mail limiter has its own test.
    let mut server = Server(
        reskill(&binary, data_dir.path(), &["serve", "--bind", &bind])
            .env("RESKILL_MAIL_REQUESTS_PER_HOUR", "1000")
            .spawn()?,
    );
    let deadline = Instant::now() + Duration::from_secs(180);
    while !healthy(port) {
        if let Some(status) = server.0.try_wait()? {
            bail!("reskill serve exited early: {status}");
        }
        ensure!(
            Instant::now() < deadline,
            "reskill serve did not become ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Screenshots go to docs/screenshots when asked (to refresh the committed set), otherwise
    // to the temp dir so a test run leaves the tree unchanged.
    let shots = match std::env::var("RESKILL_SCREENSHOTS") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => data_dir.path().join("screenshots"),
    };
    let output = Command::new("node")
        .arg(browser_dir.join("journeys.mjs"))
        .current_dir(&browser_dir)
        .env("RESKILL_BASE_URL", format!("http://{bind}"))
        .env("RESKILL_SCREENSHOT_DIR", &shots)
        .env("CHROMIUM_PATH", &chromium)
        .output()
        .context("failed to run node")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    ensure!(
        output.status.success(),
        "the browser journeys failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    Ok(())
}
