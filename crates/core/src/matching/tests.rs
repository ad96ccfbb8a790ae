//! Unit tests of the matching engine on the hand-built fixture taxonomy.

use std::collections::HashMap;

use super::fixture::*;
use super::*;
use crate::ids::{CourseId, OccupationId, OpeningId, SkillId};
use crate::risk::RiskBand;
use crate::taxonomy::RelationType;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-5
}

fn idf(taxonomy: &Taxonomy, skill: SkillId) -> f64 {
    taxonomy.skill_idf(skill).unwrap()
}

#[test]
fn idf_rewards_rare_skills_and_floors_common_ones() {
    let taxonomy = taxonomy();
    assert!(close(
        idf(&taxonomy, COMMUNICATE_WITH_CUSTOMERS),
        (6.0f64 / 5.0).ln()
    ));
    assert!(close(idf(&taxonomy, CLINICAL_ASSESSMENT), 6.0f64.ln()));
    assert!(
        close(idf(&taxonomy, UNUSED_SKILL), 6.0f64.ln()),
        "unrequired skills get the max"
    );
    assert_eq!(taxonomy.document_frequency(TOUCH_TYPING), Some(3));

    // A skill every occupation requires still weighs the floor, not zero.
    let mut input = input();
    for o in 1..=6 {
        input.relations.push(RelationInput {
            occupation: OccupationId(o),
            skill: UNUSED_SKILL,
            relation: RelationType::Optional,
        });
    }
    let everywhere = Taxonomy::build(input);
    assert!(close(idf(&everywhere, UNUSED_SKILL), 0.1));
}

#[test]
fn requirement_vector_weighs_optional_half() {
    let taxonomy = taxonomy();
    let requirements = taxonomy.requirements(CUSTOMER_SERVICE_MANAGER).unwrap();
    let (_, relation, weight) = requirements
        .iter()
        .find(|(s, _, _)| *s == USE_CRM_SOFTWARE)
        .copied()
        .unwrap();
    assert_eq!(relation, RelationType::Optional);
    assert!(close(weight, 0.5 * idf(&taxonomy, USE_CRM_SOFTWARE)));
}

#[test]
fn occupation_fit_is_one_to_itself_and_asymmetric() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    for o in taxonomy.occupations() {
        assert_eq!(matcher.occupation_fit(o.id, o.id), Some(1.0), "{}", o.label);
    }
    let nurse_to_care = matcher.occupation_fit(NURSE, CARE_ASSISTANT).unwrap();
    let care_to_nurse = matcher.occupation_fit(CARE_ASSISTANT, NURSE).unwrap();
    assert_eq!(nurse_to_care, 1.0, "a nurse has every care assistant skill");
    assert!(care_to_nurse < 0.7, "{care_to_nurse}");
    assert_eq!(matcher.occupation_fit(NURSE, OccupationId(999)), None);
}

#[test]
fn fit_is_the_weighted_share_covered_with_sibling_credit() {
    let taxonomy = taxonomy();
    let worker = call_centre_worker();
    let total = idf(&taxonomy, COMMUNICATE_WITH_CUSTOMERS)
        + idf(&taxonomy, HANDLE_COMPLAINTS)
        + idf(&taxonomy, MANAGE_A_TEAM)
        + idf(&taxonomy, PLAN_BUDGETS)
        + 0.5 * idf(&taxonomy, USE_CRM_SOFTWARE)
        + 0.5 * idf(&taxonomy, USE_SPREADSHEETS);
    let held = idf(&taxonomy, COMMUNICATE_WITH_CUSTOMERS)
        + idf(&taxonomy, HANDLE_COMPLAINTS)
        + 0.5 * idf(&taxonomy, USE_CRM_SOFTWARE);

    let without = Matcher::new(
        &taxonomy,
        MatchConfig {
            sibling_credit: 0.0,
            ..MatchConfig::default()
        },
    );
    let fit = without
        .fit(&worker.skills, CUSTOMER_SERVICE_MANAGER)
        .unwrap();
    assert!(close(fit, held / total), "{fit}");

    // Managing a team is a sibling of showing empathy; spreadsheets a sibling of touch typing.
    let with = Matcher::new(&taxonomy, MatchConfig::default());
    let fit = with.fit(&worker.skills, CUSTOMER_SERVICE_MANAGER).unwrap();
    let sibling =
        0.5 * idf(&taxonomy, MANAGE_A_TEAM) + 0.5 * 0.5 * idf(&taxonomy, USE_SPREADSHEETS);
    assert!(close(fit, (held + sibling) / total), "{fit}");
}

