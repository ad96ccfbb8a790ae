//! Storage: migrations, taxonomy and risk imports, catalog upserts and error classification, on
//! SQLite and (with `RESKILL_TEST_DATABASE_URL`) PostgreSQL.

use anyhow::{Context, ensure};
use chrono::{NaiveDate, Utc};
use reskill_core::OccupationId;
use reskill_core::catalog::{
    CourseMode, NewCourse, NewOpening, OccupationTag, OpeningStatus, Place, SkillTag, TagOrigin,
};
use reskill_core::risk::{RiskRecord, RiskSource};
use reskill_core::taxonomy::{
    BroaderRecord, EscoBundle, IscoGroupRecord, OccupationRecord, RelationRecord, RelationType,
    ReuseLevel, SkillGroupRecord, SkillRecord, SkillType,
};
use reskill_migrations::{Migrator, MigratorTrait};
use reskill_store::taxonomy::SkillNode;
use reskill_store::{
    ErrorKind, StorageError, catalog, changes, crosswalk, labour, matching, programmes, risk,
    stats, taxonomy,
};
use reskill_tests::db::{for_each_backend, for_each_backend_with};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set, Statement, TransactionTrait};
use sea_orm_migration::SchemaManager;

const ESCO: &str = "http://data.europa.eu/esco";

fn occ_uri(n: u32) -> String {
    format!("{ESCO}/occupation/{n}")
}

fn skill_uri(n: u32) -> String {
    format!("{ESCO}/skill/{n}")
}

fn group_uri(n: u32) -> String {
    format!("{ESCO}/skill-group/{n}")
}

fn occupation(n: u32, label: &str) -> OccupationRecord {
    OccupationRecord {
        uri: occ_uri(n),
        code: format!("4222.{n}"),
        isco_group: "4222".to_owned(),
        preferred_label: label.to_owned(),
        alt_labels: vec![format!("{label} alt"), "call centre agent".to_owned()],
        hidden_labels: vec![],
        description: format!("does {label} things"),
    }
}

fn skill(n: u32, label: &str) -> SkillRecord {
    SkillRecord {
        uri: skill_uri(n),
        skill_type: Some(if n.is_multiple_of(2) {
            SkillType::Knowledge
        } else {
            SkillType::SkillCompetence
        }),
        reuse_level: (n == 1).then_some(ReuseLevel::Transversal),
        preferred_label: label.to_owned(),
        alt_labels: vec![],
        hidden_labels: vec![format!("{label} typo")],
        description: String::new(),
    }
}

fn relation(occupation: u32, skill: u32, relation: RelationType) -> RelationRecord {
    RelationRecord {
        occupation_uri: occ_uri(occupation),
        skill_uri: skill_uri(skill),
        relation,
    }
}

fn edge(child: String, parent: String) -> BroaderRecord {
    BroaderRecord {
        child_uri: child,
        parent_uri: parent,
    }
}

/// Three occupations (2 and 3 narrower than 1), four skills, two groups.
fn small_bundle() -> EscoBundle {
    use RelationType::{Essential, Optional};
    EscoBundle {
        isco_groups: vec![IscoGroupRecord {
            uri: format!("{ESCO}/isco/C4222"),
            code: "4222".to_owned(),
            preferred_label: "contact centre information clerks".to_owned(),
            description: String::new(),
        }],
        occupations: vec![
            occupation(1, "contact centre agent"),
            occupation(2, "call centre agent"),
            occupation(3, "helpdesk agent"),
        ],
        skills: vec![
            skill(1, "communicate with customers"),
            skill(2, "customer service"),
            skill(3, "use a CRM"),
            skill(4, "handle complaints"),
        ],
        relations: vec![
            relation(1, 1, Essential),
            relation(1, 2, Optional),
            relation(2, 1, Essential),
            relation(2, 3, Essential),
            relation(3, 4, Optional),
        ],
        skill_groups: vec![
            SkillGroupRecord {
                uri: group_uri(1),
                code: "S1".to_owned(),
                preferred_label: "communication".to_owned(),
                description: String::new(),
            },
            SkillGroupRecord {
                uri: group_uri(2),
                code: "S1.1".to_owned(),
                preferred_label: "talking".to_owned(),
                description: String::new(),
            },
        ],
        skill_broader: vec![
            edge(group_uri(2), group_uri(1)),
            edge(skill_uri(1), group_uri(2)),
            edge(skill_uri(4), skill_uri(1)),
        ],
        occupation_broader: vec![edge(occ_uri(2), occ_uri(1)), edge(occ_uri(3), occ_uri(1))],
    }
}

