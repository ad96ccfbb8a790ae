//! The course and opening readers on every real file in the shared data bundle: row counts from
//! PROVENANCE.md, less the rows each reader rejects (counted and named here).

use reskill_core::catalog::{CourseMode, OpeningStatus};
use reskill_ingest::courses::{CourseFormat, CoursesRead, read_courses_file};
use reskill_ingest::openings::{OpeningFormat, OpeningsRead, dedupe_key, read_openings_file};

use std::collections::HashSet;

use crate::support::shared_data;

fn courses(file: &str) -> Option<CoursesRead> {
    let data = shared_data()?;
    let read = read_courses_file(&data.join(file)).unwrap();
    for rejected in &read.outcome.rejected {
        eprintln!("rejected {rejected}");
    }
    Some(read)
}

fn openings(file: &str) -> Option<OpeningsRead> {
    let data = shared_data()?;
    let read = read_openings_file(&data.join(file)).unwrap();
    for rejected in read.outcome.rejected.iter().take(5) {
        eprintln!("rejected {rejected}");
    }
    Some(read)
}

/// Asserts the number of records and rejections, and that every rejection names the file and
/// a line.
#[track_caller]
fn assert_counts<T>(
    outcome: &reskill_ingest::rejected::ReadOutcome<T>,
    file_name: &str,
    rows: usize,
    rejected: usize,
) {
    assert_eq!(
        outcome.rejected.len(),
        rejected,
        "rejected rows of {file_name}"
    );
    assert_eq!(
        outcome.records.len(),
        rows - rejected,
        "records of {file_name}"
    );
    for row in &outcome.rejected {
        assert_eq!(row.file, file_name);
        assert!(row.line >= 2, "{row}");
        assert!(
            row.to_string()
                .starts_with(&format!("{file_name}:{}: ", row.line))
        );
    }
}

const COURSE_FILES: [(&str, CourseFormat, usize, usize); 7] = [
    ("courses/edx_courses.csv", CourseFormat::Edx, 975, 0),
    // udemy_courses.csv:895 has content_duration 0.0: nothing to plan with.
    ("courses/udemy_courses.csv", CourseFormat::Udemy, 3678, 1),
    (
        "courses/Coursera_courses.csv",
        CourseFormat::CourseraTitles,
        623,
        0,
    ),
    (
        "courses/coursera_courses_skills_v3.csv",
        CourseFormat::CourseraSkills,
        623,
        0,
    ),
    (
        "courses/edx_courses_skills.csv",
        CourseFormat::EdxSkills,
        816,
        0,
    ),
    (
        "courses/coursera_it_courses_desc_skills.csv",
        CourseFormat::CourseraIt,
        1256,
        0,
    ),
    // 1,272 applications, of which 344 were approved (Beviljad); the 928 others are rejected
    // with that reason.
    (
        "programs/myh_yh_program_applications_2024.csv",
        CourseFormat::YhPrograms,
        1272,
        928,
    ),
];

#[test]
fn every_real_course_file_reads_with_the_expected_counts() {
    let Some(_) = shared_data() else { return };
    let mut total = 0;
    for (path, format, rows, rejected) in COURSE_FILES {
        let read = courses(path).unwrap();
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(read.format, Some(format), "{path}");
        assert_counts(&read.outcome, name, rows, rejected);
        for course in &read.outcome.records {
            let c = &course.course;
            assert!(c.duration_weeks > 0.0, "{path}: {c:?}");
            assert!(!c.title.is_empty() && !c.provider.is_empty() && !c.source_id.is_empty());
            assert_eq!(c.source, name.trim_end_matches(".csv"));
        }
        total += read.outcome.records.len();
    }
    assert_eq!(total, 975 + 3677 + 623 + 623 + 816 + 1256 + 344);
}

