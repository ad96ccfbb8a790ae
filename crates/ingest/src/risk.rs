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
//! - **Eloundou et al. (2024)**, GPT-4's exposure to language models: `O*NET-SOC Code` (O*NET-SOC
//!   2019, `43-4051.00`) and `dv_rating_beta` (0–1, the paper's headline β). Codes are SOC 2018
//!   plus a `.NN` suffix: a SOC code takes its `.00` row, or the mean of its specialised rows.
//! - **Tomlinson et al. (2025)**, applicability of generative AI from real Copilot use:
//!   `SOC Code` (SOC 2018) and `ai_applicability_score` (0–1).
//! - **Generic**: `score` in [0, 1] with `occupation_uri` (or `concept_uri`, or `uri`), or with
//!   `isco_code`.
//!
//! SOC-keyed tables reach ESCO through [`Crosswalks`]: ESCO → O*NET-SOC 2010
//! (`esco_onet_crosswalk_*.csv`) → SOC 2010 (its first 7 characters), and for SOC 2018 tables on
//! through `soc2010_to_soc2018_crosswalk.csv`. A SOC 2010 code split into several 2018 codes
//! gets the mean of those scored, and [`RiskTable::notes`] says how many occupations that was.
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
use crate::esco::{Row, Source, Table, is_isco_code, unique};

/// The layout of a risk table, detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RiskFormat {
    /// Nesta's Mapping Career Causeways table: `concept_uri` (or `isco_code`) and `risk` (1–5).
    Nesta,
    /// Frey & Osborne (2017): `SOC code` and `Probability` (0–1); needs a crosswalk.
    FreyOsborne,
    /// Eloundou et al. (2024): `O*NET-SOC Code` (2019) and `dv_rating_beta`; needs both crosswalks.
    Eloundou,
    /// Tomlinson et al. (2025): `SOC Code` (2018) and `ai_applicability_score`; needs both
    /// crosswalks.
    Tomlinson,
    /// `occupation_uri` / `concept_uri` / `uri` (or `isco_code`) and `score` in [0, 1].
    Generic,
}

impl RiskFormat {
    /// Returns the published scale `(min, max)` of the format's raw values.
    pub fn scale(self) -> (f64, f64) {
        match self {
            Self::Nesta => (1.0, 5.0),
            Self::FreyOsborne | Self::Eloundou | Self::Tomlinson | Self::Generic => (0.0, 1.0),
        }
    }

    /// Returns what the format's scores measure, in words shown beside every reading (empty for
    /// a generic table, whose importer names it).
    pub fn measure(self) -> &'static str {
        match self {
            Self::Nesta => {
                "how much of the job's work activities machine learning could do \
                 (task-weighted suitability, expert-rated)"
            }
            Self::FreyOsborne => "probability that the job can be computerised (expert-rated)",
            Self::Eloundou => {
                "share of the job's tasks a language model, with tools, could do at least twice \
                 as fast (GPT-4's rating); not the chance of being replaced"
            }
            Self::Tomlinson => {
                "how much of the job's work people already do successfully with generative AI \
                 (from real Copilot conversations); not the chance of being replaced"
            }
            Self::Generic => "",
        }
    }

    /// Returns a short name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nesta => "nesta",
            Self::FreyOsborne => "frey-osborne",
            Self::Eloundou => "eloundou",
            Self::Tomlinson => "tomlinson",
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
    /// How scores were combined on the way to ESCO (averaged SOC codes), one message per entry.
    pub notes: Vec<String>,
}

/// The crosswalks a SOC-keyed risk table needs to reach ESCO occupations.
#[derive(Debug, Clone, Copy)]
pub struct Crosswalks<T> {
    /// ESCO → O*NET-SOC 2010 (`esco_onet_crosswalk_*.csv`: `concept_uri`, `onet_code`).
    pub esco_onet: Option<T>,
    /// SOC 2010 → SOC 2018 (`soc2010_to_soc2018_crosswalk.csv`: `2010 SOC Code`,
    /// `2018 SOC Code`), for tables keyed by SOC 2018.
    pub soc_2010_to_2018: Option<T>,
}

