//! The automation-risk table reader: turns a published risk table into
//! [`reskill_core::risk::RiskRecord`]s keyed by ESCO occupation URI, normalised to [0, 1].
//!
//! The format is detected from the header ([`RiskFormat`]):
//!
//! - **Nesta** (Mapping Career Causeways): `concept_uri` and `risk`, on a 1–5 scale. Nesta's
//!   ISCO-level tables (`isco_code` and `risk`, no `concept_uri`) are read too, as ISCO-keyed
//!   scores (see below).
//! - **Frey–Osborne**: `SOC code` (US SOC 2010, `29-1125`) and `Probability` (0–1). It names no
//!   ESCO occupation, so it needs an ESCO → O*NET crosswalk (`esco_onet_crosswalk_*.csv`, columns
//!   `concept_uri` and `onet_code`); an ESCO occupation gets the probability of the SOC code that
//!   its O*NET code (`11-1011.00`) starts with.
//! - **Generic**: `score` in [0, 1] with `occupation_uri` (or `concept_uri`, or `uri`), or with
//!   `isco_code`.
//!
//! ISCO-keyed scores land in [`RiskTable::isco_records`], not `records`: turning them into
//! per-occupation records needs every occupation's ISCO group, which lives in the database, not
//! in the file. The caller passes those to [`RiskTable::expand_isco`]. This keeps `read_risk` a
//! pure file reader with one signature for every format.

use std::collections::HashMap;
use std::collections::HashSet;
use std::path::Path;

use reskill_core::risk::{RiskRecord, normalise};

use crate::error::IngestError;
use crate::esco::{Row, Source, Table, duplicate, is_isco_code, unique};

/// The layout of a risk table, detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RiskFormat {
    /// Nesta's Mapping Career Causeways table: `concept_uri` (or `isco_code`) and `risk` (1–5).
    Nesta,
    /// Frey & Osborne (2017): `SOC code` and `Probability` (0–1); needs a crosswalk.
    FreyOsborne,
    /// `occupation_uri` / `concept_uri` / `uri` (or `isco_code`) and `score` in [0, 1].
    Generic,
}

impl RiskFormat {
    /// Returns the published scale `(min, max)` of the format's raw values.
    pub fn scale(self) -> (f64, f64) {
        match self {
            Self::Nesta => (1.0, 5.0),
            Self::FreyOsborne | Self::Generic => (0.0, 1.0),
        }
    }

    /// Returns a short name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nesta => "nesta",
            Self::FreyOsborne => "frey-osborne",
            Self::Generic => "generic",
        }
    }
}

/// A score for every occupation of one ISCO-08 group, before expansion to occupations.
#[derive(Debug, Clone, PartialEq)]
pub struct IscoRiskRecord {
    /// ISCO-08 code, 1 to 4 digits.
    pub isco_code: String,
    /// The value as published.
    pub raw_value: f64,
    /// The value normalised to [0, 1].
    pub score: f64,
    /// The line of the file it came from, for messages.
    pub line: u64,
}

/// Everything read from one risk table.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTable {
    /// The detected format.
    pub format: RiskFormat,
    /// The published scale `(min, max)` that raw values were normalised from.
    pub scale: (f64, f64),
    /// Scores per ESCO occupation URI, in file (or, for Frey–Osborne, crosswalk) order.
    pub records: Vec<RiskRecord>,
    /// Scores per ISCO group, for tables keyed by `isco_code`; see [`RiskTable::expand_isco`].
    pub isco_records: Vec<IscoRiskRecord>,
    /// What was left out and why, one message per entry, with file and line where there is one.
    pub skipped: Vec<String>,
}

