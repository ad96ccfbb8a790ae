//! A small CSV table reader shared by the ESCO and risk readers: columns are found by header name,
//! one record buffer is reused for every row, and every error names the file and the line.

use std::io::Read;

use csv::StringRecord;

use crate::error::IngestError;

/// One input file: a display name used in error messages, and its bytes.
pub struct Source<'a> {
    name: String,
    input: Box<dyn Read + 'a>,
}

impl<'a> Source<'a> {
    /// Returns a source reading from bytes, such as a file compiled in with `include_bytes!`.
    pub fn from_bytes(name: impl Into<String>, bytes: &'a [u8]) -> Self {
        Self {
            name: name.into(),
            input: Box::new(bytes),
        }
    }

    /// Returns a source reading from any reader (a file, `&mut dyn Read`, a decompressor).
    pub fn from_reader(name: impl Into<String>, reader: impl Read + 'a) -> Self {
        Self {
            name: name.into(),
            input: Box::new(reader),
        }
    }

    /// Opens a file as a source named by its file name.
    pub fn open(path: &std::path::Path) -> Result<Source<'static>, IngestError> {
        let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Source::from_reader(name, file))
    }

    /// Returns the display name used in error messages.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A CSV file being read row by row.
pub(crate) struct Table<'a> {
    name: String,
    reader: csv::Reader<Box<dyn Read + 'a>>,
    headers: Vec<String>,
    record: StringRecord,
}

impl<'a> Table<'a> {
    /// Opens a source and reads its header. `flexible` accepts rows with fewer or more fields
    /// than the header (missing trailing fields read as empty).
    pub(crate) fn open(source: Source<'a>, flexible: bool) -> Result<Self, IngestError> {
        let Source { name, input } = source;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(flexible)
            // Only LF ends a record; a CR before it stays at the end of the last field, where
            // every reader trims it. With the default (CR, LF or CRLF) the position csv reports
            // for a record after a CRLF is one line early, because the record "starts" at the
            // LF of the previous line's CRLF.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let headers = match reader.headers() {
            Ok(headers) => headers
                .iter()
                // csv-core strips a leading UTF-8 BOM already; this also covers a BOM split
                // across reads and stray whitespace around names.
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
                .collect(),
            Err(err) => return Err(csv_error(&name, err, 1)),
        };
        Ok(Self {
            name,
            reader,
            headers,
            record: StringRecord::new(),
        })
    }

    /// Returns the display name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Returns the header names, trimmed.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Returns the index of the column named `name` (ASCII case-insensitive), if any.
    pub(crate) fn optional_column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// Returns the index of the first of `names` present in the header, if any.
    pub(crate) fn any_column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| self.optional_column(name))
    }

    /// Returns the index of the column named `name`, or an error naming the file and column.
    pub(crate) fn column(&self, name: &str) -> Result<usize, IngestError> {
        self.optional_column(name)
            .ok_or_else(|| IngestError::MissingColumn {
                file: self.name.clone(),
                column: name.to_owned(),
            })
    }

    /// Reads the next row into the reused record; `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, IngestError> {
        let mut more = self.read_record()?;
        // A blank CRLF line reads as one field holding "\r"; skip it like csv skips blank lines.
        while more && self.record.len() == 1 && self.record[0].trim().is_empty() {
            more = self.read_record()?;
        }
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, csv::Position::line);
        Ok(Some(Row {
            file: &self.name,
            headers: &self.headers,
            record: &self.record,
            line,
        }))
    }

    /// Reads the next record into the reused buffer; `false` at the end of the file.
    fn read_record(&mut self) -> Result<bool, IngestError> {
        match self.reader.read_record(&mut self.record) {
            Ok(more) => Ok(more),
            Err(err) => {
                let line = self.reader.position().line();
                Err(csv_error(&self.name, err, line))
            }
        }
    }
}

/// Turns a csv error into an [`IngestError`] that names the file and line.
fn csv_error(file: &str, err: csv::Error, fallback_line: u64) -> IngestError {
    let at = |pos: Option<csv::Position>| pos.map_or(fallback_line, |p| p.line());
    let (line, reason) = match err.into_kind() {
        csv::ErrorKind::Io(source) => {
            return IngestError::Io {
                path: file.into(),
                source,
            };
        }
        csv::ErrorKind::Utf8 { pos, err } => (
            at(pos),
            format!("field {} is not valid UTF-8", err.field() + 1),
        ),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            at(pos),
            format!("record has {len} fields but the header has {expected_len}"),
        ),
        other => (fallback_line, format!("{other:?}")),
    };
    IngestError::Csv {
        file: file.to_owned(),
        line,
        reason,
    }
}

