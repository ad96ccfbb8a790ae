//! `reskill fit`: how well one occupation's skills cover another's requirements.

use std::io::Write;

use anyhow::Context;

use super::transitions::{describe_change, open_engine, resolve, write_skills};
use crate::{FitArgs, OutputFormat, Settings};

/// Prints the fit from `--from` to `--to`, with matched and missing skills.
pub async fn run(settings: &Settings, args: FitArgs) -> anyhow::Result<()> {
    let (engine, search) = open_engine(settings).await?;
    let from = resolve(&engine, &search, &args.from)?;
    let to = resolve(&engine, &search, &args.to)?;
    let report = engine
        .pair(from, to, None)
        .context("occupation not found")?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            writeln!(out, "{} → {}", report.from.label, report.to.label)?;
            writeln!(
                out,
                "fit {:.3}; {}",
                report.fit,
                describe_change(report.risk.as_ref())
            )?;
            write_skills(&mut out, "matched", &report.matched_skills)?;
            write_skills(&mut out, "missing essential", &report.gap.essential)?;
            write_skills(&mut out, "missing nice to have", &report.gap.optional)?;
        }
    }
    Ok(())
}
