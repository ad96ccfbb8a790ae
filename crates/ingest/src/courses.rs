//! Course readers: Reskill's own course CSV and the real catalogues in the shared data bundle
//! (edX, Udemy, Coursera, Sweden's YH programmes), each turned into [`NewCourse`]s.
//!
//! The format is detected from the header ([`CourseFormat::detect`]). A bad row is reported as a
//! [`RejectedRow`] with file, line and reason and the rest of the file is still read; a header
//! that lacks a required column fails the whole file. `source` is the file stem
//! (`udemy_courses`); `source_id` is the file's own id, URL or slug, else
//! [`content_hash`]`(title, provider)`.
//!
//! # Reskill course CSV
//!
//! The columns of `crates/ingest/demo/courses.csv`, found by name in any order:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `source_id` | yes | the id within this file |
//! | `provider`, `title` | yes | who runs it, what it is called |
//! | `description` | no | free text |
//! | `duration_weeks` | yes | positive number of weeks |
//! | `hours` | no | total study hours |
//! | `cost`, `currency` | yes | cost (0 = free, never negative) and ISO 4217 code |
//! | `mode` | yes | `online`, `in_person` or `hybrid` |
//! | `place_name`, `region`, `country`, `lat`, `lon` | no | where it runs; no place without `place_name` |
//! | `next_start` | no | `YYYY-MM-DD` |
//! | `funding`, `url` | no | funding note, provider's page |
//! | `skill_uris` | no | `\|`-separated ESCO skill URIs, kept as [`reskill_core::catalog::TagOrigin::Manual`] tags |
//!
//! # Real catalogues and the assumptions made for them
//!
//! | format | duration | hours | cost | skill tags |
//! |---|---|---|---|---|
//! | edX (`edx_courses.csv`) | `course_length` (`8 Weeks`) | mid-point of `course_effort` (`2–4 hours per week`) × weeks | 0 USD: every course is free to audit; the certificate price goes in `funding` | none |
//! | Udemy (`udemy_courses.csv`) | `content_duration` hours ÷ [`UDEMY_HOURS_PER_WEEK`] (10 h/week of self-study), at least 0.1 | `content_duration`; a row with 0 hours is rejected | `price` USD (0 when `is_paid` is False) | none |
//! | Coursera titles (`Coursera_courses.csv`) | unknown: [`DEFAULT_WEEKS`] | none | 0 USD (audit) | none |
//! | Coursera with skills (`coursera_courses_skills_v3.csv`) | upper bound of `Duration` (`1 - 4 Weeks` → 4, `3 - 6 Months` → 26.1; `Less Than 2 Hours` → 0.2): a plan should not promise to be faster than the provider says | none | 0 USD (audit) | `Skills`, comma-separated |
//! | edX with skills (`edx_courses_skills.csv`) | unknown: [`DEFAULT_WEEKS`] | none | 0 USD (audit) | `associatedskills`, comma-separated |
//! | Coursera IT (`coursera_it_courses_desc_skills.csv`) | unknown: [`DEFAULT_WEEKS`] | none | 0 USD (audit) | `Skills`, separated by two or more spaces; U+FFFD in descriptions (a lost apostrophe) becomes `'` |
//! | YH programmes (`myh_yh_program_applications_2024.csv`) | `YH-poäng` ÷ 5 full-time weeks, stretched by `Studietakt %` (50 % takes twice as long) | full-time weeks × 40 | 0 SEK, funding "state-funded (no tuition)" | none |
//!
//! YH rows whose `Beslut` is not `Beviljad` (rejected applications: the programme will not run)
//! are rejected with that reason, so every row of the file is accounted for. YH mode is
//! `Distans` → online, `Bunden` → in person; the place is `Kommun` in `Län`, Sweden, except for
//! programmes run in several municipalities (`Flera kommuner`), which get no place because the
//! CSV does not list them (sheet Tabell 4 of the xlsx does).
//!
//! All MOOCs are online and have no start date (self-paced or rolling).

use std::path::Path;

use reskill_core::catalog::{CourseMode, NewCourse, Place, SkillTag};

use crate::error::IngestError;
use crate::esco::{Row, Source, Table};
use crate::rejected::{ReadOutcome, RejectedRow};
use crate::text::{content_hash, parse_amount};

