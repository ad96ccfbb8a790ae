//! A small CSV table reader shared by the ESCO and risk readers: columns are found by header name,
//! one record buffer is reused for every row, and every error names the file and the line.

use std::io::{Cursor, Read};

use csv::{ByteRecord, StringRecord};

use crate::error::IngestError;
use crate::limits::{MAX_FIELD_BYTES, control_reason};

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
///
/// Every record is checked before a reader sees it, and a bad one is an error that names the
/// file, the line and the reason, after which reading can go on with the next record:
///
/// - **Unterminated quote.** The csv crate reads a `"` that never closes as the start of a field
///   that runs on over the following lines (it has no strict mode). A record is taken to have
///   one when a field holds a line break, its first line has an odd number of quotes, and the
///   record has an odd number of quotes or the wrong number of fields. Its first line is
///   rejected and reading starts again on the next line, so the rows it swallowed are read as
///   rows. A legitimate multi-line field has balanced quotes and the right field count.
/// - **Field count.** More fields than the header, or fewer unless the table is `flexible`.
/// - **Invalid UTF-8, control characters and over-long fields** ([`crate::limits`]).
///
/// The whole input is held in memory so that the parser can be moved back to the line after an
/// unterminated quote (the catalog importer reads every record into memory anyway).
pub(crate) struct Table<'a> {
    name: String,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    headers: Vec<String>,
    flexible: bool,
    raw: ByteRecord,
    record: StringRecord,
    _input: std::marker::PhantomData<&'a ()>,
}

impl<'a> Table<'a> {
    /// Opens a source and reads its header. `flexible` accepts rows with fewer fields than the
    /// header (missing trailing fields read as empty); more fields are always an error.
    pub(crate) fn open(source: Source<'a>, flexible: bool) -> Result<Self, IngestError> {
        let Source { name, mut input } = source;
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|source| IngestError::Io {
                path: name.clone().into(),
                source,
            })?;
        let mut reader = csv::ReaderBuilder::new()
            // Field counts are checked here, per record, so a bad record is rejected alone.
            .flexible(true)
            // Only LF ends a record; a CR before it stays at the end of the last field, where
            // every reader trims it. With the default (CR, LF or CRLF) the position csv reports
            // for a record after a CRLF is one line early, because the record "starts" at the
            // LF of the previous line's CRLF.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 16)
            .from_reader(Cursor::new(bytes));
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
            flexible,
            raw: ByteRecord::new(),
            record: StringRecord::new(),
            _input: std::marker::PhantomData,
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

    /// Reads the next row; `None` at the end of the file. A record that breaks the rules above
    /// is an error naming its file and line, and the next call reads on after it.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, IngestError> {
        loop {
            // Turn the last row's text back into the reused byte buffer.
            let record = std::mem::take(&mut self.record);
            self.raw = record.into_byte_record();
            let start = self.reader.position().clone();
            let more = match self.reader.read_byte_record(&mut self.raw) {
                Ok(more) => more,
                Err(err) => return Err(csv_error(&self.name, err, start.line())),
            };
            if !more {
                return Ok(None);
            }
            // A blank CRLF line reads as one field holding "\r"; skip it like csv skips blank
            // lines.
            if self.raw.len() == 1 && self.raw[0].trim_ascii().is_empty() {
                continue;
            }
            let line = self
                .raw
                .position()
                .map_or(start.line(), csv::Position::line);
            self.check_structure(line)?;
            let raw = std::mem::take(&mut self.raw);
            self.record = match StringRecord::from_byte_record(raw) {
                Ok(record) => record,
                // Checked field by field above; this cannot fail, but must not panic either.
                Err(err) => {
                    return Err(IngestError::Csv {
                        file: self.name.clone(),
                        line,
                        reason: format!("not valid UTF-8: {}", err.utf8_error()),
                    });
                }
            };
            self.check_fields(line)?;
            return Ok(Some(Row {
                file: &self.name,
                headers: &self.headers,
                record: &self.record,
                line,
            }));
        }
    }

    /// Rejects an unterminated quote (and moves the parser to the line after it) or a wrong
    /// number of fields.
    fn check_structure(&mut self, line: u64) -> Result<(), IngestError> {
        let expected = self.headers.len();
        let len = self.raw.len();
        let wrong_count = len > expected || (len < expected && !self.flexible);
        let start = self.raw.position().map_or(0, csv::Position::byte);
        let end = self.reader.position().byte();
        let bytes = self.reader.get_ref().get_ref();
        let span = bytes.get(start as usize..end as usize).unwrap_or_default();
        let first_line_end = span.iter().position(|&b| b == b'\n');
        let quotes = |s: &[u8]| s.iter().filter(|&&b| b == b'"').count();
        let spans_lines = self.raw.iter().any(|field| field.contains(&b'\n'));
        if spans_lines {
            let first_line = &span[..first_line_end.map_or(span.len(), |i| i + 1)];
            if quotes(first_line) % 2 == 1 && (quotes(span) % 2 == 1 || wrong_count) {
                if let Some(i) = first_line_end {
                    let mut next = csv::Position::new();
                    next.set_byte(start + i as u64 + 1)
                        .set_line(line + 1)
                        .set_record(self.raw.position().map_or(0, csv::Position::record) + 1);
                    self.reader
                        .seek(next)
                        .map_err(|err| csv_error(&self.name, err, line))?;
                }
                return Err(IngestError::Csv {
                    file: self.name.clone(),
                    line,
                    reason: "unterminated quoted field: a `\"` opens a field that does not \
                             close on this line and runs into the rows below; reading goes on \
                             with the next line"
                        .to_owned(),
                });
            }
        }
        if wrong_count {
            return Err(IngestError::Csv {
                file: self.name.clone(),
                line,
                reason: format!("record has {len} fields but the header has {expected}"),
            });
        }
        for (i, field) in self.raw.iter().enumerate() {
            if let Err(err) = std::str::from_utf8(field) {
                return Err(IngestError::row(
                    &self.name,
                    line,
                    column_label(&self.headers, i),
                    format!("not valid UTF-8 (byte {})", err.valid_up_to() + 1),
                ));
            }
        }
        Ok(())
    }

    /// Rejects a refused control character or a field over [`MAX_FIELD_BYTES`].
    fn check_fields(&self, line: u64) -> Result<(), IngestError> {
        for (i, field) in self.record.iter().enumerate() {
            let reason = if field.len() > MAX_FIELD_BYTES {
                Some(format!(
                    "{} bytes, longer than the {MAX_FIELD_BYTES}-byte limit",
                    field.len()
                ))
            } else {
                control_reason(field)
            };
            if let Some(reason) = reason {
                return Err(IngestError::row(
                    &self.name,
                    line,
                    column_label(&self.headers, i),
                    reason,
                ));
            }
        }
        Ok(())
    }
}

/// Returns the header name of field `i`, or `#n` past the header.
fn column_label(headers: &[String], i: usize) -> String {
    headers
        .get(i)
        .cloned()
        .unwrap_or_else(|| format!("#{}", i + 1))
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
