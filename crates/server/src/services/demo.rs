//! Loading Reskill's own demo data set: an ESCO-format taxonomy subset, Nesta risk scores for it,
//! about 50 courses and a few hundred generated openings.

use std::fmt;

use reskill_core::risk::RiskSource;
use reskill_ingest::demo;
use reskill_ingest::esco::{EscoSources, Source};
use reskill_ingest::risk::Crosswalks;
use reskill_search::{IndexKind, SearchIndexes};
use sea_orm::DatabaseConnection;

use super::{import, indexing};

/// What loading the demo did.
#[derive(Debug)]
pub struct DemoSummary {
    /// Occupations in the demo taxonomy.
    pub occupations: usize,
    /// Skills in the demo taxonomy.
    pub skills: usize,
    /// Risk scores written.
    pub risk_scores: usize,
    /// Courses written.
    pub courses: usize,
    /// Openings written.
    pub openings: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo loaded: {} occupations, {} skills, {} risk scores, {} courses, {} openings",
            self.occupations, self.skills, self.risk_scores, self.courses, self.openings
        )
    }
}

/// Loads (or refreshes) the demo data set; running it twice changes nothing the second time.
pub async fn load_demo(
    db: &DatabaseConnection,
    search: &SearchIndexes,
) -> anyhow::Result<DemoSummary> {
    let bundle = read_demo_taxonomy()?;
    import::import_esco_bundle(db, search, &bundle, &|_, _, _| {}, 0.0).await?;

    let (risk_name, risk_bytes) = demo::RISK_FILE;
    let table = reskill_ingest::risk::read_risk_sources(
        Source::from_bytes(risk_name, risk_bytes),
        Crosswalks::default(),
    )?;
    let source = RiskSource::parse(demo::RISK_SOURCE, demo::RISK_YEAR)?;
    let risk = import::import_risk_table(db, search, &source, table, true).await?;

    let courses = demo::courses().map_err(|e| anyhow::anyhow!("demo courses: {e}"))?;
    reskill_store::catalog::upsert_courses(db, &courses).await?;

    let occupations: Vec<demo::OccupationSkills> = bundle
        .occupations
        .iter()
        .map(|occupation| {
            let skills = bundle
                .relations
                .iter()
                .filter(|r| r.occupation_uri == occupation.uri)
                .map(|r| {
                    let essential = r.relation == reskill_core::taxonomy::RelationType::Essential;
                    (r.skill_uri.clone(), essential)
                })
                .collect();
            (
                occupation.uri.clone(),
                occupation.preferred_label.clone(),
                skills,
            )
        })
        .collect();
    let today = chrono::Utc::now().date_naive();
    let openings = demo::openings(&occupations, today);
    reskill_store::catalog::upsert_openings(db, &openings).await?;
    for kind in [IndexKind::Courses, IndexKind::Openings] {
        indexing::rebuild(db, search, kind, &|_, _, _| {}).await?;
    }
    Ok(DemoSummary {
        occupations: bundle.occupations.len(),
        skills: bundle.skills.len(),
        risk_scores: risk.summary.scores_written(),
        courses: courses.len(),
        openings: openings.len(),
    })
}

/// Reads the demo taxonomy compiled into the binary through the ESCO reader.
pub fn read_demo_taxonomy() -> anyhow::Result<reskill_core::taxonomy::EscoBundle> {
    let file = |name: &str| -> anyhow::Result<Source<'static>> {
        demo::TAXONOMY_FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(file, bytes)| Source::from_bytes(*file, bytes))
            .ok_or_else(|| anyhow::anyhow!("demo file {name} is missing from the build"))
    };
    let mut sources = EscoSources::new(
        file("occupations_en.csv")?,
        file("skills_en.csv")?,
        file("occupationSkillRelations.csv")?,
    );
    sources.isco_groups = Some(file("ISCOGroups_en.csv")?);
    sources.occupation_broader = Some(file("broaderRelationsOccPillar.csv")?);
    Ok(reskill_ingest::esco::read_esco_sources(sources)?)
}

