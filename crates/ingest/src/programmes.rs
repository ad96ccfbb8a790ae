//! The programme-type reader: CIP 2020 programme types (NCES `CIPCode2020.csv`) and the
//! occupations each prepares for (the NCES CIP 2020 → SOC 2018 crosswalk), with SOC 2018 codes
//! taken back to SOC 2010 so that they meet the O*NET-SOC 2010 codes ESCO occupations carry.
//!
//! **Definitions** (`CIPCode`, `Action`, `CIPTitle`, `CIPDefinition`; others ignored). Codes
//! are written as Excel formulas (`="01.0102"`); plain codes are read too. Only six-digit codes
//! (`NN.NNNN`) are programme types: two-digit families and four-digit series are left out.
//! `Action` says how a code changed since CIP 2010, and two kinds of row are not current
//! programme types: `Moved from` (the old code; its definition reads "Moved from 01.0309 to
//! 01.1004") and `Deleted`. `Moved to` rows are the codes' new homes, with the full definition,
//! and the crosswalk links them, so they are kept. Titles lose their trailing period.
//!
//! **Crosswalk** (`CIP2020Code`, `SOC2018Code`; others ignored; the NCES export starts with a
//! UTF-8 BOM). Rows whose CIP code is `99.9999` or SOC code `99-9999` (`NO MATCH`) link nothing
//! and are counted, as are CIP codes that are not programme types of the definitions file and
//! SOC 2018 codes the SOC crosswalk does not know.
//!
//! **SOC 2010 ↔ 2018** (`2010 SOC Code`, `2018 SOC Code`, read as the risk import reads it).
//! Codes split or merged between the two editions are followed both ways: a SOC 2018 code links
//! to every SOC 2010 code that became (part of) it, so a 2010 code split in two gets the
//! programmes of both halves, and 2010 codes merged into one 2018 code each get its programmes.
//!
//! A malformed code, a repeated programme type or a missing column stops the import with the
//! file, line and column.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use reskill_core::catalog::ProgrammeType;

use crate::error::IngestError;
use crate::esco::{Row, Source, Table, unique};
use crate::limits::MAX_NAME_CHARS;
use crate::risk::{read_soc_2010_to_2018, soc_prefix};

/// The three files programme types are read from.
#[derive(Debug, Clone, Copy)]
pub struct ProgrammeFiles<T> {
    /// CIP 2020 codes, titles and definitions (`cip2020_codes_definitions.csv`).
    pub definitions: T,
    /// CIP 2020 → SOC 2018 (`cip2020_soc2018_crosswalk.csv`).
    pub crosswalk: T,
    /// SOC 2010 → SOC 2018 (`soc2010_to_soc2018_crosswalk.csv`).
    pub soc_2010_to_2018: T,
}

/// One programme type's link to a SOC 2010 detailed occupation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProgrammeLink {
    /// Six-digit CIP 2020 code such as `52.0411`.
    pub code: String,
    /// SOC 2010 detailed occupation code such as `43-4051`.
    pub soc_2010: String,
}

/// Everything read from the three files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgrammeTypes {
    /// Every current six-digit programme type, in file order.
    pub types: Vec<ProgrammeType>,
    /// Distinct links to SOC 2010 codes, sorted by code then SOC code.
    pub links: Vec<ProgrammeLink>,
    /// Rows of the definitions file left out as not current (`Moved from`, `Deleted`).
    pub not_current: usize,
    /// Crosswalk rows read.
    pub crosswalk_rows: usize,
    /// Crosswalk rows with no occupation or no programme (`NO MATCH`).
    pub no_match: usize,
    /// What else was left out and why, one message per kind, with a first line.
    pub skipped: Vec<String>,
    /// How SOC codes were followed across editions, one message per entry.
    pub notes: Vec<String>,
}

/// Reads programme types and their SOC 2010 links from the three files.
pub fn read_programme_types(files: ProgrammeFiles<&Path>) -> Result<ProgrammeTypes, IngestError> {
    read_programme_types_from(ProgrammeFiles {
        definitions: Source::open(files.definitions)?,
        crosswalk: Source::open(files.crosswalk)?,
        soc_2010_to_2018: Source::open(files.soc_2010_to_2018)?,
    })
}

