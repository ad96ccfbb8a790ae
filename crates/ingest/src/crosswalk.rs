//! The ESCO → O*NET-SOC crosswalk reader (`esco_onet_crosswalk_*.csv`, columns `concept_uri` and
//! `onet_code`; others ignored): which O*NET occupation each ESCO occupation corresponds to.
//!
//! The SOC hierarchy of the code (major group, minor group, broad and detailed occupation) is a
//! second expert classification beside ISCO, which the transition similarity reads. A code that
//! is not O*NET-SOC shaped or an occupation listed twice stops the import with the file, line
//! and column.

use std::collections::HashMap;
use std::path::Path;

use crate::error::IngestError;
use crate::esco::{Source, Table, unique};
use crate::risk::soc_prefix;

/// One ESCO occupation's O*NET-SOC code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnetMapping {
    /// ESCO concept URI.
    pub occupation_uri: String,
    /// O*NET-SOC code such as `43-4051.00`.
    pub onet_code: String,
}

/// Reads an ESCO → O*NET crosswalk file.
pub fn read_esco_onet(path: &Path) -> Result<Vec<OnetMapping>, IngestError> {
    read_esco_onet_from(Source::open(path)?)
}

/// Reads an ESCO → O*NET crosswalk from a source.
pub fn read_esco_onet_from(source: Source<'_>) -> Result<Vec<OnetMapping>, IngestError> {
    let mut table = Table::open(source, false)?;
    let (Some(c_uri), Some(c_onet)) = (
        table.optional_column("concept_uri"),
        table.optional_column("onet_code"),
    ) else {
        return Err(IngestError::UnknownFormat {
            file: table.name().to_owned(),
            reason: format!(
                "expected columns concept_uri and onet_code; found {}",
                table.headers().join(", ")
            ),
        });
    };
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let uri = row.uri(c_uri)?;
        let code = row.required(c_onet)?.trim();
        if soc_prefix(code).is_none() {
            return Err(row.error(
                c_onet,
                format!("expected an O*NET-SOC code such as \"43-4051.00\", found {code:?}"),
            ));
        }
        unique(&mut seen, uri, &row, c_uri)?;
        out.push(OnetMapping {
            occupation_uri: uri.to_owned(),
            onet_code: code.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<OnetMapping>, IngestError> {
        read_esco_onet_from(Source::from_reader(
            "crosswalk.csv".to_owned(),
            text.as_bytes(),
        ))
    }

    #[test]
    fn codes_are_read_by_column_name() {
        let rows = read(
            "id,esco_occupation,onet_code,concept_uri\n\
             1,call centre agent,43-4051.00,http://e/o/1\n\
             2,translator,27-3091.00,http://e/o/2\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].onet_code, "43-4051.00");
        assert_eq!(rows[1].occupation_uri, "http://e/o/2");
    }

    #[test]
    fn bad_rows_name_the_file_line_and_column() {
        for (text, want) in [
            (
                "concept_uri,onet_code\nhttp://e/o/1,4340-51\n",
                "crosswalk.csv:2:",
            ),
            ("concept_uri,onet_code\nhttp://e/o/1,clerk\n", "onet_code"),
            (
                "concept_uri,onet_code\nhttp://e/o/1,43-4051.00\nhttp://e/o/1,43-4051.00\n",
                "line 3",
            ),
            ("uri,code\nhttp://e/o/1,43-4051.00\n", "expected columns"),
        ] {
            let error = read(text).unwrap_err().to_string();
            assert!(error.contains(want), "{error:?} lacks {want:?}");
            assert!(error.contains("crosswalk.csv"), "{error:?}");
        }
    }
}
