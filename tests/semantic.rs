//! The semantic layer with the real model (`RESKILL_TEST_MODEL_DIR`): vectors stored once and
//! reused on both backends, lexical matching when there is no model, and, on the real ESCO
//! taxonomy, everyday skill phrases resolved to the skills a careful reader expects.
//!
//! Run alone, with the figures printed:
//! `cargo test -p reskill-tests --test integration semantic -- --nocapture`

use std::path::Path;
use std::sync::Arc;

use anyhow::ensure;
use reskill_embed::Embedder;
use reskill_search::{HitDetails, IndexKind, SearchIndexes, SearchRequest};
use reskill_server::services::semantic::{self, ModelStatus, Semantic};
use reskill_server::services::{demo, import};
use reskill_store::taxonomy;
use reskill_tests::data::{shared_data, test_model_dir};
use reskill_tests::db::{TestDb, for_each_backend};

fn no_progress(_: &str, _: u64, _: u64) {}

fn embedder(dir: &Path) -> anyhow::Result<Arc<Embedder>> {
    Ok(Arc::new(Embedder::load(dir)?))
}

#[tokio::test]
async fn vectors_are_stored_once_and_only_changed_texts_are_embedded_again() {
    let Some(dir) = test_model_dir() else { return };
    for_each_backend(|t| {
        let dir = dir.clone();
        async move {
            let model = embedder(&dir)?;
            let mut bundle = demo::read_demo_taxonomy()?;
            taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
            let first = semantic::embed_taxonomy(&t.db, &model, &no_progress).await?;
            ensure!(
                first.embedded > 0 && first.embedded == first.texts,
                "{first:?}"
            );
            let again = semantic::embed_taxonomy(&t.db, &model, &no_progress).await?;
            ensure!(again.embedded == 0, "nothing changed, yet {again:?}");

            bundle.occupations[0].description = "Answers questions by telephone.".to_owned();
            taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
            let changed = semantic::embed_taxonomy(&t.db, &model, &no_progress).await?;
            ensure!(changed.embedded == 1, "one text changed: {changed:?}");

            let semantic = Semantic::with_embedder(model);
            semantic.reload(&t.db).await?;
            match semantic.status() {
                ModelStatus::Ready {
                    occupations,
                    skills,
                    ..
                } => ensure!(
                    occupations == bundle.occupations.len() && skills == bundle.skills.len(),
                    "{occupations} occupations and {skills} skills have vectors"
                ),
                other => anyhow::bail!("{other:?}"),
            }
            Ok(())
        }
    })
    .await;
}

#[tokio::test]
async fn without_a_model_search_matches_words_and_says_why() -> anyhow::Result<()> {
    let t = TestDb::sqlite().await?;
    let search = SearchIndexes::in_ram()?;
    demo::load_demo(&t.db, &search).await?;
    let missing = tempfile::tempdir()?;
    let semantic = Semantic::open(missing.path());
    match semantic.status() {
        ModelStatus::Unavailable { reason } => ensure!(
            reason.contains(&missing.path().display().to_string()),
            "the reason names the folder: {reason}"
        ),
        other => anyhow::bail!("{other:?}"),
    }
    semantic.reload(&t.db).await?;
    let request = SearchRequest::new("call centre agent", 5);
    let fused = semantic::search(&search, &semantic, IndexKind::Occupations, &request)?;
    let words = search.search(IndexKind::Occupations, &request)?;
    ensure!(!words.hits.is_empty());
    ensure!(
        fused == words,
        "without a model the search is the lexical one"
    );
    Ok(())
}

#[tokio::test]
async fn a_model_folder_with_a_changed_file_is_refused() -> anyhow::Result<()> {
    let Some(dir) = test_model_dir() else {
        return Ok(());
    };
    let copy = tempfile::tempdir()?;
    for file in ["model.safetensors", "tokenizer.json"] {
        std::fs::copy(dir.join(file), copy.path().join(file))?;
    }
    let mut config = std::fs::read_to_string(dir.join("config.json"))?;
    config.push(' ');
    std::fs::write(copy.path().join("config.json"), config)?;
    let semantic = Semantic::open(copy.path());
    ensure!(semantic.embedder().is_none());
    match semantic.status() {
        ModelStatus::Unavailable { reason } => {
            ensure!(reason.contains("config.json"), "{reason}")
        }
        other => anyhow::bail!("{other:?}"),
    }
    Ok(())
}

/// One line of tests/fixtures/skill_phrases.tsv.
struct Phrase {
    text: String,
    expected: Vec<String>,
}

