//! `reskill gap`: the skills one occupation lacks for another, most informative first.

use std::io::Write;

use anyhow::Context;

use super::transitions::{open_engine, resolve, write_skills};
use crate::{GapArgs, OutputFormat, Settings};

/// Prints the missing essential skills, then the nice-to-have ones.
pub async fn run(settings: &Settings, args: GapArgs) -> anyhow::Result<()> {
    let (engine, search) = open_engine(settings).await?;
    let from = resolve(&engine, &search, &args.from)?;
    let to = resolve(&engine, &search, &args.to)?;
    let report = engine
        .pair(from, to, None)
        .context("occupation not found")?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report.gap)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            writeln!(
                out,
                "{} → {} (fit {:.3}){}",
                report.from.label,
                report.to.label,
                report.fit,
                if report.gap.ready {
                    ": no essential skill missing"
                } else {
                    ""
                }
            )?;
            write_skills(&mut out, "missing essential", &report.gap.essential)?;
            write_skills(&mut out, "nice to have", &report.gap.optional)?;
        }
    }
    Ok(())
}
