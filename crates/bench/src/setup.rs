//! The shared first stage of every benchmark: a work folder with Reskill's SQLite database and
//! index folder holding the real ESCO taxonomy, Nesta's risk scores and the real course files
//! (imported through Reskill's own import services), the tagged real postings and the generator.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use reskill_core::catalog::TagOrigin;
use reskill_ingest::tagger::{TagTarget, Tagger};
use reskill_search::{IndexKind, SearchIndexes};
use reskill_server::services::engine::Engine;
use sea_orm::DatabaseConnection;

use crate::corpus::{self, CorpusReport};
use crate::generator::Corpus;

/// Returns the shared data folder: `RESKILL_SHARED_DATA`, else `../shared/data` beside the
/// project.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("RESKILL_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// The SQLite URL of a work folder's database.
pub fn database_url(work: &Path) -> String {
    format!("sqlite://{}/reskill.db", work.display())
}

/// The index folder of a work folder.
pub fn index_dir(work: &Path) -> PathBuf {
    work.join("index")
}

/// What the setup did, in seconds and counts.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SetupReport {
    /// Whether the database was imported in this run (false when reused).
    pub imported: bool,
    /// ESCO import (read, write, index occupations and skills).
    pub esco_seconds: f64,
    /// Courses upserted and indexed.
    pub courses: usize,
    /// Seconds for the course files.
    pub courses_seconds: f64,
    /// Tagger patterns.
    pub tagger_patterns: usize,
    /// Reading and tagging the real postings.
    #[serde(skip)]
    pub corpus: CorpusReport,
}

/// Opens the work folder's database and indexes, importing ESCO, risk and courses when the
/// database is new (or `fresh` is set, which wipes the folder first).
pub async fn open_work(
    work: &Path,
    data: &Path,
    fresh: bool,
    tagger: &Tagger,
    report: &mut SetupReport,
) -> anyhow::Result<(DatabaseConnection, SearchIndexes)> {
    if fresh && work.exists() {
        for entry in ["reskill.db", "reskill.db-wal", "reskill.db-shm"] {
            let _ = std::fs::remove_file(work.join(entry));
        }
        let _ = std::fs::remove_dir_all(index_dir(work));
    }
    std::fs::create_dir_all(work)
        .with_context(|| format!("failed to create {}", work.display()))?;
    let is_new = !work.join("reskill.db").exists();
    let db = reskill_store::db::connect(&database_url(work)).await?;
    reskill_store::db::migrate(&db).await?;
    let search = SearchIndexes::open_or_create(&index_dir(work))?;
    if is_new || reskill_store::stats::is_empty(&db).await? {
        report.imported = true;
        let started = Instant::now();
        let esco = reskill_server::services::import::import_esco_dir(
            &db,
            &search,
            &data.join("esco"),
            &|_, _, _| {},
        )
        .await
        .context("failed to import ESCO")?;
        eprintln!("  {}", esco.to_string().replace('\n', "\n  "));
        reskill_server::services::import::import_risk_file(
            &db,
            &search,
            &reskill_server::services::import::RiskFile::new(
                &data.join("risk/nesta_mcc_risk_All_occupations.csv"),
                "nesta-mcc",
                2020,
            ),
        )
        .await
        .context("failed to import Nesta risk")?;
        report.esco_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut courses = Vec::new();
        for folder in ["courses", "programs"] {
            let Ok(entries) = std::fs::read_dir(data.join(folder)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            {
                match reskill_ingest::courses::read_courses_file(&path) {
                    Ok(read) => courses.extend(read.outcome.records.into_iter().map(|r| r.course)),
                    Err(error) => eprintln!("  skipped {}: {error}", path.display()),
                }
            }
        }
        // The real catalogues carry no ESCO tags: tag titles and descriptions as the openings
        // are, so course plans have something to cover.
        for course in &mut courses {
            let tags = tagger.tag(&course.title, &course.description);
            course.skills = tags
                .skills
                .into_iter()
                .filter_map(|(target, _)| match target {
                    TagTarget::Skill(uri) => Some(reskill_core::catalog::SkillTag {
                        origin: TagOrigin::Extracted,
                        ..reskill_core::catalog::SkillTag::manual(uri)
                    }),
                    TagTarget::Occupation(_) => None,
                })
                .collect();
        }
        reskill_store::catalog::upsert_courses(&db, &courses).await?;
        reskill_server::services::indexing::rebuild(
            &db,
            &search,
            IndexKind::Courses,
            &|_, _, _| {},
        )
        .await?;
        report.courses = courses.len();
        report.courses_seconds = started.elapsed().as_secs_f64();
    }
    Ok((db, search))
}

/// Reads the ESCO bundle and builds the skill tagger from every label.
pub fn load_tagger(data: &Path, report: &mut SetupReport) -> anyhow::Result<Tagger> {
    let started = Instant::now();
    let bundle = reskill_ingest::esco::read_esco_dir_with(
        &data.join("esco"),
        reskill_ingest::esco::DanglingPolicy::Skip,
    )?
    .bundle;
    let tagger = Tagger::from_bundle(&bundle);
    report.tagger_patterns = tagger.pattern_count();
    eprintln!(
        "  tagger: {} patterns in {:.1} s",
        tagger.pattern_count(),
        started.elapsed().as_secs_f64()
    );
    Ok(tagger)
}

/// Reads and tags the real postings and returns the generator's corpus.
pub fn build_corpus(
    data: &Path,
    tagger: &Tagger,
    engine: &Engine,
    report: &mut SetupReport,
) -> anyhow::Result<Corpus> {
    let openings = corpus::read_real_openings(&data.join("openings"), &mut report.corpus)?;
    let postings = corpus::tag_postings(openings, tagger, engine, 2, &mut report.corpus);
    let c = &report.corpus;
    eprintln!(
        "  real postings: {} from {} files ({} rows rejected), read in {:.1} s; {} distinct tagged in {:.1} s; {} with an occupation, {:.1} skills each",
        postings.len(),
        c.files.len(),
        c.rejected,
        c.read_seconds,
        c.distinct_tagged,
        c.tag_seconds,
        c.with_occupation,
        c.mean_skills
    );
    Corpus::new(postings)
}

/// Anchor date of the generated postings when none is given: posted dates spread over the year
/// before it.
pub fn default_anchor() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Returns the size in bytes of every file under `path`.
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| disk_usage(&e.path()))
                .sum()
        })
        .unwrap_or(0)
}

/// Memory of a process from `/proc/PID/status`: (VmRSS, VmHWM, RssAnon, RssFile) in kB.
pub fn process_memory(pid: u32) -> Option<(u64, u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((
        field("VmRSS:")?,
        field("VmHWM:")?,
        field("RssAnon:")?,
        field("RssFile:")?,
    ))
}
