//! Measurements on the real ESCO v1.1.1 bundle (`../shared/data` beside the project, or
//! `RESKILL_DATA_DIR`). Ignored by default; run with
//! `cargo test -p reskill-core --release -- --ignored --nocapture esco_`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use super::*;
use crate::ids::{OccupationId, OpeningId, SkillGroupId, SkillId};
use crate::taxonomy::RelationType;

fn data_dir() -> PathBuf {
    std::env::var_os("RESKILL_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn rows(path: &str) -> Vec<csv::StringRecord> {
    let path = data_dir().join(path);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .unwrap_or_else(|e| panic!("failed to open {}: {e}", path.display()));
    reader.records().map(|r| r.expect("csv row")).collect()
}

/// Loads ESCO plus Nesta's risk scores into a `TaxonomyInput` (ids are row numbers).
fn esco_input() -> TaxonomyInput {
    let mut occupation_ids = HashMap::new();
    let occupations = rows("esco/occupations_en.csv")
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = OccupationId(i as i64 + 1);
            occupation_ids.insert(r[1].to_owned(), id);
            OccupationInput {
                id,
                uri: r[1].to_owned(),
                label: r[3].to_owned(),
                isco_group: r[2].to_owned(),
            }
        })
        .collect();
    let mut skill_ids = HashMap::new();
    let skills = rows("esco/skills_en.csv")
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = SkillId(i as i64 + 1);
            skill_ids.insert(r[1].to_owned(), id);
            SkillInput {
                id,
                uri: r[1].to_owned(),
                label: r[4].to_owned(),
                skill_type: None,
                reuse_level: None,
            }
        })
        .collect();
    let relations = rows("esco/occupationSkillRelations.csv")
        .iter()
        .filter_map(|r| {
            Some(RelationInput {
                occupation: *occupation_ids.get(&r[0])?,
                skill: *skill_ids.get(&r[3])?,
                relation: RelationType::parse(&r[1]).ok()?,
            })
        })
        .collect();
    let mut group_ids: HashMap<String, i64> = HashMap::new();
    let skill_parents = rows("esco/broaderRelationsSkillPillar.csv")
        .iter()
        .filter(|r| &r[0] == "KnowledgeSkillCompetence")
        .filter_map(|r| {
            let skill = *skill_ids.get(&r[1])?;
            let parent = if &r[2] == "SkillGroup" {
                let next = group_ids.len() as i64 + 1;
                SkillParent::Group(SkillGroupId(
                    *group_ids.entry(r[3].to_owned()).or_insert(next),
                ))
            } else {
                SkillParent::Skill(*skill_ids.get(&r[3])?)
            };
            Some(SkillParentInput { skill, parent })
        })
        .collect();
    let risk = rows("risk/nesta_mcc_risk_All_occupations.csv")
        .iter()
        .filter_map(|r| {
            Some(RiskInput {
                occupation: *occupation_ids.get(&r[10])?,
                source: "nesta-mcc".into(),
                year: 2020,
                score: r[3].parse().ok()?,
                inherited: false,
            })
        })
        .collect();
    TaxonomyInput {
        occupations,
        skills,
        relations,
        skill_parents,
        risk,
        active_risk_source: Some("nesta-mcc".into()),
    }
}

