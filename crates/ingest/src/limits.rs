//! What every imported value must respect, in one place: size caps and the characters refused.
//!
//! A row that breaks a rule is rejected whole (reported with file, line and reason) and nothing
//! from it is stored. The caps are far above anything in the real bundle (its longest title is
//! under 300 characters, its longest description 19 kB) and keep one hostile row from becoming a
//! 200 MB search response.
//!
//! | value | cap |
//! |---|---|
//! | any CSV field, before parsing | [`MAX_FIELD_BYTES`] (100 kB) |
//! | title, organisation or provider, place name, region, country, currency, source id, listed skill name | [`MAX_NAME_CHARS`] (300 characters) |
//! | URL | [`MAX_URL_CHARS`] (2,000 characters) |
//! | description, funding note (after HTML is turned into text) | [`MAX_TEXT_BYTES`] (100 kB) |
//!
//! Characters: a NUL byte, and every other C0 control character except tab, line feed and
//! carriage return, is refused anywhere. They never occur in text people wrote, they break
//! PostgreSQL (`text` cannot hold NUL), and they hide content from a reader. DEL and the C1
//! range are allowed: the ESCO download carries C1 characters from mis-encoded quotes.

use reskill_core::catalog::{NewCourse, NewOpening, Place};

/// Longest CSV field the readers accept, in bytes.
pub const MAX_FIELD_BYTES: usize = 100_000;
/// Longest free text (a description) stored, in bytes.
pub const MAX_TEXT_BYTES: usize = 100_000;
/// Longest name-like value (title, organisation, place, source id), in characters.
pub const MAX_NAME_CHARS: usize = 300;
/// Longest URL, in characters.
pub const MAX_URL_CHARS: usize = 2_000;

/// Returns the first refused control character of `value`, if any.
pub fn refused_control(value: &str) -> Option<char> {
    value
        .chars()
        .find(|&c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
}

/// Returns why `value` breaks the character rule, in the words of a rejection reason.
pub fn control_reason(value: &str) -> Option<String> {
    refused_control(value).map(|c| match c {
        '\0' => "contains a NUL byte".to_owned(),
        c => format!("contains the control character U+{:04X}", u32::from(c)),
    })
}

/// A value that breaks a rule: the field it is in and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field's name (`title`, `description`).
    pub field: String,
    /// What is wrong, lowercase, no trailing period.
    pub reason: String,
}

fn check(field: &str, value: &str, limit: Limit) -> Result<(), Violation> {
    let violation = |reason: String| Violation {
        field: field.to_owned(),
        reason,
    };
    if let Some(reason) = control_reason(value) {
        return Err(violation(reason));
    }
    match limit {
        Limit::Chars(max) => {
            // Counting stops past the cap, so a 100 MB title costs no more than a short one.
            let chars = value.chars().take(max + 1).count();
            if chars > max {
                return Err(violation(format!(
                    "longer than {max} characters ({} bytes)",
                    value.len()
                )));
            }
        }
        Limit::Bytes(max) => {
            if value.len() > max {
                return Err(violation(format!(
                    "{} bytes, longer than {max}",
                    value.len()
                )));
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Limit {
    Chars(usize),
    Bytes(usize),
}

const NAME: Limit = Limit::Chars(MAX_NAME_CHARS);

fn check_place(place: Option<&Place>) -> Result<(), Violation> {
    let Some(place) = place else { return Ok(()) };
    check("place", &place.name, NAME)?;
    check("region", place.region.as_deref().unwrap_or_default(), NAME)?;
    check(
        "country",
        place.country.as_deref().unwrap_or_default(),
        NAME,
    )
}

fn check_names<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), Violation> {
    names
        .into_iter()
        .try_for_each(|name| check("skills", name, NAME))
}

/// Checks every text of an opening and the skill names its file listed against the caps and
/// the character rule.
pub fn check_opening<'a>(
    opening: &NewOpening,
    listed: impl IntoIterator<Item = &'a String>,
) -> Result<(), Violation> {
    check("title", &opening.title, NAME)?;
    check("organisation", &opening.organisation, NAME)?;
    check("source_id", &opening.source_id, NAME)?;
    check("currency", &opening.currency, NAME)?;
    check("url", &opening.url, Limit::Chars(MAX_URL_CHARS))?;
    check(
        "description",
        &opening.description,
        Limit::Bytes(MAX_TEXT_BYTES),
    )?;
    check_place(opening.place.as_ref())?;
    for tag in &opening.skills {
        check("skills", &tag.uri, Limit::Chars(MAX_URL_CHARS))?;
    }
    if let Some(occupation) = &opening.occupation {
        check("occupation", &occupation.uri, Limit::Chars(MAX_URL_CHARS))?;
    }
    check_names(listed)
}

/// Checks every text of a course and the skill names its file listed against the caps and the
/// character rule.
pub fn check_course<'a>(
    course: &NewCourse,
    listed: impl IntoIterator<Item = &'a String>,
) -> Result<(), Violation> {
    check("title", &course.title, NAME)?;
    check("provider", &course.provider, NAME)?;
    check("source_id", &course.source_id, NAME)?;
    check("currency", &course.currency, NAME)?;
    check("url", &course.url, Limit::Chars(MAX_URL_CHARS))?;
    check(
        "description",
        &course.description,
        Limit::Bytes(MAX_TEXT_BYTES),
    )?;
    check("funding", &course.funding, Limit::Bytes(MAX_TEXT_BYTES))?;
    check_place(course.place.as_ref())?;
    for tag in &course.skills {
        check("skill_uris", &tag.uri, Limit::Chars(MAX_URL_CHARS))?;
    }
    check_names(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_tab_and_line_breaks_are_refused() {
        assert_eq!(
            control_reason("a\0b").as_deref(),
            Some("contains a NUL byte")
        );
        assert_eq!(
            control_reason("bell\u{7}").as_deref(),
            Some("contains the control character U+0007")
        );
        assert_eq!(control_reason("tab\tand\r\nlines"), None);
        assert_eq!(control_reason("C1 \u{92} from mojibake"), None);
    }

    #[test]
    fn name_cap_counts_characters_not_bytes() {
        let at_cap = "é".repeat(MAX_NAME_CHARS);
        assert!(check("title", &at_cap, NAME).is_ok());
        let over = format!("{at_cap}e");
        let err = check("title", &over, NAME).unwrap_err();
        assert_eq!(err.field, "title");
        assert_eq!(err.reason, "longer than 300 characters (601 bytes)");
    }
}
