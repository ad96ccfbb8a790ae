//! Importing the taxonomy and risk tables, then re-indexing what changed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use reskill_core::risk::RiskSource;
use reskill_core::taxonomy::EscoBundle;
use reskill_ingest::risk::Crosswalks;
use reskill_search::{IndexKind, SearchIndexes};
use sea_orm::DatabaseConnection;

use super::{blocking, indexing};

/// What an ESCO import did, for the command line.
#[derive(Debug)]
pub struct EscoImportReport {
    /// Rows of the download left out because they refer to concepts it lacks (ESCO v1.1.1 has
    /// 67 relations and one hierarchy edge of an occupation missing from occupations_en.csv).
    pub skipped: Vec<String>,
    /// Rows written per table.
    pub summary: reskill_store::taxonomy::EscoImportSummary,
    /// Seconds spent reading and validating the files.
    pub read_seconds: f64,
    /// Seconds spent writing to the database.
    pub write_seconds: f64,
    /// Seconds spent rebuilding the occupation and skill indexes.
    pub index_seconds: f64,
}

impl fmt::Display for EscoImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary)?;
        if !self.skipped.is_empty() {
            writeln!(
                f,
                "{} rows left out because they refer to concepts missing from the download:",
                self.skipped.len()
            )?;
            for row in self.skipped.iter().take(10) {
                writeln!(f, "  {row}")?;
            }
            if self.skipped.len() > 10 {
                writeln!(f, "  … and {} more", self.skipped.len() - 10)?;
            }
        }
        write!(
            f,
            "read {:.1} s, database {:.1} s, index {:.1} s",
            self.read_seconds, self.write_seconds, self.index_seconds
        )
    }
}

/// Reads an ESCO download folder, imports it in one transaction and re-indexes.
pub async fn import_esco_dir(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    dir: &Path,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> anyhow::Result<EscoImportReport> {
    let started = Instant::now();
    let dir: PathBuf = dir.to_owned();
    // The official download refers to one occupation it does not contain; those rows are left
    // out and listed rather than failing the whole import.
    let read = blocking(move || {
        Ok(reskill_ingest::esco::read_esco_dir_with(
            &dir,
            reskill_ingest::esco::DanglingPolicy::Skip,
        )?)
    })
    .await?;
    let read_seconds = started.elapsed().as_secs_f64();
    let mut report = import_esco_bundle(db, search, &read.bundle, progress, read_seconds).await?;
    report.skipped = read.skipped.iter().map(ToString::to_string).collect();
    Ok(report)
}

/// Imports an already-read bundle (the demo uses this) and re-indexes.
pub async fn import_esco_bundle(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    bundle: &EscoBundle,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
    read_seconds: f64,
) -> anyhow::Result<EscoImportReport> {
    let started = Instant::now();
    let summary = reskill_store::taxonomy::import_esco(db, bundle, progress).await?;
    let write_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for kind in [IndexKind::Occupations, IndexKind::Skills] {
        indexing::rebuild(db, search, kind, progress).await?;
    }
    Ok(EscoImportReport {
        skipped: Vec::new(),
        summary,
        read_seconds,
        write_seconds,
        index_seconds: started.elapsed().as_secs_f64(),
    })
}

/// What a risk import did.
#[derive(Debug)]
pub struct RiskImportReport {
    /// The format recognised from the header.
    pub format: String,
    /// Rows the reader could not attach to an ESCO occupation, with reasons.
    pub unmatched_rows: usize,
    /// How scores were combined on the way to ESCO (averaged SOC codes).
    pub notes: Vec<String>,
    /// What the scores measure, as stored beside them.
    pub description: String,
    /// What the store wrote.
    pub summary: reskill_store::risk::RiskImportSummary,
}

impl fmt::Display for RiskImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "format: {}", self.format)?;
        if !self.description.is_empty() {
            writeln!(f, "measures: {}", self.description)?;
        }
        writeln!(
            f,
            "rows without an ESCO occupation: {}",
            self.unmatched_rows
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        write!(f, "{}", self.summary)
    }
}

/// What an import of occupation attributes did.
#[derive(Debug)]
pub struct AttributesImportReport {
    /// The file read.
    pub file: PathBuf,
    /// Rows read.
    pub read: usize,
    /// What the store wrote.
    pub summary: reskill_store::labour::AttributesImport,
    /// Currency of the earnings.
    pub currency: String,
}

impl fmt::Display for AttributesImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "occupation attributes from {}: {} rows read, {} stored, {} name no occupation of \
             the taxonomy (earnings in {}); narrower occupations inherit their parent's",
            self.file.display(),
            self.read,
            self.summary.stored,
            self.summary.unknown.len(),
            self.currency
        )
    }
}

