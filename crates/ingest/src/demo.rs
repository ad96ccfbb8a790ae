//! Reskill's own small demo data set, loaded on first start when the database is empty.
//!
//! It is enough to show the whole product on a laptop: 25 real ESCO occupations (twelve exposed
//! to automation, thirteen safer ones reachable from them) with their real skills, the Nesta
//! risk scores for them, about fifty hand-written UK courses, a deterministic set of about 300
//! job openings, and a handful of demo people. The data files live in `crates/ingest/demo/` and
//! are compiled into the binary; `demo/README.md` says where they come from.
//!
//! The taxonomy files are in the official ESCO CSV format, so they go through the same reader as
//! a full ESCO download, and a later full import upserts the same concepts (keys are ESCO URIs).

use chrono::{Days, NaiveDate};
use reskill_core::catalog::{
    CourseMode, NewCourse, NewOpening, OccupationTag, OpeningStatus, Place, SkillTag, TagOrigin,
};

/// The demo taxonomy in ESCO CSV format, as `(file name, contents)`: ISCO groups, occupations,
/// skills and occupation–skill relations (a subset of real ESCO v1.1.1 rows).
pub const TAXONOMY_FILES: &[(&str, &[u8])] = &[
    (
        "ISCOGroups_en.csv",
        include_bytes!("../demo/ISCOGroups_en.csv"),
    ),
    (
        "occupations_en.csv",
        include_bytes!("../demo/occupations_en.csv"),
    ),
    ("skills_en.csv", include_bytes!("../demo/skills_en.csv")),
    (
        "occupationSkillRelations.csv",
        include_bytes!("../demo/occupationSkillRelations.csv"),
    ),
    (
        "broaderRelationsOccPillar.csv",
        include_bytes!("../demo/broaderRelationsOccPillar.csv"),
    ),
];

/// The demo risk table, as `(file name, contents)`: the rows of Nesta's
/// `mcc_risk_All_occupations.csv` for the demo occupations Nesta scores (same header).
pub const RISK_FILE: (&str, &[u8]) = ("risk_nesta.csv", include_bytes!("../demo/risk_nesta.csv"));

/// The risk source name of [`RISK_FILE`]: Kanders et al. (2020), *Mapping Career Causeways*,
/// Nesta (MIT licence).
pub const RISK_SOURCE: &str = "nesta-mcc";

/// The publication year of [`RISK_SOURCE`].
pub const RISK_YEAR: i32 = 2020;

/// The `source` of every demo course and opening.
pub const SOURCE: &str = "demo";

const COURSES_FILE: &str = "courses.csv";
const COURSES_CSV: &[u8] = include_bytes!("../demo/courses.csv");

/// Whether a demo occupation is one the story starts from or one people move to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outlook {
    /// Exposed to automation (customer contact, marketing support, language, back office).
    AtRisk,
    /// Lower risk and reachable from the at-risk ones; gets more openings.
    Safer,
}

/// The kind of employer that hires for an occupation, used to pick plausible employer names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    /// Offices, shops, contact centres and agencies.
    Business,
    /// Technology and digital teams.
    Digital,
    /// Health and social care.
    Care,
    /// Schools.
    Education,
    /// Building trades.
    Trades,
    /// Public bodies and advice services.
    Public,
}

/// One demo occupation with what the generators need to know about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoOccupation {
    /// ESCO URI.
    pub uri: &'static str,
    /// ESCO preferred label.
    pub label: &'static str,
    /// At risk or safer.
    pub outlook: Outlook,
    /// Who hires for it.
    pub sector: Sector,
    /// Typical yearly salary range in GBP for a mid-level, full-time role.
    pub salary_gbp: (f64, f64),
    /// Whether the work can be done from home.
    pub remote_possible: bool,
}

const fn occupation(
    uri: &'static str,
    label: &'static str,
    outlook: Outlook,
    sector: Sector,
    salary_gbp: (f64, f64),
    remote_possible: bool,
) -> DemoOccupation {
    DemoOccupation {
        uri,
        label,
        outlook,
        sector,
        salary_gbp,
        remote_possible,
    }
}

