//! Reading the real job postings of the bundle and tagging them once, for the generator.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reskill_core::catalog::NewOpening;
use reskill_ingest::tagger::{TagTarget, Tagger};
use reskill_server::services::engine::Engine;

use crate::generator::Posting;

/// Tagger confidence from which a skill counts as essential.
const ESSENTIAL_CONFIDENCE: f32 = 0.5;

/// What reading and tagging the real postings took.
#[derive(Debug, Clone, Default)]
pub struct CorpusReport {
    /// Files read, with the openings each gave.
    pub files: Vec<(String, usize)>,
    /// Rows the readers rejected.
    pub rejected: usize,
    /// Distinct (title, description) pairs tagged.
    pub distinct_tagged: usize,
    /// Postings with an occupation tag.
    pub with_occupation: usize,
    /// Mean skills per posting.
    pub mean_skills: f64,
    /// Seconds to read the files.
    pub read_seconds: f64,
    /// Seconds to tag.
    pub tag_seconds: f64,
}

/// Reads every opening file (CSV, and JobPosting JSON-LD `.json`/`.jsonld`) in `dir`, sorted by
/// name.
pub fn read_real_openings(
    dir: &Path,
    report: &mut CorpusReport,
) -> anyhow::Result<Vec<NewOpening>> {
    let started = Instant::now();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("failed to list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut openings = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        let outcome = match extension {
            "csv" => {
                reskill_ingest::openings::read_openings_file(&path)
                    .with_context(|| format!("failed to read {}", path.display()))?
                    .outcome
            }
            "json" | "jsonld" => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("failed to read {}", path.display()))?;
                reskill_ingest::jsonld::read_jobpostings(&name, &text)
            }
            _ => continue,
        };
        report.rejected += outcome.rejected.len();
        report.files.push((name, outcome.records.len()));
        openings.extend(outcome.records.into_iter().map(|r| r.opening));
    }
    report.read_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(!openings.is_empty(), "no openings in {}", dir.display());
    Ok(openings)
}

/// Tags every distinct (title, description) pair once on `threads` threads and turns the
/// openings into generator postings with database keys from `engine`.
pub fn tag_postings(
    openings: Vec<NewOpening>,
    tagger: &Tagger,
    engine: &Engine,
    threads: usize,
    report: &mut CorpusReport,
) -> Vec<Posting> {
    let started = Instant::now();
    let mut slot_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut distinct: Vec<(&str, &str)> = Vec::new();
    let slots: Vec<usize> = openings
        .iter()
        .map(|o| {
            let key = (o.title.as_str(), o.description.as_str());
            *slot_of.entry(key).or_insert_with(|| {
                distinct.push(key);
                distinct.len() - 1
            })
        })
        .collect();
    let chunk = distinct.len().div_ceil(threads.max(1)).max(1);
    let tags: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = distinct
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(title, description)| tagger.tag(title, description))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("tagging thread panicked"))
            .collect()
    });
    report.distinct_tagged = distinct.len();
    let mut labels: HashMap<i64, Arc<str>> = HashMap::new();
    let mut postings = Vec::with_capacity(openings.len());
    let mut skill_total = 0usize;
    for (opening, slot) in openings.iter().zip(slots) {
        let found = &tags[slot];
        let occupation_uri = opening
            .occupation
            .as_ref()
            .map(|o| o.uri.as_str())
            .or_else(|| {
                found
                    .occupation_candidates
                    .iter()
                    .map(|(t, _)| t.uri())
                    .find(|uri| engine.occupation_by_uri(uri).is_some())
            });
        let occupation = occupation_uri
            .and_then(|uri| engine.occupation_by_uri(uri))
            .map(|id| {
                let label = labels
                    .entry(id.0)
                    .or_insert_with(|| {
                        Arc::from(
                            engine
                                .occupation_ref(id)
                                .map(|o| o.label)
                                .unwrap_or_default(),
                        )
                    })
                    .clone();
                (id.0, label)
            });
        let mut skills: Vec<(i64, bool)> = Vec::new();
        for tag in &opening.skills {
            if let Some(id) = engine.skill_by_uri(&tag.uri) {
                skills.push((id.0, tag.essential));
            }
        }
        for (target, confidence) in &found.skills {
            if let TagTarget::Skill(uri) = target
                && let Some(id) = engine.skill_by_uri(uri)
                && !skills.iter().any(|s| s.0 == id.0)
            {
                skills.push((id.0, *confidence >= ESSENTIAL_CONFIDENCE));
            }
        }
        skill_total += skills.len();
        report.with_occupation += usize::from(occupation.is_some());
        postings.push(Posting {
            title: opening.title.clone(),
            organisation: opening.organisation.clone(),
            description: opening.description.clone(),
            place: opening.place.clone(),
            remote: opening.remote,
            salary: match (opening.salary_min, opening.salary_max) {
                (Some(lo), Some(hi)) => Some((lo.min(hi), lo.max(hi))),
                (Some(v), None) | (None, Some(v)) => Some((v, v)),
                (None, None) => None,
            },
            currency: opening.currency.clone(),
            occupation,
            skills,
        });
    }
    report.mean_skills = skill_total as f64 / postings.len().max(1) as f64;
    report.tag_seconds = started.elapsed().as_secs_f64();
    postings
}
