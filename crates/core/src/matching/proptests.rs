//! Property tests of the matching engine over small random taxonomies, workers and courses.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::catalog::CourseMode;
use crate::ids::{CourseId, OccupationId, SkillGroupId, SkillId};
use crate::taxonomy::RelationType;

const MAX_SKILLS: usize = 10;

/// Returns a random taxonomy of 1–6 occupations over 1–10 skills in up to three groups; every
/// occupation requires at least one skill.
fn taxonomy_input() -> impl Strategy<Value = TaxonomyInput> {
    (1usize..=MAX_SKILLS, 1usize..=6).prop_flat_map(|(n_skills, n_occupations)| {
        let requirement =
            proptest::collection::vec((0..n_skills, any::<bool>()), 1..=n_skills.min(5));
        (
            proptest::collection::vec(requirement, n_occupations),
            proptest::collection::vec(proptest::option::of(0i64..3), n_skills),
            proptest::collection::vec(proptest::option::of(0.0f64..1.0), n_occupations),
        )
            .prop_map(move |(requirements, groups, scores)| {
                let occupations = (0..n_occupations as i64)
                    .map(|o| OccupationInput {
                        id: OccupationId(o + 1),
                        uri: format!("occupation/{o}"),
                        label: format!("occupation {o}"),
                        isco_group: "0000".into(),
                    })
                    .collect();
                let skills = (0..n_skills as i64)
                    .map(|s| SkillInput {
                        id: SkillId(s + 100),
                        uri: format!("skill/{s}"),
                        label: format!("skill {s}"),
                        skill_type: None,
                        reuse_level: None,
                    })
                    .collect();
                let relations = requirements
                    .iter()
                    .enumerate()
                    .flat_map(|(o, reqs)| {
                        reqs.iter().map(move |&(s, essential)| RelationInput {
                            occupation: OccupationId(o as i64 + 1),
                            skill: SkillId(s as i64 + 100),
                            relation: if essential {
                                RelationType::Essential
                            } else {
                                RelationType::Optional
                            },
                        })
                    })
                    .collect();
                let skill_parents = groups
                    .iter()
                    .enumerate()
                    .filter_map(|(s, g)| {
                        g.map(|g| SkillParentInput {
                            skill: SkillId(s as i64 + 100),
                            parent: SkillParent::Group(SkillGroupId(g)),
                        })
                    })
                    .collect();
                let risk = scores
                    .iter()
                    .enumerate()
                    .filter_map(|(o, score)| {
                        score.map(|score| RiskInput {
                            occupation: OccupationId(o as i64 + 1),
                            source: "test".into(),
                            year: 2024,
                            score,
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
                    active_risk_source: None,
                }
            })
    })
}

fn origin() -> impl Strategy<Value = SkillOrigin> {
    prop_oneof![
        Just(SkillOrigin::Declared),
        Just(SkillOrigin::Gained),
        Just(SkillOrigin::Inferred)
    ]
}

/// Returns a worker's skills drawn from the fixture-sized id range (some may be unknown).
fn worker_skills() -> impl Strategy<Value = Vec<WorkerSkill>> {
    proptest::collection::vec(
        (100i64..100 + MAX_SKILLS as i64 + 2, origin()).prop_map(|(s, origin)| WorkerSkill {
            skill: SkillId(s),
            origin,
        }),
        0..8,
    )
}

fn courses() -> impl Strategy<Value = Vec<CourseInput>> {
    let mode = prop_oneof![
        Just(CourseMode::Online),
        Just(CourseMode::InPerson),
        Just(CourseMode::Hybrid)
    ];
    let course = (
        proptest::collection::vec(100i64..100 + MAX_SKILLS as i64, 1..4),
        0u32..12,
        0u32..5,
        mode,
        proptest::option::of((50.0f64..55.0, -3.0f64..1.0)),
    );
    proptest::collection::vec(course, 0..12).prop_map(|courses| {
        courses
            .into_iter()
            .enumerate()
            .map(|(i, (skills, weeks, cost, mode, place))| CourseInput {
                id: CourseId(i as i64 + 1),
                skills: skills.into_iter().map(SkillId).collect(),
                weeks: f64::from(weeks),
                cost: f64::from(cost) * 100.0,
                mode,
                location: place.map(|(lat, lon)| GeoPoint { lat, lon }),
            })
            .collect()
    })
}

fn constraints() -> impl Strategy<Value = PlanConstraints> {
    (
        proptest::option::of(0u32..20),
        proptest::option::of(0u32..8),
        any::<bool>(),
        proptest::option::of(10.0f64..300.0),
        any::<bool>(),
    )
        .prop_map(
            |(max_weeks, budget, online_only, max_travel_km, by_cost)| PlanConstraints {
                max_weeks: max_weeks.map(f64::from),
                budget: budget.map(|b| f64::from(b) * 100.0),
                modes: online_only.then(|| vec![CourseMode::Online]),
                location: Some(GeoPoint {
                    lat: 53.8,
                    lon: -1.5,
                }),
                max_travel_km,
                minimise: if by_cost {
                    Minimise::Cost
                } else {
                    Minimise::Weeks
                },
            },
        )
}

fn config() -> impl Strategy<Value = MatchConfig> {
    (
        prop_oneof![Just(0.0), Just(0.5), Just(1.0)],
        any::<bool>(),
        prop_oneof![Just(0usize), Just(20)],
    )
        .prop_map(
            |(sibling_credit, plan_optional_skills, plan_exact_max_candidates)| MatchConfig {
                sibling_credit,
                plan_optional_skills,
                plan_exact_max_candidates,
                viable_fit: 0.2,
                ..MatchConfig::default()
            },
        )
}

/// Shuffles a slice deterministically from a seed (xorshift Fisher–Yates).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    seed |= 1;
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #[test]
    fn fit_is_a_share(input in taxonomy_input(), skills in worker_skills(), config in config()) {
        let taxonomy = Taxonomy::build(input);
        let matcher = Matcher::new(&taxonomy, config);
        let profile = matcher.profile(&skills);
        for o in taxonomy.occupations() {
            let fit = matcher.fit_profile(&profile, o.id).unwrap();
            prop_assert!((0.0..=1.0).contains(&fit), "{fit}");
        }
    }

    #[test]
    fn fit_to_itself_is_one(input in taxonomy_input(), config in config()) {
        let taxonomy = Taxonomy::build(input);
        let matcher = Matcher::new(&taxonomy, config);
        let matrix = matcher.all_pairs_fit();
        for (a, o) in taxonomy.occupations().iter().enumerate() {
            prop_assert_eq!(matcher.occupation_fit(o.id, o.id), Some(1.0));
            prop_assert_eq!(matrix.get(a, a), 1.0);
        }
    }

    #[test]
    fn more_skills_never_lower_fit(
        input in taxonomy_input(),
        skills in worker_skills(),
        extra in worker_skills(),
        config in config(),
    ) {
        let taxonomy = Taxonomy::build(input);
        let matcher = Matcher::new(&taxonomy, config);
        let before = matcher.profile(&skills);
        let mut more = skills.clone();
        more.extend(extra);
        let after = matcher.profile(&more);
        for o in taxonomy.occupations() {
            let (b, a) = (
                matcher.fit_profile(&before, o.id).unwrap(),
                matcher.fit_profile(&after, o.id).unwrap(),
            );
            prop_assert!(a >= b, "{} fell from {b} to {a}", o.label);
        }
    }

    #[test]
    fn plans_claim_only_gap_skills_they_cover_with_no_redundant_course(
        input in taxonomy_input(),
        skills in worker_skills(),
        courses in courses(),
        constraints in constraints(),
        config in config(),
        target in 1i64..=6,
    ) {
        let taxonomy = Taxonomy::build(input);
        let matcher = Matcher::new(&taxonomy, config.clone());
        let profile = matcher.profile(&skills);
        let Some(gap) = matcher.gap(&profile, OccupationId(target)) else { return Ok(()) };
        let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses.clone()), &constraints);

        let gap_weights: HashMap<SkillId, f64> = gap
            .essential
            .iter()
            .chain(gap.optional.iter().filter(|_| config.plan_optional_skills))
            .map(|s| (s.skill.id, s.requirement_weight))
            .collect();
        let by_id: HashMap<CourseId, &CourseInput> = courses.iter().map(|c| (c.id, c)).collect();
        let mut claimed = HashSet::new();
        for step in &plan.steps {
            let course = by_id[&step.course];
            for skill in &step.covers {
                prop_assert!(course.skills.contains(&skill.id), "course does not teach it");
                prop_assert!(gap_weights.contains_key(&skill.id), "not a gap skill");
                prop_assert!(claimed.insert(skill.id), "claimed twice");
            }
            prop_assert!(!step.covers.is_empty());
        }
        let covered_weight: f64 = claimed.iter().map(|s| gap_weights[s]).sum();
        prop_assert!((covered_weight - plan.covered_weight).abs() < 1e-6);
        prop_assert_eq!(claimed.len() + plan.uncovered.len(), gap_weights.len());
        if let Some(max) = constraints.max_weeks {
            prop_assert!(plan.total_weeks <= max + 1e-6);
        }
        if let Some(budget) = constraints.budget {
            prop_assert!(plan.total_cost <= budget + 1e-6);
        }

        // Removing any one course loses some coverage.
        for (i, _) in plan.steps.iter().enumerate() {
            let rest: HashSet<SkillId> = plan
                .steps
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, s)| by_id[&s.course].skills.iter().copied())
                .filter(|s| gap_weights.contains_key(s))
                .collect();
            prop_assert!(!claimed.iter().all(|s| rest.contains(s)), "step {i} is redundant");
        }
    }

    #[test]
    fn exact_plans_cover_at_least_as_much_as_greedy(
        input in taxonomy_input(),
        skills in worker_skills(),
        courses in courses(),
        constraints in constraints(),
        target in 1i64..=6,
    ) {
        let taxonomy = Taxonomy::build(input);
        let exact = Matcher::new(&taxonomy, MatchConfig::default());
        let greedy = Matcher::new(
            &taxonomy,
            MatchConfig { plan_exact_max_candidates: 0, ..MatchConfig::default() },
        );
        let profile = exact.profile(&skills);
        let Some(gap) = exact.gap(&profile, OccupationId(target)) else { return Ok(()) };
        let best = exact.plan_courses(&gap, &CourseCatalog::new(courses.clone()), &constraints);
        let quick = greedy.plan_courses(&gap, &CourseCatalog::new(courses.clone()), &constraints);
        prop_assert!(best.covered_weight >= quick.covered_weight - 1e-9);
        if (best.covered_weight - quick.covered_weight).abs() < 1e-9 {
            let cost = |p: &CoursePlan| match constraints.minimise {
                Minimise::Weeks => p.total_weeks,
                Minimise::Cost => p.total_cost,
            };
            prop_assert!(cost(&best) <= cost(&quick) + 1e-9);
        }
    }

    #[test]
    fn ranking_is_deterministic_and_order_free(
        input in taxonomy_input(),
        skills in worker_skills(),
        courses in courses(),
        current in proptest::option::of(1i64..=6),
        seed in any::<u64>(),
        config in config(),
    ) {
        let worker = WorkerInput {
            skills,
            current_occupation: current.map(OccupationId),
            location: None,
        };
        let demand = HashMap::from([(OccupationId(2), 5), (OccupationId(3), 1)]);
        let taxonomy = Taxonomy::build(input.clone());
        let matcher = Matcher::new(&taxonomy, config.clone());
        let first = matcher.transitions(&worker, &demand, 10);
        prop_assert_eq!(&first, &matcher.transitions(&worker, &demand, 10));

        let mut shuffled = input;
        shuffle(&mut shuffled.occupations, seed);
        shuffle(&mut shuffled.skills, seed.rotate_left(7));
        shuffle(&mut shuffled.relations, seed.rotate_left(19));
        shuffle(&mut shuffled.skill_parents, seed.rotate_left(31));
        shuffle(&mut shuffled.risk, seed.rotate_left(43));
        let shuffled_taxonomy = Taxonomy::build(shuffled);
        let shuffled_matcher = Matcher::new(&shuffled_taxonomy, config);
        let second = shuffled_matcher.transitions(&worker, &demand, 10);
        prop_assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap()
        );

        if let Some(target) = first.first().map(|t| t.fit.occupation.id) {
            let gap = matcher.gap(&matcher.profile(&worker.skills), target).unwrap();
            let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses.clone()), &PlanConstraints::default());
            let mut reordered = courses.clone();
            shuffle(&mut reordered, seed);
            let shuffled_gap = shuffled_matcher
                .gap(&shuffled_matcher.profile(&worker.skills), target)
                .unwrap();
            let replanned = shuffled_matcher.plan_courses(&shuffled_gap, &CourseCatalog::new(reordered), &PlanConstraints::default());
            prop_assert_eq!(plan, replanned);
        }
    }
}