#[test]
fn inferred_skills_count_less() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let inferred: Vec<WorkerSkill> = call_centre_worker()
        .skills
        .into_iter()
        .map(|s| WorkerSkill {
            origin: SkillOrigin::Inferred,
            ..s
        })
        .collect();
    let fit = matcher.fit(&inferred, CALL_CENTRE_AGENT).unwrap();
    assert!(close(fit, INFERRED_SKILL_WEIGHT), "{fit}");
    let declared = matcher
        .fit(&call_centre_worker().skills, CALL_CENTRE_AGENT)
        .unwrap();
    assert_eq!(declared, 1.0);
}

#[test]
fn unknown_worker_skills_are_reported_not_counted() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let profile = matcher.profile(&declared(&[SkillId(9999), SHOW_EMPATHY]));
    assert_eq!(profile.unknown_skills(), &[SkillId(9999)]);
    assert_eq!(profile.held_count(), 1);
}

#[test]
fn gap_lists_missing_essentials_most_informative_first() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let profile = matcher.profile(&call_centre_worker().skills);
    let gap = matcher.gap(&profile, CUSTOMER_SERVICE_MANAGER).unwrap();
    let essential: Vec<SkillId> = gap.essential.iter().map(|s| s.skill.id).collect();
    assert_eq!(essential, vec![MANAGE_A_TEAM, PLAN_BUDGETS]);
    let optional: Vec<SkillId> = gap.optional.iter().map(|s| s.skill.id).collect();
    assert_eq!(optional, vec![USE_SPREADSHEETS]);
    assert!(!gap.is_ready());
    // Managing a team earns partial credit from a held sibling (same weight: lowest id wins).
    let via = gap.essential[0].related_held.as_ref().map(|s| s.id);
    assert_eq!(via, Some(COMMUNICATE_WITH_CUSTOMERS));
    assert_eq!(gap.essential[0].credit, 0.5);
    assert_eq!(gap.essential[1].related_held, None);
}