#[test]
fn udemy_rejects_the_course_with_no_content_by_line() {
    let Some(read) = courses("courses/udemy_courses.csv") else {
        return;
    };
    let rejected: Vec<String> = read
        .outcome
        .rejected
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        rejected,
        ["udemy_courses.csv:895: column content_duration: no content: 0 hours"]
    );
}

#[test]
fn yh_programmes_keep_approved_ones_with_weeks_mode_and_place() {
    let Some(read) = courses("programs/myh_yh_program_applications_2024.csv") else {
        return;
    };
    assert_eq!(read.outcome.rejected.len(), 928);
    assert!(
        read.outcome.rejected[0]
            .reason
            .contains("not approved, so the programme will not run"),
        "{}",
        read.outcome.rejected[0]
    );
    let records = &read.outcome.records;
    let online = records
        .iter()
        .filter(|c| c.course.mode == CourseMode::Online)
        .count();
    let in_person = records
        .iter()
        .filter(|c| c.course.mode == CourseMode::InPerson)
        .count();
    assert_eq!(online + in_person, 344);
    // 65 approved programmes run in several municipalities and get no place.
    assert_eq!(
        records.iter().filter(|c| c.course.place.is_none()).count(),
        65
    );
    let first = &records[0].course;
    assert_eq!(first.source_id, "MYH 2024/3852");
    assert_eq!(first.title, "Spelprogrammerare");
    // 550 YH points at 100 % pace = 110 weeks.
    assert_eq!(first.duration_weeks, 110.0);
    assert_eq!((first.cost, first.currency.as_str()), (0.0, "SEK"));
    assert_eq!(first.funding, "state-funded (no tuition)");
    assert_eq!(first.place.as_ref().unwrap().name, "Malmö");
}

#[test]
fn coursera_and_edx_skill_tags_are_kept_raw() {
    let Some(v3) = courses("courses/coursera_courses_skills_v3.csv") else {
        return;
    };
    let first = &v3.outcome.records[0];
    assert_eq!(first.course.title, "Google Cybersecurity");
    assert_eq!(
        first.skill_tags[..3],
        ["Network Security", "Python Programming", "Linux"]
    );
    // "3 - 6 Months" is read as its upper bound, 6 × 52/12 weeks.
    assert!((first.course.duration_weeks - 26.0).abs() < 1e-9);
    let it = courses("courses/coursera_it_courses_desc_skills.csv").unwrap();
    assert_eq!(
        it.outcome.records[0].skill_tags[..3],
        [
            "Data Analysis",
            "select (sql)",
            "database management systems"
        ]
    );
    assert!(
        it.outcome
            .records
            .iter()
            .all(|c| !c.course.description.contains('\u{fffd}'))
    );
    let tagged = it
        .outcome
        .records
        .iter()
        .filter(|c| !c.skill_tags.is_empty())
        .count();
    assert!(tagged > 1200, "{tagged}");
}

const OPENING_FILES: [(&str, OpeningFormat, usize, usize); 8] = [
    (
        "openings/glassdoor_data_jobs_NY.csv",
        OpeningFormat::Glassdoor,
        900,
        0,
    ),
    (
        "openings/glassdoor_data_jobs_SF.csv",
        OpeningFormat::Glassdoor,
        889,
        0,
    ),
    (
        "openings/glassdoor_data_jobs_TX.csv",
        OpeningFormat::Glassdoor,
        643,
        0,
    ),
    (
        "openings/glassdoor_data_jobs_WA.csv",
        OpeningFormat::Glassdoor,
        892,
        0,
    ),
    (
        "openings/linkedin_jobs_m5991.csv",
        OpeningFormat::Linkedin,
        719,
        0,
    ),
    (
        "openings/nyc_jobs_postings_cleaned.csv",
        OpeningFormat::NycJobs,
        5197,
        0,
    ),
    (
        "openings/nhs_jobs_2020_stochastictalk.csv",
        OpeningFormat::NhsJobs,
        14842,
        0,
    ),
    (
        "openings/reed_uk_jobs_titles.csv",
        OpeningFormat::Reed,
        29862,
        0,
    ),
];