impl RiskTable {
    fn new(format: RiskFormat) -> Self {
        Self {
            format,
            scale: format.scale(),
            records: Vec::new(),
            isco_records: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Turns ISCO-keyed scores into per-occupation records, given every occupation's
    /// `(uri, isco_group)`.
    ///
    /// Each occupation gets the score of the most specific ISCO code that its group starts with
    /// (a 4-digit score beats its 3-digit minor group). Occupations that already have a
    /// URI-keyed record keep it. ISCO codes that match no occupation, and the number of
    /// occupations left without a score, are added to `skipped`. `isco_records` is emptied.
    pub fn expand_isco(&mut self, occupations: &[(String, String)]) {
        if self.isco_records.is_empty() {
            return;
        }
        let by_code: HashMap<&str, usize> = self
            .isco_records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.isco_code.as_str(), i))
            .collect();
        let scored: HashSet<String> = self
            .records
            .iter()
            .map(|r| r.occupation_uri.clone())
            .collect();
        let mut used = vec![false; self.isco_records.len()];
        let mut unmatched = 0usize;
        for (uri, isco) in occupations {
            if scored.contains(uri) {
                continue;
            }
            let best = (1..=isco.len().min(4))
                .rev()
                .filter_map(|len| isco.get(..len))
                .find_map(|prefix| by_code.get(prefix).copied());
            match best {
                Some(i) => {
                    used[i] = true;
                    let isco_record = &self.isco_records[i];
                    self.records.push(RiskRecord {
                        occupation_uri: uri.clone(),
                        raw_value: isco_record.raw_value,
                        score: isco_record.score,
                    });
                }
                None => unmatched += 1,
            }
        }
        for (record, used) in self.isco_records.iter().zip(used) {
            if !used {
                self.skipped.push(format!(
                    "line {}: ISCO group {} matches no occupation",
                    record.line, record.isco_code
                ));
            }
        }
        if unmatched > 0 {
            self.skipped.push(format!(
                "{unmatched} occupations have no score: their ISCO group is not in the table"
            ));
        }
        self.isco_records.clear();
    }
}

/// Reads a risk table from a file; `crosswalk` is required for Frey–Osborne tables.
pub fn read_risk(path: &Path, crosswalk: Option<&Path>) -> Result<RiskTable, IngestError> {
    let table = Source::open(path)?;
    let crosswalk = crosswalk.map(Source::open).transpose()?;
    read_risk_sources(table, crosswalk)
}

/// Reads a risk table (and, for Frey–Osborne, a crosswalk) from sources.
pub fn read_risk_sources(
    source: Source<'_>,
    crosswalk: Option<Source<'_>>,
) -> Result<RiskTable, IngestError> {
    let table = Table::open(source, false)?;
    let uri_column = table.any_column(&["occupation_uri", "concept_uri", "uri"]);
    let isco_column = table.optional_column("isco_code");
    if let Some(c_risk) = table.optional_column("risk")
        && let Some(key) = table
            .optional_column("concept_uri")
            .map(Key::Uri)
            .or(isco_column.map(Key::Isco))
    {
        return read_scores(table, RiskFormat::Nesta, key, c_risk);
    }
    if let (Some(c_soc), Some(c_probability)) = (
        table.optional_column("SOC code"),
        table.optional_column("Probability"),
    ) {
        let Some(crosswalk) = crosswalk else {
            return Err(IngestError::MissingCrosswalk {
                file: table.name().to_owned(),
                reason: "a Frey-Osborne table is keyed by SOC 2010 codes and needs an \
                         ESCO to O*NET crosswalk (esco_onet_crosswalk_*.csv)"
                    .to_owned(),
            });
        };
        return read_frey_osborne(table, c_soc, c_probability, Table::open(crosswalk, false)?);
    }
    if let Some(c_score) = table.optional_column("score")
        && let Some(key) = uri_column.map(Key::Uri).or(isco_column.map(Key::Isco))
    {
        return read_scores(table, RiskFormat::Generic, key, c_score);
    }
    Err(IngestError::UnknownFormat {
        file: table.name().to_owned(),
        reason: format!(
            "expected columns concept_uri and risk (Nesta), SOC code and Probability \
             (Frey-Osborne), or occupation_uri/concept_uri/uri/isco_code and score; found {}",
            table.headers().join(", ")
        ),
    })
}

/// How a table's rows name their occupations.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// By ESCO URI, in this column.
    Uri(usize),
    /// By ISCO-08 code, in this column.
    Isco(usize),
}

/// Parses the score in `col` and normalises it from the format's scale.
fn score(row: &Row<'_>, col: usize, (min, max): (f64, f64)) -> Result<(f64, f64), IngestError> {
    let raw = row.number(col)?;
    let score = normalise(raw, min, max).map_err(|e| row.error(col, e.reason))?;
    Ok((raw, score))
}

