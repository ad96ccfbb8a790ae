//! Text helpers shared by the course and opening readers and the tagger: normalisation into
//! comparable tokens, a stable content hash, and parsers for the dates, money amounts and
//! durations that real files write in many ways.

use chrono::NaiveDate;

/// Returns `c` lowercased and folded to ASCII for the common Latin accents (`é` → `e`,
/// `å`/`ä` → `a`, `ö`/`ø` → `o`, `ß` → `s`), or the lowercased character itself.
pub fn fold_char(c: char) -> char {
    let lower = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ß' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        'đ' | 'ď' => 'd',
        'ť' => 't',
        // Typographic apostrophes join a word ("nurse’s") like the ASCII one.
        '\u{2019}' | '\u{2018}' => '\'',
        other => other,
    }
}

/// Returns `text` lowercased, accent-folded, with every run of characters other than letters and
/// digits turned into one space, and no leading or trailing space; used for keys that must
/// compare equal across spellings (`"Nurse – Band 5"` and `"nurse band 5"`).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().map(fold_char) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if c != '\'' {
            pending_space = true;
        }
    }
    out
}

/// Returns a stable 64-bit FNV-1a hash of `parts` (separated by a unit separator so `("ab","c")`
/// and `("a","bc")` differ), as 16 lowercase hex digits; used as a source id when a file has none.
pub fn content_hash(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1f;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

/// Parses the date formats found in the real files: ISO `2020-05-08`, an ISO date-time
/// (`2019-08-08T11:13:33+0100`, only the date is kept), US `7/10/2024` (month first) and
/// `7-Nov-24` (two-digit years are 20xx). Returns `None` for anything else, including `N/A`.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if value.as_bytes().get(4) == Some(&b'-')
        && let Some(date) = value
            .get(..10)
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
    {
        return Some(date);
    }
    if value.contains('/') {
        return NaiveDate::parse_from_str(value, "%m/%d/%Y").ok();
    }
    let mut parts = value.split('-');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 2 {
        return None;
    }
    NaiveDate::parse_from_str(&format!("{day}-{month}-20{year}"), "%d-%b-%Y").ok()
}

