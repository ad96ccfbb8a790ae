//! The occupation-attributes reader: preparation level (O*NET job zone) and annual earnings per
//! ESCO occupation, as in Nesta's `mcc_transitions_Occupation_data.csv` (columns `concept_uri`,
//! `job_zone`, `annual_earnings`, and `remote_labor_index` when present; others ignored).
//!
//! Empty cells are unknown figures, not errors. A value outside its range (job zone 1–5,
//! earnings above 0) or a repeated occupation stops the import with the file, line and column.

use std::collections::HashMap;
use std::path::Path;

use crate::error::IngestError;
use crate::esco::{Source, Table, unique};

/// One occupation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationFigures {
    /// ESCO concept URI.
    pub occupation_uri: String,
    /// O*NET job zone, 1 (little preparation) to 5 (extensive).
    pub job_zone: Option<f64>,
    /// Mean annual earnings, in the file's currency.
    pub annual_earnings: Option<f64>,
    /// How much of the work can be done remotely (Nesta's remote labour index, 0–1).
    pub remote_work: Option<f64>,
}

/// Reads an occupation-attributes file.
pub fn read_occupation_figures(path: &Path) -> Result<Vec<OccupationFigures>, IngestError> {
    read_occupation_figures_from(Source::open(path)?)
}

/// Reads an occupation-attributes table from a source.
pub fn read_occupation_figures_from(
    source: Source<'_>,
) -> Result<Vec<OccupationFigures>, IngestError> {
    let mut table = Table::open(source, false)?;
    let (Some(c_uri), Some(c_zone), Some(c_earnings)) = (
        table.optional_column("concept_uri"),
        table.optional_column("job_zone"),
        table.optional_column("annual_earnings"),
    ) else {
        return Err(IngestError::UnknownFormat {
            file: table.name().to_owned(),
            reason: format!(
                "expected columns concept_uri, job_zone and annual_earnings; found {}",
                table.headers().join(", ")
            ),
        });
    };
    let c_remote = table.optional_column("remote_labor_index");
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let uri = row.uri(c_uri)?;
        unique(&mut seen, uri, &row, c_uri)?;
        let optional = |col: usize| -> Result<Option<f64>, IngestError> {
            if row.get(col).trim().is_empty() {
                Ok(None)
            } else {
                row.number(col).map(Some)
            }
        };
        let job_zone = optional(c_zone)?;
        if let Some(zone) = job_zone
            && !(1.0..=5.0).contains(&zone)
        {
            return Err(row.error(c_zone, format!("job zone {zone} is outside 1 to 5")));
        }
        let annual_earnings = optional(c_earnings)?;
        if let Some(earnings) = annual_earnings
            && earnings <= 0.0
        {
            return Err(row.error(c_earnings, format!("earnings {earnings} are not above 0")));
        }
        let remote_work = c_remote.map(optional).transpose()?.flatten();
        if let (Some(remote), Some(col)) = (remote_work, c_remote)
            && !(0.0..=1.0).contains(&remote)
        {
            return Err(row.error(
                col,
                format!("remote labour index {remote} is outside 0 to 1"),
            ));
        }
        out.push(OccupationFigures {
            occupation_uri: uri.to_owned(),
            job_zone,
            annual_earnings,
            remote_work,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<OccupationFigures>, IngestError> {
        read_occupation_figures_from(Source::from_reader(
            "attributes.csv".to_owned(),
            text.as_bytes(),
        ))
    }

    #[test]
    fn figures_with_gaps_are_read() {
        let rows = read(
            "concept_uri,occupation,job_zone,annual_earnings,remote_labor_index\n\
             http://e/o/1,clerk,2.0,22031.9,0.8\n\
             http://e/o/2,nurse,,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].job_zone, Some(2.0));
        assert_eq!(rows[0].annual_earnings, Some(22031.9));
        assert_eq!(rows[1].job_zone, None);
        assert_eq!(rows[1].annual_earnings, None);
        assert_eq!(
            (rows[0].remote_work, rows[1].remote_work),
            (Some(0.8), None)
        );
    }

    #[test]
    fn bad_values_name_the_file_line_and_column() {
        for (text, want) in [
            (
                "concept_uri,job_zone,annual_earnings\nhttp://e/o/1,7,1\n",
                "job_zone",
            ),
            (
                "concept_uri,job_zone,annual_earnings\nhttp://e/o/1,2,-5\n",
                "annual_earnings",
            ),
            (
                "concept_uri,job_zone,annual_earnings\nhttp://e/o/1,2,lots\n",
                "not a number",
            ),
            (
                "concept_uri,job_zone,annual_earnings\nhttp://e/o/1,2,1\nhttp://e/o/1,3,1\n",
                "line 3",
            ),
            ("uri,zone\nhttp://e/o/1,2\n", "expected columns"),
            (
                "concept_uri,job_zone,annual_earnings,remote_labor_index\nhttp://e/o/1,2,1,1.5\n",
                "remote_labor_index",
            ),
        ] {
            let error = read(text).unwrap_err().to_string();
            assert!(error.contains(want), "{error:?} lacks {want:?}");
            assert!(error.contains("attributes.csv"), "{error:?}");
        }
    }
    /// A reference table is all or nothing: a malformed row fails the import with its file,
    /// line and reason, and nothing of the file is stored.
    #[test]
    fn malformed_rows_fail_the_reference_table_with_file_and_line() {
        let header = "concept_uri,job_zone,annual_earnings\nhttp://e/o/1,2,1\n";
        for (body, want) in [
            (
                "\"http://e/o/2,3,1\nhttp://e/o/3,3,1\n",
                "attributes.csv:3: malformed CSV: unterminated quoted field",
            ),
            (
                "http://e/o/2,3\n",
                "attributes.csv:3: malformed CSV: record has 2 fields but the header has 3",
            ),
            (
                "http://e/o/2\0,3,1\n",
                "attributes.csv:3: column concept_uri: contains a NUL byte",
            ),
        ] {
            let error = read(&format!("{header}{body}")).unwrap_err().to_string();
            assert!(error.starts_with(want), "{error:?} is not {want:?}");
        }
    }
}
