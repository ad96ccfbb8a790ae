//! `reskill healthcheck`: one GET of /healthz, for container health checks in images without
//! curl.

use anyhow::Context;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::{HealthcheckArgs, Settings};

/// Probes the URL; `Ok` only for a success status within the timeout.
pub async fn run(settings: &Settings, args: HealthcheckArgs) -> anyhow::Result<()> {
    let url = args.url.unwrap_or_else(|| {
        format!(
            "{}/healthz",
            crate::config::public_url_for_bind(&settings.bind)
        )
    });
    let uri = url.parse().with_context(|| format!("not a URL: {url}"))?;
    // Plain HTTP only: the probe runs beside the server, never through the TLS proxy.
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<&[u8]>>();
    let timeout = std::time::Duration::from_secs(args.timeout_secs.max(1));
    let response = tokio::time::timeout(timeout, client.get(uri))
        .await
        .with_context(|| format!("{url} did not answer within {}s", timeout.as_secs()))?
        .with_context(|| format!("cannot reach {url}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    println!("{url}: {}", response.status());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// A one-request server answering `status_line`; returns its /healthz URL.
    fn answer_once(status_line: &'static str) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/healthz", listener.local_addr().expect("address"));
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status_line}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            );
        });
        url
    }

    async fn probe(url: String) -> anyhow::Result<()> {
        let settings = Settings::for_data_dir("unused", None);
        let args = HealthcheckArgs {
            url: Some(url),
            timeout_secs: 5,
        };
        run(&settings, args).await
    }

    #[tokio::test]
    async fn success_only_for_a_success_status() {
        probe(answer_once("200 OK")).await.expect("healthy");
        let error = probe(answer_once("503 Service Unavailable"))
            .await
            .expect_err("unhealthy");
        assert!(error.to_string().contains("503"), "{error:#}");
    }

    #[tokio::test]
    async fn nothing_listening_is_an_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let error = probe(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("cannot reach"), "{error:#}");
    }
}
