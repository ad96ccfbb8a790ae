//! A real SMTP server for the mail tests: tests/smtp_server.py on aiosmtpd, started on a free
//! port, storing each accepted message as a file.
//!
//! The Python interpreter is `RESKILL_TEST_SMTP_PYTHON` (default `python3`); it must have
//! aiosmtpd installed (.ci/run makes a venv with it). Outside CI a missing aiosmtpd skips the
//! mail tests with a message; under CI (`CI` set) it fails them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// The variable naming the Python interpreter with aiosmtpd.
pub const PYTHON_VAR: &str = "RESKILL_TEST_SMTP_PYTHON";

/// Returns the Python to run the server with, or `None` (after saying why) when aiosmtpd is
/// missing outside CI.
pub fn python() -> Option<String> {
    let python = std::env::var(PYTHON_VAR)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned());
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(
        !ci,
        "{python} has no aiosmtpd: the SMTP tests are required in CI (set {PYTHON_VAR})"
    );
    eprintln!("skipping: {python} has no aiosmtpd (set {PYTHON_VAR} to a Python that has it)");
    None
}

/// A running test SMTP server; killed when dropped.
pub struct SmtpServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it stores messages.
    pub dir: PathBuf,
}

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope recipients.
    pub rcpt: Vec<String>,
    /// Header fields (name lower-cased → unfolded value), first occurrence.
    pub headers: BTreeMap<String, String>,
    /// The whole message with quoted-printable soft breaks and `=3D` undone, for searching.
    pub text: String,
}

impl Received {
    /// Returns header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Returns the Message-ID.
    pub fn message_id(&self) -> &str {
        self.header("message-id").unwrap_or("")
    }
}

impl SmtpServer {
    /// Starts the server on `port` (0: a free one) storing into `dir`, answering DATA after
    /// `delay_ms`.
    pub fn start(python: &str, port: u16, dir: &Path, delay_ms: u64) -> anyhow::Result<Self> {
        Self::start_with_auth(python, port, dir, delay_ms, None)
    }

    /// Like [`SmtpServer::start`]; with `auth` (`USER:PASSWORD`) the server offers AUTH and
    /// accepts only those credentials.
    pub fn start_with_auth(
        python: &str,
        port: u16,
        dir: &Path,
        delay_ms: u64,
        auth: Option<&str>,
    ) -> anyhow::Result<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp_server.py");
        let mut command = Command::new(python);
        command
            .arg(&script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir)
            .args(["--delay-ms", &delay_ms.to_string()]);
        if let Some(auth) = auth {
            command.args(["--auth", auth]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("failed to start {}", script.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(port) = line.trim().strip_prefix("READY ") else {
            let _ = child.kill();
            bail!("the SMTP server did not start: {line:?}");
        };
        Ok(Self {
            port: port.parse()?,
            child,
            dir: dir.to_owned(),
        })
    }

    /// Returns the `RESKILL_SMTP_URL` reaching this server (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        url_for(self.port)
    }

    /// Returns every message received so far, in arrival order.
    pub fn messages(&self) -> anyhow::Result<Vec<Received>> {
        read_messages(&self.dir)
    }

    /// Waits until at least `n` messages arrived, up to `timeout`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> anyhow::Result<Vec<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages()?;
            if messages.len() >= n {
                return Ok(messages);
            }
            ensure!(
                Instant::now() < deadline,
                "only {} of {n} messages arrived",
                messages.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (messages stay on disk).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns the plain-SMTP URL of a server on `port`.
pub fn url_for(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}?tls=none&timeout_secs=5")
}

/// Reads the messages stored in `dir`, in arrival order.
pub fn read_messages(dir: &Path) -> anyhow::Result<Vec<Received>> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let n = path
                .file_name()?
                .to_str()?
                .strip_suffix(".eml")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|(_, path)| parse(&std::fs::read_to_string(&path)?))
        .collect()
}

fn parse(raw: &str) -> anyhow::Result<Received> {
    let raw = raw.replace("\r\n", "\n");
    let (head, _) = raw.split_once("\n\n").context("no header")?;
    let mut headers = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.as_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = current.take() {
            headers.entry(name).or_insert(value);
        }
        if let Some((name, value)) = line.split_once(':') {
            current = Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if let Some((name, value)) = current.take() {
        headers.entry(name).or_insert(value);
    }
    let rcpt = headers
        .get("x-test-rcpt")
        .map(|r| r.split(", ").map(str::to_owned).collect())
        .unwrap_or_default();
    let text = raw.replace("=\n", "").replace("=3D", "=");
    Ok(Received {
        rcpt,
        headers,
        text,
    })
}