/// Every occupation's requirements that has any, in id order: what the synthetic openings and
/// courses are drawn from.
fn requirement_lists(taxonomy: &Taxonomy) -> Vec<Vec<(SkillId, RelationType, f64)>> {
    taxonomy
        .occupations()
        .iter()
        .map(|o| taxonomy.requirements(o.id).unwrap())
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
#[ignore = "needs the shared ESCO data; run in release"]
fn esco_all_pairs_and_calibration_figures() {
    let input = esco_input();
    let started = Instant::now();
    let taxonomy = Taxonomy::build(input);
    println!(
        "build: {} occupations, {} skills, {:?}; stats {:?}",
        taxonomy.occupation_count(),
        taxonomy.skill_count(),
        started.elapsed(),
        taxonomy.stats()
    );
    for sibling_credit in [0.0, 0.5] {
        let matcher = Matcher::new(
            &taxonomy,
            MatchConfig {
                sibling_credit,
                threads: 2,
                ..MatchConfig::default()
            },
        );
        let started = Instant::now();
        let matrix = matcher.all_pairs_fit();
        let elapsed = started.elapsed();
        let n = matrix.occupations.len();
        let mut off_diagonal: Vec<f32> = Vec::with_capacity(n * n);
        let mut viable_per_origin = Vec::with_capacity(n);
        for a in 0..n {
            assert_eq!(matrix.get(a, a), 1.0);
            let row = matrix.row(a);
            let mut viable = 0;
            for (b, &fit) in row.iter().enumerate() {
                if a != b {
                    off_diagonal.push(fit);
                    viable += usize::from(fit >= 0.35);
                }
            }
            viable_per_origin.push(viable);
        }
        off_diagonal.sort_by(f32::total_cmp);
        viable_per_origin.sort_unstable();
        let q = |p: f64| off_diagonal[((off_diagonal.len() - 1) as f64 * p) as usize];
        println!(
            "all pairs (sibling credit {sibling_credit}, 2 threads): {n}x{n} in {elapsed:?}; \
             fit p50 {:.3} p90 {:.3} p99 {:.3} p99.9 {:.3}; viable (>= 0.35) targets per origin: \
             p10 {} median {} p90 {}; origins with none: {}",
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
            viable_per_origin[n / 10],
            viable_per_origin[n / 2],
            viable_per_origin[n * 9 / 10],
            viable_per_origin.iter().filter(|&&v| v == 0).count()
        );
    }
}

#[test]
#[ignore = "needs the shared ESCO data; run in release"]
fn esco_transitions_for_a_call_centre_agent() {
    let taxonomy = Taxonomy::build(esco_input());
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let agent = taxonomy
        .occupations()
        .iter()
        .find(|o| o.label == "contact centre agent" || o.label == "call centre agent")
        .expect("a call centre occupation");
    let skills: Vec<WorkerSkill> = taxonomy
        .requirements(agent.id)
        .unwrap()
        .into_iter()
        .map(|(skill, _, _)| WorkerSkill {
            skill,
            origin: SkillOrigin::Inferred,
        })
        .collect();
    let worker = WorkerInput {
        skills,
        current_occupation: Some(agent.id),
        location: None,
    };
    let started = Instant::now();
    let transitions = matcher.transitions(&worker, &HashMap::new(), 10);
    println!(
        "transitions for {:?} in {:?}: {:?}",
        agent.label,
        started.elapsed(),
        matcher.risk(agent.id).map(|r| r.readings[0].percentile)
    );
    for t in &transitions {
        println!(
            "  {:.3} fit {:.3} risk {:?} -> {:?}  {} (missing essential: {})",
            t.score,
            t.fit.fit,
            t.risk
                .as_ref()
                .and_then(|r| r.before.as_ref())
                .map(|p| p.percentile.round()),
            t.risk.as_ref().map(|r| r.after.percentile.round()),
            t.fit.occupation.label,
            t.fit.missing_essential.len()
        );
    }
}

#[test]
#[ignore = "needs the shared ESCO data; run in release"]
fn esco_one_worker_against_a_million_openings() {
    let taxonomy = Taxonomy::build(esco_input());
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    // Openings: 12 requirements each, drawn from occupations' requirement vectors by a
    // deterministic stride, about what a tagged posting carries.
    let occupations = requirement_lists(&taxonomy);
    let openings: Vec<OpeningInput> = (0..1_000_000u64)
        .map(|i| {
            let reqs = &occupations[(i as usize * 7919) % occupations.len()];
            let skills = (0..12u64)
                .map(|k| {
                    let (skill, relation, _) = reqs[((i * 31 + k * 17) as usize) % reqs.len()];
                    (skill, relation == RelationType::Essential)
                })
                .collect();
            OpeningInput {
                id: OpeningId(i as i64),
                occupation: None,
                skills,
                location: None,
                remote: false,
                posted_days_ago: 0,
            }
        })
        .collect();
    let started = Instant::now();
    let prepared = matcher.prepare_openings(&openings);
    println!("prepare 1M openings: {:?}", started.elapsed());
    let worker_skills: Vec<WorkerSkill> = taxonomy
        .requirements(taxonomy.occupations()[100].id)
        .unwrap()
        .into_iter()
        .map(|(skill, _, _)| WorkerSkill {
            skill,
            origin: SkillOrigin::Declared,
        })
        .collect();
    let profile = matcher.profile(&worker_skills);

    // Bare loop: Σ weight × dense[index] over the same sparse rows, no normalisation.
    let dense: Vec<f32> = profile.credit.clone();
    let mut bare = vec![0.0f32; prepared.len()];
    let mut fits = Vec::new();
    let mut best_bare = f64::INFINITY;
    let mut best_engine = f64::INFINITY;
    for _ in 0..5 {
        let started = Instant::now();
        for (i, out) in bare.iter_mut().enumerate() {
            let mut dot = 0.0f32;
            for (s, w) in prepared.row(i) {
                dot += w * dense[s as usize];
            }
            *out = dot;
        }
        best_bare = best_bare.min(started.elapsed().as_secs_f64());
        std::hint::black_box(&bare);

        let started = Instant::now();
        matcher.fit_openings(&profile, &prepared, &mut fits);
        best_engine = best_engine.min(started.elapsed().as_secs_f64());
        std::hint::black_box(&fits);
    }
    println!(
        "1M openings: bare sparse dot {:.1} ms, engine fit {:.1} ms, ratio {:.2}",
        best_bare * 1e3,
        best_engine * 1e3,
        best_engine / best_bare
    );
    assert!(fits.iter().all(|f| (0.0..=1.0).contains(f)));

    let started = Instant::now();
    let ranked = matcher.rank_openings(
        &WorkerInput {
            skills: worker_skills,
            current_occupation: None,
            location: None,
        },
        &[],
        &openings,
        20,
    );
    println!(
        "rank_openings over 1M (prepare + 2 fits + top 20): {:?}",
        started.elapsed()
    );
    assert_eq!(ranked.len(), 20);
}

#[test]
#[ignore = "needs the shared ESCO data; run in release"]
fn esco_exact_plan_with_twenty_candidates() {
    let taxonomy = Taxonomy::build(esco_input());
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    // The occupation with the most requirements, for a worker with no skills: the largest gap.
    let target = taxonomy
        .occupations()
        .iter()
        .max_by_key(|o| taxonomy.requirements(o.id).unwrap().len())
        .unwrap();
    let gap = matcher.gap(&matcher.profile(&[]), target.id).unwrap();
    let gap_skills: Vec<SkillId> = gap
        .essential
        .iter()
        .chain(&gap.optional)
        .map(|s| s.skill.id)
        .collect();
    // Twenty overlapping courses of 8–30 gap skills each, 2–13 weeks, all online.
    let courses: Vec<CourseInput> = (0..20u64)
        .map(|c| CourseInput {
            id: crate::ids::CourseId(c as i64 + 1),
            skills: (0..(8 + c * 7 % 23))
                .map(|k| gap_skills[((c * 37 + k * 11) as usize) % gap_skills.len()])
                .collect(),
            weeks: (2 + c * 5 % 12) as f64,
            cost: (c * 130 % 900) as f64,
            mode: crate::catalog::CourseMode::Online,
            location: None,
        })
        .collect();
    let catalog = CourseCatalog::new(courses);
    for max_weeks in [None, Some(20.0), Some(40.0)] {
        let constraints = PlanConstraints {
            max_weeks,
            ..PlanConstraints::default()
        };
        let started = Instant::now();
        let plan = matcher.plan_courses(&gap, &catalog, &constraints);
        let exact_time = started.elapsed();
        let greedy = Matcher::new(
            &taxonomy,
            MatchConfig {
                plan_exact_max_candidates: 0,
                ..MatchConfig::default()
            },
        )
        .plan_courses(&gap, &catalog, &constraints);
        println!(
            "{} ({} gap skills), max weeks {max_weeks:?}: exact {:?} -> {} courses, {} weeks, \
             share {:.3}; greedy {} courses, {} weeks, share {:.3}",
            target.label,
            gap_skills.len(),
            exact_time,
            plan.steps.len(),
            plan.total_weeks,
            plan.covered_share,
            greedy.steps.len(),
            greedy.total_weeks,
            greedy.covered_share
        );
    }
}

#[test]
#[ignore = "needs the shared ESCO data; run in release"]
fn esco_plans_over_a_large_catalogue() {
    let taxonomy = Taxonomy::build(esco_input());
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let occupations = requirement_lists(&taxonomy);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    // 30,000 courses teaching 1–12 skills of one occupation each, 0.1–26 weeks, 0–1,000 in
    // price, a third in person somewhere in England: a catalogue well beyond today's.
    let courses: Vec<CourseInput> = (0..30_000i64)
        .map(|id| {
            let reqs = &occupations[next(occupations.len())];
            let skills = (0..1 + next(12))
                .map(|_| reqs[next(reqs.len())].0)
                .collect();
            let in_person = next(3) == 0;
            CourseInput {
                id: crate::ids::CourseId(id + 1),
                skills,
                weeks: [0.1, 0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 26.0][next(9)],
                cost: (next(11) * 100) as f64,
                mode: if in_person {
                    crate::catalog::CourseMode::InPerson
                } else {
                    crate::catalog::CourseMode::Online
                },
                location: in_person.then(|| GeoPoint {
                    lat: 51.0 + next(300) as f64 / 100.0,
                    lon: -2.5 + next(300) as f64 / 100.0,
                }),
            }
        })
        .collect();
    // 2,000 programme types leading to the skills of three occupations each.
    let programmes: Vec<ProgrammeOption> = (0..2_000)
        .map(|p| ProgrammeOption {
            code: format!("{:02}.{:04}", p / 100, p % 100),
            title: format!("programme {p}"),
            skills: (0..3)
                .flat_map(|_| occupations[next(occupations.len())].iter().map(|r| r.0))
                .collect(),
        })
        .collect();
    let catalog = CourseCatalog::new(courses);
    let programmes = ProgrammeCatalog::new(programmes);
    let constraints = [
        PlanConstraints::default(),
        PlanConstraints {
            max_weeks: Some(20.0),
            budget: Some(500.0),
            location: Some(GeoPoint {
                lat: 53.8,
                lon: -1.5,
            }),
            max_travel_km: Some(50.0),
            ..PlanConstraints::default()
        },
    ];
    let all = taxonomy.occupations();
    for constraints in &constraints {
        let mut times = Vec::new();
        let (mut exact, mut candidates, mut essential, mut covered, mut with_programmes) =
            (0, 0, 0, 0, 0);
        // A worker holding one occupation's requirements, planning for the next one's.
        for i in (0..all.len() - 1).step_by(10) {
            let held: Vec<WorkerSkill> = taxonomy
                .requirements(all[i].id)
                .unwrap()
                .iter()
                .map(|r| WorkerSkill {
                    skill: r.0,
                    origin: SkillOrigin::Declared,
                })
                .collect();
            let Some(gap) = matcher.gap(&matcher.profile(&held), all[i + 1].id) else {
                continue;
            };
            let started = Instant::now();
            let plan =
                matcher.plan_courses_with_programmes(&gap, &catalog, constraints, &programmes);
            times.push(started.elapsed());
            exact += usize::from(plan.method == PlanMethod::Exact);
            candidates += plan.candidate_count;
            essential += plan.essential_gap;
            covered += plan.essential_covered;
            with_programmes += plan.essential_covered_with_programmes;
        }
        times.sort();
        let n = times.len();
        println!(
            "{n} plans, max weeks {:?}: p50 {:?}, p99 {:?}, max {:?}; {exact} exact; \
             mean {:.0} candidates; essential covered {:.1} % by courses, {:.1} % with \
             programmes",
            constraints.max_weeks,
            times[n / 2],
            times[n * 99 / 100],
            times[n - 1],
            candidates as f64 / n as f64,
            100.0 * covered as f64 / essential.max(1) as f64,
            100.0 * with_programmes as f64 / essential.max(1) as f64,
        );
    }
}