/// Weeks assumed when a catalogue gives no duration at all (a typical four-week MOOC).
pub const DEFAULT_WEEKS: f64 = 4.0;
/// Hours of self-study a week assumed for Udemy's video hours.
pub const UDEMY_HOURS_PER_WEEK: f64 = 10.0;
/// Study hours in a full-time YH week.
pub const YH_HOURS_PER_WEEK: f64 = 40.0;
/// Weeks in a month, for durations given in months.
const WEEKS_PER_MONTH: f64 = 52.0 / 12.0;

/// One course read from a file, with the raw skill tags the file gives (for the tagger).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadCourse {
    /// The course.
    pub course: NewCourse,
    /// Skill names exactly as the file gives them (Coursera, edX tags), trimmed, in file order.
    pub skill_tags: Vec<String>,
}

/// What [`read_courses`] got from one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoursesRead {
    /// The format detected from the header.
    pub format: Option<CourseFormat>,
    /// The courses and the rejected rows.
    pub outcome: ReadOutcome<ReadCourse>,
}

/// The course file formats the reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CourseFormat {
    /// Reskill's own course CSV (the demo's columns).
    Reskill,
    /// edX catalogue with descriptions (`edx_courses.csv`).
    Edx,
    /// edX catalogue with skill tags (`edx_courses_skills.csv`).
    EdxSkills,
    /// Udemy catalogue (`udemy_courses.csv`).
    Udemy,
    /// Coursera titles only (`Coursera_courses.csv`).
    CourseraTitles,
    /// Coursera with skills and durations (`coursera_courses_skills_v3.csv`).
    CourseraSkills,
    /// Coursera IT courses with descriptions and keyword skills.
    CourseraIt,
    /// Swedish YH programme applications (`myh_yh_program_applications_2024.csv`).
    YhPrograms,
}

impl CourseFormat {
    /// Returns the format whose distinguishing columns are all in `headers` (case-insensitive).
    pub fn detect(headers: &[String]) -> Option<Self> {
        let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
        let all = |names: &[&str]| names.iter().all(|n| has(n));
        if all(&["source_id", "duration_weeks", "mode"]) {
            Some(Self::Reskill)
        } else if all(&["Utbildningsnamn", "Beslut", "YH-poäng"]) {
            Some(Self::YhPrograms)
        } else if all(&["course_length", "course_url", "institution"]) {
            Some(Self::Edx)
        } else if all(&["associatedskills", "link"]) {
            Some(Self::EdxSkills)
        } else if all(&["course_title", "content_duration"]) {
            Some(Self::Udemy)
        } else if all(&["Title", "Organization", "Skills", "Duration"]) {
            Some(Self::CourseraSkills)
        } else if all(&["Course Name", "University", "Course URL"]) {
            Some(Self::CourseraIt)
        } else if all(&["name", "institution", "course_url", "course_id"]) {
            Some(Self::CourseraTitles)
        } else {
            None
        }
    }
}

/// Reads a course file from disk; the source name is the file stem.
pub fn read_courses_file(path: &Path) -> Result<CoursesRead, IngestError> {
    read_courses(Source::open(path)?)
}

/// Returns the file stem of a display name (`udemy_courses.csv` → `udemy_courses`).
pub(crate) fn stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.')
        .map_or(base, |(stem, _)| stem)
        .to_owned()
}

/// Reads a course file in any [`CourseFormat`].
pub fn read_courses(source: Source<'_>) -> Result<CoursesRead, IngestError> {
    let mut table = Table::open(source, false)?;
    let format =
        CourseFormat::detect(table.headers()).ok_or_else(|| IngestError::UnknownFormat {
            file: table.name().to_owned(),
            reason: "expected the columns of the Reskill course CSV (source_id, provider, title, \
                 duration_weeks, cost, currency, mode, ...) or of a known catalogue (edX, Udemy, \
                 Coursera, YH)"
                .to_owned(),
        })?;
    let columns = Columns::resolve(&table, format)?;
    let source_name = stem(table.name());
    let mut read = CoursesRead {
        format: Some(format),
        ..CoursesRead::default()
    };
    for_each_row(&mut table, &mut read.outcome.rejected, |row| {
        let course = columns.parse(row, format, &source_name)?;
        crate::limits::check_course(&course.course, &course.skill_tags)
            .map_err(|v| IngestError::row(row.file(), row.line(), v.field, v.reason))?;
        read.outcome.records.push(course);
        Ok(())
    })?;
    Ok(read)
}