/// Reads job zones and earnings per ESCO occupation and replaces the stored ones; `currency`
/// is the ISO 4217 code of the earnings and `source` names where they come from.
pub async fn import_attributes_file(
    db: &DatabaseConnection,
    file: &Path,
    currency: &str,
    source: &str,
) -> anyhow::Result<AttributesImportReport> {
    if !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())) {
        anyhow::bail!("currency {currency:?} is not an ISO 4217 code such as GBP or EUR");
    }
    let path = file.to_owned();
    let records =
        blocking(move || Ok(reskill_ingest::labour::read_occupation_figures(&path)?)).await?;
    let read = records.len();
    let records: Vec<reskill_store::labour::AttributeRecord> = records
        .into_iter()
        .map(|r| reskill_store::labour::AttributeRecord {
            occupation_uri: r.occupation_uri,
            job_zone: r.job_zone,
            annual_earnings: r.annual_earnings,
            remote_work: r.remote_work,
        })
        .collect();
    let summary =
        reskill_store::labour::replace_occupation_attributes(db, &records, currency, source)
            .await?;
    Ok(AttributesImportReport {
        file: file.to_owned(),
        read,
        summary,
        currency: currency.to_owned(),
    })
}

/// What an import of an ESCO → O*NET crosswalk did.
#[derive(Debug)]
pub struct CrosswalkImportReport {
    /// The file read.
    pub file: PathBuf,
    /// Rows read.
    pub read: usize,
    /// What the store wrote.
    pub summary: reskill_store::crosswalk::CrosswalkImport,
}

impl fmt::Display for CrosswalkImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "O*NET-SOC codes from {}: {} rows read, {} stored, {} name no occupation of the \
             taxonomy; narrower occupations inherit their parent's",
            self.file.display(),
            self.read,
            self.summary.stored,
            self.summary.unknown.len(),
        )
    }
}

/// Reads each ESCO occupation's O*NET-SOC code from a crosswalk (`concept_uri`, `onet_code`)
/// and replaces the stored ones; `source` names the crosswalk.
pub async fn import_onet_crosswalk_file(
    db: &DatabaseConnection,
    file: &Path,
    source: &str,
) -> anyhow::Result<CrosswalkImportReport> {
    let path = file.to_owned();
    let records = blocking(move || Ok(reskill_ingest::crosswalk::read_esco_onet(&path)?)).await?;
    let read = records.len();
    let records: Vec<(String, String)> = records
        .into_iter()
        .map(|r| (r.occupation_uri, r.onet_code))
        .collect();
    let summary = reskill_store::crosswalk::replace_onet_codes(db, &records, source).await?;
    Ok(CrosswalkImportReport {
        file: file.to_owned(),
        read,
        summary,
    })
}

/// What an import of programme types did.
#[derive(Debug)]
pub struct ProgrammeImportReport {
    /// The definitions file read.
    pub definitions: PathBuf,
    /// The CIP → SOC crosswalk read.
    pub crosswalk: PathBuf,
    /// Rows of the definitions file left out as no longer current (`Moved from`, `Deleted`).
    pub not_current: usize,
    /// Crosswalk rows read, and those linking no occupation (`NO MATCH`).
    pub crosswalk_rows: (usize, usize),
    /// What else the reader left out, with the first line of each kind.
    pub skipped: Vec<String>,
    /// How SOC codes were followed across editions.
    pub notes: Vec<String>,
    /// What the store wrote.
    pub summary: reskill_store::programmes::ProgrammeTypesImport,
    /// ESCO occupations that reach at least one programme type through their O*NET-SOC code
    /// (none before a crosswalk import).
    pub occupations_reached: usize,
}

impl fmt::Display for ProgrammeImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "programme types from {} and {}: {} types ({} rows no longer current left out), {} \
             links to SOC 2010 occupations from {} crosswalk rows ({} without a match)",
            self.definitions.display(),
            self.crosswalk.display(),
            self.summary.types,
            self.not_current,
            self.summary.links,
            self.crosswalk_rows.0,
            self.crosswalk_rows.1,
        )?;
        for line in self.skipped.iter().chain(&self.notes) {
            writeln!(f, "  {line}")?;
        }
        write!(
            f,
            "{} ESCO occupations reach a programme type through their O*NET-SOC code{}",
            self.occupations_reached,
            if self.occupations_reached == 0 {
                " (import an ESCO–O*NET crosswalk to link them)"
            } else {
                ""
            }
        )
    }
}