/// The demo occupations, at-risk ones first. Every URI is in the demo `occupations_en.csv`.
pub const OCCUPATIONS: &[DemoOccupation] = {
    use Outlook::{AtRisk, Safer};
    use Sector::{Business, Care, Digital, Education, Public, Trades};
    &[
        occupation(
            CUSTOMER_SERVICE_REPRESENTATIVE,
            "customer service representative",
            AtRisk,
            Business,
            (23_000.0, 27_000.0),
            true,
        ),
        occupation(
            CONTACT_CENTRE_CLERK,
            "customer contact centre information clerk",
            AtRisk,
            Business,
            (22_000.0, 26_000.0),
            true,
        ),
        occupation(
            CALL_CENTRE_AGENT,
            "call centre agent",
            AtRisk,
            Business,
            (22_000.0, 26_000.0),
            true,
        ),
        occupation(
            SWITCHBOARD_OPERATOR,
            "telephone switchboard operator",
            AtRisk,
            Business,
            (21_000.0, 24_000.0),
            false,
        ),
        occupation(
            MARKETING_ASSISTANT,
            "marketing assistant",
            AtRisk,
            Business,
            (24_000.0, 29_000.0),
            true,
        ),
        occupation(
            MARKETING_CONSULTANT,
            "marketing consultant",
            AtRisk,
            Business,
            (35_000.0, 50_000.0),
            true,
        ),
        occupation(
            TRANSLATOR,
            "translator",
            AtRisk,
            Business,
            (28_000.0, 38_000.0),
            true,
        ),
        occupation(
            PROOFREADER,
            "proofreader",
            AtRisk,
            Business,
            (24_000.0, 32_000.0),
            true,
        ),
        occupation(
            DATA_ENTRY_CLERK,
            "data entry clerk",
            AtRisk,
            Business,
            (22_000.0, 25_000.0),
            true,
        ),
        occupation(
            BOOKKEEPER,
            "bookkeeper",
            AtRisk,
            Business,
            (26_000.0, 32_000.0),
            true,
        ),
        occupation(
            PAYROLL_CLERK,
            "payroll clerk",
            AtRisk,
            Business,
            (25_000.0, 30_000.0),
            true,
        ),
        occupation(
            RECEPTIONIST,
            "receptionist",
            AtRisk,
            Business,
            (22_000.0, 25_000.0),
            false,
        ),
        occupation(
            ICT_HELP_DESK_AGENT,
            "ICT help desk agent",
            Safer,
            Digital,
            (25_000.0, 31_000.0),
            true,
        ),
        occupation(
            DATA_ANALYST,
            "data analyst",
            Safer,
            Digital,
            (32_000.0, 45_000.0),
            true,
        ),
        occupation(
            SEO_EXPERT,
            "search engine optimisation expert",
            Safer,
            Digital,
            (30_000.0, 42_000.0),
            true,
        ),
        occupation(
            UX_ANALYST,
            "user experience analyst",
            Safer,
            Digital,
            (38_000.0, 55_000.0),
            true,
        ),
        occupation(
            ICT_PROJECT_MANAGER,
            "ICT project manager",
            Safer,
            Digital,
            (45_000.0, 65_000.0),
            true,
        ),
        occupation(
            HEALTHCARE_ASSISTANT,
            "healthcare assistant",
            Safer,
            Care,
            (24_000.0, 27_000.0),
            false,
        ),
        occupation(
            HOME_CARE_AIDE,
            "home care aide",
            Safer,
            Care,
            (23_000.0, 26_000.0),
            false,
        ),
        occupation(
            TEACHING_ASSISTANT,
            "primary school teaching assistant",
            Safer,
            Education,
            (21_000.0, 25_000.0),
            false,
        ),
        occupation(
            ELECTRICIAN,
            "electrician",
            Safer,
            Trades,
            (33_000.0, 42_000.0),
            false,
        ),
        occupation(
            PLUMBER,
            "plumber",
            Safer,
            Trades,
            (32_000.0, 42_000.0),
            false,
        ),
        occupation(
            CAREER_GUIDANCE_ADVISOR,
            "career guidance advisor",
            Safer,
            Public,
            (28_000.0, 35_000.0),
            true,
        ),
        occupation(
            CONSUMER_RIGHTS_ADVISOR,
            "consumer rights advisor",
            Safer,
            Public,
            (27_000.0, 34_000.0),
            true,
        ),
        occupation(
            CIVIL_SERVICE_ADMIN_OFFICER,
            "civil service administrative officer",
            Safer,
            Public,
            (25_000.0, 29_000.0),
            true,
        ),
    ]
};

const CUSTOMER_SERVICE_REPRESENTATIVE: &str =
    "http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7";
const CONTACT_CENTRE_CLERK: &str =
    "http://data.europa.eu/esco/occupation/b7b75eb6-34bc-462d-b412-eed393cc1397";
const CALL_CENTRE_AGENT: &str =
    "http://data.europa.eu/esco/occupation/0ededdc2-050a-4ec3-8e70-6295105fcd19";
const SWITCHBOARD_OPERATOR: &str =
    "http://data.europa.eu/esco/occupation/0bf68df5-e808-4c27-abf2-6f85440f2d7f";
const MARKETING_ASSISTANT: &str =
    "http://data.europa.eu/esco/occupation/47e81c7f-2d04-4a60-a8ff-9913c36d8344";
const MARKETING_CONSULTANT: &str =
    "http://data.europa.eu/esco/occupation/4791e217-d607-40d5-9f84-df1d0a071cbc";
const TRANSLATOR: &str =
    "http://data.europa.eu/esco/occupation/1a07bd7d-2e1d-4930-a84a-1a442b8f2a44";
const PROOFREADER: &str =
    "http://data.europa.eu/esco/occupation/f8f34041-3640-41a9-852e-c5a7574de780";
const DATA_ENTRY_CLERK: &str =
    "http://data.europa.eu/esco/occupation/6353b3e8-e8f2-4ecb-b230-186927139892";
const BOOKKEEPER: &str =
    "http://data.europa.eu/esco/occupation/c3aae59e-1441-4b3e-bdd1-6da50dc7cf42";
const PAYROLL_CLERK: &str =
    "http://data.europa.eu/esco/occupation/ade351da-7bda-424e-8682-bbdcab2a25be";
const RECEPTIONIST: &str =
    "http://data.europa.eu/esco/occupation/f7b04542-d8c7-42db-8475-e63b507cce82";
const ICT_HELP_DESK_AGENT: &str =
    "http://data.europa.eu/esco/occupation/aaeec9a7-dc57-4485-890c-86b3eef735f9";
const DATA_ANALYST: &str =
    "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2";
const SEO_EXPERT: &str =
    "http://data.europa.eu/esco/occupation/092fdeeb-a76f-4ed2-b248-90fd6eaaffef";
const UX_ANALYST: &str =
    "http://data.europa.eu/esco/occupation/faed411a-f920-4100-86a8-b877928b429c";
const ICT_PROJECT_MANAGER: &str =
    "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525";
const HEALTHCARE_ASSISTANT: &str =
    "http://data.europa.eu/esco/occupation/d38c2107-98f2-47b7-8bb4-f69750d51082";
const HOME_CARE_AIDE: &str =
    "http://data.europa.eu/esco/occupation/1391bdf9-bd61-4fb5-91ca-c29036ab2b60";
