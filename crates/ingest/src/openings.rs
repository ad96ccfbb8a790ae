//! Opening readers for the real job-posting CSVs in the shared data bundle (Glassdoor, LinkedIn,
//! NYC Jobs, NHS Jobs, Reed), each turned into [`NewOpening`]s, and the cross-file
//! [`dedupe_key`]. schema.org JobPosting JSON-LD is in [`crate::jsonld`].
//!
//! The format is detected from the header. A bad row is a [`RejectedRow`] (file, line, reason)
//! and the rest of the file is still read; a missing required column fails the file. `source` is
//! the file stem. Every opening is [`OpeningStatus::Open`]: none of the files marks a posting as
//! closed, and whether a 2020 posting is still open is the importer's policy, not the reader's.
//!
//! | format | source_id | organisation | place | salary (yearly) | posted_on / expires_on | description |
//! |---|---|---|---|---|---|---|
//! | Glassdoor (`glassdoor_data_jobs_*.csv`) | [`content_hash`] of title, company, city, state, description (the file has no id) | `Company` | `City`, `State`, US | `Min_Salary`/`Max_Salary` USD; `-1` = missing | `Date_Posted` / `Valid_until` | `Job_Desc` |
//! | LinkedIn (`linkedin_jobs_m5991.csv`) | `job_id` | `company` | `location` (`City, ST`), US | none | `date`, else [`LINKEDIN_SCRAPED_ON`] minus `date_text` (`2 months ago`) / none | `description` without its `About the job` heading |
//! | NYC Jobs (`nyc_jobs_postings_cleaned.csv`) | `Job ID`-`Posting Type` (one job is posted internally and externally) | `Agency` | New York, NY, US | `Salary_Range_From`/`To` (`$105746`) × 1 (Annual), × [`HOURS_PER_YEAR`] (Hourly), × [`DAYS_PER_YEAR`] (Daily) | `Posting Date` / `Post Until` (`7/10/2024` or `7-Nov-24`; `N/A` = none) | none in the file: civil service title, job category and division, joined |
//! | NHS Jobs (`nhs_jobs_2020_stochastictalk.csv`) | `vacancy_id` | `hiring_organization` | `address_locality`, `GB`, `latitude`/`longitude` | `salary_min`/`salary_max` GBP (empty or `0` = missing, then `salary_text` is parsed) | `date_posted` / `valid_through` | `description` |
//! | Reed (`reed_uk_jobs_titles.csv`) | [`content_hash`] of title, city, state, salary, category (duplicates share it) | empty (not in the file) | `city`, `state`, GB | `salary_offered` parsed by [`parse_salary_text`] (GBP, or EUR for `€`) | [`REED_POSTED_ON`] (the file has no dates) / none | none |
//!
//! Titles and organisations written in capitals (NYC, NHS towns) are turned into title case for
//! display. `remote` is set when the title says "remote" (LinkedIn's remote teaching posts).

use std::path::Path;

use chrono::{Days, Months, NaiveDate};
use reskill_core::catalog::{NewOpening, OpeningStatus, Place};

use crate::courses::{for_each_row, stem};
use crate::error::IngestError;
use crate::esco::{Row, Source, Table};
use crate::rejected::ReadOutcome;
use crate::text::{
    DAYS_PER_YEAR, HOURS_PER_YEAR, content_hash, normalise, parse_amount, parse_date,
    parse_salary_text,
};

/// The day the LinkedIn file was scraped, taken as the day after its latest `date` (2025-04-17);
/// postings without a `date` are dated from it and their `date_text` (`2 months ago`).
pub const LINKEDIN_SCRAPED_ON: NaiveDate = match NaiveDate::from_ymd_opt(2025, 4, 18) {
    Some(date) => date,
    None => panic!("valid date"),
};

/// The posting date given to every Reed row: the file has none, and PROVENANCE.md dates the
/// scrape to about 2018 (unverified), so the first day of 2018 stands in.
pub const REED_POSTED_ON: NaiveDate = match NaiveDate::from_ymd_opt(2018, 1, 1) {
    Some(date) => date,
    None => panic!("valid date"),
};

/// One opening read from a file, with the raw skill tags the file gives (for the tagger).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOpening {
    /// The opening.
    pub opening: NewOpening,
    /// Skill names as the file gives them, trimmed, in file order.
    pub skill_tags: Vec<String>,
    /// An occupation named by the file that is not an ESCO URI (JSON-LD `occupationalCategory`
    /// such as an O*NET code or a plain name), for the importer to resolve.
    pub occupation_hint: Option<String>,
}