/// Reads programme types and their SOC 2010 links from sources.
pub fn read_programme_types_from(
    files: ProgrammeFiles<Source<'_>>,
) -> Result<ProgrammeTypes, IngestError> {
    let mut out = ProgrammeTypes::default();
    read_definitions(Table::open(files.definitions, false)?, &mut out)?;
    let soc_map = read_soc_2010_to_2018(Table::open(files.soc_2010_to_2018, false)?)?;
    // SOC 2018 → every SOC 2010 code that became (part of) it.
    let mut back: HashMap<&str, Vec<&str>> = HashMap::new();
    for (soc_2010, codes_2018) in &soc_map {
        for code in codes_2018 {
            back.entry(code.as_str())
                .or_default()
                .push(soc_2010.as_str());
        }
    }
    for codes in back.values_mut() {
        codes.sort_unstable();
    }
    let merged = back.values().filter(|codes| codes.len() > 1).count();
    let split = soc_map.values().filter(|codes| codes.len() > 1).count();

    let mut table = Table::open(files.crosswalk, false)?;
    let c_cip = table.column("CIP2020Code")?;
    let c_soc = table.column("SOC2018Code")?;
    let types: HashSet<&str> = out.types.iter().map(|t| t.code.as_str()).collect();
    let mut links: BTreeSet<ProgrammeLink> = BTreeSet::new();
    let mut unknown_cip: (usize, Option<u64>) = (0, None);
    let mut unknown_soc: (usize, Option<u64>) = (0, None);
    let (mut merged_used, mut split_used): (HashSet<&str>, HashSet<&str>) =
        (HashSet::new(), HashSet::new());
    while let Some(row) = table.next_row()? {
        out.crosswalk_rows += 1;
        let cip = formula_value(row.required(c_cip)?);
        let soc = row.required(c_soc)?;
        if cip == "99.9999" || soc == "99-9999" {
            out.no_match += 1;
            continue;
        }
        if !is_cip(cip, 6) {
            return Err(row.error(
                c_cip,
                format!("expected a six-digit CIP code such as \"52.0411\", found {cip:?}"),
            ));
        }
        if soc_prefix(soc).is_none_or(|code| code.len() != soc.len()) {
            return Err(row.error(
                c_soc,
                format!("expected a SOC 2018 code such as \"43-4051\", found {soc:?}"),
            ));
        }
        if !types.contains(cip) {
            count(&mut unknown_cip, &row);
            continue;
        }
        let Some((&soc, codes_2010)) = back.get_key_value(soc) else {
            count(&mut unknown_soc, &row);
            continue;
        };
        if codes_2010.len() > 1 {
            merged_used.insert(soc);
        }
        for &soc_2010 in codes_2010 {
            if soc_map.get(soc_2010).is_some_and(|codes| codes.len() > 1) {
                split_used.insert(soc_2010);
            }
            links.insert(ProgrammeLink {
                code: cip.to_owned(),
                soc_2010: soc_2010.to_owned(),
            });
        }
    }
    out.links = links.into_iter().collect();
    let name = table.name();
    if let (n @ 1.., Some(line)) = unknown_cip {
        out.skipped.push(format!(
            "{name}: {n} rows name a CIP code that is not a current programme type of the \
             definitions file (first on line {line})"
        ));
    }
    if let (n @ 1.., Some(line)) = unknown_soc {
        out.skipped.push(format!(
            "{name}: {n} rows name a SOC 2018 code the SOC 2010 to 2018 crosswalk does not \
             know (first on line {line})"
        ));
    }
    if !merged_used.is_empty() || !split_used.is_empty() {
        out.notes.push(format!(
            "{} linked SOC 2018 codes merge several SOC 2010 codes (each 2010 code is linked) and \
             {} SOC 2010 codes were split into several 2018 codes (each gets the programmes of \
             every part); the SOC crosswalk has {merged} merges and {split} splits in all",
            merged_used.len(),
            split_used.len()
        ));
    }
    Ok(out)
}

/// Reads the definitions file's current six-digit programme types into `out`.
fn read_definitions(mut table: Table<'_>, out: &mut ProgrammeTypes) -> Result<(), IngestError> {
    let c_code = table.column("CIPCode")?;
    let c_action = table.column("Action")?;
    let c_title = table.column("CIPTitle")?;
    let c_definition = table.column("CIPDefinition")?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let code = formula_value(row.required(c_code)?);
        if !(is_cip(code, 2) || is_cip(code, 4) || is_cip(code, 6)) {
            return Err(row.error(
                c_code,
                format!(
                    "expected a CIP code such as \"52\", \"52.04\" or \"52.0411\" (or \
                     =\"52.0411\"), found {code:?}"
                ),
            ));
        }
        // Families and series group programme types; they are not programmes themselves.
        if !is_cip(code, 6) {
            continue;
        }
        let action = row.get(c_action).trim();
        if action.eq_ignore_ascii_case("Moved from") || action.eq_ignore_ascii_case("Deleted") {
            out.not_current += 1;
            continue;
        }
        unique(&mut seen, code, &row, c_code)?;
        let title = row.required(c_title)?;
        let title = title.strip_suffix('.').unwrap_or(title).trim_end();
        if title.chars().take(MAX_NAME_CHARS + 1).count() > MAX_NAME_CHARS {
            return Err(row.error(c_title, format!("longer than {MAX_NAME_CHARS} characters")));
        }
        out.types.push(ProgrammeType {
            code: code.to_owned(),
            title: title.to_owned(),
            definition: row.text(Some(c_definition)),
        });
    }
    Ok(())
}