const TEACHING_ASSISTANT: &str =
    "http://data.europa.eu/esco/occupation/00674f21-2f8f-4a41-9896-133f7cbe2a6e";
const ELECTRICIAN: &str =
    "http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0";
const PLUMBER: &str = "http://data.europa.eu/esco/occupation/ed3cf43d-c2c1-4c46-82fc-1375e27e0290";
const CAREER_GUIDANCE_ADVISOR: &str =
    "http://data.europa.eu/esco/occupation/5d0cc30d-068a-424c-8463-f42872a7149e";
const CONSUMER_RIGHTS_ADVISOR: &str =
    "http://data.europa.eu/esco/occupation/cb60beab-7afb-4e99-8162-221abea68e6d";
const CIVIL_SERVICE_ADMIN_OFFICER: &str =
    "http://data.europa.eu/esco/occupation/ffade2f4-2528-4dfd-b36a-6e4092be08ed";

/// A demo city with its real coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoCity {
    /// Name, as used in `place_name` and [`DemoPerson::city`].
    pub name: &'static str,
    /// Region or nation.
    pub region: &'static str,
    /// Latitude in degrees (city centre).
    pub lat: f64,
    /// Longitude in degrees (city centre).
    pub lon: f64,
    /// Relative share of the demo openings placed here.
    weight: f64,
}

/// The eight UK cities the demo courses, openings and people are spread over.
pub const CITIES: &[DemoCity] = &[
    city("London", "Greater London", 51.5072, -0.1276, 3.0),
    city("Manchester", "Greater Manchester", 53.4808, -2.2426, 1.6),
    city("Birmingham", "West Midlands", 52.4862, -1.8904, 1.6),
    city("Leeds", "West Yorkshire", 53.8008, -1.5491, 1.2),
    city("Glasgow", "Scotland", 55.8642, -4.2518, 1.2),
    city("Bristol", "South West England", 51.4545, -2.5879, 1.0),
    city("Cardiff", "Wales", 51.4816, -3.1791, 0.8),
    city(
        "Newcastle upon Tyne",
        "Tyne and Wear",
        54.9783,
        -1.6178,
        0.8,
    ),
];

const fn city(
    name: &'static str,
    region: &'static str,
    lat: f64,
    lon: f64,
    weight: f64,
) -> DemoCity {
    DemoCity {
        name,
        region,
        lat,
        lon,
        weight,
    }
}

/// Returns the demo city with this name.
pub fn find_city(name: &str) -> Option<&'static DemoCity> {
    CITIES.iter().find(|city| city.name == name)
}

/// Returns the demo metadata of an occupation, by ESCO URI.
pub fn find_occupation(uri: &str) -> Option<&'static DemoOccupation> {
    OCCUPATIONS.iter().find(|occupation| occupation.uri == uri)
}

/// Fictional employers by sector (30 in all); [`people`]' employers belong to two of them.
const EMPLOYERS: &[(Sector, &[&str])] = &[
    (
        Sector::Business,
        &[
            "Harbour Lane Retail Group",
            "Pennine Mutual Insurance",
            "Brightline Energy",
            "Castlegate Lettings",
            "Meridian Travel",
            "Oakridge Accountancy",
            "Kestrel Logistics",
        ],
    ),
    (
        Sector::Digital,
        &[
            "Fernleaf Software",
            "Northstar Analytics",
            "Bluebell Digital",
            "Quayside Systems",
            "Larchmont Bank",
            "Tidewater Telecom",
        ],
    ),
    (
        Sector::Care,
        &[
            "Brightwell Care",
            "St Aidan's Hospital Trust",
            "Hearthside Home Care",
            "Willowbank Care Homes",
            "Riverside Community Health",
        ],
    ),
    (
        Sector::Education,
        &[
            "Elmfield Primary Academy Trust",
            "Westbrook Learning Partnership",
            "Hollins Lane Primary School",
        ],
    ),
    (
        Sector::Trades,
        &[
            "Sparkright Electrical",
            "Copperfield Plumbing & Heating",
            "Greystone Building Services",
            "Northern Homes Maintenance",
        ],
    ),
    (
        Sector::Public,
        &[
            "Cityside Borough Council",
            "National Careers Partnership",
            "Fairdeal Advice Service",
            "Department for Regional Services",
            "Pathways Employment Trust",
        ],
    ),
];

/// Where a row of the embedded courses.csv went wrong, as `courses.csv:LINE: column NAME: WHY`.
fn row_error(line: u64, column: &str, reason: impl std::fmt::Display) -> String {
    format!("{COURSES_FILE}:{line}: column {column}: {reason}")
}

/// Returns the demo courses, parsed from the embedded `demo/courses.csv` (columns found by
/// name). Skill tags are [`TagOrigin::Manual`]: they were chosen by hand. Errors name the line
/// and column.
pub fn courses() -> Result<Vec<NewCourse>, String> {
    let mut reader = csv::Reader::from_reader(COURSES_CSV);
    let headers = reader
        .headers()
        .map_err(|e| format!("{COURSES_FILE}:1: malformed CSV: {e}"))?
        .clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{COURSES_FILE}: header has no column {name:?}"))
    };
    let col = CourseColumns {
        source_id: column("source_id")?,
        provider: column("provider")?,
        title: column("title")?,
        description: column("description")?,
        duration_weeks: column("duration_weeks")?,
        hours: column("hours")?,
        cost: column("cost")?,
        currency: column("currency")?,
        mode: column("mode")?,
        place_name: column("place_name")?,
        region: column("region")?,
        country: column("country")?,
        lat: column("lat")?,
        lon: column("lon")?,
        next_start: column("next_start")?,
        funding: column("funding")?,
        url: column("url")?,
        skill_uris: column("skill_uris")?,
    };
    let mut courses = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{COURSES_FILE}:{line}: malformed CSV: {e}")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        courses.push(parse_course(&record, &col, line)?);
    }
    Ok(courses)
}

