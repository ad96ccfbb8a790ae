//! The foundation's real-data tests: the whole ESCO v1.1.1 download and Nesta's risk scores
//! imported on each backend, with the counts the files hold and relations read off them by hand.

use anyhow::{Context, ensure};
use reskill_search::SearchIndexes;
use reskill_server::services::import;
use reskill_store::{stats, taxonomy};
use reskill_tests::data::shared_data;
use reskill_tests::db::for_each_backend;

/// ESCO v1.1.1 as published: 123,855 relation rows, of which the 67 of one occupation missing
/// from occupations_en.csv (a9e54177-…) cannot be stored; with its one broader edge, 68 rows
/// are reported and left out.
const RELATIONS_IN_FILE: usize = 123_855;
const RELATIONS_STORABLE: u64 = 123_788;

#[tokio::test]
async fn full_esco_and_nesta_risk_import_on_each_backend() {
    let Some(data) = shared_data() else { return };
    for_each_backend(|t| {
        let data = data.clone();
        async move {
            let search = SearchIndexes::in_ram()?;
            let report =
                import::import_esco_dir(&t.db, &search, &data.join("esco"), &|_, _, _| {}).await?;
            let counts = stats::stats(&t.db).await?;
            ensure!(
                counts.occupations == 3_007,
                "occupations: {}",
                counts.occupations
            );
            ensure!(counts.skills == 13_896, "skills: {}", counts.skills);
            ensure!(
                counts.relations == RELATIONS_STORABLE,
                "relations: {}",
                counts.relations
            );
            ensure!(
                counts.isco_groups == 619,
                "isco groups: {}",
                counts.isco_groups
            );
            ensure!(
                counts.skill_groups == 647,
                "skill groups: {}",
                counts.skill_groups
            );
            let left_out_relations = report
                .skipped
                .iter()
                .filter(|row| row.starts_with("occupationSkillRelations.csv:"))
                .count();
            ensure!(
                counts.relations as usize + left_out_relations == RELATIONS_IN_FILE,
                "stored {} + left out {left_out_relations} != {RELATIONS_IN_FILE}",
                counts.relations
            );

            // occupations_en.csv line 2440 and occupationSkillRelations.csv line 7697.
            let agent = taxonomy::occupation_by_uri(
                &t.db,
                "http://data.europa.eu/esco/occupation/0ededdc2-050a-4ec3-8e70-6295105fcd19",
            )
            .await?;
            ensure!(agent.preferred_label == "call centre agent");
            ensure!(
                agent
                    .alt_labels
                    .iter()
                    .any(|l| l == "outbound call centre agent")
            );
            let skills = taxonomy::skills_of_occupation(&t.db, agent.id).await?;
            ensure!(
                skills.iter().any(|(skill, relation)| skill.preferred_label
                    == "guarantee customer satisfaction"
                    && *relation == reskill_core::taxonomy::RelationType::Essential),
                "call centre agent should require guarantee customer satisfaction"
            );
            ensure!(search.doc_count(reskill_search::IndexKind::Occupations) == 3_007);

            // Idempotent: a second import writes the same rows again and adds none.
            import::import_esco_dir(&t.db, &search, &data.join("esco"), &|_, _, _| {}).await?;
            ensure!(
                stats::stats(&t.db).await? == counts,
                "second import changed the counts"
            );

            let risk = import::import_risk_file(
                &t.db,
                &search,
                &import::RiskFile::new(
                    &data.join("risk/nesta_mcc_risk_All_occupations.csv"),
                    "nesta-mcc",
                    2020,
                ),
            )
            .await?;
            let after = stats::stats(&t.db).await?;
            // 1,627 rows; one URI is not in ESCO v1.1.1; narrower occupations inherit.
            ensure!(risk.summary.scores_written() as u64 == after.risk_scores);
            ensure!(
                after.risk_scores > 1_626 && after.risk_scores <= 3_007,
                "risk scores: {}",
                after.risk_scores
            );
            let agent_risk = reskill_store::risk::risk_for_occupation(&t.db, agent.id).await?;
            ensure!(
                !agent_risk.is_empty(),
                "call centre agent has no risk score"
            );
            t.cleanup().await
        }
    })
    .await;
}

#[tokio::test]
async fn a_malformed_row_in_the_real_download_names_file_and_line_and_changes_nothing() {
    let Some(data) = shared_data() else { return };
    let esco = data.join("esco");
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&esco).expect("read esco folder") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name != "occupationSkillRelations.csv" {
            std::os::unix::fs::symlink(entry.path(), dir.path().join(&name)).expect("symlink");
        }
    }
    // Line 7697 is call centre agent → guarantee customer satisfaction, "essential".
    let relations =
        std::fs::read_to_string(esco.join("occupationSkillRelations.csv")).expect("read relations");
    let broken: Vec<String> = relations
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| {
            if i + 1 == 7697 {
                line.replacen(",essential,", ",mandatory,", 1)
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(
        dir.path().join("occupationSkillRelations.csv"),
        broken.concat(),
    )
    .expect("write broken file");

    for_each_backend(|t| {
        let dir = dir.path().to_owned();
        async move {
            let search = SearchIndexes::in_ram()?;
            reskill_server::services::demo::load_demo(&t.db, &search).await?;
            let before = stats::stats(&t.db).await?;
            let error = import::import_esco_dir(&t.db, &search, &dir, &|_, _, _| {})
                .await
                .err()
                .context("the import should fail")?;
            let message = format!("{error:#}");
            ensure!(
                message.contains("occupationSkillRelations.csv:7697")
                    && message.contains("relationType")
                    && message.contains("mandatory"),
                "unhelpful error: {message}"
            );
            ensure!(
                stats::stats(&t.db).await? == before,
                "a failed import changed the database"
            );
            t.cleanup().await
        }
    })
    .await;
}

/// The `reskill` command itself: `demo` then `stats --format json` on a fresh data folder.
#[test]
fn the_command_loads_the_demo_into_a_fresh_data_folder() {
    use clap::Parser;
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_str().expect("utf-8 path");
    for args in [
        vec!["reskill", "--data-dir", data_dir, "demo"],
        vec![
            "reskill",
            "--data-dir",
            data_dir,
            "stats",
            "--format",
            "json",
        ],
        vec![
            "reskill",
            "--data-dir",
            data_dir,
            "reindex",
            "--kind",
            "openings",
        ],
    ] {
        let cli = reskill_cli::Cli::try_parse_from(&args).expect("arguments parse");
        reskill_cli::run(cli).unwrap_or_else(|e| panic!("{args:?} failed: {e:#}"));
    }
    assert!(dir.path().join("reskill.db").is_file());
    assert!(dir.path().join("index/openings").is_dir());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let counts = runtime.block_on(async {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("reskill.db").display()
        );
        let db = reskill_store::db::connect(&url).await.expect("connect");
        stats::stats(&db).await.expect("stats")
    });
    assert_eq!(counts.occupations, 25);
    assert!(counts.courses >= 50 && counts.openings >= 250, "{counts:?}");
    assert!(counts.risk_scores > 0);
}