#[test]
fn risk_view_shows_active_source_first_and_the_combined_measure() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let call_centre = matcher.risk(CALL_CENTRE_AGENT).unwrap();
    let sources: Vec<&str> = call_centre
        .readings
        .iter()
        .map(|r| r.source.as_str())
        .collect();
    assert_eq!(sources, ["nesta-mcc", "frey-osborne"]);
    assert!(call_centre.readings[0].active);
    assert!(close(call_centre.readings[0].percentile, 75.0));
    assert_eq!(call_centre.readings[0].band, RiskBand::High);
    assert!(close(call_centre.readings[1].percentile, 50.0));
    assert_eq!(call_centre.readings[1].band, RiskBand::Medium);
    // The band shown is the mean percentile's, whichever source is listed first.
    assert!(close(call_centre.percentile, 62.5));
    assert_eq!(call_centre.band, RiskBand::Medium);
    assert!(call_centre.agreement);
    let point = matcher.risk_change(NURSE, CALL_CENTRE_AGENT).unwrap().after;
    assert!(close(point.percentile, call_centre.percentile) && point.sources == 2);

    let nurse = matcher.risk(NURSE).unwrap();
    assert_eq!(nurse.band, RiskBand::Low);
    assert!(nurse.agreement);

    let care = matcher.risk(CARE_ASSISTANT).unwrap();
    assert_eq!(care.readings.len(), 1);
    assert!(close(care.percentile, care.readings[0].percentile));
    assert!(care.agreement);

    // Sources more than a band apart disagree.
    let mut disputed = input();
    disputed.risk.push(RiskInput {
        occupation: CARE_ASSISTANT,
        source: "frey-osborne".into(),
        year: 2017,
        score: 0.99,
        inherited: false,
    });
    let disputed = Taxonomy::build(disputed);
    let care = Matcher::new(&disputed, MatchConfig::default())
        .risk(CARE_ASSISTANT)
        .unwrap();
    assert_eq!(care.readings.len(), 2);
    assert!(!care.agreement);

    // Inherited copies are shown but do not move the source's percentiles.
    let mut inherited = input();
    for _ in 0..3 {
        inherited.risk.push(RiskInput {
            occupation: NURSE,
            source: "nesta-mcc".into(),
            year: 2020,
            score: 0.1,
            inherited: true,
        });
    }
    let inherited = Taxonomy::build(inherited);
    let again = Matcher::new(&inherited, MatchConfig::default());
    assert!(close(
        again.risk(CALL_CENTRE_AGENT).unwrap().percentile,
        62.5
    ));

    // Callers without a taxonomy (the search facet) get the same figures.
    let combined = super::combined_exposure(&input().risk);
    for id in [CALL_CENTRE_AGENT, NURSE, CARE_ASSISTANT, BOOKKEEPER] {
        let view = matcher.risk(id).unwrap();
        assert!(close(combined[&id].percentile, view.percentile));
        assert_eq!(combined[&id].band, view.band);
    }

    let mut unscored = input();
    unscored.risk.retain(|r| r.occupation != BOOKKEEPER);
    let unscored = Taxonomy::build(unscored);
    assert_eq!(
        Matcher::new(&unscored, MatchConfig::default()).risk(BOOKKEEPER),
        None
    );
}

#[test]
fn transitions_need_viable_fit_and_lower_risk() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let worker = call_centre_worker();
    let transitions = matcher.transitions(&worker, &HashMap::new(), 10);
    let targets: Vec<OccupationId> = transitions.iter().map(|t| t.fit.occupation.id).collect();
    assert_eq!(targets, vec![CUSTOMER_SERVICE_MANAGER]);

    let manager = &transitions[0];
    let risk = manager.risk.as_ref().unwrap();
    // Mean percentiles: agent (75 + 50) / 2, manager (250 / 6 + 30) / 2.
    assert!(close(risk.before.as_ref().unwrap().percentile, 62.5));
    assert!(close(
        risk.reduction_points.unwrap(),
        62.5 - (250.0 / 6.0 + 30.0) / 2.0
    ));
    let missing: Vec<SkillId> = manager
        .fit
        .missing_essential
        .iter()
        .map(|s| s.skill.id)
        .collect();
    assert_eq!(missing, vec![MANAGE_A_TEAM, PLAN_BUDGETS]);
    assert!(close(
        manager.score,
        manager.score_parts.fit + manager.score_parts.risk + manager.score_parts.demand
    ));

    // Data entry is a good fit but riskier: listed only on request, and ranked lower.
    let riskier = Matcher::new(
        &taxonomy,
        MatchConfig {
            include_riskier: true,
            ..MatchConfig::default()
        },
    );
    let targets: Vec<OccupationId> = riskier
        .transitions(&worker, &HashMap::new(), 10)
        .iter()
        .map(|t| t.fit.occupation.id)
        .collect();
    assert_eq!(targets, vec![CUSTOMER_SERVICE_MANAGER, DATA_ENTRY_CLERK]);
}

