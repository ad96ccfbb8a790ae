//! `reskill transitions`: the safer occupations reachable from an occupation, for analysts; and
//! the helpers `fit`, `gap` and `plan` share (opening the engine, resolving an occupation).

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::Context;
use reskill_core::OccupationId;
use reskill_core::matching::{MatchConfig, RequiredSkill, RiskChange};
use reskill_search::SearchIndexes;
use reskill_server::services::engine::{
    Engine, GapView, RiskDetail, TransitionsReport, resolve_occupation,
};
use reskill_server::services::semantic::Semantic;
use serde::Serialize;

use crate::{OutputFormat, Settings, TransitionsArgs};

/// What resolves a title: the occupation index and, when a model is present, the vectors.
pub(crate) struct Lookup {
    /// The search indexes.
    pub search: SearchIndexes,
    /// The model and vectors, or why there are none.
    pub semantic: Semantic,
}

/// Opens the database, the search index and the model, and loads the matching engine.
pub(crate) async fn open_engine(settings: &Settings) -> anyhow::Result<(Arc<Engine>, Lookup)> {
    let db = super::open_database(settings).await?;
    let search = super::open_search(settings)?;
    let semantic = match super::model::open(settings) {
        Ok(embedder) => Semantic::with_embedder(embedder),
        Err(error) => Semantic::unavailable(format!("{error:#}")),
    };
    semantic.reload(&db).await?;
    let engine = Engine::load(&db, MatchConfig::default())
        .await
        .context("failed to load the matching engine")?
        .with_similarity(semantic.similarity_input().as_deref());
    db.close().await?;
    if engine.taxonomy.occupation_count() == 0 {
        anyhow::bail!(
            "no occupations are loaded; run `reskill demo` or `reskill import esco DIR` first"
        );
    }
    Ok((Arc::new(engine), Lookup { search, semantic }))
}

/// Resolves an occupation given as an id, an ESCO URI or a title, saying on stderr which
/// occupation a title chose.
pub(crate) fn resolve(
    engine: &Engine,
    lookup: &Lookup,
    reference: &str,
) -> anyhow::Result<OccupationId> {
    let resolved = resolve_occupation(engine, &lookup.search, &lookup.semantic, reference)
        .with_context(|| format!("cannot resolve occupation {reference:?}"))?;
    let occupation = resolved.occupation();
    if matches!(
        resolved,
        reskill_server::services::engine::Resolved::Title { .. }
    ) {
        eprintln!(
            "{reference:?} → {} (id {}, {})",
            occupation.label, occupation.id, occupation.uri
        );
    }
    Ok(occupation.id)
}

/// One line of `--from-file` output.
#[derive(Debug, Serialize)]
struct FileLine<'a> {
    /// The line as given.
    input: &'a str,
    /// The transitions, when the occupation resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<TransitionsReport>,
    /// Why not, otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Prints the transitions of one occupation, or one JSON line per origin of `--from-file`.
pub async fn run(settings: &Settings, args: TransitionsArgs) -> anyhow::Result<()> {
    let (engine, search) = open_engine(settings).await?;
    tokio::task::spawn_blocking(move || run_blocking(&engine, &search, &args)).await?
}

fn run_blocking(engine: &Engine, search: &Lookup, args: &TransitionsArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(file) = &args.from_file {
        let reader = std::io::BufReader::new(
            std::fs::File::open(file)
                .with_context(|| format!("failed to open {}", file.display()))?,
        );
        for line in reader.lines() {
            let line = line.with_context(|| format!("failed to read {}", file.display()))?;
            let input = line.trim();
            if input.is_empty() || input.starts_with('#') {
                continue;
            }
            let outcome = resolve_occupation(engine, &search.search, &search.semantic, input)
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    engine
                        .occupation_transitions(r.occupation().id, args.top, args.include_riskier)
                        .ok_or_else(|| "occupation vanished".to_owned())
                });
            let line = match outcome {
                Ok(report) => FileLine {
                    input,
                    report: Some(report),
                    error: None,
                },
                Err(error) => FileLine {
                    input,
                    report: None,
                    error: Some(error),
                },
            };
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        }
        out.flush()?;
        return Ok(());
    }
    let from = args
        .from
        .as_deref()
        .context("give --from OCC or --from-file FILE")?;
    let id = resolve(engine, search, from)?;
    let report = engine
        .occupation_transitions(id, args.top, args.include_riskier)
        .context("occupation not found")?;
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_report(&mut out, &report)?,
    }
    out.flush()?;
    Ok(())
}