/// What [`read_openings`] got from one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpeningsRead {
    /// The format detected from the header.
    pub format: Option<OpeningFormat>,
    /// The openings and the rejected rows.
    pub outcome: ReadOutcome<ReadOpening>,
}

/// The opening CSV formats the reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpeningFormat {
    /// Glassdoor data jobs by state.
    Glassdoor,
    /// LinkedIn job cards with descriptions.
    Linkedin,
    /// NYC Jobs postings.
    NycJobs,
    /// NHS Jobs postings (flattened JobPosting JSON).
    NhsJobs,
    /// Reed.co.uk titles.
    Reed,
}

impl OpeningFormat {
    /// Returns the format whose distinguishing columns are all in `headers`.
    pub fn detect(headers: &[String]) -> Option<Self> {
        let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
        let all = |names: &[&str]| names.iter().all(|n| has(n));
        if all(&["Job_title", "Company", "Job_Desc"]) {
            Some(Self::Glassdoor)
        } else if all(&["vacancy_id", "hiring_organization", "date_posted"]) {
            Some(Self::NhsJobs)
        } else if all(&["Job ID", "Business Title", "Agency"]) {
            Some(Self::NycJobs)
        } else if all(&["job_id", "title", "company", "description"]) {
            Some(Self::Linkedin)
        } else if all(&["job_title", "salary_offered", "category"]) {
            Some(Self::Reed)
        } else {
            None
        }
    }

    /// The columns this format reads; the first `required` must be in the header.
    fn columns(self) -> (&'static [&'static str], usize) {
        match self {
            Self::Glassdoor => (
                &[
                    "Job_title",
                    "Company",
                    "Date_Posted",
                    "City",
                    "State",
                    "Min_Salary",
                    "Max_Salary",
                    "Job_Desc",
                    "Valid_until",
                ],
                3,
            ),
            Self::Linkedin => (
                &[
                    "job_id",
                    "title",
                    "company",
                    "description",
                    "location",
                    "date",
                    "date_text",
                    "link",
                    "skills",
                ],
                4,
            ),
            Self::NycJobs => (
                &[
                    "Job ID",
                    "Business Title",
                    "Agency",
                    "Posting Date",
                    "Posting Type",
                    "Post Until",
                    "Salary_Range_From",
                    "Salary_Range_To",
                    "Salary Frequency",
                    "Civil Service Title",
                    "Job Category",
                    "Division/Work Unit",
                ],
                4,
            ),
            Self::NhsJobs => (
                &[
                    "vacancy_id",
                    "title",
                    "hiring_organization",
                    "date_posted",
                    "valid_through",
                    "salary_min",
                    "salary_max",
                    "salary_text",
                    "currency",
                    "address_locality",
                    "country",
                    "latitude",
                    "longitude",
                    "url",
                    "description",
                ],
                4,
            ),
            Self::Reed => (
                &["job_title", "category", "city", "state", "salary_offered"],
                1,
            ),
        }
    }
}

/// Reads an opening CSV from disk; the source name is the file stem.
pub fn read_openings_file(path: &Path) -> Result<OpeningsRead, IngestError> {
    read_openings(Source::open(path)?)
}

/// Reads an opening CSV in any [`OpeningFormat`].
pub fn read_openings(source: Source<'_>) -> Result<OpeningsRead, IngestError> {
    let mut table = Table::open(source, false)?;
    let format =
        OpeningFormat::detect(table.headers()).ok_or_else(|| IngestError::UnknownFormat {
            file: table.name().to_owned(),
            reason:
                "expected the columns of a known job-posting CSV (Glassdoor, LinkedIn, NYC Jobs, \
                 NHS Jobs, Reed); JobPosting JSON-LD has its own reader"
                    .to_owned(),
        })?;
    let (names, required) = format.columns();
    let mut cols = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        cols.push(if i < required {
            Some(table.column(name)?)
        } else {
            table.optional_column(name)
        });
    }
    let columns = Columns { names, cols };
    let source_name = stem(table.name());
    let mut read = OpeningsRead {
        format: Some(format),
        ..OpeningsRead::default()
    };
    for_each_row(&mut table, &mut read.outcome.rejected, |row| {
        let opening = match format {
            OpeningFormat::Glassdoor => columns.glassdoor(row, &source_name),
            OpeningFormat::Linkedin => columns.linkedin(row, &source_name),
            OpeningFormat::NycJobs => columns.nyc(row, &source_name),
            OpeningFormat::NhsJobs => columns.nhs(row, &source_name),
            OpeningFormat::Reed => columns.reed(row, &source_name),
        }?;
        crate::limits::check_opening(&opening.opening, &opening.skill_tags)
            .map_err(|v| IngestError::row(row.file(), row.line(), v.field, v.reason))?;
        read.outcome.records.push(opening);
        Ok(())
    })?;
    Ok(read)
}