/// Reads a table whose rows carry their own key (URI or ISCO code) and score.
fn read_scores(
    mut table: Table<'_>,
    format: RiskFormat,
    key: Key,
    c_score: usize,
) -> Result<RiskTable, IngestError> {
    let mut out = RiskTable::new(format);
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        match key {
            Key::Uri(col) => {
                let uri = row.uri(col)?;
                let (raw_value, score) = score(&row, c_score, out.scale)?;
                unique(&mut seen, uri, &row, col)?;
                out.records.push(RiskRecord {
                    occupation_uri: uri.to_owned(),
                    raw_value,
                    score,
                });
            }
            Key::Isco(col) => {
                let code = row.required(col)?;
                if !is_isco_code(code) {
                    return Err(row.error(
                        col,
                        format!("expected an ISCO-08 code of 1 to 4 digits, found {code:?}"),
                    ));
                }
                let (raw_value, score) = score(&row, c_score, out.scale)?;
                unique(&mut seen, code, &row, col)?;
                out.isco_records.push(IscoRiskRecord {
                    isco_code: code.to_owned(),
                    raw_value,
                    score,
                    line: row.line(),
                });
            }
        }
    }
    Ok(out)
}

/// Returns the SOC 2010 code (`NN-NNNN`) that `code` starts with, if it starts with one.
fn soc_prefix(code: &str) -> Option<&str> {
    let soc = code.get(..7)?;
    let bytes = soc.as_bytes();
    let shape = bytes[2] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    shape.then_some(soc)
}

/// One Frey–Osborne row, kept until the crosswalk is read.
struct SocScore {
    line: u64,
    occupation: String,
    probability: f64,
    matched: bool,
}

/// Reads a Frey–Osborne table and attaches its probabilities to ESCO occupations through the
/// crosswalk.
///
/// The Nesta crosswalk maps each ESCO occupation to exactly one O*NET code, so an occupation
/// can get only one probability. A crosswalk that listed an ESCO occupation twice is rejected
/// with both lines named, rather than silently picking one of the conflicting scores.
fn read_frey_osborne(
    mut table: Table<'_>,
    c_soc: usize,
    c_probability: usize,
    mut crosswalk: Table<'_>,
) -> Result<RiskTable, IngestError> {
    let mut out = RiskTable::new(RiskFormat::FreyOsborne);
    let c_occupation = table.optional_column("Occupation");
    let mut by_soc: HashMap<String, SocScore> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    while let Some(row) = table.next_row()? {
        let code = row.required(c_soc)?;
        let soc = soc_prefix(code).filter(|soc| soc.len() == code.len());
        let Some(soc) = soc else {
            return Err(row.error(
                c_soc,
                format!("expected a SOC 2010 code such as \"29-1125\", found {code:?}"),
            ));
        };
        let (probability, _) = score(&row, c_probability, out.scale)?;
        if let Some(first) = by_soc.get(soc) {
            return Err(duplicate(&row, c_soc, soc, first.line));
        }
        order.push(soc.to_owned());
        by_soc.insert(
            soc.to_owned(),
            SocScore {
                line: row.line(),
                occupation: row.get_opt(c_occupation).trim().to_owned(),
                probability,
                matched: false,
            },
        );
    }

    let c_uri = crosswalk.column("concept_uri")?;
    let c_onet = crosswalk.column("onet_code")?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut without_score = 0usize;
    while let Some(row) = crosswalk.next_row()? {
        let uri = row.uri(c_uri)?;
        let onet = row.required(c_onet)?;
        let Some(soc) = soc_prefix(onet) else {
            return Err(row.error(
                c_onet,
                format!("expected an O*NET-SOC code such as \"11-1011.00\", found {onet:?}"),
            ));
        };
        unique(&mut seen, uri, &row, c_uri)?;
        match by_soc.get_mut(soc) {
            Some(soc_score) => {
                soc_score.matched = true;
                out.records.push(RiskRecord {
                    occupation_uri: uri.to_owned(),
                    raw_value: soc_score.probability,
                    score: soc_score.probability,
                });
            }
            None => without_score += 1,
        }
    }

    for soc in &order {
        let soc_score = &by_soc[soc];
        if !soc_score.matched {
            out.skipped.push(format!(
                "{}:{}: SOC code {soc} ({}) matches no ESCO occupation in {}",
                table.name(),
                soc_score.line,
                soc_score.occupation,
                crosswalk.name()
            ));
        }
    }
    if without_score > 0 {
        out.skipped.push(format!(
            "{}: {without_score} ESCO occupations have an O*NET code whose SOC code is not in {}",
            crosswalk.name(),
            table.name()
        ));
    }
    Ok(out)
}