fn write_report(out: &mut impl Write, report: &TransitionsReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "From: {} (id {}, {})",
        report.from.label, report.from.id, report.from.uri
    )?;
    writeln!(
        out,
        "Exposure to automation and AI: {}",
        describe_risk(report.risk.as_ref())
    )?;
    let t = &report.thresholds;
    let viable = match t.viable_similarity {
        Some(similarity) => format!("similarity ≥ {similarity:.2}, fit ≥ {:.2}", t.viable_fit),
        None => format!("fit ≥ {:.2}", t.viable_fit),
    };
    let ranked_by = if t.viable_similarity.is_some() {
        "similarity"
    } else {
        "fit"
    };
    if t.include_riskier {
        writeln!(
            out,
            "Occupations by {ranked_by} ({viable}, riskier ones included):"
        )?;
    } else {
        writeln!(
            out,
            "Safer transitions ({viable}, at least {} percentile points less exposed, \
             pay at least 75% and preparation within one job zone where known):",
            t.min_risk_reduction
        )?;
    }
    if report.transitions.is_empty() {
        writeln!(out, "  none")?;
    }
    for (i, tr) in report.transitions.iter().enumerate() {
        let similarity = tr
            .similarity
            .map(|s| format!("similarity {s:.2}  "))
            .unwrap_or_default();
        writeln!(
            out,
            "{:>3}. {:<45} {similarity}fit {:.2}  {}  openings {:>3}  score {:.3}",
            i + 1,
            truncate(&tr.occupation.label, 45),
            tr.fit,
            describe_change(tr.risk.as_ref()),
            tr.demand,
            tr.score
        )?;
        if let Some(labour) = &tr.labour {
            writeln!(out, "     {}", labour.summary())?;
        }
        writeln!(out, "     missing: {}", describe_gap(&tr.gap, 5))?;
    }
    Ok(())
}

/// Returns "high, 82nd percentile on average (nesta-mcc 2020: score 0.62, percentile 88, high;
/// …; sources disagree)".
pub(crate) fn describe_risk(risk: Option<&RiskDetail>) -> String {
    let Some(risk) = risk else {
        return "not scored by any imported source".to_owned();
    };
    let readings: Vec<String> = risk
        .readings
        .iter()
        .map(|r| {
            format!(
                "{} {}: score {:.2}, percentile {:.0}, {}{}",
                r.reading.source,
                r.reading.year,
                r.reading.score,
                r.reading.percentile,
                r.reading.band.as_str(),
                if r.reading.inherited {
                    ", from the broader occupation"
                } else {
                    ""
                }
            )
        })
        .collect();
    let agreement = match (risk.readings.len(), risk.agreement) {
        (0 | 1, _) => "",
        (_, true) => "; sources agree",
        (_, false) => "; sources disagree by more than a band",
    };
    format!(
        "{}, percentile {:.0} on average ({}{agreement})",
        risk.band.as_str(),
        risk.percentile,
        readings.join("; ")
    )
}

/// Returns "exposure pct 88→40 (−48 pts)" on the combined measure.
pub(crate) fn describe_change(change: Option<&RiskChange>) -> String {
    match change {
        None => "exposure unknown".to_owned(),
        Some(c) => match (&c.before, c.reduction_points) {
            (Some(before), Some(points)) => format!(
                "exposure pct {:>3.0}→{:>3.0} ({:+.0} pts)",
                before.percentile, c.after.percentile, -points
            ),
            _ => format!("exposure pct {:.0}", c.after.percentile),
        },
    }
}

/// Returns the first `n` missing essential skills and counts of the rest.
pub(crate) fn describe_gap(gap: &GapView, n: usize) -> String {
    if gap.essential.is_empty() {
        return format!("no essential skill ({} nice to have)", gap.optional.len());
    }
    let names: Vec<&str> = gap
        .essential
        .iter()
        .take(n)
        .map(|s| s.skill.label.as_str())
        .collect();
    let more = gap.essential.len().saturating_sub(n);
    let mut text = names.join(", ");
    if more > 0 {
        text.push_str(&format!(" (+{more} more essential)"));
    }
    text.push_str(&format!("; {} nice to have", gap.optional.len()));
    text
}

/// Writes skills one per line with their IDF.
pub(crate) fn write_skills(
    out: &mut impl Write,
    title: &str,
    skills: &[RequiredSkill],
) -> std::io::Result<()> {
    writeln!(out, "{title} ({}):", skills.len())?;
    for s in skills {
        let related = s
            .related_held
            .as_ref()
            .map(|r| format!("  [partial credit {:.2} via {}]", s.credit, r.label))
            .unwrap_or_default();
        writeln!(
            out,
            "  - {:<60} idf {:.2}{related}",
            truncate(&s.skill.label, 60),
            s.skill.idf
        )?;
    }
    Ok(())
}

pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
