//! A small concurrent HTTP/1.1 load client for loopback benchmarks: keep-alive connections, one
//! per worker, GET only, bounded by a request count and a time limit.
//!
//! Hand-written on tokio rather than a client crate, so the benchmark adds no dependency and
//! the client's own overhead stays small and visible (a write, a buffered read).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A GET, or a POST with a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// Path and query string.
    pub path: String,
    /// JSON body of a POST.
    pub json_body: Option<String>,
}

impl HttpRequest {
    /// Returns `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            json_body: None,
        }
    }

    /// Returns `POST path` with a JSON body.
    pub fn post(path: impl Into<String>, json_body: String) -> Self {
        Self {
            path: path.into(),
            json_body: Some(json_body),
        }
    }
}

/// One keep-alive connection.
pub struct Connection {
    stream: BufReader<TcpStream>,
    line: String,
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("failed to connect to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::with_capacity(64 * 1024, stream),
            line: String::new(),
        })
    }

    /// Sends `GET path` and returns the status and body.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        self.send(&HttpRequest::get(path)).await
    }

    /// Sends a request and returns the status and body.
    pub async fn send(&mut self, request: &HttpRequest) -> anyhow::Result<(u16, Vec<u8>)> {
        let head = match &request.json_body {
            None => format!(
                "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n",
                request.path
            ),
            Some(body) => format!(
                "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                request.path,
                body.len()
            ),
        };
        self.stream.get_mut().write_all(head.as_bytes()).await?;
        self.line.clear();
        self.stream.read_line(&mut self.line).await?;
        let status: u16 = self
            .line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {:?}", self.line))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            self.line.clear();
            let n = self.stream.read_line(&mut self.line).await?;
            anyhow::ensure!(n > 0, "connection closed in headers");
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.parse::<usize>()?);
                } else if name.eq_ignore_ascii_case("transfer-encoding")
                    && value.eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                self.line.clear();
                self.stream.read_line(&mut self.line).await?;
                let size =
                    usize::from_str_radix(self.line.trim().split(';').next().unwrap_or("0"), 16)?;
                let start = body.len();
                body.resize(start + size, 0);
                self.stream.read_exact(&mut body[start..]).await?;
                let mut crlf = [0u8; 2];
                self.stream.read_exact(&mut crlf).await?;
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length.unwrap_or(0), 0);
            self.stream.read_exact(&mut body).await?;
        }
        Ok((status, body))
    }
}

/// Waits until `GET path` answers 200, up to `timeout`.
pub async fn wait_ready(addr: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if let Ok(mut connection) = Connection::open(addr).await
            && let Ok((200, _)) = connection.get(path).await
        {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < timeout,
            "{addr}{path} did not answer within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Latencies of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStats {
    /// Requests completed.
    pub requests: usize,
    /// Non-200 answers and transport errors.
    pub errors: usize,
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// Median, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Worst, ms.
    pub max_ms: f64,
    /// Requests per second.
    pub per_second: f64,
    /// Mean response body size, bytes.
    pub mean_body_bytes: f64,
}

/// Returns the nearest-rank percentile of sorted values, in ms.
pub fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    sorted_us[rank.clamp(1, sorted_us.len()) - 1] as f64 / 1000.0
}

impl RunStats {
    /// Builds the summary from raw latencies.
    pub fn from_latencies(
        mut latencies_us: Vec<u64>,
        errors: usize,
        seconds: f64,
        body_bytes: usize,
    ) -> Self {
        latencies_us.sort_unstable();
        let requests = latencies_us.len();
        Self {
            requests,
            errors,
            seconds,
            p50_ms: percentile_ms(&latencies_us, 50.0),
            p95_ms: percentile_ms(&latencies_us, 95.0),
            p99_ms: percentile_ms(&latencies_us, 99.0),
            max_ms: latencies_us.last().map_or(f64::NAN, |&v| v as f64 / 1000.0),
            per_second: requests as f64 / seconds.max(1e-9),
            mean_body_bytes: body_bytes as f64 / requests.max(1) as f64,
        }
    }
}

/// The raw outcome of [`run_raw`], for runs whose passes are summarised together.
#[derive(Debug, Default)]
pub struct RawRun {
    /// Every answered request's latency, µs.
    pub latencies_us: Vec<u64>,
    /// Non-200 answers and transport errors.
    pub errors: usize,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Response body bytes.
    pub bytes: usize,
}

/// Sends up to `requests` requests cycling over `paths` from `concurrency` connections, stopping
/// early after `time_limit`; every request's latency is recorded.
pub async fn run(
    addr: SocketAddr,
    paths: Arc<Vec<HttpRequest>>,
    requests: usize,
    concurrency: usize,
    time_limit: Duration,
) -> anyhow::Result<RunStats> {
    let raw = run_raw(addr, paths, requests, concurrency, time_limit).await?;
    Ok(RunStats::from_latencies(
        raw.latencies_us,
        raw.errors,
        raw.seconds,
        raw.bytes,
    ))
}

/// [`run`], returning the latencies themselves.
pub async fn run_raw(
    addr: SocketAddr,
    paths: Arc<Vec<HttpRequest>>,
    requests: usize,
    concurrency: usize,
    time_limit: Duration,
) -> anyhow::Result<RawRun> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let (paths, next) = (paths.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(addr).await?;
            let mut latencies = Vec::new();
            let (mut errors, mut bytes) = (0usize, 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests || started.elapsed() >= time_limit {
                    break;
                }
                let request = &paths[i % paths.len()];
                let path = &request.path;
                let sent = Instant::now();
                match connection.send(request).await {
                    Ok((200, body)) => {
                        latencies.push(sent.elapsed().as_micros() as u64);
                        bytes += body.len();
                    }
                    Ok((status, body)) => {
                        errors += 1;
                        if errors <= 3 {
                            eprintln!(
                                "HTTP {status} for {path}: {}",
                                String::from_utf8_lossy(&body)
                                    .chars()
                                    .take(300)
                                    .collect::<String>()
                            );
                        }
                    }
                    Err(error) => {
                        errors += 1;
                        eprintln!("request failed for {path}: {error:#}");
                        connection = Connection::open(addr).await?;
                    }
                }
            }
            anyhow::Ok((latencies, errors, bytes))
        }));
    }
    let mut latencies = Vec::new();
    let (mut errors, mut bytes) = (0, 0);
    for worker in workers {
        let (l, e, b) = worker.await??;
        latencies.extend(l);
        errors += e;
        bytes += b;
    }
    Ok(RawRun {
        latencies_us: latencies,
        errors,
        seconds: started.elapsed().as_secs_f64(),
        bytes,
    })
}