fn phrases() -> Vec<Phrase> {
    include_str!("fixtures/skill_phrases.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (text, labels) = line.split_once('\t')?;
            Some(Phrase {
                text: text.to_owned(),
                expected: labels.split(" | ").map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// Share of phrases that must find an expected skill among the first three.
const PHRASE_TARGET: f64 = 0.85;

#[tokio::test]
async fn everyday_skill_phrases_find_their_esco_skills_on_the_real_taxonomy() -> anyhow::Result<()>
{
    let (Some(data), Some(dir)) = (shared_data(), test_model_dir()) else {
        return Ok(());
    };
    let t = TestDb::sqlite().await?;
    let search = SearchIndexes::in_ram()?;
    import::import_esco_dir(&t.db, &search, &data.join("esco"), &no_progress).await?;
    let model = embedder(&dir)?;
    let cache = reskill_tests::vectors::VectorCache::open().await?;
    if let Some(cache) = &cache {
        cache.seed(&t.db, model.model().name).await?;
    }
    // The skills' vectors only: the occupations' would double the time for nothing tested here.
    let report = semantic::embed_kinds(&t.db, &model, &[IndexKind::Skills], &no_progress).await?;
    eprintln!("embedded: {report:?}");
    if let Some(cache) = &cache {
        cache.keep(&t.db, model.model().name).await?;
    }
    let semantic = Semantic::with_embedder(model);
    semantic.reload(&t.db).await?;

    let phrases = phrases();
    ensure!(phrases.len() >= 60, "{} phrases", phrases.len());
    let mut found = 0;
    let mut words_only = 0;
    for phrase in &phrases {
        let request = SearchRequest::new(&phrase.text, 3);
        let labels = |hits: &[reskill_search::Hit]| -> Vec<String> {
            hits.iter()
                .filter(|h| matches!(h.details, HitDetails::Skill { .. }))
                .map(|h| h.title.clone())
                .collect()
        };
        let fused =
            labels(&semantic::search(&search, &semantic, IndexKind::Skills, &request)?.hits);
        let lexical = labels(&search.search(IndexKind::Skills, &request)?.hits);
        let hit = |top: &[String]| top.iter().any(|l| phrase.expected.contains(l));
        if hit(&fused) {
            found += 1;
        } else {
            eprintln!(
                "{:?}: expected {:?}, got {:?}",
                phrase.text, phrase.expected, fused
            );
        }
        words_only += usize::from(hit(&lexical));
    }
    let share = found as f64 / phrases.len() as f64;
    eprintln!(
        "skill phrases in the top 3: {found}/{} ({:.1} %) with the model, {words_only} with words only",
        phrases.len(),
        share * 100.0
    );
    ensure!(
        share >= PHRASE_TARGET,
        "{:.1} % < {:.0} %",
        share * 100.0,
        PHRASE_TARGET * 100.0
    );

    // The same skill vectors rank transitions, with the rest of the shipped blend (job zones,
    // work context, SOC codes) and exposure: the leaps the fit used to offer are gone, from the
    // ranking and from the safer moves.
    import::import_attributes_file(
        &t.db,
        &data.join("labour/nesta_occupation_attributes.csv"),
        "GBP",
        "Nesta",
    )
    .await?;
    import::import_onet_crosswalk_file(
        &t.db,
        &data.join("crosswalk/esco_onet_crosswalk_MCC.csv"),
        "MCC",
    )
    .await?;
    demo::load_bundle_risk(&t.db, &search, &data).await?;
    let engine = reskill_server::services::engine::Engine::load(&t.db, Default::default())
        .await?
        .with_similarity(semantic.similarity_input().as_deref());
    ensure!(engine.taxonomy.has_similarity());
    for (origin, absurd) in [
        (
            "customer service representative",
            &["zoo registrar", "big data archive librarian"][..],
        ),
        (
            "marketing assistant",
            &[
                "genealogist",
                "legal policy officer",
                "fiscal affairs policy officer",
            ][..],
        ),
        ("translator", &["genealogist"][..]),
    ] {
        let id = engine
            .taxonomy
            .occupations()
            .iter()
            .find(|o| o.label == origin)
            .map(|o| o.id)
            .ok_or_else(|| anyhow::anyhow!("no occupation {origin:?}"))?;
        let report = engine
            .occupation_transitions(id, 10, true)
            .ok_or_else(|| anyhow::anyhow!("no transitions for {origin:?}"))?;
        let labels: Vec<&str> = report
            .transitions
            .iter()
            .map(|t| t.occupation.label.as_str())
            .collect();
        eprintln!("{origin}: {labels:?}");
        ensure!(labels.len() == 10, "{origin}: {labels:?}");
        ensure!(
            report.transitions.iter().all(|t| t.similarity.is_some()),
            "{origin}: ranked without similarity"
        );
        ensure!(
            !labels.iter().any(|l| absurd.contains(l)),
            "{origin}: {labels:?}"
        );
        let safer = engine
            .occupation_transitions(id, 5, false)
            .ok_or_else(|| anyhow::anyhow!("no safer transitions for {origin:?}"))?;
        let labels: Vec<&str> = safer
            .transitions
            .iter()
            .map(|t| t.occupation.label.as_str())
            .collect();
        eprintln!("{origin}, safer: {labels:?}");
        ensure!(
            !labels.iter().any(|l| absurd.contains(l)),
            "{origin}: {labels:?}"
        );
    }
    Ok(())
}

/// The skills stored for the course titled `title`, by preferred label.
async fn course_skills(
    db: &sea_orm::DatabaseConnection,
    title: &str,
) -> anyhow::Result<Vec<String>> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT s.preferred_label FROM course_skills cs JOIN skills s ON s.id = cs.skill_id \
                     JOIN courses c ON c.id = cs.course_id WHERE c.title = $1 ORDER BY 1"
                }
                _ => {
                    "SELECT s.preferred_label FROM course_skills cs JOIN skills s ON s.id = cs.skill_id \
                     JOIN courses c ON c.id = cs.course_id WHERE c.title = ? ORDER BY 1"
                }
            },
            [title.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<String>(0)?))
        .collect()
}