/// Returns the key under which the same job posted in several files (or twice in one) is
/// merged: normalised title, organisation and place name joined by `|`
/// (`"registered nurse|queens boulevard endoscopy center|rego park"`). Normalised means
/// lowercased, accents folded and punctuation collapsed ([`normalise`]), so `Nurse – Band 5`
/// and `nurse band 5` agree; salary, dates and description are left out on purpose because
/// re-postings change them.
pub fn dedupe_key(opening: &NewOpening) -> String {
    let place = opening.place.as_ref().map_or("", |p| p.name.as_str());
    format!(
        "{}|{}|{}",
        normalise(&opening.title),
        normalise(&opening.organisation),
        normalise(place)
    )
}

struct Columns {
    names: &'static [&'static str],
    cols: Vec<Option<usize>>,
}

impl Columns {
    fn idx(&self, name: &str) -> Option<usize> {
        let pos = self.names.iter().position(|n| *n == name);
        debug_assert!(pos.is_some(), "column {name} not listed for this format");
        pos.and_then(|p| self.cols[p])
    }

    fn req(&self, name: &str) -> usize {
        self.idx(name).unwrap_or(usize::MAX)
    }

    /// Parses a required date column.
    fn date(&self, row: &Row<'_>, name: &str) -> Result<NaiveDate, IngestError> {
        let col = self.req(name);
        let value = row.required(col)?;
        parse_date(value).ok_or_else(|| row.error(col, format!("not a date: {value:?}")))
    }

    /// Parses an optional date column; empty and `N/A` are none, anything else unparsable is an
    /// error.
    fn optional_date(&self, row: &Row<'_>, name: &str) -> Result<Option<NaiveDate>, IngestError> {
        let value = row.get_opt(self.idx(name)).trim();
        if value.is_empty() || value.eq_ignore_ascii_case("n/a") {
            return Ok(None);
        }
        parse_date(value)
            .map(Some)
            .ok_or_else(|| row.error(self.req(name), format!("not a date: {value:?}")))
    }

    /// Parses an optional amount; `-1`, `0` and empty are none.
    fn amount(&self, row: &Row<'_>, name: &str) -> Result<Option<f64>, IngestError> {
        let value = row.get_opt(self.idx(name)).trim();
        if value.is_empty() || value == "-1" {
            return Ok(None);
        }
        match parse_amount(value) {
            Some(amount) if amount > 0.0 => Ok(Some(amount)),
            Some(_) => Ok(None),
            None => Err(row.error(self.req(name), format!("not an amount: {value:?}"))),
        }
    }

    fn glassdoor(&self, row: &Row<'_>, source: &str) -> Result<ReadOpening, IngestError> {
        let title = row.required(self.req("Job_title"))?;
        let organisation = row.required(self.req("Company"))?;
        let city = row.text(self.idx("City"));
        let state = row.text(self.idx("State"));
        let description = row.text(self.idx("Job_Desc"));
        let (salary_min, salary_max) = ordered(
            self.amount(row, "Min_Salary")?,
            self.amount(row, "Max_Salary")?,
        );
        let opening = NewOpening {
            source: source.to_owned(),
            source_id: content_hash(&[title, organisation, &city, &state, &description]),
            organisation: organisation.to_owned(),
            title: title.to_owned(),
            occupation: None,
            remote: says_remote(title),
            description,
            skills: Vec::new(),
            place: place(city, Some(state), "US", None, None),
            salary_min,
            salary_max,
            currency: "USD".to_owned(),
            status: OpeningStatus::Open,
            posted_on: self.date(row, "Date_Posted")?,
            expires_on: self.optional_date(row, "Valid_until")?,
            url: String::new(),
            dedupe_key: None,
        };
        Ok(plain(opening))
    }