/// What loading the real bundle did: one report per step.
#[derive(Debug, Default)]
pub struct RealBundleReport {
    /// The ESCO import.
    pub esco: Option<import::EscoImportReport>,
    /// The risk imports.
    pub risk: Vec<import::RiskImportReport>,
    /// One report per course and opening file.
    pub catalog: Vec<super::catalog::CatalogImportReport>,
    /// Job zones and earnings.
    pub attributes: Option<import::AttributesImportReport>,
    /// O*NET-SOC codes.
    pub onet_codes: Option<import::CrosswalkImportReport>,
    /// CIP 2020 programme types.
    pub programme_types: Option<import::ProgrammeImportReport>,
}

impl fmt::Display for RealBundleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(esco) = &self.esco {
            writeln!(f, "{esco}")?;
        }
        for risk in &self.risk {
            writeln!(f, "{risk}")?;
        }
        if let Some(attributes) = &self.attributes {
            writeln!(f, "{attributes}")?;
        }
        if let Some(codes) = &self.onet_codes {
            writeln!(f, "{codes}")?;
        }
        if let Some(programmes) = &self.programme_types {
            writeln!(f, "{programmes}")?;
        }
        for report in &self.catalog {
            writeln!(f, "{report}")?;
        }
        Ok(())
    }
}

/// The bundle's job zones and earnings: file, currency of the earnings, source.
const BUNDLE_ATTRIBUTES: (&str, &str, &str) = (
    "labour/nesta_occupation_attributes.csv",
    "GBP",
    "Nesta Mapping Career Causeways (O*NET job zones, UK ASHE earnings)",
);

/// How a bundle risk table reaches ESCO.
#[derive(Clone, Copy)]
enum Keyed {
    /// By ESCO URI.
    Esco,
    /// By SOC 2010 code: through the ESCO–O*NET crosswalk.
    Soc2010,
    /// By SOC 2018 code: through the ESCO–O*NET and SOC 2010 → 2018 crosswalks.
    Soc2018,
}

/// The exposure tables of the bundle: (file under `risk/`, source, year, how it is keyed).
/// Nesta's becomes the active source (listed first); the combined measure averages all four.
const BUNDLE_RISK: [(&str, &str, i32, Keyed); 4] = [
    (
        "nesta_mcc_risk_All_occupations.csv",
        "nesta-mcc",
        2020,
        Keyed::Esco,
    ),
    (
        "frey_osborne_automation_risk_index_clean.csv",
        "frey-osborne",
        2017,
        Keyed::Soc2010,
    ),
    (
        "genai_exposure_eloundou_occ_level.csv",
        "eloundou-gpt4",
        2024,
        Keyed::Soc2018,
    ),
    (
        "genai_applicability_tomlinson_soc2018.csv",
        "tomlinson-copilot",
        2025,
        Keyed::Soc2018,
    ),
];
/// The ESCO–O*NET crosswalk under `crosswalk/`, for the SOC-keyed tables (Nesta's MCC version,
/// the one PROVENANCE.md's chain to SOC 2018 names).
const BUNDLE_CROSSWALK: &str = "esco_onet_crosswalk_MCC.csv";
/// How the crosswalk's O*NET codes are credited when stored for the transition similarity.
const BUNDLE_CROSSWALK_SOURCE: &str = "Nesta Mapping Career Causeways ESCO–O*NET crosswalk";
/// SOC 2010 → SOC 2018 under `crosswalk/`, for the generative-AI tables and programme types.
pub const BUNDLE_SOC_CROSSWALK: &str = "soc2010_to_soc2018_crosswalk.csv";
/// CIP 2020 programme types and their CIP → SOC 2018 crosswalk under `crosswalk/`.
const BUNDLE_PROGRAMMES: (&str, &str) = (
    "cip2020_codes_definitions.csv",
    "cip2020_soc2018_crosswalk.csv",
);
/// How the programme types are credited.
const BUNDLE_PROGRAMMES_SOURCE: &str = "NCES CIP 2020 and CIP 2020–SOC 2018 crosswalk";