#[test]
fn transitions_use_demand_and_respect_limit() {
    let taxonomy = taxonomy();
    let config = MatchConfig {
        viable_fit: 0.2,
        transition_demand_weight: 0.5,
        ..MatchConfig::default()
    };
    let matcher = Matcher::new(&taxonomy, config);
    let worker = call_centre_worker();
    let quiet = matcher.transitions(&worker, &HashMap::new(), 10);
    let quiet_order: Vec<OccupationId> = quiet.iter().map(|t| t.fit.occupation.id).collect();
    // The bookkeeper is safer than the agent by Nesta's measure but not by the mean of both
    // sources, so it is not offered.
    assert_eq!(quiet_order, vec![CUSTOMER_SERVICE_MANAGER, CARE_ASSISTANT]);

    let demand = HashMap::from([(CARE_ASSISTANT, 120), (BOOKKEEPER, 3)]);
    let busy = matcher.transitions(&worker, &demand, 2);
    let busy_order: Vec<OccupationId> = busy.iter().map(|t| t.fit.occupation.id).collect();
    assert_eq!(busy_order, vec![CARE_ASSISTANT, CUSTOMER_SERVICE_MANAGER]);
    assert_eq!(busy[0].demand, 120);
    assert!(close(busy[0].score_parts.demand, 0.5));
}

#[test]
fn transitions_without_current_occupation_skip_the_risk_filter() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let worker = WorkerInput {
        current_occupation: None,
        ..call_centre_worker()
    };
    let transitions = matcher.transitions(&worker, &HashMap::new(), 10);
    let targets: Vec<OccupationId> = transitions.iter().map(|t| t.fit.occupation.id).collect();
    // The agent's own occupation is a perfect fit when they have not said it is theirs.
    assert_eq!(
        targets,
        vec![
            CALL_CENTRE_AGENT,
            DATA_ENTRY_CLERK,
            CUSTOMER_SERVICE_MANAGER
        ]
    );
    assert!(transitions.iter().all(|t| t.score_parts.risk == 0.0));
    assert!(
        transitions
            .iter()
            .all(|t| t.risk.as_ref().unwrap().before.is_none())
    );
}

#[test]
fn openings_rank_by_fit_now_and_after_plan() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let worker = call_centre_worker();
    let openings = vec![
        OpeningInput {
            id: OpeningId(3),
            occupation: Some(NURSE),
            skills: vec![(ADMINISTER_MEDICATION, true), (CLINICAL_ASSESSMENT, true)],
            location: Some(LONDON),
            remote: false,
            posted_days_ago: 1,
        },
        OpeningInput {
            id: OpeningId(1),
            occupation: Some(CUSTOMER_SERVICE_MANAGER),
            skills: vec![
                (COMMUNICATE_WITH_CUSTOMERS, true),
                (HANDLE_COMPLAINTS, true),
                (MANAGE_A_TEAM, true),
                (PLAN_BUDGETS, true),
                (SkillId(4242), true),
            ],
            location: Some(LEEDS),
            remote: false,
            posted_days_ago: 3,
        },
        OpeningInput {
            id: OpeningId(2),
            occupation: Some(DATA_ENTRY_CLERK),
            skills: vec![(TOUCH_TYPING, true), (USE_SPREADSHEETS, false)],
            location: None,
            remote: true,
            posted_days_ago: 30,
        },
    ];
    let ranked = matcher.rank_openings(&worker, &[MANAGE_A_TEAM, PLAN_BUDGETS], &openings, 10);
    let order: Vec<OpeningId> = ranked.iter().map(|r| r.opening).collect();
    assert_eq!(order, vec![OpeningId(1), OpeningId(2), OpeningId(3)]);

    let manager = &ranked[0];
    assert_eq!(manager.fit_after_plan, 1.0, "unknown skills are dropped");
    assert!(manager.fit_now < 1.0);
    assert!(manager.distance_km.unwrap() < 1.0);
    let closed: Vec<SkillId> = manager
        .explanation
        .closed_by_plan
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(closed, vec![MANAGE_A_TEAM, PLAN_BUDGETS]);
    assert_eq!(
        manager.explanation.risk.as_ref().unwrap().band,
        RiskBand::Medium
    );

    let top_one = matcher.rank_openings(&worker, &[MANAGE_A_TEAM, PLAN_BUDGETS], &openings, 1);
    assert_eq!(top_one, ranked[..1]);

    let nearby_only = Matcher::new(
        &taxonomy,
        MatchConfig {
            opening_max_distance_km: Some(50.0),
            ..MatchConfig::default()
        },
    );
    let nearby: Vec<OpeningId> = nearby_only
        .rank_openings(&worker, &[], &openings, 10)
        .iter()
        .map(|r| r.opening)
        .collect();
    assert_eq!(
        nearby,
        vec![OpeningId(2), OpeningId(1)],
        "remote stays, London goes"
    );
}

