//! The JobPosting JSON-LD reader and the HTML-to-text step it applies to descriptions: any
//! uploaded file gives records and rejected rows, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use reskill_ingest::jsonld::{html_to_text, read_jobpostings, to_jobposting_jsonld};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let outcome = read_jobpostings("fuzz.jsonld", &text);
    for read in &outcome.records {
        // The writer must accept whatever the reader produced.
        let _ = to_jobposting_jsonld(&read.opening);
    }
    let _ = html_to_text(&text);
});