#[tokio::test]
async fn courses_are_tagged_by_meaning_and_label_matches_their_sentences_do_not_support_are_dropped()
 {
    use reskill_server::services::catalog::{self, CatalogTagger, ImportOptions};
    let Some(dir) = test_model_dir() else { return };
    for_each_backend(|t| {
        let dir = dir.clone();
        async move {
            let model = embedder(&dir)?;
            let bundle = demo::read_demo_taxonomy()?;
            taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
            semantic::embed_taxonomy(&t.db, &model, &no_progress).await?;
            let files = tempfile::tempdir()?;
            let path = files.path().join("courses.csv");
            // No telephone skill's or "use spreadsheets software"'s label appears in the first
            // two; the third names "bookkeeping regulations" only in passing, as a room.
            std::fs::write(
                &path,
                "source_id,provider,title,description,duration_weeks,cost,currency,mode\n\
                 p1,Leeds College,Telephone skills for the front desk,\"Learn to pick up the phone politely, greet callers and put them through to the right person.\",2,0,GBP,online\n\
                 p2,Leeds College,Excel for office work,\"Build worksheets, sum columns and chart your figures.\",3,0,GBP,online\n\
                 p3,Leeds College,Watercolour painting for beginners,\"Paint landscapes, skies and rivers in watercolour with layered washes, wet-on-wet blooms and dry-brush texture, mix your own greens and greys, and frame the finished work for the end-of-term show in the bookkeeping regulations room.\",4,0,GBP,online\n",
            )?;
            let search = SearchIndexes::in_ram()?;

            let words = Arc::new(CatalogTagger::load(&t.db).await?);
            ensure!(!words.reads_meaning());
            catalog::import_courses_file(&t.db, &search, &words, &path, &ImportOptions::default(), &no_progress).await?;
            let phone_by_words = course_skills(&t.db, "Telephone skills for the front desk").await?;
            let paint_by_words = course_skills(&t.db, "Watercolour painting for beginners").await?;
            eprintln!("by words: {phone_by_words:?} / {paint_by_words:?}");
            ensure!(
                !phone_by_words
                    .iter()
                    .any(|s| s == "answer incoming calls" || s == "communicate by telephone"),
                "{phone_by_words:?}"
            );
            ensure!(
                paint_by_words.contains(&"bookkeeping regulations".to_owned()),
                "the words alone take the passing mention: {paint_by_words:?}"
            );

            let meaning = Arc::new(CatalogTagger::load_with_model(&t.db, Some(model.clone())).await?);
            ensure!(meaning.reads_meaning());
            let report = catalog::retag(&t.db, &search, &meaning, IndexKind::Courses, &no_progress).await?;
            ensure!(report.documents == 3, "{report:?}");
            let phone = course_skills(&t.db, "Telephone skills for the front desk").await?;
            let excel = course_skills(&t.db, "Excel for office work").await?;
            let paint = course_skills(&t.db, "Watercolour painting for beginners").await?;
            eprintln!("by meaning: {phone:?} / {excel:?} / {paint:?}");
            ensure!(
                phone
                    .iter()
                    .any(|s| s == "answer incoming calls" || s == "communicate by telephone"),
                "{phone:?}"
            );
            ensure!(excel.contains(&"use spreadsheets software".to_owned()), "{excel:?}");
            ensure!(!paint.contains(&"bookkeeping regulations".to_owned()), "{paint:?}");

            // The pieces' vectors are stored: tagging again embeds nothing new.
            let stored = reskill_store::embeddings::count(&t.db, model.model().name).await?;
            catalog::retag(&t.db, &search, &meaning, IndexKind::Courses, &no_progress).await?;
            let again = reskill_store::embeddings::count(&t.db, model.model().name).await?;
            ensure!(stored == again, "{stored} vectors, then {again}");
            Ok(())
        }
    })
    .await;
}