    fn linkedin(&self, row: &Row<'_>, source: &str) -> Result<ReadOpening, IngestError> {
        let id = row.required(self.req("job_id"))?;
        let title = row.required(self.req("title"))?;
        let organisation = row.required(self.req("company"))?;
        let description = row.text(self.idx("description"));
        let description = description
            .strip_prefix("About the job")
            .map_or(description.as_str(), str::trim_start)
            .to_owned();
        let posted_on = match self.optional_date(row, "date")? {
            Some(date) => date,
            None => {
                let text_col = self.idx("date_text");
                let text = row.get_opt(text_col).trim();
                relative_date(text, LINKEDIN_SCRAPED_ON).ok_or_else(|| {
                    row.error(
                        text_col.unwrap_or_else(|| self.req("date")),
                        format!("no date, and date_text {text:?} is not like \"2 months ago\""),
                    )
                })?
            }
        };
        let location = row.text(self.idx("location"));
        let (city, region) = match location.rsplit_once(',') {
            Some((city, region)) => (city.trim().to_owned(), Some(region.trim().to_owned())),
            None => (location, None),
        };
        let link = row.text(self.idx("link"));
        // Strip LinkedIn's tracking query; the path is the posting.
        let url = link.split('?').next().unwrap_or_default().to_owned();
        let opening = NewOpening {
            source: source.to_owned(),
            source_id: id.to_owned(),
            organisation: organisation.to_owned(),
            title: title.to_owned(),
            occupation: None,
            remote: says_remote(title),
            description,
            skills: Vec::new(),
            place: place(city, region, "US", None, None),
            salary_min: None,
            salary_max: None,
            currency: "USD".to_owned(),
            status: OpeningStatus::Open,
            posted_on,
            expires_on: None,
            url,
            dedupe_key: None,
        };
        Ok(ReadOpening {
            opening,
            skill_tags: row
                .get_opt(self.idx("skills"))
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            occupation_hint: None,
        })
    }

    fn nyc(&self, row: &Row<'_>, source: &str) -> Result<ReadOpening, IngestError> {
        let id = row.required(self.req("Job ID"))?;
        let posting_type = row.get_opt(self.idx("Posting Type")).trim().to_lowercase();
        let title = display_case(row.required(self.req("Business Title"))?);
        let organisation = display_case(row.required(self.req("Agency"))?);
        let frequency_col = self.idx("Salary Frequency");
        let factor = match row.get_opt(frequency_col).trim() {
            "" | "Annual" => 1.0,
            "Hourly" => HOURS_PER_YEAR,
            "Daily" => DAYS_PER_YEAR,
            other => {
                return Err(row.error(
                    frequency_col.unwrap_or(usize::MAX),
                    format!("expected Annual, Hourly or Daily, found {other:?}"),
                ));
            }
        };
        let (salary_min, salary_max) = ordered(
            self.amount(row, "Salary_Range_From")?.map(|s| s * factor),
            self.amount(row, "Salary_Range_To")?.map(|s| s * factor),
        );
        let description = [
            ("Civil service title", "Civil Service Title"),
            ("Job category", "Job Category"),
            ("Division", "Division/Work Unit"),
        ]
        .iter()
        .filter_map(|(label, column)| {
            let value = row.text(self.idx(column));
            (!value.is_empty()).then(|| format!("{label}: {}.", display_case(&value)))
        })
        .collect::<Vec<_>>()
        .join(" ");
        let source_id = if posting_type.is_empty() {
            id.to_owned()
        } else {
            format!("{id}-{posting_type}")
        };
        let opening = NewOpening {
            source: source.to_owned(),
            source_id,
            organisation,
            remote: says_remote(&title),
            title,
            occupation: None,
            description,
            skills: Vec::new(),
            place: place(
                "New York".to_owned(),
                Some("NY".to_owned()),
                "US",
                None,
                None,
            ),
            salary_min,
            salary_max,
            currency: "USD".to_owned(),
            status: OpeningStatus::Open,
            posted_on: self.date(row, "Posting Date")?,
            expires_on: self.optional_date(row, "Post Until")?,
            url: String::new(),
            dedupe_key: None,
        };
        Ok(plain(opening))
    }