#[test]
fn every_real_opening_file_reads_with_the_expected_counts() {
    let Some(_) = shared_data() else { return };
    let mut total = 0;
    for (path, format, rows, rejected) in OPENING_FILES {
        let read = openings(path).unwrap();
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(read.format, Some(format), "{path}");
        assert_counts(&read.outcome, name, rows, rejected);
        for o in &read.outcome.records {
            let o = &o.opening;
            assert_eq!(o.status, OpeningStatus::Open);
            assert!(!o.title.is_empty() && !o.source_id.is_empty());
            if let (Some(min), Some(max)) = (o.salary_min, o.salary_max) {
                assert!(0.0 < min && min <= max, "{path}: {o:?}");
            }
        }
        total += read.outcome.records.len();
    }
    // 9,240 rows of the first batch plus 44,704 of the second.
    assert_eq!(total, 9_240 + 44_704);
}

#[test]
fn glassdoor_ny_is_30_postings_repeated_30_times() {
    let Some(read) = openings("openings/glassdoor_data_jobs_NY.csv") else {
        return;
    };
    let records = &read.outcome.records;
    let ids: HashSet<&str> = records
        .iter()
        .map(|o| o.opening.source_id.as_str())
        .collect();
    let keys: HashSet<String> = records.iter().map(|o| dedupe_key(&o.opening)).collect();
    assert_eq!((ids.len(), keys.len()), (30, 30));
    // -1 means no salary.
    assert!(records.iter().all(|o| o.opening.salary_min != Some(-1.0)));
}

#[test]
fn nyc_salaries_dates_and_ids() {
    let Some(read) = openings("openings/nyc_jobs_postings_cleaned.csv") else {
        return;
    };
    let first = &read.outcome.records[0].opening;
    assert_eq!(first.source_id, "637698-internal");
    assert_eq!(
        (first.salary_min, first.salary_max),
        (Some(105_746.0), Some(150_000.0))
    );
    assert_eq!(first.posted_on.to_string(), "2024-07-10");
    assert_eq!(
        first.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2024-11-07")
    );
    assert_eq!(first.organisation, "Dept Of Health/Mental Hygiene");
    // 3,576 rows say "N/A" for Post Until.
    let open_ended = read
        .outcome
        .records
        .iter()
        .filter(|o| o.opening.expires_on.is_none())
        .count();
    assert_eq!(open_ended, 3_576);
}

#[test]
fn nhs_rows_have_coordinates_and_yearly_gbp() {
    let Some(read) = openings("openings/nhs_jobs_2020_stochastictalk.csv") else {
        return;
    };
    let records = &read.outcome.records;
    assert!(records.iter().all(|o| {
        let place = o.opening.place.as_ref().unwrap();
        place.lat.is_some() && place.lon.is_some() && o.opening.currency == "GBP"
    }));
    let with_salary = records
        .iter()
        .filter(|o| o.opening.salary_min.is_some())
        .count();
    // 1,228 rows have no salary_min; salary_text rescues a few of them.
    assert!((13_614..=14_842).contains(&with_salary), "{with_salary}");
}

#[test]
fn reed_salaries_are_parsed_from_free_text() {
    let Some(read) = openings("openings/reed_uk_jobs_titles.csv") else {
        return;
    };
    let records = &read.outcome.records;
    assert_eq!(records[0].opening.title, "Commis Chef");
    assert_eq!(records[0].opening.salary_min, Some(18_323.0));
    let euros = records
        .iter()
        .filter(|o| o.opening.currency == "EUR")
        .count();
    assert_eq!(euros, 114);
    let keys: HashSet<String> = records.iter().map(|o| dedupe_key(&o.opening)).collect();
    eprintln!("reed: {} rows, {} dedupe keys", records.len(), keys.len());
    assert!(keys.len() < records.len());
}
