//! schema.org `JobPosting` JSON-LD, the format employers' systems already publish: a reader (one
//! JSON object per line, one JSON array of objects, or a single object) and a writer.
//!
//! Field mapping (reader and writer agree, so a written opening reads back equal):
//!
//! | JobPosting | NewOpening |
//! |---|---|
//! | `title` (required) | `title` |
//! | `description` (HTML is turned into text) | `description` |
//! | `datePosted` (required; a date or date-time) | `posted_on` |
//! | `validThrough` | `expires_on` |
//! | `hiringOrganization.name` (or a string) | `organisation` |
//! | `jobLocation[0].address.{addressLocality, addressRegion, addressCountry}` | `place.{name, region, country}` (`postalCode` stands in for a missing locality) |
//! | `jobLocation[0].geo.{latitude, longitude}` (numbers or strings) | `place.{lat, lon}` |
//! | `jobLocationType` = `TELECOMMUTE` | `remote` |
//! | `baseSalary.value.{minValue, maxValue, value}` × `unitText` (`HOUR` × 1,950, `DAY` × 260, `WEEK` × 52, `MONTH` × 12, `YEAR`) | `salary_min`, `salary_max` per year |
//! | `baseSalary.currency`, else `salaryCurrency` | `currency` |
//! | `identifier.value` (or a string), else `url`, else a hash of title, organisation and date | `source_id` |
//! | `url` | `url` |
//! | `occupationalCategory`: an ESCO occupation URI | `occupation_uri`; anything else → [`ReadOpening::occupation_hint`] |
//! | `skills`: text (comma-separated), or a list of texts or `DefinedTerm`s; ESCO skill URIs (`@id`, `url` or `termCode`) | URIs → `skills` as essential [`reskill_core::catalog::TagOrigin::Manual`]; other names → [`ReadOpening::skill_tags`] |
//! | `reskill:niceToHaveSkills` (our extension; a list like `skills`) | URIs → `skills` as nice to have |
//!
//! `source` is the file stem and `status` is open. Tag origins are not carried: every skill URI
//! read from a file is a manual tag (an employer set it).

use reskill_core::catalog::{NewOpening, OccupationTag, OpeningStatus, Place, SkillTag};
use serde_json::{Map, Value, json};

use crate::courses::stem;
use crate::openings::ReadOpening;
use crate::rejected::{ReadOutcome, RejectedRow};
use crate::text::{DAYS_PER_YEAR, HOURS_PER_YEAR, content_hash, parse_date};

const NICE_TO_HAVE: &str = "reskill:niceToHaveSkills";
const ESCO_SKILL_PREFIX: &str = "http://data.europa.eu/esco/skill/";
const ESCO_OCCUPATION_PREFIX: &str = "http://data.europa.eu/esco/occupation/";

/// Reads JobPosting JSON-LD text named `name`: a JSON array, one object per line (blank lines
/// skipped), or one object spread over several lines. Each posting that cannot be read (bad
/// JSON, not a JobPosting, no title or date, a value over a cap or with a control character,
/// see [`crate::limits`]) is a [`RejectedRow`] with the line where it starts; the others are
/// kept.
pub fn read_jobpostings(name: &str, text: &str) -> ReadOutcome<ReadOpening> {
    let source = stem(name);
    let mut outcome = ReadOutcome::default();
    let text = text.trim_start_matches('\u{feff}');
    let mut push = |line: u64, parsed: Result<Value, String>| match parsed
        .and_then(|value| posting(&value, &source))
        .and_then(|read| {
            let listed = read.skill_tags.iter().chain(&read.occupation_hint);
            crate::limits::check_opening(&read.opening, listed)
                .map_err(|v| format!("field {}: {}", v.field, v.reason))?;
            Ok(read)
        }) {
        Ok(read) => outcome.records.push(read),
        Err(reason) => outcome.rejected.push(RejectedRow {
            file: name.to_owned(),
            line,
            reason,
        }),
    };
    let first = text.trim_start().chars().next();
    if first == Some('[') {
        match split_array(text) {
            Ok(elements) => {
                for (line, element) in elements {
                    push(line, serde_json::from_str(element).map_err(json_reason));
                }
            }
            Err((line, reason)) => push(line, Err(reason)),
        }
        return outcome;
    }
    // One object spread over several lines (one JobPosting per file, as NHS Jobs publishes).
    if first == Some('{')
        && text.trim().contains('\n')
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        let leading = &text[..text.len() - text.trim_start().len()];
        push(1 + leading.matches('\n').count() as u64, Ok(value));
        return outcome;
    }
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        push(
            index as u64 + 1,
            serde_json::from_str(line).map_err(json_reason),
        );
    }
    outcome
}

fn json_reason(err: serde_json::Error) -> String {
    format!("malformed JSON: {err}")
}