    fn nhs(&self, row: &Row<'_>, source: &str) -> Result<ReadOpening, IngestError> {
        let id = row.required(self.req("vacancy_id"))?;
        let title = row.required(self.req("title"))?;
        let organisation = row.required(self.req("hiring_organization"))?;
        let currency = Some(row.text(self.idx("currency")))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "GBP".to_owned());
        let (mut salary_min, mut salary_max) = ordered(
            self.amount(row, "salary_min")?,
            self.amount(row, "salary_max")?,
        );
        if salary_min.is_none()
            && salary_max.is_none()
            && let Some(range) = parse_salary_text(row.get_opt(self.idx("salary_text")), "GBP")
            && range.currency == currency
        {
            (salary_min, salary_max) = (Some(range.min), Some(range.max));
        }
        let coordinate = |name: &str| -> Result<Option<f64>, IngestError> {
            let value = row.get_opt(self.idx(name)).trim();
            if value.is_empty() {
                return Ok(None);
            }
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| row.error(self.req(name), format!("not a coordinate: {value:?}")))
        };
        let country = Some(row.text(self.idx("country")))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "GB".to_owned());
        let opening = NewOpening {
            source: source.to_owned(),
            source_id: id.to_owned(),
            organisation: organisation.to_owned(),
            title: title.to_owned(),
            occupation: None,
            remote: says_remote(title),
            description: row.text(self.idx("description")),
            skills: Vec::new(),
            place: place(
                display_case(&row.text(self.idx("address_locality"))),
                None,
                &country,
                coordinate("latitude")?,
                coordinate("longitude")?,
            ),
            salary_min,
            salary_max,
            currency,
            status: OpeningStatus::Open,
            posted_on: self.date(row, "date_posted")?,
            expires_on: self.optional_date(row, "valid_through")?,
            url: row.text(self.idx("url")),
            dedupe_key: None,
        };
        Ok(plain(opening))
    }

    fn reed(&self, row: &Row<'_>, source: &str) -> Result<ReadOpening, IngestError> {
        let title = row.required(self.req("job_title"))?;
        let city = row.text(self.idx("city"));
        let state = row.text(self.idx("state"));
        let category = row.text(self.idx("category"));
        let salary_text = row.get_opt(self.idx("salary_offered")).trim();
        let salary = parse_salary_text(salary_text, "GBP");
        let opening = NewOpening {
            source: source.to_owned(),
            source_id: content_hash(&[title, &city, &state, salary_text, &category]),
            organisation: String::new(),
            title: title.to_owned(),
            occupation: None,
            remote: says_remote(title),
            description: String::new(),
            skills: Vec::new(),
            place: place(city, Some(state), "GB", None, None),
            salary_min: salary.as_ref().map(|s| s.min),
            salary_max: salary.as_ref().map(|s| s.max),
            currency: salary.map_or("GBP", |s| s.currency).to_owned(),
            status: OpeningStatus::Open,
            posted_on: REED_POSTED_ON,
            expires_on: None,
            url: String::new(),
            dedupe_key: None,
        };
        Ok(plain(opening))
    }
}

fn plain(opening: NewOpening) -> ReadOpening {
    ReadOpening {
        opening,
        skill_tags: Vec::new(),
        occupation_hint: None,
    }
}