/// Column positions in courses.csv.
struct CourseColumns {
    source_id: usize,
    provider: usize,
    title: usize,
    description: usize,
    duration_weeks: usize,
    hours: usize,
    cost: usize,
    currency: usize,
    mode: usize,
    place_name: usize,
    region: usize,
    country: usize,
    lat: usize,
    lon: usize,
    next_start: usize,
    funding: usize,
    url: usize,
    skill_uris: usize,
}

fn parse_course(
    record: &csv::StringRecord,
    col: &CourseColumns,
    line: u64,
) -> Result<NewCourse, String> {
    let text = |index: usize| record.get(index).unwrap_or("").trim();
    let required = |index: usize, name: &str| {
        let value = text(index);
        if value.is_empty() {
            Err(row_error(line, name, "must not be empty"))
        } else {
            Ok(value.to_owned())
        }
    };
    let optional = |index: usize| Some(text(index).to_owned()).filter(|value| !value.is_empty());
    let number = |index: usize, name: &str| -> Result<Option<f64>, String> {
        let value = text(index);
        if value.is_empty() {
            return Ok(None);
        }
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(Some(number)),
            _ => Err(row_error(
                line,
                name,
                format!("expected a number, found {value:?}"),
            )),
        }
    };

    let duration_weeks = number(col.duration_weeks, "duration_weeks")?
        .ok_or_else(|| row_error(line, "duration_weeks", "must not be empty"))?;
    if duration_weeks <= 0.0 {
        return Err(row_error(line, "duration_weeks", "must be positive"));
    }
    let cost = number(col.cost, "cost")?.unwrap_or(0.0);
    if cost < 0.0 {
        return Err(row_error(line, "cost", "must not be negative"));
    }
    let mode = CourseMode::parse(text(col.mode)).map_err(|e| row_error(line, "mode", e.reason))?;
    let place = match optional(col.place_name) {
        None => None,
        Some(name) => Some(Place {
            name,
            region: optional(col.region),
            country: optional(col.country),
            lat: number(col.lat, "lat")?,
            lon: number(col.lon, "lon")?,
        }),
    };
    let next_start = match optional(col.next_start) {
        None => None,
        Some(value) => Some(NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| {
            row_error(
                line,
                "next_start",
                format!("expected a YYYY-MM-DD date, found {value:?}"),
            )
        })?),
    };
    let skills: Vec<SkillTag> = text(col.skill_uris)
        .split('|')
        .map(str::trim)
        .filter(|uri| !uri.is_empty())
        .map(SkillTag::manual)
        .collect();
    if skills.is_empty() {
        return Err(row_error(
            line,
            "skill_uris",
            "must name at least one skill",
        ));
    }

    Ok(NewCourse {
        source: SOURCE.to_owned(),
        source_id: required(col.source_id, "source_id")?,
        provider: required(col.provider, "provider")?,
        title: required(col.title, "title")?,
        description: text(col.description).to_owned(),
        duration_weeks,
        hours: number(col.hours, "hours")?,
        cost,
        currency: required(col.currency, "currency")?,
        mode,
        place,
        next_start,
        funding: text(col.funding).to_owned(),
        url: required(col.url, "url")?,
        skills,
        occupation: None,
        dedupe_key: None,
    })
}

/// The number of openings [`openings`] aims for.
const OPENING_COUNT: usize = 300;
/// How many openings a safer occupation gets for each one an at-risk occupation gets.
const SAFER_DEMAND_FACTOR: f64 = 2.5;
/// Fixed seed: the same inputs always give the same openings.
const OPENINGS_SEED: u64 = 0x5EED_2020_DE30_0001;

/// A tiny deterministic PRNG (splitmix64), so the demo needs no `rand` dependency and is stable
/// across platforms and releases.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a float in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Returns an integer in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.next_f64() < probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How a generated title differs from the plain occupation label.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TitleVariant {
    Plain,
    Senior,
    Trainee,
    PartTime,
    FixedTerm,
}

impl TitleVariant {
    fn pick(rng: &mut SplitMix64) -> Self {
        match rng.below(20) {
            0..=9 => Self::Plain,
            10..=12 => Self::Senior,
            13..=15 => Self::Trainee,
            16..=17 => Self::PartTime,
            _ => Self::FixedTerm,
        }
    }

    fn title(self, label: &str) -> String {
        let capitalised = capitalise(label);
        match self {
            Self::Plain => capitalised,
            Self::Senior => format!("Senior {label}"),
            // "Trainee ICT project manager" reads oddly; managers get an assistant post instead.
            Self::Trainee if label.contains("manager") => format!("Assistant {label}"),
            Self::Trainee => format!("Trainee {label}"),
            Self::PartTime => format!("{capitalised} (part-time)"),
            Self::FixedTerm => format!("{capitalised} (12-month fixed term)"),
        }
    }

    fn salary_factor(self) -> f64 {
        match self {
            Self::Senior => 1.25,
            Self::Trainee => 0.85,
            _ => 1.0,
        }
    }
}

/// Upper-cases the first letter, leaving acronyms such as "ICT" alone.
fn capitalise(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Returns "a" or "an" for a label, by its first letter ("an ICT …", "a user …").
fn indefinite_article(label: &str) -> &'static str {
    let lower = label.to_ascii_lowercase();
    let vowel_sound = lower.starts_with(['a', 'e', 'i', 'o'])
        || (lower.starts_with('u') && !lower.starts_with("us"));
    if vowel_sound { "an" } else { "a" }
}

/// Rounds a salary to the nearest £500.
fn round_salary(value: f64) -> f64 {
    (value / 500.0).round() * 500.0
}

