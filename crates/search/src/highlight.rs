//! HTML snippets: picks the densest excerpt of a stored text, escapes it, and wraps matched words
//! in `<mark>`. Written here rather than with tantivy's `SnippetGenerator` so typo and prefix
//! matches are highlighted too.

use crate::query::{Analyzers, Matcher};

/// Longest excerpt, in characters, before ellipses.
pub(crate) const SNIPPET_CHARS: usize = 200;
/// Characters of context kept before the first highlighted word.
const LEAD_CHARS: usize = 40;
/// Bytes of a stored text searched for the excerpt: the densest window is looked for near the
/// start, where descriptions say what the job or course is; tokenizing and stemming all of a
/// long description for each of 20 hits would cost more than the search itself.
const SCAN_BYTES: usize = 2_000;

/// Appends `text` to `out`, HTML-escaped.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Returns the byte index `chars` characters after `from` (or the end).
fn advance_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| from + i)
}

/// Returns the whole of `text`, escaped, with matches marked.
pub(crate) fn highlight_all(text: &str, matcher: &Matcher, analyzers: &mut Analyzers) -> String {
    render(text, 0, text.len(), &marks(text, matcher, analyzers))
}

/// Returns an excerpt of at most [`SNIPPET_CHARS`] characters around the densest run of matches.
pub(crate) fn snippet(text: &str, matcher: &Matcher, analyzers: &mut Analyzers) -> String {
    let scan_end = if text.len() <= SCAN_BYTES {
        text.len()
    } else {
        (0..=SCAN_BYTES)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
    };
    let marks = marks(&text[..scan_end], matcher, analyzers);
    let start = best_start(text, &marks);
    // Start a little before the first match, at a word boundary.
    let start = if start == 0 {
        0
    } else {
        let back = text[..start]
            .char_indices()
            .rev()
            .nth(LEAD_CHARS)
            .map_or(0, |(i, _)| i);
        text[back..start]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(back, |(ws, c)| back + ws + c.len_utf8())
    };
    let mut end = advance_chars(text, start, SNIPPET_CHARS);
    if end < text.len() {
        // End at a word boundary when one is near.
        if let Some(ws) = text[start..end].rfind(char::is_whitespace)
            && ws > 0
        {
            end = start + ws;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&render(text, start, end, &marks));
    if end < text.len() {
        out.push('…');
    }
    out
}

fn marks(text: &str, matcher: &Matcher, analyzers: &mut Analyzers) -> Vec<(usize, usize)> {
    if matcher.is_empty() {
        return Vec::new();
    }
    let mut marks = Vec::new();
    analyzers.for_each_token(text, |from, to, stem| {
        if matcher.matches(stem, &text[from..to]) {
            marks.push((from, to));
        }
    });
    marks
}

/// Returns the byte offset of the match that begins the window holding the most matches.
fn best_start(text: &str, marks: &[(usize, usize)]) -> usize {
    let mut best = (0usize, 0usize);
    for (i, &(from, _)) in marks.iter().enumerate() {
        let window_end = advance_chars(text, from, SNIPPET_CHARS - LEAD_CHARS);
        let count = marks[i..].iter().take_while(|m| m.1 <= window_end).count();
        if count > best.0 {
            best = (count, from);
        }
    }
    best.1
}

fn render(text: &str, start: usize, end: usize, marks: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(end - start + 32);
    let mut at = start;
    for &(from, to) in marks {
        if from < at || to > end {
            continue;
        }
        escape_into(&mut out, &text[at..from]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[from..to]);
        out.push_str("</mark>");
        at = to;
    }
    escape_into(&mut out, &text[at..end]);
    out
}