/// One row of a [`Table`], borrowed until the next read.
pub(crate) struct Row<'t> {
    file: &'t str,
    headers: &'t [String],
    record: &'t StringRecord,
    line: u64,
}

impl<'t> Row<'t> {
    /// Returns the physical line (1-based) where the record starts.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Returns the file's display name.
    pub(crate) fn file(&self) -> &'t str {
        self.file
    }

    /// Returns the header name of column `col`.
    pub(crate) fn column_name(&self, col: usize) -> &'t str {
        self.headers.get(col).map_or("?", String::as_str)
    }

    /// Returns the raw cell, or `""` when a short (ragged) row lacks it.
    pub(crate) fn get(&self, col: usize) -> &'t str {
        self.record.get(col).unwrap_or("")
    }

    /// Returns the raw cell of an optional column, `""` when the column is absent.
    pub(crate) fn get_opt(&self, col: Option<usize>) -> &'t str {
        col.map_or("", |col| self.get(col))
    }

    /// Returns the trimmed cell of an optional column as owned text, with CRLF line breaks inside
    /// multi-line fields turned into LF.
    pub(crate) fn text(&self, col: Option<usize>) -> String {
        let value = self.get_opt(col).trim();
        if value.contains('\r') {
            value.replace("\r\n", "\n")
        } else {
            value.to_owned()
        }
    }

    /// Returns an error about column `col` of this row.
    pub(crate) fn error(&self, col: usize, reason: impl Into<String>) -> IngestError {
        IngestError::row(self.file, self.line, self.column_name(col), reason)
    }

    /// Returns the trimmed cell, rejecting an empty one.
    pub(crate) fn required(&self, col: usize) -> Result<&'t str, IngestError> {
        let value = self.get(col).trim();
        if value.is_empty() {
            return Err(self.error(col, "empty value"));
        }
        Ok(value)
    }

    /// Returns the trimmed cell, rejecting anything that does not look like a concept URI.
    pub(crate) fn uri(&self, col: usize) -> Result<&'t str, IngestError> {
        let value = self.get(col).trim();
        if value.is_empty() {
            return Err(self.error(col, "empty value, expected a URI"));
        }
        if !looks_like_uri(value) {
            return Err(self.error(
                col,
                format!("expected a URI starting with http://, https:// or urn:, found {value:?}"),
            ));
        }
        Ok(value)
    }

    /// Parses the trimmed cell as a finite number.
    pub(crate) fn number(&self, col: usize) -> Result<f64, IngestError> {
        let value = self.required(col)?;
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(number),
            _ => Err(self.error(col, format!("not a number: {value:?}"))),
        }
    }
}

/// Returns whether `value` looks like a concept URI: an http(s) or urn scheme, something after
/// it, and no whitespace.
pub(crate) fn looks_like_uri(value: &str) -> bool {
    let rest = ["http://", "https://", "urn:"]
        .iter()
        .find_map(|scheme| value.strip_prefix(scheme));
    matches!(rest, Some(rest) if !rest.is_empty()) && !value.contains(char::is_whitespace)
}

/// Returns whether `code` is an ISCO-08 code: 1 to 4 ASCII digits.
pub(crate) fn is_isco_code(code: &str) -> bool {
    (1..=4).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_shapes() {
        assert!(looks_like_uri("http://data.europa.eu/esco/occupation/x"));
        assert!(looks_like_uri("urn:reskill:demo:1"));
        assert!(!looks_like_uri("http://"));
        assert!(!looks_like_uri("foo"));
        assert!(!looks_like_uri("http://a b"));
    }

    #[test]
    fn columns_by_name_any_case_and_bom() {
        let table = Table::open(
            Source::from_bytes("t.csv", b"\xef\xbb\xbfA,b\n1,2\n"),
            false,
        )
        .unwrap();
        assert_eq!(table.optional_column("a"), Some(0));
        assert_eq!(table.column("B").unwrap(), 1);
        let err = table.column("c").err().unwrap();
        assert_eq!(err.to_string(), "t.csv: header has no column \"c\"");
    }
}