/// Reads CIP 2020 programme types and their SOC links and replaces the stored ones; `source`
/// names the files.
pub async fn import_programme_types_files(
    db: &DatabaseConnection,
    files: reskill_ingest::programmes::ProgrammeFiles<&Path>,
    source: &str,
) -> anyhow::Result<ProgrammeImportReport> {
    let (definitions, crosswalk, soc) = (
        files.definitions.to_owned(),
        files.crosswalk.to_owned(),
        files.soc_2010_to_2018.to_owned(),
    );
    let read = blocking(move || {
        Ok(reskill_ingest::programmes::read_programme_types(
            reskill_ingest::programmes::ProgrammeFiles {
                definitions: &definitions,
                crosswalk: &crosswalk,
                soc_2010_to_2018: &soc,
            },
        )?)
    })
    .await?;
    let links: Vec<reskill_store::programmes::ProgrammeSocLink> = read
        .links
        .into_iter()
        .map(|l| reskill_store::programmes::ProgrammeSocLink {
            code: l.code,
            soc_2010: l.soc_2010,
        })
        .collect();
    let summary =
        reskill_store::programmes::replace_programme_types(db, &read.types, &links, source).await?;
    let occupations_reached = reskill_store::programmes::occupation_programme_types(db)
        .await?
        .by_occupation
        .len();
    Ok(ProgrammeImportReport {
        definitions: files.definitions.to_owned(),
        crosswalk: files.crosswalk.to_owned(),
        not_current: read.not_current,
        crosswalk_rows: (read.crosswalk_rows, read.no_match),
        skipped: read.skipped,
        notes: read.notes,
        summary,
        occupations_reached,
    })
}

/// One risk table to import: the file, the source it is stored as, and the crosswalks a
/// SOC-keyed table needs.
#[derive(Debug, Clone, Copy)]
pub struct RiskFile<'a> {
    /// The table.
    pub file: &'a Path,
    /// Short name of the source, such as `nesta-mcc`.
    pub source: &'a str,
    /// Year of publication.
    pub year: i32,
    /// What the scores measure; `None` takes the recognised format's own wording.
    pub description: Option<&'a str>,
    /// ESCO → O*NET and SOC 2010 → 2018 crosswalks.
    pub crosswalks: Crosswalks<&'a Path>,
    /// Whether the source becomes the one listed first.
    pub activate: bool,
}

impl<'a> RiskFile<'a> {
    /// A table keyed by ESCO URI or ISCO code that becomes the active source.
    pub fn new(file: &'a Path, source: &'a str, year: i32) -> Self {
        Self {
            file,
            source,
            year,
            description: None,
            crosswalks: Crosswalks::default(),
            activate: true,
        }
    }
}

/// Reads a risk table and imports it, then re-indexes occupations (their risk band is a search
/// facet).
pub async fn import_risk_file(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    request: &RiskFile<'_>,
) -> anyhow::Result<RiskImportReport> {
    let source = RiskSource::parse(request.source, request.year)?;
    let file = request.file.to_owned();
    let (esco_onet, soc) = (
        request.crosswalks.esco_onet.map(Path::to_owned),
        request.crosswalks.soc_2010_to_2018.map(Path::to_owned),
    );
    let table = blocking(move || {
        let crosswalks = Crosswalks {
            esco_onet: esco_onet.as_deref(),
            soc_2010_to_2018: soc.as_deref(),
        };
        Ok(reskill_ingest::risk::read_risk(&file, crosswalks)?)
    })
    .await?;
    let source = source.with_description(request.description.unwrap_or_default())?;
    import_risk_table(db, search, &source, table, request.activate).await
}

/// Imports a risk table already read; a source without a description takes the format's
/// wording of what it measures.
pub async fn import_risk_table(
    db: &DatabaseConnection,
    search: &SearchIndexes,
    source: &RiskSource,
    mut table: reskill_ingest::risk::RiskTable,
    activate: bool,
) -> anyhow::Result<RiskImportReport> {
    let described;
    let source = if source.description.is_empty() {
        described = source.clone().with_description(table.format.measure())?;
        &described
    } else {
        source
    };
    if !table.isco_records.is_empty() {
        let occupations = reskill_store::taxonomy::occupation_isco_groups(db).await?;
        table.expand_isco(&occupations);
    }
    let summary =
        reskill_store::risk::import_risk(db, source, table.scale, &table.records, activate).await?;
    indexing::rebuild(db, search, IndexKind::Occupations, &|_, _, _| {}).await?;
    Ok(RiskImportReport {
        format: format!("{:?}", table.format),
        unmatched_rows: table.skipped.len(),
        notes: table.notes,
        description: source.description.clone(),
        summary,
    })
}