/// Splits a JSON array into its elements' text, each with the line where it starts, by
/// scanning brackets and strings; a broken element stays one element, so it alone is rejected.
fn split_array(text: &str) -> Result<Vec<(u64, &str)>, (u64, String)> {
    let bytes = text.as_bytes();
    let mut elements = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1u64;
    let mut start: Option<(usize, u64)> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                if depth == 1 && start.is_none() {
                    start = Some((i, line));
                }
            }
            b'[' | b'{' => {
                if depth == 1 && start.is_none() {
                    start = Some((i, line));
                }
                depth += 1;
            }
            b']' | b'}' => {
                if depth == 0 {
                    return Err((line, "unbalanced brackets".to_owned()));
                }
                depth -= 1;
                if depth == 0 {
                    if let Some((s, l)) = start.take() {
                        elements.push((l, text[s..i].trim()));
                    }
                    return Ok(elements);
                }
            }
            b',' if depth == 1 => {
                if let Some((s, l)) = start.take() {
                    elements.push((l, text[s..i].trim()));
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                if depth == 1 && start.is_none() {
                    start = Some((i, line));
                }
            }
        }
    }
    Err((line, "the array is not closed".to_owned()))
}

/// Reads one JobPosting object.
fn posting(value: &Value, source: &str) -> Result<ReadOpening, String> {
    let object = value
        .as_object()
        .ok_or_else(|| "expected a JSON object".to_owned())?;
    if let Some(kind) = object.get("@type").and_then(Value::as_str)
        && kind != "JobPosting"
    {
        return Err(format!("@type is {kind:?}, expected \"JobPosting\""));
    }
    let title = text_of(object.get("title"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "field title: missing or empty".to_owned())?;
    let date_posted =
        text_of(object.get("datePosted")).ok_or_else(|| "field datePosted: missing".to_owned())?;
    let posted_on = parse_date(&date_posted)
        .ok_or_else(|| format!("field datePosted: not a date: {date_posted:?}"))?;
    let expires_on = match text_of(object.get("validThrough")) {
        None => None,
        Some(value) => Some(
            parse_date(&value)
                .ok_or_else(|| format!("field validThrough: not a date: {value:?}"))?,
        ),
    };
    let organisation = match object.get("hiringOrganization") {
        Some(Value::Object(org)) => text_of(org.get("name")).unwrap_or_default(),
        other => text_of(other).unwrap_or_default(),
    };
    let description = text_of(object.get("description"))
        .map(|d| html_to_text(&d))
        .unwrap_or_default();
    let url = text_of(object.get("url")).unwrap_or_default();
    let identifier = match object.get("identifier") {
        Some(Value::Object(id)) => text_of(id.get("value")),
        other => text_of(other),
    };
    let source_id = identifier
        .filter(|id| !id.is_empty())
        .or_else(|| Some(url.clone()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| content_hash(&[&title, &organisation, &date_posted]));

    let location = match object.get("jobLocation") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    let place = location.and_then(Value::as_object).and_then(place_of);
    let remote = object
        .get("jobLocationType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("TELECOMMUTE"));

    let (salary_min, salary_max, salary_currency) = salary_of(object.get("baseSalary"))?;
    let currency = salary_currency
        .or_else(|| text_of(object.get("salaryCurrency")))
        .unwrap_or_default();

    let mut skills = Vec::new();
    let mut skill_tags = Vec::new();
    for (field, essential) in [("skills", true), (NICE_TO_HAVE, false)] {
        for item in skill_items(object.get(field)) {
            match item {
                SkillItem::Uri(uri) => skills.push(SkillTag {
                    essential,
                    ..SkillTag::manual(uri)
                }),
                SkillItem::Name(name) => skill_tags.push(name),
            }
        }
    }
    let category = match object.get("occupationalCategory") {
        Some(Value::Object(cat)) => text_of(cat.get("@id"))
            .or_else(|| text_of(cat.get("codeValue")))
            .or_else(|| text_of(cat.get("name"))),
        other => text_of(other),
    };
    let (occupation, occupation_hint) = match category {
        Some(c) if c.starts_with(ESCO_OCCUPATION_PREFIX) => (Some(OccupationTag::manual(c)), None),
        other => (None, other.filter(|c| !c.is_empty())),
    };
    Ok(ReadOpening {
        opening: NewOpening {
            source: source.to_owned(),
            source_id,
            organisation,
            title,
            occupation,
            description,
            skills,
            place,
            remote,
            salary_min,
            salary_max,
            currency,
            status: OpeningStatus::Open,
            posted_on,
            expires_on,
            url,
            dedupe_key: None,
        },
        skill_tags,
        occupation_hint,
    })
}

/// Returns a JSON string, number or boolean as trimmed text.
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number_of(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

fn place_of(location: &Map<String, Value>) -> Option<Place> {
    let address = location.get("address");
    let (locality, region, country, postal) = match address {
        Some(Value::Object(a)) => (
            text_of(a.get("addressLocality")),
            text_of(a.get("addressRegion")),
            match a.get("addressCountry") {
                Some(Value::Object(c)) => text_of(c.get("name")),
                other => text_of(other),
            },
            text_of(a.get("postalCode")),
        ),
        other => (text_of(other), None, None, None),
    };
    let geo = location.get("geo").and_then(Value::as_object);
    let lat = geo.and_then(|g| number_of(g.get("latitude")));
    let lon = geo.and_then(|g| number_of(g.get("longitude")));
    let name = locality
        .filter(|l| !l.is_empty())
        .or(postal.filter(|p| !p.is_empty()))?;
    Some(Place {
        name,
        region: region.filter(|r| !r.is_empty()),
        country: country.filter(|c| !c.is_empty()),
        lat,
        lon,
    })
}

type Salary = (Option<f64>, Option<f64>, Option<String>);

fn salary_of(value: Option<&Value>) -> Result<Salary, String> {
    let Some(Value::Object(salary)) = value else {
        return Ok((None, None, None));
    };
    let currency = text_of(salary.get("currency")).filter(|c| !c.is_empty());
    let (min, max, unit) = match salary.get("value") {
        Some(Value::Object(v)) => {
            let single = number_of(v.get("value"));
            (
                number_of(v.get("minValue")).or(single),
                number_of(v.get("maxValue")).or(single),
                text_of(v.get("unitText")),
            )
        }
        other => {
            let single = number_of(other);
            (single, single, text_of(salary.get("unitText")))
        }
    };
    let factor = match unit.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("YEAR") => 1.0,
        Some("HOUR") => HOURS_PER_YEAR,
        Some("DAY") => DAYS_PER_YEAR,
        Some("WEEK") => 52.0,
        Some("MONTH") => 12.0,
        Some(other) => {
            return Err(format!(
                "field baseSalary.value.unitText: expected HOUR, DAY, WEEK, MONTH or YEAR, found {other:?}"
            ));
        }
    };
    let positive = |v: Option<f64>| v.filter(|v| *v > 0.0).map(|v| v * factor);
    Ok((positive(min), positive(max), currency))
}

enum SkillItem {
    Uri(String),
    Name(String),
}

fn skill_items(value: Option<&Value>) -> Vec<SkillItem> {
    let classify = |text: String| {
        if text.starts_with(ESCO_SKILL_PREFIX) {
            SkillItem::Uri(text)
        } else {
            SkillItem::Name(text)
        }
    };
    let item = |value: &Value| -> Option<SkillItem> {
        match value {
            Value::Object(term) => ["@id", "url", "termCode"]
                .iter()
                .filter_map(|k| text_of(term.get(*k)))
                .find(|t| t.starts_with(ESCO_SKILL_PREFIX))
                .map(SkillItem::Uri)
                .or_else(|| {
                    text_of(term.get("name"))
                        .filter(|n| !n.is_empty())
                        .map(SkillItem::Name)
                }),
            other => text_of(Some(other)).filter(|t| !t.is_empty()).map(classify),
        }
    };
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(item).collect(),
        Some(Value::String(text)) => text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| classify(t.to_owned()))
            .collect(),
        Some(other) => item(other).into_iter().collect(),
    }
}

/// Returns HTML as plain text: block ends become line breaks, other tags are dropped, the
/// common entities are decoded. Text without `<` or `&` is returned unchanged.
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "br" | "p"
                | "li"
                | "div"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "ul"
                | "ol"
        ) {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let mut text = String::with_capacity(decoded.len());
    let mut blank_run = 0;
    for line in decoded.lines().map(str::trim) {
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || text.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        text.push_str(line);
        text.push('\n');
    }
    text.trim_end().to_owned()
}