fn no_progress(_: &str, _: u64, _: u64) {}

#[tokio::test]
async fn migrations_go_up_down_to_zero_and_up_again() {
    for_each_backend_with(false, |t| async move {
        let manager = SchemaManager::new(&t.db);
        reskill_store::migrate(&t.db).await?;
        for table in [
            "occupations",
            "risk_scores",
            "openings",
            "plan_steps",
            "email_outbox",
            "changes",
            "programme_types",
            "programme_type_soc_codes",
        ] {
            ensure!(manager.has_table(table).await?, "{table} missing after up");
        }
        ensure!(Migrator::get_pending_migrations(&t.db).await?.is_empty());

        // Every pooled connection reads the schema first, so those not used by the rollback
        // hold a stale copy of it when the migrations run again (a CI failure on SQLite).
        let mut readers = Vec::new();
        for _ in 0..4 {
            let txn = t.db.begin().await?;
            txn.query_one_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT count(*) FROM skill_broader",
            ))
            .await?;
            readers.push(txn);
        }
        drop(readers);

        reskill_store::rollback(&t.db).await?;
        for table in [
            "occupations",
            "skills",
            "users",
            "workers",
            "audit_log",
            "changes",
            "programme_types",
        ] {
            ensure!(!manager.has_table(table).await?, "{table} left after down");
        }
        ensure!(Migrator::get_applied_migrations(&t.db).await?.is_empty());

        reskill_store::migrate(&t.db).await?;
        ensure!(stats::stats(&t.db).await? == stats::Stats::default());
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn esco_import_is_idempotent_and_updates_labels() {
    for_each_backend(|t| async move {
        let mut bundle = small_bundle();
        let first = taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
        ensure!(
            first.occupations.inserted == 3 && first.occupations.updated == 0,
            "{first:?}"
        );
        ensure!(first.skills.inserted == 4, "{first:?}");
        ensure!(first.relations.inserted == 5, "{first:?}");
        ensure!(first.skill_broader.inserted == 3, "{first:?}");
        ensure!(first.occupations_with_parent == 2, "{first:?}");
        let counts = stats::stats(&t.db).await?;
        ensure!(
            (
                counts.occupations,
                counts.skills,
                counts.relations,
                counts.isco_groups,
                counts.skill_groups
            ) == (3, 4, 5, 1, 2),
            "{counts:?}"
        );

        bundle.occupations[1].preferred_label = "call center agent".to_owned();
        bundle.relations[1].relation = RelationType::Essential;
        let second = taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
        ensure!(
            second.occupations.inserted == 0 && second.occupations.updated == 3,
            "{second:?}"
        );
        ensure!(
            second.relations.inserted == 0 && second.relations.updated == 5,
            "{second:?}"
        );
        ensure!(
            stats::stats(&t.db).await? == counts,
            "counts changed on re-import"
        );

        let agent = taxonomy::occupation_by_uri(&t.db, &occ_uri(2)).await?;
        ensure!(agent.preferred_label == "call center agent");
        ensure!(agent.alt_labels.len() == 2, "{:?}", agent.alt_labels);
        let parent = taxonomy::occupation_by_uri(&t.db, &occ_uri(1)).await?;
        ensure!(agent.parent_id == Some(parent.id));
        ensure!(taxonomy::occupation_by_id(&t.db, agent.id).await? == agent);

        let skills = taxonomy::skills_of_occupation(&t.db, parent.id).await?;
        ensure!(skills.len() == 2 && skills.iter().all(|(_, r)| *r == RelationType::Essential));

        let page = taxonomy::list_occupations(&t.db, 2, None).await?;
        ensure!(page.len() == 2);
        let rest = taxonomy::list_occupations(&t.db, 2, Some(page[1].id)).await?;
        ensure!(rest.len() == 1 && rest[0].id > page[1].id);

        let snapshot = taxonomy::load_taxonomy_snapshot(&t.db).await?;
        ensure!(snapshot.occupations.len() == 3 && snapshot.skills.len() == 4);
        ensure!(snapshot.relations.len() == 5 && snapshot.occupation_parents.len() == 2);
        ensure!(snapshot.skill_edges.len() == 3);
        ensure!(snapshot.skill_edges.iter().any(|(child, parent)| matches!(
            (child, parent),
            (SkillNode::Skill(_), SkillNode::Skill(_))
        )));

        let missing = taxonomy::occupation_by_id(&t.db, OccupationId(9_999))
            .await
            .unwrap_err();
        ensure!(missing.kind() == ErrorKind::NotFound);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn esco_relation_to_unknown_uri_fails_and_changes_nothing() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        let before = stats::stats(&t.db).await?;

        let mut bad = small_bundle();
        bad.occupations.push(occupation(4, "new occupation"));
        bad.occupations[0].preferred_label = "renamed".to_owned();
        bad.relations.push(relation(4, 99, RelationType::Essential));
        let err = taxonomy::import_esco(&t.db, &bad, &no_progress)
            .await
            .expect_err("unknown skill must fail");
        ensure!(err.kind() == ErrorKind::Invalid, "{err}");
        ensure!(err.to_string().contains(&skill_uri(99)), "{err}");

        ensure!(
            stats::stats(&t.db).await? == before,
            "a failed import left rows behind"
        );
        let kept = taxonomy::occupation_by_uri(&t.db, &occ_uri(1)).await?;
        ensure!(
            kept.preferred_label == "contact centre agent",
            "rename was not rolled back"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn risk_import_switches_the_active_source_and_inherits_scores() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        let record = |n: u32, score: f64| RiskRecord {
            occupation_uri: occ_uri(n),
            raw_value: 1.0 + 4.0 * score,
            score,
        };
        let nesta = RiskSource::parse("nesta-mcc", 2020)?.with_description("ML suitability")?;
        let records = [
            record(1, 0.8),
            record(3, 0.2),
            RiskRecord {
                occupation_uri: occ_uri(404),
                raw_value: 3.0,
                score: 0.5,
            },
        ];
        let summary = risk::import_risk(&t.db, &nesta, (1.0, 5.0), &records, true).await?;
        ensure!(summary.scored == 2 && summary.inherited == 1, "{summary:?}");
        ensure!(summary.skipped_uris == vec![occ_uri(404)], "{summary:?}");
        ensure!(summary.active);

        // Occupation 2 has no own score: it inherits occupation 1's.
        let agent = taxonomy::occupation_by_uri(&t.db, &occ_uri(2)).await?;
        let risks = risk::risk_for_occupation(&t.db, agent.id).await?;
        ensure!(
            risks.len() == 1 && risks[0].inherited && risks[0].score == 0.8,
            "{risks:?}"
        );

        let frey = RiskSource::parse("frey-osborne", 2013)?;
        risk::import_risk(&t.db, &frey, (0.0, 1.0), &[record(2, 0.9)], true).await?;
        let sources = risk::list_risk_sources(&t.db).await?;
        ensure!(
            sources.iter().filter(|s| s.active).count() == 1,
            "{sources:?}"
        );
        ensure!(sources[0].name == "frey-osborne" && sources[0].active);

        let risks = risk::risk_for_occupation(&t.db, agent.id).await?;
        ensure!(risks.len() == 2, "{risks:?}");
        ensure!(risks[0].source.name == "frey-osborne" && !risks[0].inherited);
        ensure!((0.0..=100.0).contains(&risks[0].percentile));

        // Re-importing without `activate` leaves the active source alone and replaces scores.
        // Only occupation 3 now: 1 has no score and no parent, 2 inherits nothing.
        let again = risk::import_risk(&t.db, &nesta, (1.0, 5.0), &[record(3, 0.7)], false).await?;
        ensure!(
            !again.active && again.removed == 2 && again.updated == 1,
            "{again:?}"
        );
        let (active, scores) = risk::active_risk_scores(&t.db)
            .await?
            .context("no active source")?;
        ensure!(active.name == "frey-osborne" && scores.len() == 1);

        risk::activate_risk_source(&t.db, &nesta).await?;
        let sources = risk::list_risk_sources(&t.db).await?;
        ensure!(sources[0].name == "nesta-mcc" && sources[0].active && !sources[1].active);
        // What a source measures is stored with it; a re-import without one keeps it.
        ensure!(sources[0].description == "ML suitability", "{sources:?}");
        let undescribed = RiskSource::parse("nesta-mcc", 2020)?;
        risk::import_risk(&t.db, &undescribed, (1.0, 5.0), &[record(3, 0.7)], false).await?;
        let sources = risk::list_risk_sources(&t.db).await?;
        ensure!(sources[0].description == "ML suitability", "{sources:?}");
        ensure!(
            reskill_core::risk::RiskSource::parse("x", 2020)?
                .with_description("a\u{0}b")
                .is_err()
        );
        ensure!(stats::stats(&t.db).await?.risk_sources == 2);

        let out_of_range = [record(1, 1.5)];
        let err = risk::import_risk(&t.db, &nesta, (1.0, 5.0), &out_of_range, false)
            .await
            .unwrap_err();
        ensure!(err.kind() == ErrorKind::Invalid);
        Ok(())
    })
    .await;
}

fn course(source_id: &str, title: &str, skills: &[u32]) -> NewCourse {
    NewCourse {
        source: "test".to_owned(),
        source_id: source_id.to_owned(),
        provider: "Leeds College".to_owned(),
        title: title.to_owned(),
        description: "learn things".to_owned(),
        duration_weeks: 6.0,
        hours: Some(40.0),
        cost: 0.0,
        currency: "GBP".to_owned(),
        mode: CourseMode::Hybrid,
        place: Some(Place {
            name: "Leeds".to_owned(),
            region: Some("West Yorkshire".to_owned()),
            country: Some("GB".to_owned()),
            lat: Some(53.8),
            lon: Some(-1.55),
        }),
        next_start: NaiveDate::from_ymd_opt(2027, 1, 11),
        funding: "free for jobseekers".to_owned(),
        url: "https://example.org/course".to_owned(),
        skills: skills
            .iter()
            .map(|n| SkillTag {
                origin: TagOrigin::Extracted,
                confidence: 0.7,
                ..SkillTag::manual(skill_uri(*n))
            })
            .collect(),
        occupation: None,
        dedupe_key: None,
    }
}

fn opening(source_id: &str, organisation: &str, occupation: u32) -> NewOpening {
    NewOpening {
        source: "jobs".to_owned(),
        source_id: source_id.to_owned(),
        organisation: organisation.to_owned(),
        title: "Customer adviser".to_owned(),
        occupation: Some(OccupationTag::manual(occ_uri(occupation))),
        description: "help customers".to_owned(),
        skills: vec![
            SkillTag {
                origin: TagOrigin::Extracted,
                ..SkillTag::manual(skill_uri(1))
            },
            SkillTag {
                essential: false,
                origin: TagOrigin::Inferred,
                ..SkillTag::manual(skill_uri(3))
            },
            SkillTag {
                origin: TagOrigin::Extracted,
                ..SkillTag::manual(skill_uri(77))
            },
        ],
        place: None,
        remote: true,
        salary_min: Some(24_000.0),
        salary_max: None,
        currency: "GBP".to_owned(),
        status: OpeningStatus::Open,
        posted_on: NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"),
        expires_on: None,
        url: "https://example.org/job".to_owned(),
        dedupe_key: None,
    }
}

#[tokio::test]
async fn occupation_attributes_replace_and_narrower_occupations_inherit() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        let record =
            |n: u32, job_zone: Option<f64>, annual_earnings: Option<f64>| labour::AttributeRecord {
                occupation_uri: occ_uri(n),
                job_zone,
                annual_earnings,
                remote_work: annual_earnings.map(|_| 0.25),
            };
        let records = [
            record(1, Some(2.0), Some(20_000.0)),
            record(3, Some(4.0), None),
            record(404, Some(1.0), None),
        ];
        let report = labour::replace_occupation_attributes(&t.db, &records, "GBP", "test").await?;
        ensure!(
            report.stored == 2 && report.unknown == vec![occ_uri(404)],
            "{report:?}"
        );
        let id = |n: u32| {
            let db = t.db.clone();
            async move { anyhow::Ok(taxonomy::occupation_by_uri(&db, &occ_uri(n)).await?.id.0) }
        };
        let (one, two, three) = (id(1).await?, id(2).await?, id(3).await?);
        let all = labour::occupation_attributes(&t.db).await?;
        let of = |id: i64| all.iter().find(|a| a.occupation_id == id);
        // Occupation 2 is narrower than 1 and has no figures of its own.
        let inherited = of(two).context("occupation 2 has no attributes")?;
        ensure!(
            inherited.inherited
                && inherited.job_zone == Some(2.0)
                && inherited.annual_earnings == Some(20_000.0)
                && inherited.remote_work == Some(0.25)
                && inherited.earnings_currency == "GBP",
            "{inherited:?}"
        );
        ensure!(of(one).is_some_and(|a| !a.inherited), "{all:?}");
        ensure!(
            of(three).is_some_and(|a| a.job_zone == Some(4.0) && a.annual_earnings.is_none()),
            "{all:?}"
        );

        // A new import replaces the old one entirely.
        labour::replace_occupation_attributes(&t.db, &[record(3, Some(3.0), None)], "GBP", "test")
            .await?;
        let all = labour::occupation_attributes(&t.db).await?;
        ensure!(all.len() == 1 && all[0].occupation_id == three, "{all:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn onet_codes_replace_and_narrower_occupations_inherit() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        let code = |n: u32, code: &str| (occ_uri(n), code.to_owned());
        let before = matching::engine_data_version(&t.db).await?;
        let report = crosswalk::replace_onet_codes(
            &t.db,
            &[
                code(1, "43-4051.00"),
                code(3, "27-3091.00"),
                code(404, "11-1011.00"),
            ],
            "test crosswalk",
        )
        .await?;
        ensure!(
            report.stored == 2 && report.unknown == vec![occ_uri(404)],
            "{report:?}"
        );
        // The engine notices the new codes and reloads.
        ensure!(matching::engine_data_version(&t.db).await? != before);
        let id = |n: u32| {
            let db = t.db.clone();
            async move { anyhow::Ok(taxonomy::occupation_by_uri(&db, &occ_uri(n)).await?.id.0) }
        };
        let (one, two, three) = (id(1).await?, id(2).await?, id(3).await?);
        let all = crosswalk::onet_codes(&t.db).await?;
        let of = |id: i64| all.iter().find(|c| c.occupation_id == id);
        // Occupation 2 is narrower than 1 and has no code of its own.
        ensure!(
            of(two).is_some_and(|c| c.inherited && c.onet_code == "43-4051.00"),
            "{all:?}"
        );
        ensure!(of(one).is_some_and(|c| !c.inherited), "{all:?}");
        ensure!(
            of(three).is_some_and(|c| c.onet_code == "27-3091.00"),
            "{all:?}"
        );

        // A new import replaces the old one entirely.
        crosswalk::replace_onet_codes(&t.db, &[code(3, "27-3091.00")], "test crosswalk").await?;
        let all = crosswalk::onet_codes(&t.db).await?;
        ensure!(all.len() == 1 && all[0].occupation_id == three, "{all:?}");
        Ok(())
    })
    .await;
}

