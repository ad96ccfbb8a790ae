//! Bad rows in imported files, on each backend: each is reported with its file, line and reason,
//! nothing of it is stored, the counts add up (read = inserted + updated + merged + rejected),
//! and `reskill import` fails when every row of a file is rejected.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use anyhow::{Context, ensure};
use reskill_search::SearchIndexes;
use reskill_server::services::catalog::{
    self, CatalogImportReport, CatalogTagger, ImportOptions, OpeningsFormat,
};
use reskill_tests::data::shared_data;
use reskill_tests::db::{TestDb, for_each_backend, scalar};
use reskill_tests::process::{reskill, reskill_binary};

const REED_HEADER: &str = "job_title,category,city,state,salary_offered\n";

/// A Reed-format file with good rows, one row 100 times, and one row of each kind of bad row;
/// returns the text and the rejected lines the reader must report.
fn crafted_openings() -> (String, Vec<(u64, &'static str)>) {
    let mut text = String::from(REED_HEADER);
    text.push_str("Staff Nurse,health jobs,Leeds,West Yorkshire,£25000 per annum\n"); // 2
    text.push_str("\"Porter,health jobs,Leeds,West Yorkshire,£18000\n"); // 3: unterminated quote
    text.push_str("Care Assistant,social care jobs,York,North Yorkshire,£9 per hour\n"); // 4
    text.push_str("Driver,logistics jobs,Leeds\n"); // 5: three fields
    text.push_str("Clerk\0,admin jobs,Hull,East Riding,£20000\n"); // 6: NUL
    let huge = "A".repeat(1_000_000);
    text.push_str(&format!("{huge},admin jobs,Hull,East Riding,£20000\n")); // 7: 1 MB title
    let long = "B".repeat(301);
    text.push_str(&format!("{long},admin jobs,Hull,East Riding,£20000\n")); // 8: 301 chars
    for _ in 0..100 {
        // 9..=108: one posting 100 times
        text.push_str("Warehouse Operative,factory jobs,Hull,East Riding,£19000\n");
    }
    let rejected = vec![
        (3, "unterminated quoted field"),
        (5, "record has 3 fields but the header has 5"),
        (6, "column job_title: contains a NUL byte"),
        (
            7,
            "column job_title: 1000000 bytes, longer than the 100000-byte limit",
        ),
        (8, "column title: longer than 300 characters"),
    ];
    (text, rejected)
}

fn assert_rejected(
    report: &CatalogImportReport,
    file: &str,
    want: &[(u64, &str)],
) -> anyhow::Result<()> {
    let got: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    ensure!(got.len() == want.len(), "rejected {got:?}, want {want:?}");
    for (row, (line, reason)) in report.rejected.iter().zip(want) {
        ensure!(row.file == file, "{row}");
        ensure!(
            row.line == *line && row.reason.contains(reason),
            "{row} is not line {line}: {reason}"
        );
    }
    Ok(())
}

async fn import_openings(
    t: &TestDb,
    search: &SearchIndexes,
    tagger: &Arc<CatalogTagger>,
    path: &Path,
) -> anyhow::Result<CatalogImportReport> {
    catalog::import_openings_file(
        &t.db,
        search,
        tagger,
        path,
        OpeningsFormat::Csv,
        &ImportOptions { batch_size: 40 },
        &|_, _, _| {},
    )
    .await
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_none_is_stored_and_the_counts_add_up() {
    for_each_backend(|t| async move {
        let dir = tempfile::tempdir()?;
        let search = SearchIndexes::in_ram()?;
        let tagger = Arc::new(CatalogTagger::load(&t.db).await?);
        let (text, want) = crafted_openings();
        let path = dir.path().join("reed_crafted.csv");
        std::fs::write(&path, &text)?;

        let report = import_openings(&t, &search, &tagger, &path).await?;
        eprintln!("{report}");
        assert_rejected(&report, "reed_crafted.csv", &want)?;
        // 107 rows: 2 good, 5 bad, one posting 100 times.
        ensure!(report.read == 107, "read {}", report.read);
        ensure!(
            (report.inserted, report.updated, report.merged) == (3, 0, 99),
            "{report}"
        );
        ensure!(report.unaccounted() == 0, "{report}");

        // Stored: exactly the three good postings; nothing of a bad row.
        let stored = scalar(&t.db, "SELECT COUNT(*) FROM openings").await?;
        ensure!(stored == 3, "{stored} openings stored");
        let titles = reskill_store::tagging::openings(
            &t.db,
            reskill_store::tagging::DocumentFilter::Page {
                after: 0,
                limit: 100,
            },
        )
        .await?;
        let mut titles: Vec<&str> = titles.iter().map(|s| s.record.title.as_str()).collect();
        titles.sort_unstable();
        ensure!(
            titles == ["Care Assistant", "Staff Nurse", "Warehouse Operative"],
            "{titles:?}"
        );
        let longest = scalar(
            &t.db,
            "SELECT CAST(MAX(LENGTH(title)) AS BIGINT) FROM openings",
        )
        .await?;
        ensure!(longest < 300, "a title of {longest} characters was stored");

        // The same file again: every good row updates its own, nothing is inserted.
        let again = import_openings(&t, &search, &tagger, &path).await?;
        ensure!(
            (
                again.inserted,
                again.updated,
                again.merged,
                again.rejected.len()
            ) == (0, 3, 99, 5),
            "{again}"
        );
        ensure!(again.unaccounted() == 0, "{again}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn duplicate_courses_merge_and_bad_course_rows_are_not_stored() {
    for_each_backend(|t| async move {
        let dir = tempfile::tempdir()?;
        let search = SearchIndexes::in_ram()?;
        let tagger = Arc::new(CatalogTagger::load(&t.db).await?);
        let mut text = String::from(
            "source_id,provider,title,description,duration_weeks,cost,currency,mode\n",
        );
        for _ in 0..100 {
            text.push_str("c1,Leeds College,Welding basics,Arc and MIG,6,0,GBP,in_person\n");
        }
        // The same course under another id: merged by its dedupe key (title and provider).
        text.push_str("c2,Leeds College,Welding Basics,,6,0,GBP,in_person\n");
        text.push_str("c3,Leeds College,\"Plumbing,Pipes and fittings,8,0,GBP,in_person\n");
        text.push_str("c4,Leeds College,Joinery,Saws\u{1},4,0,GBP,in_person\n");
        text.push_str("c5,Leeds College,Bricklaying,Walls,4,0,GBP,in_person\n");
        let path = dir.path().join("courses_crafted.csv");
        std::fs::write(&path, &text)?;
        let report = catalog::import_courses_file(
            &t.db,
            &search,
            &tagger,
            &path,
            &ImportOptions { batch_size: 30 },
            &|_, _, _| {},
        )
        .await?;
        eprintln!("{report}");
        assert_rejected(
            &report,
            "courses_crafted.csv",
            &[
                (103, "unterminated quoted field"),
                (
                    104,
                    "column description: contains the control character U+0001",
                ),
            ],
        )?;
        ensure!(report.read == 104, "read {}", report.read);
        ensure!(
            (report.inserted, report.updated, report.merged) == (2, 0, 100),
            "{report}"
        );
        ensure!(report.unaccounted() == 0, "{report}");
        let stored = scalar(&t.db, "SELECT COUNT(*) FROM courses").await?;
        ensure!(stored == 2, "{stored} courses stored");
        Ok(())
    })
    .await;
}

/// `reskill import openings`: a file with some bad rows imports the others, exits 0 and names
/// the file listing the rejected rows; a file whose every row is rejected exits non-zero.
#[tokio::test]
async fn import_command_fails_when_every_row_is_rejected() {
    let binary = reskill_binary().expect("reskill binary");
    for_each_backend(|t| {
        let binary = binary.clone();
        async move {
            let dir = tempfile::tempdir()?;
            let run = |file: &Path| {
                let mut command = reskill(
                    &binary,
                    dir.path(),
                    &["import", "openings", file.to_str().unwrap_or_default()],
                );
                command
                    .env("DATABASE_URL", &t.url)
                    .env("RESKILL_MODEL_DIR", dir.path().join("no-model"))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                command.output()
            };
            let (text, want) = crafted_openings();
            let some_bad = dir.path().join("reed_crafted.csv");
            std::fs::write(&some_bad, &text)?;
            let out = run(&some_bad)?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            ensure!(
                out.status.success(),
                "{}: {stdout} {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            let listing = dir
                .path()
                .join("import-reports/reed_crafted.csv.rejected.txt");
            ensure!(
                stdout.contains(&format!(
                    "5 of 107 rows rejected, each with its line and reason: {}",
                    listing.display()
                )),
                "{stdout}"
            );
            let listed = std::fs::read_to_string(&listing).context("rejected-rows listing")?;
            let lines: Vec<&str> = listed.lines().collect();
            ensure!(lines.len() == want.len(), "{listed}");
            ensure!(lines[0].starts_with("reed_crafted.csv:3: "), "{listed}");

            let all_bad = dir.path().join("reed_all_bad.csv");
            std::fs::write(
                &all_bad,
                format!("{REED_HEADER}Driver,logistics jobs,Leeds\n\"Porter,health jobs\n"),
            )?;
            let before = scalar(&t.db, "SELECT COUNT(*) FROM openings").await?;
            let out = run(&all_bad)?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            ensure!(
                !out.status.success(),
                "every row rejected, yet {}",
                out.status
            );
            ensure!(
                stderr.contains("every row was rejected, nothing was stored from")
                    && stderr.contains("reed_all_bad.csv"),
                "{stderr}"
            );
            let after = scalar(&t.db, "SELECT COUNT(*) FROM openings").await?;
            ensure!(before == after, "{before} openings before, {after} after");
            Ok(())
        }
    })
    .await;
}

/// The real Reed file (PROVENANCE.md: 29,862 rows): every row is accounted for. 3,372 rows
/// repeat another row's title, place, salary and category, so they share its source id and are
/// merged into it; before, a repeat in a later batch was counted as an update and one in the
/// same batch (812 of them) not at all.
#[tokio::test]
async fn every_row_of_the_real_reed_file_is_accounted_for() {
    let Some(data) = shared_data() else { return };
    for_each_backend(|t| {
        let data = data.clone();
        async move {
            let search = SearchIndexes::in_ram()?;
            let tagger = Arc::new(CatalogTagger::load(&t.db).await?);
            let path = data.join("openings/reed_uk_jobs_titles.csv");
            let report = catalog::import_openings_file(
                &t.db,
                &search,
                &tagger,
                &path,
                OpeningsFormat::Csv,
                &ImportOptions::default(),
                &|_, _, _| {},
            )
            .await?;
            eprintln!("{report}");
            ensure!(report.read == 29_862, "read {}", report.read);
            ensure!(report.unaccounted() == 0, "{report}");
            ensure!(report.rejected.is_empty(), "{report}");
            ensure!(
                (report.inserted, report.merged) == (26_490, 3_372),
                "{report}"
            );
            let stored = scalar(&t.db, "SELECT COUNT(*) FROM openings").await?;
            ensure!(stored == 26_490, "{stored} stored");
            Ok(())
        }
    })
    .await;
}

/// `reskill import programmes` on the real NCES files: the CIP 2020 programme types and their
/// links are stored before any crosswalk (reaching no occupation yet); once the ESCO–O*NET
/// crosswalk is imported, CIP 52.0411 reaches "customer service representative" through the
/// crosswalk's own O*NET code 43-4051, without importing the programme types again.
#[tokio::test]
async fn programme_import_command_loads_the_real_cip_files() {
    let Some(data) = shared_data() else { return };
    let binary = reskill_binary().expect("reskill binary");
    for_each_backend(|t| {
        let (binary, data) = (binary.clone(), data.clone());
        async move {
            let dir = tempfile::tempdir()?;
            let run = |args: &[&str]| -> anyhow::Result<String> {
                let out = reskill(&binary, dir.path(), args)
                    .env("DATABASE_URL", &t.url)
                    .env("RESKILL_MODEL_DIR", dir.path().join("no-model"))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .output()?;
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                ensure!(
                    out.status.success(),
                    "{args:?}: {}: {stdout} {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                Ok(stdout)
            };
            let path = |p: &str| data.join(p).to_string_lossy().into_owned();
            let crosswalk = data.join("crosswalk");
            run(&["import", "esco", &path("esco")])?;
            let definitions = path("crosswalk/cip2020_codes_definitions.csv");
            let cip_soc = path("crosswalk/cip2020_soc2018_crosswalk.csv");
            // --soc-crosswalk defaults to the SOC 2010 → 2018 file beside --crosswalk.
            let stdout = run(&[
                "import",
                "programmes",
                "--definitions",
                &definitions,
                "--crosswalk",
                &cip_soc,
            ])?;
            eprintln!("{stdout}");
            // 2,325 six-digit codes less 145 "Moved from" and 7 "Deleted"; 6,097 crosswalk
            // rows of which 374 are NO MATCH (PROVENANCE.md).
            ensure!(
                stdout.contains(": 2173 types (152 rows no longer current left out)"),
                "{stdout}"
            );
            ensure!(
                stdout.contains("from 6097 crosswalk rows (374 without a match)"),
                "{stdout}"
            );
            ensure!(
                stdout.contains("0 ESCO occupations reach a programme type"),
                "{stdout}"
            );
            ensure!(scalar(&t.db, "SELECT COUNT(*) FROM programme_types").await? == 2_173);
            let links = scalar(&t.db, "SELECT COUNT(*) FROM programme_type_soc_codes").await?;
            ensure!((5_000..7_000).contains(&links), "{links} links");

            run(&[
                "import",
                "crosswalk",
                &crosswalk
                    .join("esco_onet_crosswalk_MCC.csv")
                    .to_string_lossy(),
            ])?;
            let read = reskill_store::programmes::occupation_programme_types(&t.db).await?;
            let pairs: usize = read.by_occupation.iter().map(|(_, l)| l.len()).sum();
            eprintln!(
                "{} occupations reach {} programme types ({pairs} pairs)",
                read.by_occupation.len(),
                read.types.len()
            );
            ensure!(
                read.by_occupation.len() > 1_500,
                "{} occupations reached",
                read.by_occupation.len()
            );
            // occupations_en.csv line 3210: customer service representative, O*NET 43-4051.00 in the
            // crosswalk.
            let representative = reskill_store::taxonomy::occupation_by_uri(
                &t.db,
                "http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7",
            )
            .await?;
            ensure!(representative.preferred_label == "customer service representative");
            let (_, types) = read
                .by_occupation
                .iter()
                .find(|(id, _)| *id == representative.id)
                .context("customer service representative reaches no programme type")?;
            // Most specific first: 52.0411 links two SOC codes, 52.0406 Receptionist three.
            let programmes: Vec<_> = types.iter().map(|&i| &read.types[i as usize]).collect();
            let programme = programmes.first().context("no programme type")?;
            ensure!(
                programme.code == "52.0411" && programmes.iter().any(|p| p.code == "52.0406"),
                "{programmes:?}"
            );
            ensure!(
                programme.title == "Customer Service Support/Call Center/Teleservice Operation",
                "{programme:?}"
            );

            // A malformed file fails the command, names file and line, and changes nothing.
            let bad = dir.path().join("cip_soc_bad.csv");
            std::fs::write(
                &bad,
                "CIP2020Code,CIP2020Title,SOC2018Code,SOC2018Title\n52.0411,T,434051,C\n",
            )?;
            let soc = path("crosswalk/soc2010_to_soc2018_crosswalk.csv");
            let out = reskill(
                &binary,
                dir.path(),
                &[
                    "import",
                    "programmes",
                    "--definitions",
                    &definitions,
                    "--crosswalk",
                    &bad.to_string_lossy(),
                    "--soc-crosswalk",
                    &soc,
                ],
            )
            .env("DATABASE_URL", &t.url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            ensure!(!out.status.success(), "{stderr}");
            ensure!(
                stderr.contains("cip_soc_bad.csv:2: column SOC2018Code"),
                "{stderr}"
            );
            ensure!(scalar(&t.db, "SELECT COUNT(*) FROM programme_types").await? == 2_173);
            Ok(())
        }
    })
    .await;
}
