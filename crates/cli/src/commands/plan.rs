//! `reskill plan`: the courses that close the gap from one occupation to another.

use std::io::Write;

use anyhow::Context;
use reskill_core::catalog::CourseMode;
use reskill_core::matching::{Minimise, PlanConstraints, UncoveredReason};

use super::transitions::{open_engine, resolve, truncate};
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
    let from = resolve(&engine, &search, &args.from)?;
    let to = resolve(&engine, &search, &args.to)?;
    let constraints = PlanConstraints {
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
    };
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
        OutputFormat::Text => {
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
                    "{:>2}. {} — {} ({}, {:.0} weeks, {:.0} {})",
                    i + 1,
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
                "Total: {:.0} weeks, {:.0}; covers {:.0}% of the gap weight ({} method, {} candidate courses)",
                plan.plan.total_weeks,
                plan.plan.total_cost,
                plan.plan.covered_share * 100.0,
                match plan.plan.method {
                    reskill_core::matching::PlanMethod::Exact => "exact",
                    reskill_core::matching::PlanMethod::Greedy => "greedy",
                },
                plan.plan.candidate_count
            )?;
            if !plan.plan.uncovered.is_empty() {
                writeln!(out, "Not covered ({}):", plan.plan.uncovered.len())?;
                for u in &plan.plan.uncovered {
                    let reason = match u.reason {
                        UncoveredReason::NoCourse => "no course teaches it",
                        UncoveredReason::NoSuitableCourse => {
                            "no course within your mode or travel limits"
                        }
                        UncoveredReason::OverLimits => "over your weeks or budget",
                    };
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