fn programme(code: &str, title: &str) -> reskill_core::catalog::ProgrammeType {
    reskill_core::catalog::ProgrammeType {
        code: code.to_owned(),
        title: title.to_owned(),
        definition: format!("A program that prepares individuals for {title}."),
    }
}

fn soc_link(code: &str, soc_2010: &str) -> programmes::ProgrammeSocLink {
    programmes::ProgrammeSocLink {
        code: code.to_owned(),
        soc_2010: soc_2010.to_owned(),
    }
}

/// Programme types reach occupations through the O*NET-SOC codes at read time: a narrower
/// occupation through its ancestor's code, most specific type first; a second import replaces
/// the first whole, and each import changes the engine's data version.
#[tokio::test]
async fn programme_types_replace_and_reach_occupations_through_their_onet_codes() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        // Occupation 1 (and narrower 2) is a customer service representative; 3 a translator.
        crosswalk::replace_onet_codes(
            &t.db,
            &[
                (occ_uri(1), "43-4051.00".to_owned()),
                (occ_uri(3), "27-3091.00".to_owned()),
            ],
            "test crosswalk",
        )
        .await?;
        let id = |n: u32| {
            let db = t.db.clone();
            async move { anyhow::Ok(taxonomy::occupation_by_uri(&db, &occ_uri(n)).await?.id) }
        };
        let (one, two, three) = (id(1).await?, id(2).await?, id(3).await?);
        let empty = matching::engine_data_version(&t.db).await?;
        ensure!(
            programmes::occupation_programme_types(&t.db).await? == Default::default(),
            "no programme types before an import"
        );

        let types = [
            programme(
                "52.0411",
                "Customer Service Support/Call Center/Teleservice Operation",
            ),
            programme(
                "52.0401",
                "Administrative Assistant and Secretarial Science, General",
            ),
            programme("16.0103", "Language Interpretation and Translation"),
            programme("01.1004", "Viticulture and Enology"),
        ];
        let links = [
            soc_link("52.0411", "43-4051"),
            soc_link("52.0401", "43-4051"),
            soc_link("52.0401", "43-6014"),
            soc_link("52.0401", "43-6014"),
            soc_link("16.0103", "27-3091"),
            soc_link("01.1004", "11-9012"),
        ];
        let report = programmes::replace_programme_types(&t.db, &types, &links, "test CIP").await?;
        ensure!(report.types == 4 && report.links == 5, "{report:?}");
        let first = matching::engine_data_version(&t.db).await?;
        ensure!(first != empty, "the engine must notice new programme types");

        let read = programmes::occupation_programme_types(&t.db).await?;
        let codes_of = |read: &reskill_core::catalog::OccupationProgrammes, id| -> Vec<String> {
            read.by_occupation
                .iter()
                .find(|(o, _)| *o == id)
                .map(|(_, list)| {
                    list.iter()
                        .map(|&i| read.types[i as usize].code.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        // 52.0411 links one SOC code, 52.0401 two: the more specific comes first.
        ensure!(codes_of(&read, one) == ["52.0411", "52.0401"], "{read:?}");
        // Occupation 2 has no code of its own and inherits occupation 1's.
        ensure!(codes_of(&read, two) == ["52.0411", "52.0401"], "{read:?}");
        ensure!(codes_of(&read, three) == ["16.0103"], "{read:?}");
        // Viticulture reaches no occupation here and is not loaded.
        ensure!(read.types.len() == 3, "{:?}", read.types);
        ensure!(read.types.iter().any(|p| p.title
            == "Customer Service Support/Call Center/Teleservice Operation"
            && p.definition.starts_with("A program")));

        // A link to a type that is not imported is refused and changes nothing.
        let refused = programmes::replace_programme_types(
            &t.db,
            &types[..1],
            &[soc_link("52.0401", "43-4051")],
            "test CIP",
        )
        .await
        .unwrap_err();
        ensure!(
            refused.kind() == ErrorKind::Invalid && refused.to_string().contains("52.0401"),
            "{refused}"
        );
        ensure!(programmes::programme_types(&t.db).await?.len() == 4);

        // A second import replaces the first whole; the same counts still change the version.
        let second = [programme(
            "16.0103",
            "Language Interpretation and Translation",
        )];
        programmes::replace_programme_types(
            &t.db,
            &second,
            &[soc_link("16.0103", "43-4051")],
            "test CIP",
        )
        .await?;
        let read = programmes::occupation_programme_types(&t.db).await?;
        ensure!(codes_of(&read, one) == ["16.0103"], "{read:?}");
        ensure!(codes_of(&read, three).is_empty(), "{read:?}");
        ensure!(programmes::programme_types(&t.db).await?.len() == 1);
        let replaced = matching::engine_data_version(&t.db).await?;
        ensure!(replaced != first);
        programmes::replace_programme_types(
            &t.db,
            &second,
            &[soc_link("16.0103", "43-4051")],
            "test CIP",
        )
        .await?;
        ensure!(matching::engine_data_version(&t.db).await? != replaced);

        // A new crosswalk moves the links without a new programme import.
        crosswalk::replace_onet_codes(
            &t.db,
            &[(occ_uri(3), "43-4051.00".to_owned())],
            "test crosswalk",
        )
        .await?;
        let read = programmes::occupation_programme_types(&t.db).await?;
        ensure!(codes_of(&read, three) == ["16.0103"], "{read:?}");
        ensure!(codes_of(&read, one).is_empty(), "{read:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn catalog_upserts_are_keyed_on_source_id() {
    for_each_backend(|t| async move {
        taxonomy::import_esco(&t.db, &small_bundle(), &no_progress).await?;
        let watermark = changes::last_change_id(&t.db).await?.unwrap_or(0);

        let courses = [
            course("c1", "CRM basics", &[3, 99]),
            course("c2", "Complaints", &[4]),
        ];
        let first = catalog::upsert_courses(&t.db, &courses).await?;
        ensure!(first.inserted == 2 && first.updated == 0, "{first:?}");
        ensure!(
            first.skill_tags == 2 && first.unknown_skills == 1,
            "{first:?}"
        );
        ensure!(first.unknown_skill_uris == vec![skill_uri(99)]);

        let renamed = [course("c1", "CRM basics, revised", &[3, 1])];
        let second = catalog::upsert_courses(&t.db, &renamed).await?;
        ensure!(second.inserted == 0 && second.updated == 1, "{second:?}");
        ensure!(second.ids == vec![first.ids[0]], "{second:?}");
        ensure!(stats::stats(&t.db).await?.courses == 2);
        let rows = reskill_store::documents::courses(&t.db, Some(&[first.ids[0].0])).await?;
        ensure!(rows.len() == 1 && rows[0].title == "CRM basics, revised");
        ensure!(rows[0].skill_ids.len() == 2, "{:?}", rows[0].skill_ids);

        let openings = [opening("j1", "Acme Ltd", 2), opening("j2", "Acme Ltd", 404)];
        let first = catalog::upsert_openings(&t.db, &openings).await?;
        ensure!(
            first.inserted == 2 && first.organisations_created == 1,
            "{first:?}"
        );
        ensure!(
            first.unknown_occupations == 1 && first.unknown_skills == 2,
            "{first:?}"
        );
        ensure!(first.skill_tags == 4, "{first:?}");
        let second = catalog::upsert_openings(&t.db, &openings[..1]).await?;
        ensure!(second.inserted == 0 && second.updated == 1, "{second:?}");
        ensure!(second.organisations_created == 0);
        ensure!(stats::stats(&t.db).await?.openings == 2);
        let rows = reskill_store::documents::openings(&t.db, None).await?;
        ensure!(rows[0].organisation == "Acme Ltd" && rows[0].occupation_label.is_some());

        let log = changes::changes_after(&t.db, watermark, 100).await?;
        ensure!(log.len() == 6, "{log:?}");
        ensure!(log.iter().all(|c| c.op == changes::ChangeOp::Upsert));
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn unique_violations_are_conflicts() {
    for_each_backend(|t| async move {
        use reskill_store::entities::organisation;
        let acme = || organisation::ActiveModel {
            name: Set("Acme Ltd".to_owned()),
            kind: Set("employer".to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        acme().insert(&t.db).await?;
        let err: StorageError = acme()
            .insert(&t.db)
            .await
            .expect_err("duplicate name")
            .into();
        ensure!(err.kind() == ErrorKind::Conflict, "{err:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn foreign_key_violations_are_invalid() {
    for_each_backend(|t| async move {
        use reskill_store::entities::occupation_skill;
        let dangling = occupation_skill::ActiveModel {
            occupation_id: Set(1),
            skill_id: Set(2),
            relation: Set("essential".to_owned()),
        };
        let err: StorageError = dangling
            .insert(&t.db)
            .await
            .expect_err("no such rows")
            .into();
        ensure!(err.kind() == ErrorKind::Invalid, "{err:?}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn sqlite_connections_use_wal_and_enforce_foreign_keys() -> anyhow::Result<()> {
    let t = reskill_tests::db::TestDb::sqlite().await?;
    // Ask several times at once so the pool opens more than one connection.
    let mut checks = Vec::new();
    for _ in 0..4 {
        let db = t.db.clone();
        checks.push(tokio::spawn(async move {
            let one = |sql: &'static str| {
                let db = db.clone();
                async move {
                    let row = db
                        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                        .await?
                        .context("no row")?;
                    anyhow::Ok(
                        row.try_get_by_index::<String>(0)
                            .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))?,
                    )
                }
            };
            anyhow::Ok((
                one("PRAGMA journal_mode").await?,
                one("PRAGMA foreign_keys").await?,
                one("PRAGMA synchronous").await?,
            ))
        }));
    }
    for check in checks {
        let (journal, foreign_keys, synchronous) = check.await??;
        ensure!(journal == "wal", "journal_mode {journal}");
        ensure!(foreign_keys == "1", "foreign_keys {foreign_keys}");
        ensure!(
            synchronous == "1",
            "synchronous {synchronous} (1 is NORMAL)"
        );
    }
    t.cleanup().await
}

/// Times `import_esco` on a synthetic bundle the size of ESCO v1.1.1. Run with
/// `cargo test -p reskill-tests --release -- --ignored --nocapture esco_import_at_full_size`.
#[tokio::test]
#[ignore = "timing: run explicitly"]
async fn esco_import_at_full_size() {
    for_each_backend(|t| async move {
        let bundle = synthetic_bundle(3_007, 13_896, 123_855, 640, 20_656);
        let started = std::time::Instant::now();
        let summary = taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
        let first = started.elapsed();
        let started = std::time::Instant::now();
        taxonomy::import_esco(&t.db, &bundle, &no_progress).await?;
        let second = started.elapsed();
        let started = std::time::Instant::now();
        let snapshot = taxonomy::load_taxonomy_snapshot(&t.db).await?;
        let load = started.elapsed();
        println!(
            "{:?}: import {:.2} s, re-import {:.2} s, snapshot {:.2} s ({} relations)\n{summary}",
            t.backend,
            first.as_secs_f64(),
            second.as_secs_f64(),
            load.as_secs_f64(),
            snapshot.relations.len()
        );
        ensure!(summary.relations.inserted == 123_855);
        Ok(())
    })
    .await;
}

/// Builds a bundle with realistic sizes and label lengths.
fn synthetic_bundle(
    occupations: u32,
    skills: u32,
    relations: u32,
    groups: u32,
    edges: u32,
) -> EscoBundle {
    let text =
        "Supervises and coordinates the work of others, ensuring quality standards. ".repeat(4);
    let mut bundle = EscoBundle::default();
    for n in 0..occupations {
        let mut record = occupation(n, &format!("occupation number {n}"));
        record.description = text.clone();
        record.alt_labels = (0..5)
            .map(|i| format!("synonym {i} of occupation {n}"))
            .collect();
        bundle.occupations.push(record);
        if n >= 100 {
            bundle
                .occupation_broader
                .push(edge(occ_uri(n), occ_uri(n % 100)));
        }
    }
    for n in 0..skills {
        let mut record = skill(n, &format!("skill number {n}"));
        record.description = text.clone();
        record.alt_labels = (0..3)
            .map(|i| format!("synonym {i} of skill {n}"))
            .collect();
        bundle.skills.push(record);
    }
    // Distinct pairs: occupation o gets a run of consecutive skills.
    let per_occupation = relations.div_ceil(occupations);
    'outer: for o in 0..occupations {
        for k in 0..per_occupation {
            if bundle.relations.len() as u32 == relations {
                break 'outer;
            }
            let relation_type = if k.is_multiple_of(3) {
                RelationType::Optional
            } else {
                RelationType::Essential
            };
            bundle
                .relations
                .push(relation(o, (o * 7 + k) % skills, relation_type));
        }
    }
    for n in 0..groups {
        bundle.skill_groups.push(SkillGroupRecord {
            uri: group_uri(n),
            code: format!("S{n}"),
            preferred_label: format!("group {n}"),
            description: String::new(),
        });
        if n > 0 {
            bundle
                .skill_broader
                .push(edge(group_uri(n), group_uri(n / 8)));
        }
    }
    let mut n = 0;
    while (bundle.skill_broader.len() as u32) < edges {
        bundle
            .skill_broader
            .push(edge(skill_uri(n % skills), group_uri(n % groups)));
        n += 1;
    }
    bundle
}