/// Returns an opening as a schema.org JobPosting JSON-LD object; [`read_jobpostings`] reads it
/// back equal (but for `source`, which becomes the file stem, and tag origins, which become
/// manual).
pub fn to_jobposting_jsonld(opening: &NewOpening) -> Value {
    let mut posting = Map::new();
    posting.insert("@context".into(), json!("https://schema.org/"));
    posting.insert("@type".into(), json!("JobPosting"));
    posting.insert("title".into(), json!(opening.title));
    posting.insert("description".into(), json!(opening.description));
    posting.insert(
        "datePosted".into(),
        json!(opening.posted_on.format("%Y-%m-%d").to_string()),
    );
    if let Some(expires) = opening.expires_on {
        posting.insert(
            "validThrough".into(),
            json!(expires.format("%Y-%m-%d").to_string()),
        );
    }
    posting.insert(
        "hiringOrganization".into(),
        json!({ "@type": "Organization", "name": opening.organisation }),
    );
    posting.insert(
        "identifier".into(),
        json!({ "@type": "PropertyValue", "name": opening.source, "value": opening.source_id }),
    );
    if !opening.url.is_empty() {
        posting.insert("url".into(), json!(opening.url));
    }
    if let Some(place) = &opening.place {
        let mut address = Map::new();
        address.insert("@type".into(), json!("PostalAddress"));
        address.insert("addressLocality".into(), json!(place.name));
        if let Some(region) = &place.region {
            address.insert("addressRegion".into(), json!(region));
        }
        if let Some(country) = &place.country {
            address.insert("addressCountry".into(), json!(country));
        }
        let mut location = Map::new();
        location.insert("@type".into(), json!("Place"));
        location.insert("address".into(), Value::Object(address));
        if let (Some(lat), Some(lon)) = (place.lat, place.lon) {
            location.insert(
                "geo".into(),
                json!({ "@type": "GeoCoordinates", "latitude": lat, "longitude": lon }),
            );
        }
        posting.insert("jobLocation".into(), Value::Object(location));
    }
    if opening.remote {
        posting.insert("jobLocationType".into(), json!("TELECOMMUTE"));
    }
    if !opening.currency.is_empty() {
        posting.insert("salaryCurrency".into(), json!(opening.currency));
    }
    if opening.salary_min.is_some() || opening.salary_max.is_some() {
        let mut value = Map::new();
        value.insert("@type".into(), json!("QuantitativeValue"));
        if let Some(min) = opening.salary_min {
            value.insert("minValue".into(), json!(min));
        }
        if let Some(max) = opening.salary_max {
            value.insert("maxValue".into(), json!(max));
        }
        value.insert("unitText".into(), json!("YEAR"));
        posting.insert(
            "baseSalary".into(),
            json!({ "@type": "MonetaryAmount", "currency": opening.currency, "value": value }),
        );
    }
    if let Some(occupation) = &opening.occupation {
        posting.insert("occupationalCategory".into(), json!(occupation.uri));
    }
    let terms = |essential: bool| -> Vec<Value> {
        opening
            .skills
            .iter()
            .filter(|tag| tag.essential == essential)
            .map(|tag| json!({ "@type": "DefinedTerm", "@id": tag.uri, "inDefinedTermSet": "https://esco.ec.europa.eu/" }))
            .collect()
    };
    let (essential, nice) = (terms(true), terms(false));
    if !essential.is_empty() {
        posting.insert("skills".into(), Value::Array(essential));
    }
    if !nice.is_empty() {
        posting.insert(NICE_TO_HAVE.into(), Value::Array(nice));
    }
    Value::Object(posting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_with_nul_bytes_or_over_long_values_are_rejected_by_line() {
        let long_title = "x".repeat(crate::limits::MAX_NAME_CHARS + 1);
        let huge = "y".repeat(crate::limits::MAX_TEXT_BYTES + 1);
        let text = [
            json!({"@type": "JobPosting", "title": "Nurse", "datePosted": "2024-01-02"}),
            json!({"@type": "JobPosting", "title": "Cl\u{0}erk", "datePosted": "2024-01-02"}),
            json!({"@type": "JobPosting", "title": long_title, "datePosted": "2024-01-02"}),
            json!({"@type": "JobPosting", "title": "Cook", "description": huge,
                   "datePosted": "2024-01-02"}),
            json!({"@type": "JobPosting", "title": "Porter", "datePosted": "2024-01-02",
                   "hiringOrganization": {"name": "Acme\u{1b}[31m"}}),
        ]
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
        let read = read_jobpostings("postings.jsonld", &text);
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.records[0].opening.title, "Nurse");
        let rejected: Vec<String> = read.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(
            rejected,
            [
                "postings.jsonld:2: field title: contains a NUL byte".to_owned(),
                "postings.jsonld:3: field title: longer than 300 characters (301 bytes)".to_owned(),
                format!(
                    "postings.jsonld:4: field description: {} bytes, longer than 100000",
                    crate::limits::MAX_TEXT_BYTES + 1
                ),
                "postings.jsonld:5: field organisation: contains the control character U+001B"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("<p>Care &amp; support</p><ul><li>Nights</li></ul>"),
            "Care & support\n\nNights"
        );
        assert_eq!(html_to_text("plain"), "plain");
    }

    #[test]
    fn array_elements_keep_their_lines() {
        let text = "[\n {\"a\": \"x,]\"},\n {\"b\": [1, 2]}\n]";
        let elements = split_array(text).unwrap();
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0], (2, "{\"a\": \"x,]\"}"));
        assert_eq!(elements[1].0, 3);
        assert!(split_array("[ {").is_err());
    }
}