#[test]
fn all_pairs_matches_pairwise_fit() {
    let taxonomy = taxonomy();
    for threads in [1, 2, 4] {
        let matcher = Matcher::new(
            &taxonomy,
            MatchConfig {
                threads,
                ..MatchConfig::default()
            },
        );
        let matrix = matcher.all_pairs_fit();
        for (a, from) in matrix.occupations.iter().enumerate() {
            assert_eq!(matrix.get(a, a), 1.0);
            for (b, to) in matrix.occupations.iter().enumerate() {
                let fit = matcher.occupation_fit(*from, *to).unwrap();
                assert_eq!(matrix.get(a, b), fit as f32);
            }
        }
        assert_eq!(matrix.row(0).len(), 6);
    }
}

#[test]
fn build_reports_skipped_records() {
    let mut input = input();
    input.relations.push(RelationInput {
        occupation: OccupationId(77),
        skill: SHOW_EMPATHY,
        relation: RelationType::Essential,
    });
    input.relations.push(RelationInput {
        occupation: NURSE,
        skill: SHOW_EMPATHY,
        relation: RelationType::Optional,
    });
    input.occupations.push(input.occupations[0].clone());
    input.risk.push(RiskInput {
        occupation: NURSE,
        source: "bad".into(),
        year: 2024,
        score: f64::NAN,
        inherited: false,
    });
    let taxonomy = Taxonomy::build(input);
    let stats = taxonomy.stats();
    assert_eq!(stats.unknown_references, 1);
    assert_eq!(stats.duplicate_relations, 1);
    assert_eq!(stats.duplicate_ids, 1);
    assert_eq!(stats.invalid_scores, 1);
    let nurse = taxonomy.requirements(NURSE).unwrap();
    let empathy = nurse.iter().find(|r| r.0 == SHOW_EMPATHY).unwrap();
    assert_eq!(
        empathy.1,
        RelationType::Essential,
        "the essential duplicate wins"
    );
}

#[test]
fn explanations_serialise_in_snake_case() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let transitions = matcher.transitions(&call_centre_worker(), &HashMap::new(), 1);
    let json = serde_json::to_value(&transitions[0]).unwrap();
    assert_eq!(
        json["fit"]["occupation"]["label"],
        "customer service manager"
    );
    assert_eq!(
        json["fit"]["missing_essential"][0]["skill"]["label"],
        "manage a team"
    );
    assert_eq!(json["risk"]["after"]["band"], "medium");
    assert_eq!(json["risk"]["after"]["sources"], 2);
    let profile = matcher.profile(&call_centre_worker().skills);
    let gap = matcher.gap(&profile, CUSTOMER_SERVICE_MANAGER).unwrap();
    let plan = matcher.plan_courses(
        &gap,
        &CourseCatalog::new(courses()),
        &PlanConstraints::default(),
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["method"], "exact");
    assert_eq!(json["steps"][0]["course"], CourseId(4).0);
    assert_eq!(json["steps"][0]["mode"], "in_person");
}