/// Loads the whole real bundle from a folder laid out like `../shared/data`: ESCO, the Nesta
/// and Frey–Osborne automation-risk tables and the two generative-AI exposure tables, job zones
/// and earnings, the ESCO → O*NET-SOC codes, the CIP 2020 programme types, every
/// course and programme CSV, and every openings file, tagged.
/// Safe to run twice: every step upserts.
pub async fn load_real_bundle(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    dir: &std::path::Path,
    embedder: Option<std::sync::Arc<reskill_embed::Embedder>>,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<RealBundleReport> {
    let mut report = RealBundleReport {
        esco: Some(import::import_esco_dir(db, search, &dir.join("esco"), progress).await?),
        ..RealBundleReport::default()
    };
    report.risk = load_bundle_risk(db, search, dir).await?;
    let (file, currency, source) = BUNDLE_ATTRIBUTES;
    report.attributes =
        Some(import::import_attributes_file(db, &dir.join(file), currency, source).await?);
    report.onet_codes = Some(
        import::import_onet_crosswalk_file(
            db,
            &dir.join("crosswalk").join(BUNDLE_CROSSWALK),
            BUNDLE_CROSSWALK_SOURCE,
        )
        .await?,
    );
    let crosswalks = dir.join("crosswalk");
    let (definitions, cip_soc) = BUNDLE_PROGRAMMES;
    report.programme_types = Some(
        import::import_programme_types_files(
            db,
            reskill_ingest::programmes::ProgrammeFiles {
                definitions: &crosswalks.join(definitions),
                crosswalk: &crosswalks.join(cip_soc),
                soc_2010_to_2018: &crosswalks.join(BUNDLE_SOC_CROSSWALK),
            },
            BUNDLE_PROGRAMMES_SOURCE,
        )
        .await?,
    );
    // Courses and openings are tagged by meaning only once the skills have vectors.
    if let Some(embedder) = &embedder {
        super::semantic::embed_taxonomy(db, embedder, progress).await?;
    }
    let tagger =
        std::sync::Arc::new(super::catalog::CatalogTagger::load_with_model(db, embedder).await?);
    for folder in ["courses", "programs"] {
        for file in csv_files(&dir.join(folder))? {
            report.catalog.push(
                super::catalog::import_courses_file(
                    db,
                    search,
                    &tagger,
                    &file,
                    &super::catalog::ImportOptions::default(),
                    progress,
                )
                .await?,
            );
        }
    }
    for file in csv_files(&dir.join("openings"))? {
        report.catalog.push(
            super::catalog::import_openings_file(
                db,
                search,
                &tagger,
                &file,
                super::catalog::OpeningsFormat::from_path(&file),
                &super::catalog::ImportOptions::default(),
                progress,
            )
            .await?,
        );
    }
    Ok(report)
}

/// Imports the bundle's four exposure tables (two of automation risk, two of exposure to
/// generative AI) from a folder laid out like `../shared/data`; Nesta's becomes the active one.
pub async fn load_bundle_risk(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    dir: &std::path::Path,
) -> anyhow::Result<Vec<import::RiskImportReport>> {
    let mut reports = Vec::with_capacity(BUNDLE_RISK.len());
    let esco_onet = dir.join("crosswalk").join(BUNDLE_CROSSWALK);
    let soc = dir.join("crosswalk").join(BUNDLE_SOC_CROSSWALK);
    for (i, (file, source, year, keyed)) in BUNDLE_RISK.into_iter().enumerate() {
        let file = dir.join("risk").join(file);
        let crosswalks = Crosswalks {
            esco_onet: (!matches!(keyed, Keyed::Esco)).then_some(esco_onet.as_path()),
            soc_2010_to_2018: matches!(keyed, Keyed::Soc2018).then_some(soc.as_path()),
        };
        let request = import::RiskFile {
            crosswalks,
            activate: i == 0,
            ..import::RiskFile::new(&file, source, year)
        };
        reports.push(import::import_risk_file(db, search, &request).await?);
    }
    Ok(reports)
}

/// Returns the CSV and JSON-LD files of a folder, sorted by name (the programme spreadsheet
/// `.xlsx` has a CSV twin and is left out).
fn csv_files(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("failed to list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "csv" | "jsonld" | "ndjson"))
        })
        .collect();
    files.sort();
    Ok(files)
}