/// Returns a place, or none when there is no name.
fn place(
    name: String,
    region: Option<String>,
    country: &str,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Option<Place> {
    if name.is_empty() {
        return None;
    }
    Some(Place {
        name,
        region: region.filter(|r| !r.is_empty()),
        country: Some(country.to_owned()),
        lat,
        lon,
    })
}

/// Returns the bounds in order; a lone bound is both.
fn ordered(min: Option<f64>, max: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (min, max) {
        (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
        (Some(a), None) => (Some(a), Some(a)),
        (None, Some(b)) => (Some(b), Some(b)),
        other => other,
    }
}

/// Returns whether a title says the job is remote.
fn says_remote(title: &str) -> bool {
    normalise(title).split(' ').any(|w| w == "remote")
}

/// Returns text written all in capitals in title case (`DEPT OF HEALTH` → `Dept Of Health`);
/// anything with a lowercase letter is returned unchanged.
pub fn display_case(text: &str) -> String {
    if text.chars().any(char::is_lowercase) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut start_of_word = true;
    for c in text.chars() {
        if c.is_alphabetic() {
            if start_of_word {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            start_of_word = false;
        } else {
            out.push(c);
            start_of_word = c != '\'';
        }
    }
    out
}

/// Parses `2 months ago`, `Reposted 1 week ago`, `3 days ago`, `5 hours ago` relative to
/// `anchor`.
pub fn relative_date(text: &str, anchor: NaiveDate) -> Option<NaiveDate> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let ago = words.iter().position(|w| *w == "ago")?;
    if ago < 2 {
        return None;
    }
    let n: u32 = words[ago - 2].parse().ok()?;
    let unit = words[ago - 1].trim_end_matches('s');
    match unit {
        "minute" | "hour" => Some(anchor),
        "day" => anchor.checked_sub_days(Days::new(u64::from(n))),
        "week" => anchor.checked_sub_days(Days::new(7 * u64::from(n))),
        "month" => anchor.checked_sub_months(Months::new(n)),
        // `n` comes from the file: "400000000 years ago" must not overflow the month count.
        "year" => anchor.checked_sub_months(Months::new(n.checked_mul(12)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REED_HEADER: &str = "job_title,category,city,state,salary_offered\n";

    /// Reads a Reed-format file with `body` under the header; returns the titles read and the
    /// rejected rows as `line: reason`.
    fn read_reed(body: &str) -> (Vec<String>, Vec<String>) {
        let text = format!("{REED_HEADER}{body}");
        let read = read_openings(Source::from_bytes("reed.csv", text.as_bytes())).unwrap();
        let titles = read
            .outcome
            .records
            .iter()
            .map(|r| r.opening.title.clone())
            .collect();
        let rejected = read
            .outcome
            .rejected
            .iter()
            .map(|r| {
                assert_eq!(r.file, "reed.csv");
                format!("{}: {}", r.line, r.reason)
            })
            .collect();
        (titles, rejected)
    }

    #[test]
    fn an_unterminated_quote_rejects_its_line_and_the_rows_below_are_read() {
        let (titles, rejected) = read_reed(
            "Nurse,health,Leeds,West Yorkshire,£20000\n\
             \"Cook,catering,York,North Yorkshire,£18000\n\
             Teacher,education,Hull,East Riding,£25000\n\
             Chef,\"catering\",York,North Yorkshire,£2\n\
             Baker,catering,York,North Yorkshire,£3\n",
        );
        assert_eq!(titles, ["Nurse", "Teacher", "Chef", "Baker"]);
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert!(
            rejected[0].starts_with("3: malformed CSV: unterminated quoted field"),
            "{rejected:?}"
        );
    }

    #[test]
    fn an_unterminated_quote_that_keeps_the_field_count_is_still_caught() {
        // The quote in the last field swallows the next row into it, and the record still has
        // five fields; the odd number of quotes gives it away.
        let (titles, rejected) = read_reed(
            "Nurse,health,Leeds,West Yorkshire,\"£20000\n\
             Teacher,education,Hull,East Riding,£25000\n",
        );
        assert_eq!(titles, ["Teacher"]);
        assert_eq!(rejected.len(), 1);
        assert!(rejected[0].starts_with("2: malformed CSV: unterminated quoted field"));
    }

    #[test]
    fn a_quoted_field_over_several_lines_is_one_good_row() {
        let (titles, rejected) = read_reed(
            "\"Chef\nde partie\",catering,York,North Yorkshire,£2\n\
             Baker,catering,York,North Yorkshire,£3\n",
        );
        assert_eq!(titles, ["Chef\nde partie", "Baker"]);
        assert!(rejected.is_empty(), "{rejected:?}");
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_rejected_by_line() {
        let (titles, rejected) = read_reed(
            "Driver,logistics,Leeds\n\
             Porter,health,Leeds,West Yorkshire,£1,extra\n\
             Nurse,health,Leeds,West Yorkshire,£20000\n",
        );
        assert_eq!(titles, ["Nurse"]);
        assert_eq!(
            rejected,
            [
                "2: malformed CSV: record has 3 fields but the header has 5",
                "3: malformed CSV: record has 6 fields but the header has 5",
            ]
        );
    }

    #[test]
    fn nul_and_control_characters_are_rejected_by_line_and_column() {
        let (titles, rejected) = read_reed(
            "Nurse,health,Leeds,West Yorkshire,£20000\n\
             Clerk\0,admin,Leeds,West Yorkshire,£1\n\
             Clerk,admin\u{7},Leeds,West Yorkshire,£1\n\
             Tab\tSeparated Title,admin,Leeds,West Yorkshire,£1\n",
        );
        assert_eq!(titles, ["Nurse", "Tab\tSeparated Title"]);
        assert_eq!(
            rejected,
            [
                "3: column job_title: contains a NUL byte",
                "4: column category: contains the control character U+0007",
            ]
        );
    }

    #[test]
    fn over_long_fields_are_rejected_by_line_and_column() {
        let long_title = "x".repeat(crate::limits::MAX_NAME_CHARS + 1);
        let huge_state = "y".repeat(crate::limits::MAX_FIELD_BYTES + 1);
        let (titles, rejected) = read_reed(&format!(
            "{long_title},admin,Leeds,West Yorkshire,£1\n\
             Clerk,admin,Leeds,{huge_state},£1\n\
             Nurse,health,Leeds,West Yorkshire,£20000\n"
        ));
        assert_eq!(titles, ["Nurse"]);
        assert_eq!(
            rejected,
            [
                "2: column title: longer than 300 characters (301 bytes)".to_owned(),
                format!(
                    "3: column state: {} bytes, longer than the 100000-byte limit",
                    crate::limits::MAX_FIELD_BYTES + 1
                ),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_rejected_by_line_and_the_rest_is_read() {
        let mut bytes = REED_HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"Clerk\xff,admin,Leeds,West Yorkshire,1\n");
        bytes.extend_from_slice("Nurse,health,Leeds,West Yorkshire,£20000\n".as_bytes());
        let read = read_openings(Source::from_bytes("reed.csv", &bytes)).unwrap();
        assert_eq!(read.outcome.records.len(), 1);
        assert_eq!(
            read.outcome.rejected[0].to_string(),
            "reed.csv:2: column job_title: not valid UTF-8 (byte 6)"
        );
    }

    #[test]
    fn relative_dates() {
        let anchor = NaiveDate::from_ymd_opt(2025, 4, 18).unwrap();
        assert_eq!(
            relative_date("2 months ago", anchor),
            NaiveDate::from_ymd_opt(2025, 2, 18)
        );
        assert_eq!(
            relative_date("Reposted 1 week ago", anchor),
            NaiveDate::from_ymd_opt(2025, 4, 11)
        );
        assert_eq!(relative_date("yesterday", anchor), None);
    }

    /// Found by fuzzing: a year count whose month count overflows `u32` panicked with
    /// "attempt to multiply with overflow" (and wrapped to a wrong date in release builds).
    #[test]
    fn huge_relative_dates_are_refused_not_overflowed() {
        let anchor = NaiveDate::from_ymd_opt(2025, 4, 18).unwrap();
        assert_eq!(relative_date("400000000 years ago", anchor), None);
        assert_eq!(relative_date("4294967295 years ago", anchor), None);
        assert_eq!(relative_date("4294967295 weeks ago", anchor), None);
        assert_eq!(relative_date("4294967295 months ago", anchor), None);
    }

    #[test]
    fn capitals_become_title_case() {
        assert_eq!(
            display_case("DEPT OF HEALTH/MENTAL HYGIENE"),
            "Dept Of Health/Mental Hygiene"
        );
        assert_eq!(display_case("ARLESEY"), "Arlesey");
        assert_eq!(display_case("Bartle, Preston"), "Bartle, Preston");
    }

    #[test]
    fn dedupe_key_ignores_case_and_punctuation() {
        let opening = |title: &str, org: &str, place_name: &str| NewOpening {
            source: "t".into(),
            source_id: "1".into(),
            organisation: org.into(),
            title: title.into(),
            occupation: None,
            description: String::new(),
            skills: Vec::new(),
            place: Some(Place {
                name: place_name.into(),
                ..Place::default()
            }),
            remote: false,
            salary_min: None,
            salary_max: None,
            currency: "GBP".into(),
            status: OpeningStatus::Open,
            posted_on: REED_POSTED_ON,
            expires_on: None,
            url: String::new(),
            dedupe_key: None,
        };
        assert_eq!(
            dedupe_key(&opening("Nurse – Band 5", "NHS Trust", "LEEDS")),
            dedupe_key(&opening("nurse band 5", "nhs trust", "Leeds"))
        );
        assert_eq!(dedupe_key(&opening("Nurse", "A", "Leeds")), "nurse|a|leeds");
    }
}