/// Returns the value of an Excel text formula (`="01.0102"` → `01.0102`), else `value`.
fn formula_value(value: &str) -> &str {
    value
        .strip_prefix("=\"")
        .and_then(|v| v.strip_suffix('"'))
        .map_or(value, str::trim)
}

/// Returns whether `code` is a CIP code of `digits` digits: `NN`, `NN.NN` or `NN.NNNN`.
fn is_cip(code: &str, digits: usize) -> bool {
    let bytes = code.as_bytes();
    let len = if digits == 2 { 2 } else { digits + 1 };
    bytes.len() == len
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 2 {
                *b == b'.'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Counts a skipped row, remembering the first one's line.
fn count(counter: &mut (usize, Option<u64>), row: &Row<'_>) {
    counter.0 += 1;
    counter.1.get_or_insert(row.line());
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFINITIONS: &str = "\"CIPFamily\",\"CIPCode\",\"Action\",\"TextChange\",\"CIPTitle\",\"CIPDefinition\",\"CrossReferences\",\"Examples\"\r\n\
        =\"52\",=\"52\",\"No substantive changes\",no,\"BUSINESS.\",\"Instructional programs.\",\"\",\r\n\
        =\"52\",=\"52.04\",\"No substantive changes\",no,\"Business Operations Support.\",\"Defined in codes 52.0401 - 52.0499.\",\"\",\r\n\
        =\"52\",=\"52.0411\",\"No substantive changes\",no,\"Customer Service Support/Call Center/Teleservice Operation.\",\"A program that prepares individuals to assist customers.\",\"\",\r\n\
        =\"01\",=\"01.0309\",\"Moved from\",no,\"Viticulture and Enology.\",\"Moved from 01.0309 to 01.1004\",\"\",\r\n\
        =\"01\",=\"01.1004\",\"Moved to\",no,\"Viticulture and Enology.\",\"A program that focuses on grapes and wine.\",\"\",\r\n\
        =\"45\",=\"45.1401\",\"Deleted\",no,\"Rural Sociology.\",\"Deleted, Report under 45.1103\",\"\",\r\n\
        =\"51\",=\"51.2001\",\"New\",no,\"Drug Information Pharmacy Residency/Fellowship Program\",\"A residency.\",\"\",\r\n";

    const CROSSWALK: &str = "\u{feff}CIP2020Code,CIP2020Title,SOC2018Code,SOC2018Title\r\n\
        52.0411,Customer Service Support/Call Center/Teleservice Operation.,43-4051,Customer Service Representatives\r\n\
        52.0411,Customer Service Support/Call Center/Teleservice Operation.,43-4151,Order Clerks\r\n\
        01.1004,Viticulture and Enology.,11-9013,\"Farmers, Ranchers, and Other Agricultural Managers\"\r\n\
        01.1004,Viticulture and Enology.,99-9999,NO MATCH\r\n\
        99.9999,NO MATCH,25-3041,Tutors\r\n\
        01.0309,Viticulture and Enology.,11-9013,\"Farmers, Ranchers, and Other Agricultural Managers\"\r\n\
        51.2001,Drug Information Pharmacy Residency/Fellowship Program.,15-2099,All Other Mathematical Science Occupations\r\n";

    // 11-9013 merges three SOC 2010 codes; 15-2099 is unknown to this small crosswalk.
    const SOC: &str = "2010 SOC Code,2010 SOC Title,2018 SOC Code,2018 SOC Title\n\
        43-4051,Customer Service Representatives,43-4051,Customer Service Representatives\n\
        43-4151,Order Clerks,43-4151,Order Clerks\n\
        11-9011,Farm Managers,11-9013,\"Farmers, Ranchers, and Other Agricultural Managers\"\n\
        11-9012,Farmers,11-9013,\"Farmers, Ranchers, and Other Agricultural Managers\"\n\
        45-1011,First-Line Supervisors,11-9013,\"Farmers, Ranchers, and Other Agricultural Managers\"\n\
        45-1011,First-Line Supervisors,45-1011,First-Line Supervisors\n";

    fn read(definitions: &str, crosswalk: &str) -> Result<ProgrammeTypes, IngestError> {
        read_programme_types_from(ProgrammeFiles {
            definitions: Source::from_bytes("definitions.csv", definitions.as_bytes()),
            crosswalk: Source::from_bytes("cip_soc.csv", crosswalk.as_bytes()),
            soc_2010_to_2018: Source::from_bytes("soc.csv", SOC.as_bytes()),
        })
    }

    fn link(code: &str, soc_2010: &str) -> ProgrammeLink {
        ProgrammeLink {
            code: code.to_owned(),
            soc_2010: soc_2010.to_owned(),
        }
    }

    #[test]
    fn formula_codes_are_read_and_only_current_six_digit_codes_kept() {
        let read = read(DEFINITIONS, CROSSWALK).unwrap();
        let codes: Vec<&str> = read.types.iter().map(|t| t.code.as_str()).collect();
        // Families, series, "Moved from" and "Deleted" rows are left out; "Moved to" is the
        // code's current home and stays.
        assert_eq!(codes, ["52.0411", "01.1004", "51.2001"]);
        assert_eq!(read.not_current, 2);
        assert_eq!(
            read.types[0].title,
            "Customer Service Support/Call Center/Teleservice Operation"
        );
        assert_eq!(
            read.types[0].definition,
            "A program that prepares individuals to assist customers."
        );
        // A title without a trailing period is kept as it is.
        assert_eq!(
            read.types[2].title,
            "Drug Information Pharmacy Residency/Fellowship Program"
        );
    }

    #[test]
    fn links_go_back_to_every_soc_2010_code_and_no_match_rows_are_skipped() {
        let read = read(DEFINITIONS, CROSSWALK).unwrap();
        assert_eq!(
            read.links,
            [
                // 11-9013 (2018) merges three 2010 codes, one of them (45-1011) also split.
                link("01.1004", "11-9011"),
                link("01.1004", "11-9012"),
                link("01.1004", "45-1011"),
                link("52.0411", "43-4051"),
                link("52.0411", "43-4151"),
            ]
        );
        assert_eq!(read.crosswalk_rows, 7);
        assert_eq!(read.no_match, 2);
        // The BOM does not hide the first column; the old code 01.0309 and the SOC code
        // unknown to the SOC crosswalk are counted with their first line.
        assert_eq!(read.skipped.len(), 2, "{:?}", read.skipped);
        assert!(read.skipped[0].contains("1 rows name a CIP code"));
        assert!(read.skipped[0].contains("line 7"), "{:?}", read.skipped);
        assert!(read.skipped[1].contains("line 8"), "{:?}", read.skipped);
        assert!(
            read.notes[0].starts_with("1 linked SOC 2018 codes merge"),
            "{:?}",
            read.notes
        );
    }

    #[test]
    fn bad_rows_name_the_file_line_and_column() {
        let header = DEFINITIONS.lines().next().unwrap();
        let crosswalk_header = CROSSWALK.lines().next().unwrap();
        for (definitions, crosswalk, want) in [
            (
                format!("{header}\n=\"52\",=\"52.04x1\",New,no,\"Title.\",\"Text\",\"\",\n"),
                CROSSWALK.to_owned(),
                "definitions.csv:2: column CIPCode: expected a CIP code",
            ),
            (
                format!(
                    "{header}\n=\"52\",=\"52.0411\",New,no,\"A.\",\"x\",\"\",\n\
                     =\"52\",=\"52.0411\",New,no,\"B.\",\"y\",\"\",\n"
                ),
                CROSSWALK.to_owned(),
                "definitions.csv:3: column CIPCode: duplicate \"52.0411\"",
            ),
            (
                format!("{header}\n=\"52\",=\"52.0411\",New,no,\"\",\"x\",\"\",\n"),
                CROSSWALK.to_owned(),
                "definitions.csv:2: column CIPTitle: empty value",
            ),
            (
                DEFINITIONS.to_owned(),
                format!("{crosswalk_header}\n52.0411,Title,434051,Clerks\n"),
                "cip_soc.csv:2: column SOC2018Code: expected a SOC 2018 code",
            ),
            (
                DEFINITIONS.to_owned(),
                format!("{crosswalk_header}\n52.0411,Title,43-4051,Clerks\n5204.11,T,43-4051,C\n"),
                "cip_soc.csv:3: column CIP2020Code: expected a six-digit CIP code",
            ),
            (
                DEFINITIONS.to_owned(),
                "CIP,SOC\n52.0411,43-4051\n".to_owned(),
                "cip_soc.csv: header has no column \"CIP2020Code\"",
            ),
            (
                format!("{header}\n=\"52\",=\"52.0411\",New,no,\"Title.\"\n"),
                CROSSWALK.to_owned(),
                "definitions.csv:2: malformed CSV: record has 5 fields but the header has 8",
            ),
        ] {
            let error = read(&definitions, &crosswalk).unwrap_err().to_string();
            assert!(error.starts_with(want), "{error:?} is not {want:?}");
        }
    }
}