/// An occupation as [`openings`] takes it: `(ESCO URI, label, skills)`, each skill being
/// `(ESCO URI, essential)`.
pub type OccupationSkills = (String, String, Vec<(String, bool)>);

/// Returns about 300 demo job openings for `occupations`, given as `(ESCO URI, label, skills)`
/// where each skill is `(ESCO URI, essential)`.
///
/// The generator is deterministic: the same occupations (in any order) and the same `today`
/// give identical output. Safer demo occupations get about 2.5 times as many openings as
/// at-risk ones, which is the live-demand signal the recommendations rank by. Openings are
/// spread over [`CITIES`] with a little jitter, about 15% are remote, most are open (a few are
/// closed or drafts), all were posted within the last 60 days, and each requires the
/// occupation's essential skills plus some of its optional ones (origin
/// [`TagOrigin::Inferred`]). Occupations that are not demo occupations get at-risk weight and
/// a generic salary band.
pub fn openings(occupations: &[OccupationSkills], today: NaiveDate) -> Vec<NewOpening> {
    let mut sorted: Vec<&OccupationSkills> = occupations.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.dedup_by(|a, b| a.0 == b.0);
    if sorted.is_empty() {
        return Vec::new();
    }

    // Share OPENING_COUNT out by weight, largest remainders first, so the total is exact.
    let weights: Vec<f64> = sorted
        .iter()
        .map(
            |(uri, _, _)| match find_occupation(uri).map(|o| o.outlook) {
                Some(Outlook::Safer) => SAFER_DEMAND_FACTOR,
                _ => 1.0,
            },
        )
        .collect();
    let total_weight: f64 = weights.iter().sum();
    let shares: Vec<f64> = weights
        .iter()
        .map(|w| OPENING_COUNT as f64 * w / total_weight)
        .collect();
    let mut counts: Vec<usize> = shares.iter().map(|s| s.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = (shares[a] - shares[a].floor(), shares[b] - shares[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let missing = OPENING_COUNT - counts.iter().sum::<usize>();
    for &index in by_remainder.iter().take(missing) {
        counts[index] += 1;
    }

    let mut rng = SplitMix64(OPENINGS_SEED);
    let mut openings = Vec::with_capacity(OPENING_COUNT);
    for ((uri, label, skills), count) in sorted.into_iter().zip(counts) {
        let mut skills: Vec<&(String, bool)> = skills.iter().collect();
        skills.sort();
        for _ in 0..count {
            let number = openings.len() + 1;
            openings.push(generate_opening(
                &mut rng, number, uri, label, &skills, today,
            ));
        }
    }
    openings
}

fn generate_opening(
    rng: &mut SplitMix64,
    number: usize,
    uri: &str,
    label: &str,
    skills: &[&(String, bool)],
    today: NaiveDate,
) -> NewOpening {
    let meta = find_occupation(uri);
    let sector = meta.map_or(Sector::Business, |o| o.sector);
    let (base_min, base_max) = meta.map_or((24_000.0, 30_000.0), |o| o.salary_gbp);
    let remote_possible = meta.is_none_or(|o| o.remote_possible);

    let organisation = EMPLOYERS
        .iter()
        .find(|(s, _)| *s == sector)
        .map_or("Harbour Lane Retail Group", |(_, names)| *rng.pick(names));
    let city = pick_city(rng);
    let lat = round4(city.lat + (rng.next_f64() - 0.5) * 0.06);
    let lon = round4(city.lon + (rng.next_f64() - 0.5) * 0.10);
    let remote = remote_possible && rng.chance(0.25);

    let variant = TitleVariant::pick(rng);
    let title = variant.title(label);
    let spread = 0.95 + rng.next_f64() * 0.10;
    let salary_min = round_salary(base_min * variant.salary_factor() * spread);
    let salary_max = round_salary(base_max * variant.salary_factor() * spread).max(salary_min);

    let days_ago = rng.below(60);
    let posted_on = today - Days::new(days_ago);
    let status = match rng.below(100) {
        0..=5 => OpeningStatus::Closed,
        6..=9 => OpeningStatus::Draft,
        _ => OpeningStatus::Open,
    };
    let expires_on = match status {
        // A closed opening closed early, before today.
        OpeningStatus::Closed => posted_on + Days::new(days_ago.min(21)),
        _ => posted_on + Days::new(60 + rng.below(15)),
    };

    let skills = skills
        .iter()
        .filter(|(_, essential)| *essential || rng.chance(0.5))
        .map(|(skill, essential)| SkillTag {
            uri: skill.clone(),
            essential: *essential,
            origin: TagOrigin::Inferred,
            confidence: 1.0,
        })
        .collect();

    let hours = match variant {
        TitleVariant::PartTime => {
            "Part-time, around 20 hours a week; salary shown full-time equivalent"
        }
        _ => "Full-time, 37.5 hours a week",
    };
    let welcome = *rng.pick(&[
        "We welcome applicants moving from other careers and will train you on our systems.",
        "Experience in a customer-facing or office role is useful; full training is provided.",
        "You will join a friendly team with a structured induction and a named mentor.",
        "We support career changers and offer paid time for relevant qualifications.",
    ]);
    let location = if remote {
        format!(
            "Remote within the UK, with occasional visits to our {} office.",
            city.name
        )
    } else {
        format!("Based in {}.", city.name)
    };
    let article = indefinite_article(label);
    let description = format!(
        "{organisation} is hiring {article} {label}. {location} {hours}. {welcome} \
         This is a demo posting generated by Reskill."
    );

    NewOpening {
        source: SOURCE.to_owned(),
        source_id: format!("demo-{number:04}"),
        organisation: organisation.to_owned(),
        title,
        occupation: Some(OccupationTag::manual(uri)),
        description,
        skills,
        place: Some(Place {
            name: city.name.to_owned(),
            region: Some(city.region.to_owned()),
            country: Some("GB".to_owned()),
            lat: Some(lat),
            lon: Some(lon),
        }),
        remote,
        salary_min: Some(salary_min),
        salary_max: Some(salary_max),
        currency: "GBP".to_owned(),
        status,
        posted_on,
        expires_on: Some(expires_on),
        url: format!("https://example.org/jobs/demo-{number:04}"),
        dedupe_key: None,
    }
}

fn pick_city(rng: &mut SplitMix64) -> &'static DemoCity {
    let total: f64 = CITIES.iter().map(|c| c.weight).sum();
    let mut target = rng.next_f64() * total;
    for city in CITIES {
        if target < city.weight {
            return city;
        }
        target -= city.weight;
    }
    &CITIES[CITIES.len() - 1]
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// A demo account for trying the workflows. Has no password: the caller sets one (or prints a
/// generated one) when it creates the accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    /// Login email, on example.org.
    pub email: &'static str,
    /// Name shown in the interface.
    pub display_name: &'static str,
    /// `seeker`, `caseworker`, `employer` or `admin`.
    pub role: &'static str,
    /// A seeker's current or last occupation (ESCO URI of a demo occupation).
    pub occupation_uri: Option<&'static str>,
    /// Home or work city, one of [`CITIES`].
    pub city: &'static str,
    /// Whether the person agreed to receive email (digests and alerts).
    pub consents_email: bool,
    /// Whether a seeker agreed to share their profile with employers.
    pub consents_share: bool,
    /// Skills the seeker declares beyond those inferred from their occupation (ESCO URIs of
    /// demo skills), chosen so that some transitions become close.
    pub extra_skill_uris: Vec<&'static str>,
    /// The employer's organisation, one of the demo openings' employers.
    pub organisation: Option<&'static str>,
}

const USE_ICT_TICKETING_SYSTEM: &str =
    "http://data.europa.eu/esco/skill/6430eb0d-c6de-46b7-a7fc-3dd2e8e62a69";
const IDENTIFY_CUSTOMERS_NEEDS: &str =
    "http://data.europa.eu/esco/skill/68698869-c13c-4563-adc7-118b7644f45d";
const HAVE_COMPUTER_LITERACY: &str =
    "http://data.europa.eu/esco/skill/d15ce60f-ddab-41ce-ba56-398451b77b60";
const USE_SPREADSHEETS_SOFTWARE: &str =
    "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be";
const SUPPORT_ICT_SYSTEM_USERS: &str =
    "http://data.europa.eu/esco/skill/db36f7f1-5900-45bd-9ffb-f2b19c4362ac";
const CONDUCT_QUALITATIVE_RESEARCH: &str =
    "http://data.europa.eu/esco/skill/fa465db3-56e8-4b5d-a781-e2a313a4ed2d";
const PROVIDE_TECHNICAL_DOCUMENTATION: &str =
    "http://data.europa.eu/esco/skill/04dfd9fb-e0cf-40f6-96c6-9d2280c4347e";
const CONDUCT_RESEARCH_INTERVIEW: &str =
    "http://data.europa.eu/esco/skill/896563fc-6255-4419-89c2-ffed30159ad6";
const STATISTICS: &str = "http://data.europa.eu/esco/skill/7ee4c2ea-b349-4bd2-81a3-ec31475d4833";
const VISUAL_PRESENTATION_TECHNIQUES: &str =
    "http://data.europa.eu/esco/skill/348b74cd-49ce-4844-8bdf-ec188b497213";
const WEB_ANALYTICS: &str = "http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2";
const SOCIAL_MEDIA_MARKETING_TECHNIQUES: &str =
    "http://data.europa.eu/esco/skill/509909a2-4a8f-4ead-8ad0-968df63b77cc";
const EMPATHISE_WITH_THE_HEALTHCARE_USER: &str =
    "http://data.europa.eu/esco/skill/2475cd27-8d6c-4318-a364-21395b23acba";
const TEND_TO_ELDERLY_PEOPLE: &str =
    "http://data.europa.eu/esco/skill/261e740b-d32d-4356-94a8-3ea29128b70b";
const FIRST_RESPONSE: &str =
    "http://data.europa.eu/esco/skill/eaa4cdc0-43e0-4388-9b8a-e2779218d10e";
const LISTEN_ACTIVELY: &str =
    "http://data.europa.eu/esco/skill/a17286c5-238d-4f0b-bc24-29e9121345de";
const USE_MICROSOFT_OFFICE: &str =
    "http://data.europa.eu/esco/skill/f683ae1d-cb7c-4aa1-b9fe-205e1bd23535";
const IDENTIFY_CLIENTS_NEEDS: &str =
    "http://data.europa.eu/esco/skill/f43ee9cc-7284-406f-b23f-3eedb0581141";
const PROVIDE_ASSISTANCE_WITH_JOB_SEARCH: &str =
    "http://data.europa.eu/esco/skill/7903f946-aeff-4024-b146-8e48018d4eb9";

/// Returns the demo people: eight seekers from the at-risk occupations (six of whom consent to
/// email, so a digest dry run has recipients), two caseworkers, two employers and one admin.
pub fn people() -> Vec<DemoPerson> {
    let seeker = |email,
                  display_name,
                  occupation_uri,
                  city,
                  consents_email,
                  consents_share,
                  extra_skill_uris| {
        DemoPerson {
            email,
            display_name,
            role: "seeker",
            occupation_uri: Some(occupation_uri),
            city,
            consents_email,
            consents_share,
            extra_skill_uris,
            organisation: None,
        }
    };
    let staff = |email, display_name, role, city, organisation| DemoPerson {
        email,
        display_name,
        role,
        occupation_uri: None,
        city,
        consents_email: true,
        consents_share: false,
        extra_skill_uris: Vec::new(),
        organisation,
    };
    vec![
        seeker(
            "amira.haddad@example.org",
            "Amira Haddad",
            CUSTOMER_SERVICE_REPRESENTATIVE,
            "Manchester",
            true,
            true,
            vec![
                USE_ICT_TICKETING_SYSTEM,
                IDENTIFY_CUSTOMERS_NEEDS,
                HAVE_COMPUTER_LITERACY,
            ],
        ),
        seeker(
            "daniel.okafor@example.org",
            "Daniel Okafor",
            CALL_CENTRE_AGENT,
            "Leeds",
            true,
            true,
            vec![SUPPORT_ICT_SYSTEM_USERS, USE_SPREADSHEETS_SOFTWARE],
        ),
        seeker(
            "sofia.marchetti@example.org",
            "Sofia Marchetti",
            TRANSLATOR,
            "London",
            true,
            false,
            vec![
                CONDUCT_QUALITATIVE_RESEARCH,
                CONDUCT_RESEARCH_INTERVIEW,
                PROVIDE_TECHNICAL_DOCUMENTATION,
            ],
        ),
        seeker(
            "gareth.evans@example.org",
            "Gareth Evans",
            DATA_ENTRY_CLERK,
            "Cardiff",
            true,
            true,
            vec![
                USE_SPREADSHEETS_SOFTWARE,
                STATISTICS,
                VISUAL_PRESENTATION_TECHNIQUES,
            ],
        ),
        seeker(
            "priya.shah@example.org",
            "Priya Shah",
            MARKETING_ASSISTANT,
            "Birmingham",
            true,
            true,
            vec![WEB_ANALYTICS, SOCIAL_MEDIA_MARKETING_TECHNIQUES],
        ),
        seeker(
            "fiona.macleod@example.org",
            "Fiona MacLeod",
            RECEPTIONIST,
            "Glasgow",
            true,
            false,
            vec![
                LISTEN_ACTIVELY,
                EMPATHISE_WITH_THE_HEALTHCARE_USER,
                TEND_TO_ELDERLY_PEOPLE,
                FIRST_RESPONSE,
            ],
        ),
        seeker(
            "tom.hughes@example.org",
            "Tom Hughes",
            BOOKKEEPER,
            "Bristol",
            false,
            true,
            vec![USE_SPREADSHEETS_SOFTWARE, USE_MICROSOFT_OFFICE],
        ),
        seeker(
            "grace.adeyemi@example.org",
            "Grace Adeyemi",
            PAYROLL_CLERK,
            "Newcastle upon Tyne",
            false,
            false,
            vec![
                IDENTIFY_CLIENTS_NEEDS,
                PROVIDE_ASSISTANCE_WITH_JOB_SEARCH,
                USE_SPREADSHEETS_SOFTWARE,
            ],
        ),
        staff(
            "helen.brooks@example.org",
            "Helen Brooks",
            "caseworker",
            "Leeds",
            None,
        ),
        staff(
            "marcus.reid@example.org",
            "Marcus Reid",
            "caseworker",
            "Manchester",
            None,
        ),
        staff(
            "nadia.rahman@example.org",
            "Nadia Rahman",
            "employer",
            "Birmingham",
            Some("Brightwell Care"),
        ),
        staff(
            "owen.price@example.org",
            "Owen Price",
            "employer",
            "Leeds",
            Some("Fernleaf Software"),
        ),
        staff(
            "admin@example.org",
            "Reskill Admin",
            "admin",
            "London",
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn taxonomy_file(name: &str) -> &'static [u8] {
        TAXONOMY_FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, bytes)| *bytes)
            .unwrap()
    }

    /// Reads one column of an embedded CSV, by header name.
    fn column(bytes: &[u8], name: &str) -> Vec<String> {
        let mut reader = csv::Reader::from_reader(bytes);
        let index = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap();
        reader
            .records()
            .map(|record| record.unwrap()[index].to_owned())
            .collect()
    }

    fn demo_skill_uris() -> HashSet<String> {
        column(taxonomy_file("skills_en.csv"), "conceptUri")
            .into_iter()
            .collect()
    }

    /// The demo occupations as the server would pass them to `openings`.
    fn demo_occupations() -> Vec<OccupationSkills> {
        let relations = taxonomy_file("occupationSkillRelations.csv");
        let mut skills: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        let occupation_uris = column(relations, "occupationUri");
        let relation_types = column(relations, "relationType");
        let skill_uris = column(relations, "skillUri");
        for ((occupation, relation), skill) in occupation_uris
            .into_iter()
            .zip(relation_types)
            .zip(skill_uris)
        {
            skills
                .entry(occupation)
                .or_default()
                .push((skill, relation == "essential"));
        }
        let occupations = taxonomy_file("occupations_en.csv");
        column(occupations, "conceptUri")
            .into_iter()
            .zip(column(occupations, "preferredLabel"))
            .map(|(uri, label)| {
                let skills = skills.remove(&uri).unwrap_or_default();
                (uri, label, skills)
            })
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn demo_courses_parse_and_teach_demo_skills() {
        let courses = courses().unwrap();
        assert!(
            (45..=60).contains(&courses.len()),
            "{} courses",
            courses.len()
        );
        let skills = demo_skill_uris();
        let mut ids = HashSet::new();
        for course in &courses {
            assert!(
                ids.insert(&course.source_id),
                "duplicate {}",
                course.source_id
            );
            assert_eq!(course.source, "demo");
            assert!((2..=8).contains(&course.skills.len()), "{}", course.title);
            assert!(
                (1.0..=40.0).contains(&course.duration_weeks),
                "{}",
                course.title
            );
            assert_eq!(course.currency, "GBP");
            assert_eq!(
                course.place.is_none(),
                course.mode == CourseMode::Online,
                "{}",
                course.title
            );
            for SkillTag { uri, .. } in &course.skills {
                assert!(
                    skills.contains(uri),
                    "{}: {uri} is not a demo skill",
                    course.title
                );
            }
        }
        assert!(courses.iter().filter(|c| c.cost == 0.0).count() >= 15);
    }

    #[test]
    fn course_errors_name_line_and_column() {
        let csv = "source_id,provider,title,description,duration_weeks,hours,cost,currency,mode,\
                   place_name,region,country,lat,lon,next_start,funding,url,skill_uris\n\
                   x,p,t,d,four,,0,GBP,online,,,,,,,,https://example.org,http://s\n";
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let _ = reader.headers().unwrap();
        let record = reader.records().next().unwrap().unwrap();
        let columns = CourseColumns {
            source_id: 0,
            provider: 1,
            title: 2,
            description: 3,
            duration_weeks: 4,
            hours: 5,
            cost: 6,
            currency: 7,
            mode: 8,
            place_name: 9,
            region: 10,
            country: 11,
            lat: 12,
            lon: 13,
            next_start: 14,
            funding: 15,
            url: 16,
            skill_uris: 17,
        };
        let line = record.position().unwrap().line();
        let err = parse_course(&record, &columns, line).unwrap_err();
        assert_eq!(
            err,
            "courses.csv:2: column duration_weeks: expected a number, found \"four\""
        );
    }

    #[test]
    fn demo_openings_are_deterministic_and_sized() {
        let occupations = demo_occupations();
        let first = openings(&occupations, today());
        let mut reversed = occupations.clone();
        reversed.reverse();
        let second = openings(&reversed, today());
        assert_eq!(first, second);
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert_eq!(first.len(), OPENING_COUNT);
        let ids: HashSet<_> = first.iter().map(|o| o.source_id.as_str()).collect();
        assert_eq!(ids.len(), first.len());
        assert_eq!(first[0].source_id, "demo-0001");
    }

    #[test]
    fn demo_openings_belong_to_demo_occupations() {
        let occupations = demo_occupations();
        let uris: HashSet<&str> = occupations.iter().map(|(uri, _, _)| uri.as_str()).collect();
        let openings = openings(&occupations, today());
        let mut per_outlook: HashMap<Outlook, usize> = HashMap::new();
        for opening in &openings {
            let uri = opening.occupation.as_ref().map(|o| o.uri.as_str()).unwrap();
            assert!(uris.contains(uri), "{uri}");
            *per_outlook
                .entry(find_occupation(uri).unwrap().outlook)
                .or_default() += 1;
            assert!(opening.posted_on <= today() && opening.posted_on > today() - Days::new(60));
            assert!(opening.salary_min <= opening.salary_max);
            assert!(opening.skills.iter().any(|tag| tag.essential));
        }
        // Demand is higher where the story sends people.
        let safer = OCCUPATIONS
            .iter()
            .filter(|o| o.outlook == Outlook::Safer)
            .count();
        let at_risk = OCCUPATIONS.len() - safer;
        let per_safer = per_outlook[&Outlook::Safer] as f64 / safer as f64;
        let per_at_risk = per_outlook[&Outlook::AtRisk] as f64 / at_risk as f64;
        assert!(
            per_safer > 2.0 * per_at_risk,
            "{per_safer} vs {per_at_risk}"
        );
        let remote = openings.iter().filter(|o| o.remote).count() as f64 / openings.len() as f64;
        assert!((0.08..=0.25).contains(&remote), "remote share {remote}");
        let open = openings
            .iter()
            .filter(|o| o.status == OpeningStatus::Open)
            .count();
        assert!(open > 250 && open < openings.len(), "{open} open");
    }

    #[test]
    fn demo_constants_match_the_files() {
        let occupation_uris: HashSet<String> =
            column(taxonomy_file("occupations_en.csv"), "conceptUri")
                .into_iter()
                .collect();
        assert_eq!(occupation_uris.len(), OCCUPATIONS.len());
        for occupation in OCCUPATIONS {
            assert!(
                occupation_uris.contains(occupation.uri),
                "{}",
                occupation.label
            );
        }
        let risk_uris = column(RISK_FILE.1, "concept_uri");
        assert!(risk_uris.iter().all(|uri| occupation_uris.contains(uri)));
        let skills = demo_skill_uris();
        let people = people();
        assert_eq!(people.iter().filter(|p| p.role == "seeker").count(), 8);
        for person in &people {
            assert!(find_city(person.city).is_some(), "{}", person.city);
            assert!(person.email.ends_with("@example.org"));
            if let Some(uri) = person.occupation_uri {
                assert_eq!(find_occupation(uri).unwrap().outlook, Outlook::AtRisk);
            }
            for uri in &person.extra_skill_uris {
                assert!(skills.contains(*uri), "{}: {uri}", person.email);
            }
            if let Some(organisation) = person.organisation {
                assert!(
                    EMPLOYERS
                        .iter()
                        .any(|(_, names)| names.contains(&organisation))
                );
            }
        }
        let employers: usize = EMPLOYERS.iter().map(|(_, names)| names.len()).sum();
        assert_eq!(employers, 30);
    }

    #[test]
    fn titles_and_articles_read_naturally() {
        assert_eq!(indefinite_article("ICT help desk agent"), "an");
        assert_eq!(indefinite_article("user experience analyst"), "a");
        assert_eq!(indefinite_article("electrician"), "an");
        assert_eq!(indefinite_article("plumber"), "a");
        assert_eq!(
            TitleVariant::PartTime.title("receptionist"),
            "Receptionist (part-time)"
        );
        assert_eq!(
            TitleVariant::Trainee.title("ICT project manager"),
            "Assistant ICT project manager"
        );
    }
}
