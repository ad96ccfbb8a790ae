//! `reskill resolve`: job titles as people write them → ESCO occupations, the same fusion of
//! words and meaning as the API's occupation search.

use std::io::{BufRead, Write};

use anyhow::Context;
use reskill_search::{IndexKind, SearchRequest};
use reskill_server::services::semantic::{self, Semantic};
use serde::Serialize;

use crate::{OutputFormat, ResolveArgs, Settings};

/// One line of JSON output.
#[derive(Debug, Serialize)]
struct Line<'a> {
    q: &'a str,
    hits: Vec<String>,
    labels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    candidates: Vec<Candidate>,
}

/// A fusion candidate, with `--explain`.
#[derive(Debug, Serialize)]
struct Candidate {
    uri: String,
    #[serde(flatten)]
    signals: semantic::Signals,
}

/// Resolves each title and prints its best occupations.
pub async fn run(settings: &Settings, args: ResolveArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=reskill_search::MAX_LIMIT).contains(&args.top),
        "--top must be between 1 and {}",
        reskill_search::MAX_LIMIT
    );
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    let semantic = match super::model::open(settings) {
        Ok(embedder) => Semantic::with_embedder(embedder),
        Err(error) => {
            eprintln!("{error:#}; matching words only");
            Semantic::unavailable(format!("{error:#}"))
        }
    };
    semantic.reload(&db).await?;
    let engine_uris: std::collections::HashMap<i64, String> =
        reskill_store::documents::occupations(&db, None)
            .await?
            .into_iter()
            .map(|o| (o.id, o.uri))
            .collect();
    let titles = if args.titles.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<Vec<_>, _>>()
            .context("failed to read titles from standard input")?
    } else {
        args.titles.clone()
    };
    tokio::task::spawn_blocking(move || {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for title in titles.iter().filter(|t| !t.trim().is_empty()) {
            let request = SearchRequest::new(title.trim(), args.top);
            let response = semantic::search(&search, &semantic, IndexKind::Occupations, &request)
                .with_context(|| format!("search for {title:?} failed"))?;
            let mut hits = Vec::new();
            let mut labels = Vec::new();
            for hit in response.hits {
                if let reskill_search::HitDetails::Occupation { uri, .. } = hit.details {
                    hits.push(uri);
                    labels.push(hit.title);
                }
            }
            match args.format {
                OutputFormat::Json => {
                    let candidates = if args.explain {
                        semantic::explain(&search, &semantic, IndexKind::Occupations, title.trim())?
                            .into_iter()
                            .filter_map(|signals| {
                                let uri = engine_uris.get(&signals.id)?.clone();
                                Some(Candidate { uri, signals })
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let line = Line {
                        q: title,
                        hits,
                        labels,
                        candidates,
                    };
                    writeln!(out, "{}", serde_json::to_string(&line)?)?;
                }
                OutputFormat::Text => {
                    writeln!(out, "{title}")?;
                    for (label, uri) in labels.iter().zip(&hits) {
                        writeln!(out, "  {label}  <{uri}>")?;
                    }
                }
            }
        }
        anyhow::Ok(())
    })
    .await?
}
