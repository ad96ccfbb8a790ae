//! The course CSV reader and the opening CSV reader, which share the table layer: each input is
//! read as both. Unknown formats and bad rows must give an error or rejected rows, never a
//! panic. The cell parsers for durations, dates like `3 weeks ago` and capitalised names are
//! fuzzed on the whole input as well.

#![no_main]

use libfuzzer_sys::fuzz_target;
use reskill_ingest::courses::{parse_weeks, read_courses};
use reskill_ingest::esco::Source;
use reskill_ingest::openings::{display_case, read_openings, relative_date};

fuzz_target!(|data: &[u8]| {
    let _ = read_courses(Source::from_bytes("fuzz_courses.csv", data));
    let _ = read_openings(Source::from_bytes("fuzz_openings.csv", data));
    if let Ok(text) = std::str::from_utf8(data) {
        // The field parsers the readers apply to single cells, called directly so short
        // inputs reach them without a valid header first.
        let _ = parse_weeks(text);
        let _ = display_case(text);
        let anchor = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid date");
        let _ = relative_date(text, anchor);
    }
});
