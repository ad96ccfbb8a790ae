//! Prometheus metrics: request latency per route, kept in memory, and gauges read from the
//! database and the indexes when `/metrics` is scraped (so every replica reports the shared
//! outbox and its own index lag); then the standard `process_*` series (the `prometheus`
//! crate's process collector: CPU, resident memory, open and maximum file descriptors, start
//! time) and `reskill_build_info`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reskill_search::IndexKind;

use crate::{AppError, AppState};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Latency and status counts of one route and method.
#[derive(Debug, Default, Clone)]
struct RouteStats {
    /// Requests at or below each bucket's bound (not cumulative; summed on render).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
    /// Responses by status class: 1xx … 5xx.
    by_class: [u64; 5],
}

/// Request metrics of this process.
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    started: Instant,
    /// The process collector and the build information.
    standard: prometheus::Registry,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            routes: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
            standard: standard_registry(),
        }
    }
}

/// Returns a registry with the process collector (Linux only; elsewhere it reports nothing) and
/// `reskill_build_info`.
fn standard_registry() -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    if let Err(error) = registry.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    )) {
        tracing::warn!(%error, "process metrics unavailable");
    }
    let build_info = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "reskill_build_info",
            "Always 1; the labels say which build of Reskill is running.",
        ),
        &["version", "profile"],
    );
    match build_info {
        Ok(build_info) => {
            let profile = if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            };
            build_info
                .with_label_values(&[env!("CARGO_PKG_VERSION"), profile])
                .set(1);
            if let Err(error) = registry.register(Box::new(build_info)) {
                tracing::warn!(%error, "build information metric unavailable");
            }
        }
        Err(error) => tracing::warn!(%error, "build information metric unavailable"),
    }
    registry
}

impl Metrics {
    /// Records one finished request; `route` is the matched route template, never the raw
    /// path, so ids and tokens do not become label values.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = routes
            .entry((route.to_owned(), method.to_owned()))
            .or_default();
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            stats.buckets[bucket] += 1;
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        stats.by_class[class] += 1;
    }

    /// Renders the request metrics in the Prometheus text format.
    fn render_requests(&self, out: &mut String) {
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        out.push_str(
            "# HELP reskill_http_request_duration_seconds Time to the response head, per route.\n\
             # TYPE reskill_http_request_duration_seconds histogram\n",
        );
        for ((route, method), stats) in &routes {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "reskill_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "reskill_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 reskill_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 reskill_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count, stats.sum_seconds, stats.count
            );
        }
        out.push_str(
            "# HELP reskill_http_responses_total Responses per route and status class.\n\
             # TYPE reskill_http_responses_total counter\n",
        );
        for ((route, method), stats) in &routes {
            for (class, n) in stats.by_class.iter().enumerate() {
                if *n > 0 {
                    let _ = writeln!(
                        out,
                        "reskill_http_responses_total{{method=\"{method}\",route=\"{}\",status=\"{}xx\"}} {n}",
                        escape(route),
                        class + 1
                    );
                }
            }
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn gauge(out: &mut String, name: &str, help: &str, samples: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// Renders every metric: requests, then outbox, index and catalogue gauges.
pub async fn render(state: &AppState) -> Result<String, AppError> {
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render_requests(&mut out);

    let counts = reskill_store::outbox::counts(&state.db).await?;
    let samples: Vec<_> = ["pending", "sending", "sent", "dead"]
        .iter()
        .map(|status| {
            (
                format!("status=\"{status}\""),
                counts.get(*status).copied().unwrap_or(0) as f64,
            )
        })
        .collect();
    gauge(
        &mut out,
        "reskill_outbox_messages",
        "Outbox rows per status.",
        &samples,
    );
    let age = reskill_store::outbox::oldest_unsent(&state.db)
        .await?
        .map(|oldest| (chrono::Utc::now() - oldest).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    gauge(
        &mut out,
        "reskill_outbox_oldest_unsent_age_seconds",
        "Age of the oldest message not yet sent (0 when none waits).",
        &[(String::new(), age)],
    );

    let last_change = reskill_store::changes::last_change_id(&state.db)
        .await?
        .unwrap_or(0);
    let mut lag = Vec::new();
    let mut documents = Vec::new();
    for kind in IndexKind::ALL {
        let label = format!("index=\"{}\"", kind.as_str());
        let watermark = state.search.watermark(kind).unwrap_or(0);
        lag.push((label.clone(), (last_change - watermark).max(0) as f64));
        documents.push((label, state.search.doc_count(kind) as f64));
    }
    gauge(
        &mut out,
        "reskill_index_lag_changes",
        "Database changes this replica's index has not applied yet.",
        &lag,
    );
    gauge(
        &mut out,
        "reskill_index_documents",
        "Documents searchable in each index.",
        &documents,
    );

    let stats = reskill_store::stats::stats(&state.db).await?;
    let imported = serde_json::to_value(stats).map_err(|e| AppError::Internal(e.into()))?;
    let samples: Vec<_> = imported
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((format!("table=\"{name}\""), value.as_f64()?)))
        .collect();
    gauge(
        &mut out,
        "reskill_imported_rows",
        "Rows in the database per kind (reskill stats).",
        &samples,
    );
    gauge(
        &mut out,
        "reskill_uptime_seconds",
        "Seconds since this process started.",
        &[(String::new(), state.metrics.started.elapsed().as_secs_f64())],
    );
    let encoded = prometheus::TextEncoder::new()
        .encode_to_string(&state.metrics.standard.gather())
        .map_err(|e| AppError::Internal(e.into()))?;
    out.push_str(&encoded);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_classes_counted() {
        let metrics = Metrics::default();
        metrics.record("GET", "/a", 200, Duration::from_millis(3));
        metrics.record("GET", "/a", 503, Duration::from_millis(30));
        metrics.record("GET", "/a", 200, Duration::from_secs(20));
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(out.contains(
            "reskill_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "reskill_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.05\"} 2"
        ));
        assert!(out.contains(
            "reskill_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"+Inf\"} 3"
        ));
        assert!(out.contains("status=\"5xx\"} 1"));
        assert!(out.contains("status=\"2xx\"} 2"));
    }

    #[test]
    fn standard_series_name_the_build_and_the_process() {
        let metrics = Metrics::default();
        let text = prometheus::TextEncoder::new()
            .encode_to_string(&metrics.standard.gather())
            .unwrap();
        let version = env!("CARGO_PKG_VERSION");
        assert!(
            text.contains(&format!(
                "reskill_build_info{{profile=\"debug\",version=\"{version}\"}} 1"
            )) || text.contains(&format!(
                "reskill_build_info{{profile=\"release\",version=\"{version}\"}} 1"
            )),
            "{text}"
        );
        #[cfg(target_os = "linux")]
        for series in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(
                text.contains(&format!("\n{series} ")),
                "{series} missing from {text}"
            );
        }
    }
}