/// Runs `handle` on every row; a row error or a malformed record becomes a [`RejectedRow`], an IO
/// error ends the read. [`Table::next_row`] moves past a malformed record, so reading goes on.
pub(crate) fn for_each_row(
    table: &mut Table<'_>,
    rejected: &mut Vec<RejectedRow>,
    mut handle: impl FnMut(&Row<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    loop {
        match table.next_row() {
            Ok(None) => return Ok(()),
            Ok(Some(row)) => {
                if let Err(err) = handle(&row) {
                    rejected.push(RejectedRow::from_error(row.file(), row.line(), err));
                }
            }
            Err(IngestError::Csv { file, line, reason }) => rejected.push(RejectedRow {
                file,
                line,
                reason: format!("malformed CSV: {reason}"),
            }),
            Err(IngestError::Row {
                file,
                line,
                column,
                reason,
            }) => rejected.push(RejectedRow {
                file,
                line,
                reason: format!("column {column}: {reason}"),
            }),
            Err(other) => return Err(other),
        }
    }
}

/// Column indexes of one file; which are used depends on the format.
struct Columns {
    cols: Vec<Option<usize>>,
    names: &'static [&'static str],
}

/// The columns each format reads, by name; the first `required` of them must be present.
fn format_columns(format: CourseFormat) -> (&'static [&'static str], usize) {
    match format {
        CourseFormat::Reskill => (
            &[
                "source_id",
                "provider",
                "title",
                "duration_weeks",
                "cost",
                "currency",
                "mode",
                "description",
                "hours",
                "place_name",
                "region",
                "country",
                "lat",
                "lon",
                "next_start",
                "funding",
                "url",
                "skill_uris",
            ],
            7,
        ),
        CourseFormat::Edx => (
            &[
                "title",
                "institution",
                "course_url",
                "course_length",
                "summary",
                "course_description",
                "course_syllabus",
                "course_effort",
                "price",
            ],
            4,
        ),
        CourseFormat::EdxSkills => (&["title", "institution", "link", "associatedskills"], 4),
        CourseFormat::Udemy => (
            &[
                "course_id",
                "course_title",
                "url",
                "content_duration",
                "price",
                "is_paid",
                "published_timestamp",
            ],
            4,
        ),
        CourseFormat::CourseraTitles => (&["name", "institution", "course_url", "course_id"], 4),
        CourseFormat::CourseraSkills => (
            &[
                "ID",
                "Title",
                "Organization",
                "Skills",
                "Duration",
                "course_url",
                "course_description",
            ],
            5,
        ),
        CourseFormat::CourseraIt => (
            &[
                "Course Name",
                "University",
                "Course URL",
                "Course Description",
                "Skills",
            ],
            3,
        ),
        CourseFormat::YhPrograms => (
            &[
                "Diarienummer",
                "Utbildningsnamn",
                "Beslut",
                "YH-poäng",
                "Studieform",
                "Utbildningsanordnare administrativ enhet",
                "Kommun",
                "Län",
                "Studietakt %",
                "Utbildningsområde",
                "SUN5 inriktning namn",
                "Typ av examen",
            ],
            6,
        ),
    }
}