impl RiskTable {
    fn new(format: RiskFormat) -> Self {
        Self {
            format,
            scale: format.scale(),
            records: Vec::new(),
            isco_records: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
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

// By hand: a derive would require `T: Default`, which `&Path` is not.
impl<T> Default for Crosswalks<T> {
    fn default() -> Self {
        Self {
            esco_onet: None,
            soc_2010_to_2018: None,
        }
    }
}

/// Reads a risk table from a file; SOC-keyed tables need the crosswalks (see [`Crosswalks`]).
pub fn read_risk(path: &Path, crosswalks: Crosswalks<&Path>) -> Result<RiskTable, IngestError> {
    let table = Source::open(path)?;
    let crosswalks = Crosswalks {
        esco_onet: crosswalks.esco_onet.map(Source::open).transpose()?,
        soc_2010_to_2018: crosswalks.soc_2010_to_2018.map(Source::open).transpose()?,
    };
    read_risk_sources(table, crosswalks)
}

/// Reads a risk table (and the crosswalks a SOC-keyed one needs) from sources.
pub fn read_risk_sources(
    source: Source<'_>,
    crosswalks: Crosswalks<Source<'_>>,
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
    let soc_keyed = [
        (RiskFormat::FreyOsborne, "SOC code", "Probability"),
        (RiskFormat::Eloundou, "O*NET-SOC Code", "dv_rating_beta"),
        (RiskFormat::Tomlinson, "SOC Code", "ai_applicability_score"),
    ];
    for (format, code, value) in soc_keyed {
        if let (Some(c_code), Some(c_value)) =
            (table.optional_column(code), table.optional_column(value))
        {
            return read_soc_keyed(table, format, c_code, c_value, crosswalks);
        }
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
             (Frey-Osborne), O*NET-SOC Code and dv_rating_beta (Eloundou), SOC Code and \
             ai_applicability_score (Tomlinson), or occupation_uri/concept_uri/uri/isco_code \
             and score; found {}",
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
pub(crate) fn soc_prefix(code: &str) -> Option<&str> {
    let soc = code.get(..7)?;
    let bytes = soc.as_bytes();
    let shape = bytes[2] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    shape.then_some(soc)
}

/// One SOC code's score, kept until the crosswalk is read.
struct SocScore {
    line: u64,
    occupation: String,
    raw_value: f64,
    score: f64,
    matched: bool,
}

/// Returns whether `code` is an O*NET-SOC code (`NN-NNNN.NN`).
fn is_onet_code(code: &str) -> bool {
    code.len() == 10
        && soc_prefix(code).is_some()
        && code.as_bytes()[7] == b'.'
        && code.as_bytes()[8..].iter().all(u8::is_ascii_digit)
}

/// Reads a table keyed by SOC (or O*NET-SOC) codes and attaches its scores to ESCO occupations
/// through the crosswalks.
///
/// The Nesta crosswalk maps each ESCO occupation to exactly one O*NET code. A crosswalk that
/// listed an ESCO occupation twice is rejected with both lines named, rather than silently
/// picking one of the conflicting scores.
fn read_soc_keyed(
    mut table: Table<'_>,
    format: RiskFormat,
    c_code: usize,
    c_value: usize,
    crosswalks: Crosswalks<Source<'_>>,
) -> Result<RiskTable, IngestError> {
    let mut out = RiskTable::new(format);
    let missing = |reason: &str| IngestError::MissingCrosswalk {
        file: table.name().to_owned(),
        reason: reason.to_owned(),
    };
    let Some(esco_onet) = crosswalks.esco_onet else {
        return Err(missing(
            "a table keyed by SOC codes needs an ESCO to O*NET crosswalk \
             (esco_onet_crosswalk_*.csv)",
        ));
    };
    let soc_2018 = format != RiskFormat::FreyOsborne;
    let soc_map = match (soc_2018, crosswalks.soc_2010_to_2018) {
        (false, _) => None,
        (true, Some(source)) => Some(read_soc_2010_to_2018(Table::open(source, false)?)?),
        (true, None) => {
            return Err(missing(
                "a table keyed by SOC 2018 codes needs the SOC 2010 to 2018 crosswalk \
                 (soc2010_to_soc2018_crosswalk.csv) as well as the ESCO to O*NET one",
            ));
        }
    };
    let c_title = table.any_column(&["Occupation", "Title"]);
    let expected = match format {
        RiskFormat::Eloundou => "an O*NET-SOC 2019 code such as \"43-4051.00\"",
        RiskFormat::Tomlinson => "a SOC 2018 code such as \"43-4051\"",
        _ => "a SOC 2010 code such as \"29-1125\"",
    };
    // Eloundou's rows are O*NET occupations: a SOC code takes its `.00` row, else the mean of
    // its specialised rows, so rows are gathered per SOC code first.
    let mut rows_by_soc: HashMap<String, Vec<(String, SocScore)>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let code = row.required(c_code)?;
        let shape_ok = if format == RiskFormat::Eloundou {
            is_onet_code(code)
        } else {
            soc_prefix(code).is_some_and(|soc| soc.len() == code.len())
        };
        if !shape_ok {
            return Err(row.error(c_code, format!("expected {expected}, found {code:?}")));
        }
        let (raw_value, score) = score(&row, c_value, out.scale)?;
        unique(&mut seen, code, &row, c_code)?;
        let soc = &code[..7];
        let entry = rows_by_soc.entry(soc.to_owned()).or_default();
        if entry.is_empty() {
            order.push(soc.to_owned());
        }
        entry.push((
            code.to_owned(),
            SocScore {
                line: row.line(),
                occupation: row.get_opt(c_title).trim().to_owned(),
                raw_value,
                score,
                matched: false,
            },
        ));
    }
    let mut specialised_only = 0usize;
    let mut by_soc: HashMap<String, SocScore> = HashMap::with_capacity(rows_by_soc.len());
    for (soc, mut rows) in rows_by_soc {
        let own = rows
            .iter()
            .position(|(code, _)| code.len() == 7 || code.ends_with(".00"));
        let chosen = match own {
            Some(i) => rows.swap_remove(i).1,
            None => {
                specialised_only += 1;
                let n = rows.len() as f64;
                let raw_value = rows.iter().map(|(_, r)| r.raw_value).sum::<f64>() / n;
                let score = rows.iter().map(|(_, r)| r.score).sum::<f64>() / n;
                // Lines and titles are only for messages: the first specialisation's stand.
                let (_, first) = rows.swap_remove(0);
                SocScore {
                    raw_value,
                    score,
                    ..first
                }
            }
        };
        by_soc.insert(soc, chosen);
    }
    if specialised_only > 0 {
        out.notes.push(format!(
            "{}: {specialised_only} SOC codes have no .00 row; each takes the mean of its \
             specialised O*NET occupations",
            table.name()
        ));
    }

    let mut crosswalk = Table::open(esco_onet, false)?;
    let c_uri = crosswalk.column("concept_uri")?;
    let c_onet = crosswalk.column("onet_code")?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut without_score, mut averaged) = (0usize, 0usize);
    while let Some(row) = crosswalk.next_row()? {
        let uri = row.uri(c_uri)?;
        let onet = row.required(c_onet)?;
        let Some(soc_2010) = soc_prefix(onet) else {
            return Err(row.error(
                c_onet,
                format!("expected an O*NET-SOC code such as \"11-1011.00\", found {onet:?}"),
            ));
        };
        unique(&mut seen, uri, &row, c_uri)?;
        let single;
        let codes: &[String] = match &soc_map {
            Some(map) => map.get(soc_2010).map(Vec::as_slice).unwrap_or_default(),
            None => {
                single = [soc_2010.to_owned()];
                &single
            }
        };
        let (mut raw_sum, mut score_sum, mut n) = (0.0, 0.0, 0usize);
        for code in codes {
            if let Some(soc_score) = by_soc.get_mut(code) {
                soc_score.matched = true;
                raw_sum += soc_score.raw_value;
                score_sum += soc_score.score;
                n += 1;
            }
        }
        if n == 0 {
            without_score += 1;
            continue;
        }
        if n > 1 {
            averaged += 1;
        }
        out.records.push(RiskRecord {
            occupation_uri: uri.to_owned(),
            raw_value: raw_sum / n as f64,
            score: score_sum / n as f64,
        });
    }
    if averaged > 0 {
        out.notes.push(format!(
            "{averaged} ESCO occupations map to a SOC 2010 code that was split into several SOC \
             2018 codes; each takes the mean of their scores"
        ));
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

/// Reads the SOC 2010 → SOC 2018 crosswalk: each 2010 code with its 2018 codes, in file order.
pub(crate) fn read_soc_2010_to_2018(
    mut table: Table<'_>,
) -> Result<HashMap<String, Vec<String>>, IngestError> {
    let c_2010 = table.column("2010 SOC Code")?;
    let c_2018 = table.column("2018 SOC Code")?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let code = |col: usize| -> Result<String, IngestError> {
            let code = row.required(col)?;
            match soc_prefix(code) {
                Some(soc) if soc.len() == code.len() => Ok(soc.to_owned()),
                _ => Err(row.error(
                    col,
                    format!("expected a SOC code such as \"43-4051\", found {code:?}"),
                )),
            }
        };
        let (old, new) = (code(c_2010)?, code(c_2018)?);
        let targets = map.entry(old).or_default();
        if !targets.contains(&new) {
            targets.push(new);
        }
    }
    Ok(map)
}