/// Parses a money amount or plain number with currency signs, thousands commas and spaces
/// (`$105746`, `£27,373.50`, `124,980`, ` 18 `). Returns `None` when no number is there.
pub fn parse_amount(value: &str) -> Option<f64> {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if cleaned.is_empty() || !cleaned.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Hours of paid work in a year, used to turn an hourly rate into a yearly salary
/// (37.5 hours × 52 weeks = 1,950, the UK full-time convention).
pub const HOURS_PER_YEAR: f64 = 1950.0;
/// Paid days in a year, used to turn a daily rate into a yearly salary (5 × 52).
pub const DAYS_PER_YEAR: f64 = 260.0;

/// A salary range read from free text, per year, with its currency.
#[derive(Debug, Clone, PartialEq)]
pub struct SalaryRange {
    /// Lower bound per year.
    pub min: f64,
    /// Upper bound per year.
    pub max: f64,
    /// ISO 4217 code.
    pub currency: &'static str,
}

/// Parses an advertised salary such as `£20,000 - £25,000 per annum`, `up to £30,000 per annum,
/// OTE`, `£9.50 per hour` (× [`HOURS_PER_YEAR`]) or `£120 per day` (× [`DAYS_PER_YEAR`]).
///
/// The currency is read from the sign (`£` GBP, `$` USD, `€` EUR — also the mojibake `‚¬` that
/// the Reed file has for `€`), else `default_currency`. Without a recognised period, or without a
/// number (`Competitive`, `negotiable`), returns `None`; a text with no period but a number is
/// read as yearly only when the amount is at least 1,000, because `£12` alone is surely not a
/// salary.
pub fn parse_salary_text(text: &str, default_currency: &'static str) -> Option<SalaryRange> {
    let lower = text.to_lowercase();
    let factor = if lower.contains("per hour") || lower.contains("an hour") || lower.contains("/hr")
    {
        Some(HOURS_PER_YEAR)
    } else if lower.contains("per day") || lower.contains("a day") {
        Some(DAYS_PER_YEAR)
    } else if lower.contains("per annum") || lower.contains("per year") || lower.contains("a year")
    {
        Some(1.0)
    } else {
        None
    };
    let currency = if text.contains('£') {
        "GBP"
    } else if text.contains('€') || text.contains("‚¬") {
        "EUR"
    } else if text.contains('$') {
        "USD"
    } else {
        default_currency
    };
    // Numbers are runs of digits, commas and dots; "to" and "-" separate the bounds.
    let mut amounts = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || ((c == ',' || c == '.') && !current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            let number = current.trim_end_matches(['.', ',']).replace(',', "");
            if let Ok(value) = number.parse::<f64>() {
                amounts.push(value);
            }
            current.clear();
        }
        if amounts.len() == 2 {
            break;
        }
    }
    let (&first, rest) = amounts.split_first()?;
    let second = rest.first().copied().unwrap_or(first);
    let factor = match factor {
        Some(factor) => factor,
        None if first >= 1000.0 => 1.0,
        None => return None,
    };
    let (min, max) = if first <= second {
        (first, second)
    } else {
        (second, first)
    };
    if min <= 0.0 {
        return None;
    }
    Some(SalaryRange {
        min: min * factor,
        max: max * factor,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_case_accents_and_punctuation() {
        assert_eq!(normalise("  Nurse – Band 5 (RMN) "), "nurse band 5 rmn");
        assert_eq!(normalise("Sjuksköterska, Malmö"), "sjukskoterska malmo");
        assert_eq!(normalise("nurse’s aide"), "nurses aide");
    }

    #[test]
    fn content_hash_is_stable_and_separates_parts() {
        assert_eq!(content_hash(&["a"]), content_hash(&["a"]));
        assert_ne!(content_hash(&["ab", "c"]), content_hash(&["a", "bc"]));
        assert_eq!(content_hash(&[""]).len(), 16);
    }

    #[test]
    fn dates_in_every_real_format() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2020-05-08"), d(2020, 5, 8));
        assert_eq!(parse_date("2019-08-08T11:13:33+0100"), d(2019, 8, 8));
        assert_eq!(parse_date("7/10/2024"), d(2024, 7, 10));
        assert_eq!(parse_date("7-Nov-24"), d(2024, 11, 7));
        assert_eq!(parse_date("31-Aug-24"), d(2024, 8, 31));
        assert_eq!(parse_date("N/A"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("13/45/2024"), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("$105746"), Some(105_746.0));
        assert_eq!(parse_amount("124,980"), Some(124_980.0));
        assert_eq!(parse_amount("N/A"), None);
    }

    #[test]
    fn salary_texts() {
        let r = parse_salary_text(" £20,000 - £25,000 per annum ", "GBP").unwrap();
        assert_eq!((r.min, r.max, r.currency), (20_000.0, 25_000.0, "GBP"));
        let r = parse_salary_text("up to £30,000 per annum, OTE", "GBP").unwrap();
        assert_eq!((r.min, r.max), (30_000.0, 30_000.0));
        let r = parse_salary_text("£9.50 per hour", "GBP").unwrap();
        assert_eq!(r.min, 9.5 * HOURS_PER_YEAR);
        let r = parse_salary_text(" ‚¬40,000 - ‚¬45,000 per annum ", "GBP").unwrap();
        assert_eq!(r.currency, "EUR");
        let r = parse_salary_text("£27,373.50 to £34,510 DOE", "GBP").unwrap();
        assert_eq!((r.min, r.max), (27_373.5, 34_510.0));
        assert_eq!(parse_salary_text("Competitive", "GBP"), None);
        assert_eq!(parse_salary_text("£12", "GBP"), None);
    }
}