impl Columns {
    fn resolve(table: &Table<'_>, format: CourseFormat) -> Result<Self, IngestError> {
        let (names, required) = format_columns(format);
        let mut cols = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if i < required {
                cols.push(Some(table.column(name)?));
            } else {
                cols.push(table.optional_column(name));
            }
        }
        Ok(Self { cols, names })
    }

    /// Returns the index of column `name` (a name listed in [`format_columns`]).
    fn idx(&self, name: &str) -> Option<usize> {
        let pos = self.names.iter().position(|n| *n == name);
        debug_assert!(pos.is_some(), "column {name} not listed for this format");
        pos.and_then(|p| self.cols[p])
    }

    /// Returns the index of a required column.
    fn req(&self, name: &str) -> usize {
        self.idx(name).unwrap_or(usize::MAX)
    }

    fn parse(
        &self,
        row: &Row<'_>,
        format: CourseFormat,
        source: &str,
    ) -> Result<ReadCourse, IngestError> {
        match format {
            CourseFormat::Reskill => self.reskill(row, source),
            CourseFormat::Edx => self.edx(row, source),
            CourseFormat::EdxSkills => self.edx_skills(row, source),
            CourseFormat::Udemy => self.udemy(row, source),
            CourseFormat::CourseraTitles => self.coursera_titles(row, source),
            CourseFormat::CourseraSkills => self.coursera_skills(row, source),
            CourseFormat::CourseraIt => self.coursera_it(row, source),
            CourseFormat::YhPrograms => self.yh(row, source),
        }
    }

    fn reskill(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let number = |name: &str| -> Result<Option<f64>, IngestError> {
            let value = row.get_opt(self.idx(name)).trim();
            if value.is_empty() {
                return Ok(None);
            }
            match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Some(n)),
                _ => Err(row.error(self.req(name), format!("not a number: {value:?}"))),
            }
        };
        let duration_weeks = row.number(self.req("duration_weeks"))?;
        if duration_weeks <= 0.0 {
            return Err(row.error(self.req("duration_weeks"), "must be positive"));
        }
        let cost = number("cost")?.unwrap_or(0.0);
        if cost < 0.0 {
            return Err(row.error(self.req("cost"), "must not be negative"));
        }
        let mode_col = self.req("mode");
        let mode =
            CourseMode::parse(row.get(mode_col)).map_err(|e| row.error(mode_col, e.reason))?;
        let place_name = row.text(self.idx("place_name"));
        let place = if place_name.is_empty() {
            None
        } else {
            Some(Place {
                name: place_name,
                region: non_empty(row.text(self.idx("region"))),
                country: non_empty(row.text(self.idx("country"))),
                lat: number("lat")?,
                lon: number("lon")?,
            })
        };
        let next_start = match non_empty(row.text(self.idx("next_start"))) {
            None => None,
            Some(value) => Some(
                chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| {
                    row.error(
                        self.req("next_start"),
                        format!("expected a YYYY-MM-DD date, found {value:?}"),
                    )
                })?,
            ),
        };
        let skills = row
            .get_opt(self.idx("skill_uris"))
            .split('|')
            .map(str::trim)
            .filter(|uri| !uri.is_empty())
            .map(SkillTag::manual)
            .collect();
        Ok(ReadCourse {
            course: NewCourse {
                source: source.to_owned(),
                source_id: row.required(self.req("source_id"))?.to_owned(),
                provider: row.required(self.req("provider"))?.to_owned(),
                title: row.required(self.req("title"))?.to_owned(),
                description: row.text(self.idx("description")),
                duration_weeks,
                hours: number("hours")?,
                cost,
                currency: row.required(self.req("currency"))?.to_owned(),
                mode,
                place,
                next_start,
                funding: row.text(self.idx("funding")),
                url: row.text(self.idx("url")),
                skills,
                occupation: None,
                dedupe_key: None,
            },
            skill_tags: Vec::new(),
        })
    }

    fn edx(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("title"))?;
        let provider = row.required(self.req("institution"))?;
        let length_col = self.req("course_length");
        let length = row.required(length_col)?;
        let weeks = parse_weeks(length).ok_or_else(|| {
            row.error(
                length_col,
                format!("expected \"N Weeks\", found {length:?}"),
            )
        })?;
        let hours = hours_per_week(row.get_opt(self.idx("course_effort"))).map(|h| h * weeks);
        let price = row.text(self.idx("price"));
        let funding = match price.strip_prefix("FREE-") {
            Some(rest) => format!("free to audit; {}", lowercase_first(rest)),
            None => price,
        };
        let description = join_paragraphs(&[
            row.text(self.idx("summary")),
            row.text(self.idx("course_description")),
            row.text(self.idx("course_syllabus")),
        ]);
        let url = row.text(self.idx("course_url"));
        Ok(online(
            source,
            id_or_hash(&url, title, provider),
            provider,
            title,
            description,
            weeks,
            hours,
            "USD",
            funding,
            url,
            Vec::new(),
        ))
    }

    fn edx_skills(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("title"))?;
        let provider = row.required(self.req("institution"))?;
        let url = row.text(self.idx("link"));
        let tags = split_tags(row.get(self.req("associatedskills")), ",");
        Ok(online(
            source,
            id_or_hash(&url, title, provider),
            provider,
            title,
            String::new(),
            DEFAULT_WEEKS,
            None,
            "USD",
            "free to audit".to_owned(),
            url,
            tags,
        ))
    }

    fn udemy(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("course_title"))?;
        // Five titles contain line breaks; a title is one line.
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = row.required(self.req("course_id"))?;
        let hours_col = self.req("content_duration");
        let hours = row.number(hours_col)?;
        if hours <= 0.0 {
            return Err(row.error(hours_col, format!("no content: {hours} hours")));
        }
        let paid = !row
            .get_opt(self.idx("is_paid"))
            .trim()
            .eq_ignore_ascii_case("false");
        let price_col = self.req("price");
        let cost = if paid {
            let price = row.get(price_col).trim();
            parse_amount(price)
                .ok_or_else(|| row.error(price_col, format!("not a price: {price:?}")))?
        } else {
            0.0
        };
        let mut read = online(
            source,
            id.to_owned(),
            "Udemy",
            &title,
            String::new(),
            (hours / UDEMY_HOURS_PER_WEEK).max(0.1),
            Some(hours),
            "USD",
            if cost == 0.0 {
                "free".to_owned()
            } else {
                "self-funded".to_owned()
            },
            row.text(self.idx("url")),
            Vec::new(),
        );
        read.course.cost = cost;
        Ok(read)
    }

    fn coursera_titles(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("name"))?;
        let provider = row.required(self.req("institution"))?;
        let id = row.required(self.req("course_id"))?;
        Ok(online(
            source,
            id.to_owned(),
            provider,
            title,
            String::new(),
            DEFAULT_WEEKS,
            None,
            "USD",
            "free to audit".to_owned(),
            row.text(self.idx("course_url")),
            Vec::new(),
        ))
    }

    fn coursera_skills(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("Title"))?;
        let provider = row.required(self.req("Organization"))?;
        let id = row.required(self.req("ID"))?;
        let duration_col = self.req("Duration");
        let duration = row.required(duration_col)?;
        let weeks = parse_weeks(duration).ok_or_else(|| {
            row.error(duration_col, format!("unrecognised duration {duration:?}"))
        })?;
        Ok(online(
            source,
            id.to_owned(),
            provider,
            title,
            row.text(self.idx("course_description")),
            weeks,
            None,
            "USD",
            "free to audit".to_owned(),
            row.text(self.idx("course_url")),
            split_tags(row.get(self.req("Skills")), ","),
        ))
    }

    fn coursera_it(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let title = row.required(self.req("Course Name"))?;
        let provider = row.required(self.req("University"))?;
        let url = row.required(self.req("Course URL"))?;
        let description = row
            .text(self.idx("Course Description"))
            .replace('\u{fffd}', "'")
            .replace('\r', "\n");
        Ok(online(
            source,
            url.to_owned(),
            provider,
            title,
            description,
            DEFAULT_WEEKS,
            None,
            "USD",
            "free to audit".to_owned(),
            url.to_owned(),
            split_tags(row.get_opt(self.idx("Skills")), "  "),
        ))
    }

    fn yh(&self, row: &Row<'_>, source: &str) -> Result<ReadCourse, IngestError> {
        let decision_col = self.req("Beslut");
        let decision = row.get(decision_col).trim();
        if decision != "Beviljad" {
            return Err(row.error(
                decision_col,
                format!("{decision:?}, not \"Beviljad\": the application was not approved, so the programme will not run"),
            ));
        }
        let id = row.required(self.req("Diarienummer"))?;
        let title = row.required(self.req("Utbildningsnamn"))?;
        let provider = row.required(self.req("Utbildningsanordnare administrativ enhet"))?;
        let points_col = self.req("YH-poäng");
        let points = row.number(points_col)?;
        if points <= 0.0 {
            return Err(row.error(points_col, "must be positive"));
        }
        let pace_col = self.idx("Studietakt %");
        let pace = match row.get_opt(pace_col).trim() {
            "" => 100.0,
            value => match value.parse::<f64>() {
                Ok(p) if p > 0.0 && p <= 100.0 => p,
                _ => {
                    return Err(row.error(
                        pace_col.unwrap_or(usize::MAX),
                        format!("expected a percentage in (0, 100], found {value:?}"),
                    ));
                }
            },
        };
        let full_time_weeks = points / 5.0;
        let form_col = self.req("Studieform");
        let mode = match row.get(form_col).trim() {
            "Distans" => CourseMode::Online,
            "Bunden" => CourseMode::InPerson,
            other => {
                return Err(row.error(
                    form_col,
                    format!("expected Distans or Bunden, found {other:?}"),
                ));
            }
        };
        let kommun = row.text(self.idx("Kommun"));
        let lan = row.text(self.idx("Län"));
        let several = |v: &str| v.is_empty() || v == "Flera kommuner";
        let place = if several(&kommun) {
            None
        } else {
            Some(Place {
                name: kommun,
                region: Some(lan).filter(|l| !several(l)),
                country: Some("SE".to_owned()),
                lat: None,
                lon: None,
            })
        };
        let description = [
            row.text(self.idx("Utbildningsområde")),
            row.text(self.idx("SUN5 inriktning namn")),
            row.text(self.idx("Typ av examen")),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(". ");
        Ok(ReadCourse {
            course: NewCourse {
                source: source.to_owned(),
                source_id: id.to_owned(),
                provider: provider.to_owned(),
                title: title.to_owned(),
                description,
                duration_weeks: full_time_weeks * 100.0 / pace,
                hours: Some(full_time_weeks * YH_HOURS_PER_WEEK),
                cost: 0.0,
                currency: "SEK".to_owned(),
                mode,
                place,
                next_start: None,
                funding: "state-funded (no tuition)".to_owned(),
                url: String::new(),
                skills: Vec::new(),
                occupation: None,
                dedupe_key: None,
            },
            skill_tags: Vec::new(),
        })
    }
}

