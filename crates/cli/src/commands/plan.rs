//! `reskill plan`: the courses that close the gap from one occupation to another.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use reskill_core::catalog::CourseMode;
use reskill_core::matching::{Minimise, PlanConstraints};
use reskill_server::services::engine::{Engine, PairReport, PlanView};
use serde::Serialize;

use super::transitions::{Lookup, open_engine, resolve, truncate};
use crate::{MinimiseArg, ModeArg, OutputFormat, PlanArgs, Settings};

/// Prints the course plan with what each course covers and what stays uncovered.
pub async fn run(settings: &Settings, args: PlanArgs) -> anyhow::Result<()> {
    for (name, value) in [("--max-weeks", args.max_weeks), ("--budget", args.budget)] {
        if let Some(v) = value {
            anyhow::ensure!(
                v.is_finite() && v >= 0.0,
                "{name} must be a number of at least 0"
            );
        }
    }
    let (engine, search) = open_engine(settings).await?;
    if let Some(file) = &args.pairs {
        return run_pairs(&engine, &search, file, &constraints(&args));
    }
    let from = resolve(&engine, &search, args.from.as_deref().unwrap_or_default())?;
    let to = resolve(&engine, &search, args.to.as_deref().unwrap_or_default())?;
    let constraints = constraints(&args);
    let report = engine
        .pair(from, to, Some(&constraints))
        .context("occupation not found")?;
    let plan = report.plan.as_ref().context("no plan computed")?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, plan)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&mut out, &engine, &report, plan)?,
    }
    Ok(())
}

/// One line of `--pairs` output.
#[derive(Debug, Serialize)]
struct PairLine<'a> {
    /// The origin as given.
    from: &'a str,
    /// The target as given.
    to: &'a str,
    /// The plan, when both resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a PlanView>,
    /// Why not, otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn run_pairs(
    engine: &Engine,
    search: &Lookup,
    file: &Path,
    constraints: &PlanConstraints,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("failed to read {}", file.display()))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((from, to)) = line.split_once('\t') else {
            anyhow::bail!(
                "{} line {}: expected FROM<TAB>TO, found {line:?}",
                file.display(),
                number + 1
            );
        };
        let (from, to) = (from.trim(), to.trim());
        let report = resolve(engine, search, from)
            .and_then(|f| Ok((f, resolve(engine, search, to)?)))
            .and_then(|(f, t)| {
                engine
                    .pair(f, t, Some(constraints))
                    .context("occupation not found")
            });
        let (plan, error) = match &report {
            Ok(report) => (report.plan.as_ref(), None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        serde_json::to_writer(
            &mut out,
            &PairLine {
                from,
                to,
                plan,
                error,
            },
        )?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

/// The worker's limits from the command line.
fn constraints(args: &PlanArgs) -> PlanConstraints {
    PlanConstraints {
        max_weeks: args.max_weeks,
        budget: args.budget,
        modes: (!args.mode.is_empty()).then(|| {
            args.mode
                .iter()
                .map(|m| match m {
                    ModeArg::Online => CourseMode::Online,
                    ModeArg::InPerson => CourseMode::InPerson,
                    ModeArg::Hybrid => CourseMode::Hybrid,
                })
                .collect()
        }),
        location: None,
        max_travel_km: None,
        minimise: match args.minimise {
            MinimiseArg::Weeks => Minimise::Weeks,
            MinimiseArg::Cost => Minimise::Cost,
        },
        include_optional_only_courses: false,
    }
}

fn write_text(
    out: &mut impl Write,
    engine: &Engine,
    report: &PairReport,
    plan: &PlanView,
) -> anyhow::Result<()> {
    {
        {
            writeln!(
                out,
                "{} → {}: {} essential and {} nice-to-have skills missing (fit {:.3})",
                report.from.label,
                report.to.label,
                report.gap.essential.len(),
                report.gap.optional.len(),
                report.fit
            )?;
            if plan.plan.steps.is_empty() {
                writeln!(
                    out,
                    "No course in the catalogue ({} courses) covers this gap.",
                    engine.courses.len()
                )?;
            }
            for (i, step) in plan.plan.steps.iter().enumerate() {
                let course = plan.courses.iter().find(|c| c.id == step.course);
                writeln!(
                    out,
                    "{:>2}. {}: {} — {} ({}, {:.1} weeks, {:.0} {})",
                    i + 1,
                    step.week_range_label(),
                    course.map_or("?", |c| c.title.as_str()),
                    course.map_or("?", |c| c.provider.as_str()),
                    step.mode.as_str(),
                    step.weeks,
                    step.cost,
                    course.map_or("", |c| c.currency.as_str())
                )?;
                let covers: Vec<&str> = step.covers.iter().map(|s| s.label.as_str()).collect();
                writeln!(out, "    covers: {}", covers.join(", "))?;
            }
            writeln!(
                out,
                "Total: {:.1} weeks, {:.0}; covers {} of {} essential skills and {:.0}% of the gap weight ({} method, {} candidate courses)",
                plan.plan.total_weeks,
                plan.plan.total_cost,
                plan.plan.essential_covered,
                plan.plan.essential_gap,
                plan.plan.covered_share * 100.0,
                match plan.plan.method {
                    reskill_core::matching::PlanMethod::Exact => "exact",
                    reskill_core::matching::PlanMethod::Greedy => "greedy",
                },
                plan.plan.candidate_count
            )?;
            for programme in &plan.plan.programmes {
                let covers: Vec<&str> = programme.covers.iter().map(|s| s.label.as_str()).collect();
                writeln!(
                    out,
                    "Look for a {} programme (CIP {}) for: {}",
                    programme.title,
                    programme.code,
                    covers.join(", ")
                )?;
            }
            if !plan.plan.uncovered.is_empty() {
                writeln!(out, "Not covered ({}):", plan.plan.uncovered.len())?;
                for u in &plan.plan.uncovered {
                    let reason = u.reason.explanation();
                    writeln!(
                        out,
                        "  - {:<55} {}{}",
                        truncate(&u.skill.label, 55),
                        if u.essential {
                            "essential; "
                        } else {
                            "nice to have; "
                        },
                        reason
                    )?;
                }
            }
        }
    }
    Ok(())
}