/// Returns an online, free-to-audit course with no place or start date.
#[allow(clippy::too_many_arguments)]
fn online(
    source: &str,
    source_id: String,
    provider: &str,
    title: &str,
    description: String,
    duration_weeks: f64,
    hours: Option<f64>,
    currency: &str,
    funding: String,
    url: String,
    skill_tags: Vec<String>,
) -> ReadCourse {
    ReadCourse {
        course: NewCourse {
            source: source.to_owned(),
            source_id,
            provider: provider.to_owned(),
            title: title.to_owned(),
            description,
            duration_weeks,
            hours,
            cost: 0.0,
            currency: currency.to_owned(),
            mode: CourseMode::Online,
            place: None,
            next_start: None,
            funding,
            url,
            skills: Vec::new(),
            occupation: None,
            dedupe_key: None,
        },
        skill_tags,
    }
}

fn non_empty(value: String) -> Option<String> {
    Some(value).filter(|v| !v.is_empty())
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Returns `id` when not empty, else a hash of title and provider.
fn id_or_hash(id: &str, title: &str, provider: &str) -> String {
    if id.is_empty() {
        content_hash(&[title, provider])
    } else {
        id.to_owned()
    }
}

fn join_paragraphs(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Splits a tag list on `separator`, trimming and dropping empty tags and `None`.
fn split_tags(value: &str, separator: &str) -> Vec<String> {
    value
        .split(separator)
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("none"))
        .map(str::to_owned)
        .collect()
}

/// Parses a duration into weeks: `8 Weeks`, `1 - 4 Weeks` (upper bound), `3 - 6 Months` (upper
/// bound × 52/12), `Less Than 2 Hours` (2 hours at 10 h/week).
pub fn parse_weeks(value: &str) -> Option<f64> {
    let lower = value.trim().to_ascii_lowercase();
    let upper = lower
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|n| n.parse::<f64>().ok())
        .fold(None, |max: Option<f64>, n| {
            Some(max.map_or(n, |m| m.max(n)))
        })?;
    if upper <= 0.0 {
        return None;
    }
    if lower.contains("week") {
        Some(upper)
    } else if lower.contains("month") {
        Some(upper * WEEKS_PER_MONTH)
    } else if lower.contains("hour") {
        Some(upper / UDEMY_HOURS_PER_WEEK)
    } else {
        None
    }
}

/// Parses `2–4 hours per week` (en dash or hyphen) into the mid-point, 3.
fn hours_per_week(value: &str) -> Option<f64> {
    let numbers: Vec<f64> = value
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|n| n.parse::<f64>().ok())
        .collect();
    match numbers.as_slice() {
        [] => None,
        [one] => Some(*one),
        [low, high, ..] => Some((low + high) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_weeks("8 Weeks"), Some(8.0));
        assert_eq!(parse_weeks("1 - 4 Weeks"), Some(4.0));
        assert!((parse_weeks("3 - 6 Months").unwrap() - 26.0).abs() < 1e-9);
        assert_eq!(parse_weeks("Less Than 2 Hours"), Some(0.2));
        assert_eq!(parse_weeks("soon"), None);
        assert_eq!(hours_per_week("2–4 hours per week"), Some(3.0));
    }

    #[test]
    fn stems() {
        assert_eq!(stem("udemy_courses.csv"), "udemy_courses");
        assert_eq!(stem("/a/b/Coursera_courses.csv"), "Coursera_courses");
        assert_eq!(stem("plain"), "plain");
    }
}
