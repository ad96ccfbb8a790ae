//! Unit tests of the course planner: the fixture taxonomy's plans, and one small hand-made gap
//! per rule of the module docs.

use crate::catalog::CourseMode;
use crate::ids::{CourseId, OccupationId, SkillId};
use crate::matching::fixture::*;
use crate::matching::*;

fn ids(steps: &[PlanStep]) -> Vec<i64> {
    steps.iter().map(|s| s.course.0).collect()
}

fn skill_ids<'a>(skills: impl IntoIterator<Item = &'a SkillRef>) -> Vec<i64> {
    skills.into_iter().map(|s| s.id.0).collect()
}

fn greedy_config() -> MatchConfig {
    MatchConfig {
        plan_exact_max_candidates: 0,
        ..MatchConfig::default()
    }
}

fn manager_gap(matcher: &Matcher<'_>) -> Gap {
    let profile = matcher.profile(&call_centre_worker().skills);
    matcher.gap(&profile, CUSTOMER_SERVICE_MANAGER).unwrap()
}

fn required(id: i64, weight: f64, essential: bool) -> RequiredSkill {
    RequiredSkill {
        skill: SkillRef {
            id: SkillId(id),
            uri: format!("skill/{id}"),
            label: format!("skill {id}"),
            idf: weight,
        },
        essential,
        requirement_weight: weight,
        credit: 0.0,
        related_held: None,
    }
}

/// Returns a gap of essential and optional `(skill id, requirement weight)` pairs, each list
/// already in the order a gap lists them.
fn hand_gap(essential: &[(i64, f64)], optional: &[(i64, f64)]) -> Gap {
    Gap {
        occupation: OccupationRef {
            id: OccupationId(1),
            uri: "occupation/1".into(),
            label: "target".into(),
        },
        fit: 0.0,
        essential: essential
            .iter()
            .map(|&(id, w)| required(id, w, true))
            .collect(),
        optional: optional
            .iter()
            .map(|&(id, w)| required(id, w, false))
            .collect(),
    }
}

fn online(id: i64, skills: &[i64], weeks: f64, cost: f64) -> CourseInput {
    course(
        id,
        &skills.iter().map(|&s| SkillId(s)).collect::<Vec<_>>(),
        weeks,
        cost,
        CourseMode::Online,
        None,
    )
}

/// Plans with `config`; the planner never reads the taxonomy, so the fixture's will do.
fn plan_with(
    config: MatchConfig,
    gap: &Gap,
    courses: Vec<CourseInput>,
    constraints: &PlanConstraints,
) -> CoursePlan {
    let taxonomy = taxonomy();
    Matcher::new(&taxonomy, config).plan_courses(gap, &CourseCatalog::new(courses), constraints)
}

/// Returns the exact plan and the greedy plan.
fn both(gap: &Gap, courses: Vec<CourseInput>, constraints: &PlanConstraints) -> [CoursePlan; 2] {
    let exact = plan_with(MatchConfig::default(), gap, courses.clone(), constraints);
    let greedy = plan_with(greedy_config(), gap, courses, constraints);
    assert_eq!(exact.method, PlanMethod::Exact);
    assert_eq!(greedy.method, PlanMethod::Greedy);
    [exact, greedy]
}

#[test]
fn plan_covers_optional_skills_through_a_course_that_also_teaches_essentials() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let gap = manager_gap(&matcher);
    for config in [MatchConfig::default(), greedy_config()] {
        let plan = Matcher::new(&taxonomy, config).plan_courses(
            &gap,
            &CourseCatalog::new(courses()),
            &PlanConstraints::default(),
        );
        assert_eq!(
            ids(&plan.steps),
            vec![4],
            "the bootcamp covers all three in 10 weeks"
        );
        assert_eq!(plan.total_weeks, 10.0);
        assert_eq!(plan.covered_share, 1.0);
        assert!(plan.uncovered.is_empty());
        assert_eq!(
            plan.candidate_count, 3,
            "courses teaching only held or only optional skills are not candidates"
        );
        assert_eq!(
            skill_ids(plan.covered_skills()),
            vec![MANAGE_A_TEAM.0, PLAN_BUDGETS.0, USE_SPREADSHEETS.0]
        );
        assert_eq!(plan.steps[0].covers_essential, 2);
        assert_eq!((plan.essential_gap, plan.essential_covered), (2, 2));
    }
}

#[test]
fn exact_plan_beats_greedy_on_weeks() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let gap = manager_gap(&matcher);
    let with_optional_only = PlanConstraints {
        include_optional_only_courses: true,
        ..PlanConstraints::default()
    };
    let [exact, greedy] = both(&gap, courses(), &with_optional_only);
    assert_eq!(ids(&exact.steps), vec![4]);
    assert_eq!(exact.total_weeks, 10.0);
    assert_eq!(exact.candidate_count, 4);
    assert_eq!(
        ids(&greedy.steps),
        vec![1, 2, 3],
        "greedy takes the best essential course per week first"
    );
    assert_eq!(greedy.total_weeks, 12.0);
    assert_eq!(skill_ids(&greedy.steps[1].covers), vec![PLAN_BUDGETS.0]);
    assert_eq!(greedy.steps[2].covers_essential, 0);
}

#[test]
fn plan_minimising_cost_takes_essential_courses_first() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let gap = manager_gap(&matcher);
    let constraints = PlanConstraints {
        minimise: Minimise::Cost,
        include_optional_only_courses: true,
        ..PlanConstraints::default()
    };
    let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses()), &constraints);
    assert_eq!(
        ids(&plan.steps),
        vec![1, 2, 3],
        "the free spreadsheet course teaches only a nice-to-have, so it comes last"
    );
    assert_eq!(plan.total_cost, 500.0);
}

#[test]
fn plan_respects_limits_and_names_what_stays_open() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let gap = manager_gap(&matcher);

    let eight_weeks = PlanConstraints {
        max_weeks: Some(8.0),
        ..PlanConstraints::default()
    };
    let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses()), &eight_weeks);
    assert_eq!(
        ids(&plan.steps),
        vec![1],
        "managing a team is the rarer skill"
    );
    let open: Vec<(i64, UncoveredReason, bool)> = plan
        .uncovered
        .iter()
        .map(|u| (u.skill.id.0, u.reason, u.essential))
        .collect();
    assert_eq!(
        open,
        vec![
            (PLAN_BUDGETS.0, UncoveredReason::OverTimeLimit, true),
            (USE_SPREADSHEETS.0, UncoveredReason::OverTimeLimit, false),
        ]
    );

    // From London, the Leeds bootcamp is out of reach and nothing else is in person.
    let in_person_from_london = PlanConstraints {
        modes: Some(vec![CourseMode::InPerson, CourseMode::Hybrid]),
        location: Some(LONDON),
        max_travel_km: Some(30.0),
        ..PlanConstraints::default()
    };
    let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses()), &in_person_from_london);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.covered_share, 0.0);
    assert_eq!(plan.essential_covered_share, 0.0);
    assert!(
        plan.uncovered
            .iter()
            .all(|u| u.reason == UncoveredReason::TooFar)
    );

    // From Bradford (about 14 km) it is within reach.
    let from_bradford = PlanConstraints {
        location: Some(BRADFORD),
        ..in_person_from_london
    };
    let plan = matcher.plan_courses(&gap, &CourseCatalog::new(courses()), &from_bradford);
    assert_eq!(ids(&plan.steps), vec![4]);
    assert!(plan.steps[0].distance_km.unwrap() < 20.0);
}

#[test]
fn plan_names_skills_no_course_teaches() {
    let taxonomy = taxonomy();
    let matcher = Matcher::new(&taxonomy, MatchConfig::default());
    let profile = matcher.profile(&declared(&[SHOW_EMPATHY]));
    let gap = matcher.gap(&profile, NURSE).unwrap();
    let plan = matcher.plan_courses(
        &gap,
        &CourseCatalog::new(courses()),
        &PlanConstraints::default(),
    );
    let no_course: Vec<SkillId> = plan
        .uncovered
        .iter()
        .filter(|u| u.reason == UncoveredReason::NoCourse)
        .map(|u| u.skill.id)
        .collect();
    assert_eq!(
        no_course,
        vec![
            ADMINISTER_MEDICATION,
            CLINICAL_ASSESSMENT,
            MONITOR_PATIENT_HEALTH,
            COMMUNICATE_WITH_CUSTOMERS
        ]
    );
    assert_eq!(ids(&plan.steps), vec![5]);
    assert_eq!((plan.essential_gap, plan.essential_covered), (4, 1));
    assert_eq!(plan.essential_covered_share, 0.25);
}

#[test]
fn essential_skills_come_before_heavier_optional_ones() {
    // Course 1 teaches both essentials; course 2 one essential and three nice-to-haves that
    // together weigh more. There is time for one course.
    let gap = hand_gap(&[(1, 1.0), (2, 1.0)], &[(3, 0.9), (4, 0.9), (5, 0.9)]);
    let courses = vec![
        online(1, &[1, 2], 4.0, 0.0),
        online(2, &[1, 3, 4, 5], 4.0, 0.0),
    ];
    let four_weeks = PlanConstraints {
        max_weeks: Some(4.0),
        ..PlanConstraints::default()
    };
    for plan in both(&gap, courses, &four_weeks) {
        assert_eq!(ids(&plan.steps), vec![1], "{:?}", plan.method);
        assert_eq!(plan.essential_covered, 2);
        assert!(
            plan.covered_weight < 3.7,
            "less weight, but all of it essential"
        );
    }
}

#[test]
fn optional_coverage_outranks_weeks_and_weeks_outrank_course_count() {
    let gap = hand_gap(&[(1, 1.0), (2, 1.0)], &[(3, 0.5)]);
    let courses = vec![
        online(1, &[1], 2.0, 0.0),
        online(2, &[1, 3], 5.0, 0.0),
        online(3, &[2], 1.0, 0.0),
        online(4, &[1, 2], 4.0, 0.0),
    ];
    for plan in both(&gap, courses, &PlanConstraints::default()) {
        // {2, 3} covers everything in 6 weeks; {1, 3} saves 3 weeks but leaves the optional
        // skill open; {4} alone is one course but still misses it.
        assert_eq!(ids(&plan.steps), vec![3, 2], "{:?}", plan.method);
        assert_eq!(plan.total_weeks, 6.0);
    }
    let courses = vec![
        online(1, &[1], 1.0, 0.0),
        online(2, &[2], 1.0, 0.0),
        online(3, &[1, 2], 3.0, 0.0),
    ];
    let gap = hand_gap(&[(1, 1.0), (2, 1.0)], &[]);
    for plan in both(&gap, courses, &PlanConstraints::default()) {
        assert_eq!(
            ids(&plan.steps),
            vec![1, 2],
            "fewer weeks beat fewer courses"
        );
    }
}

#[test]
fn courses_teaching_only_optional_skills_join_only_when_asked() {
    let gap = hand_gap(&[(1, 1.0)], &[(2, 0.5)]);
    let courses = vec![online(1, &[1], 2.0, 0.0), online(2, &[2], 0.1, 0.0)];
    for plan in both(&gap, courses.clone(), &PlanConstraints::default()) {
        assert_eq!(ids(&plan.steps), vec![1]);
        assert_eq!(plan.uncovered.len(), 1);
        assert_eq!(
            plan.uncovered[0].reason,
            UncoveredReason::OptionalOnlyCourses
        );
        assert!(!plan.uncovered[0].essential);
    }
    let asked = PlanConstraints {
        include_optional_only_courses: true,
        ..PlanConstraints::default()
    };
    for plan in both(&gap, courses, &asked) {
        assert_eq!(ids(&plan.steps), vec![1, 2]);
        assert!(plan.uncovered.is_empty());
    }
}

#[test]
fn courses_too_long_for_what_they_teach_are_left_out() {
    // A 0.1-week course for one skill and a 26-week course for another: the second takes 26
    // weeks for one gap skill, more than the default 8.
    let gap = hand_gap(&[(1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0), (5, 1.0)], &[]);
    let courses = vec![online(1, &[1], 0.1, 0.0), online(2, &[2], 26.0, 0.0)];
    for plan in both(&gap, courses.clone(), &PlanConstraints::default()) {
        assert_eq!(ids(&plan.steps), vec![1]);
        let reason = plan
            .uncovered
            .iter()
            .find(|u| u.skill.id == SkillId(2))
            .unwrap()
            .reason;
        assert_eq!(reason, UncoveredReason::TooLongForWhatItTeaches);
    }

    // A 26-week certificate teaching four gap skills takes 6.5 weeks for each: it stays.
    let mut with_certificate = courses.clone();
    with_certificate.push(online(3, &[2, 3, 4, 5], 26.0, 0.0));
    for plan in both(&gap, with_certificate, &PlanConstraints::default()) {
        assert_eq!(ids(&plan.steps), vec![1, 3]);
        assert!(plan.uncovered.is_empty());
    }

    // The rule can be turned off.
    let no_rule = MatchConfig {
        plan_max_weeks_per_skill: f64::INFINITY,
        ..MatchConfig::default()
    };
    let plan = plan_with(no_rule, &gap, courses, &PlanConstraints::default());
    assert_eq!(ids(&plan.steps), vec![1, 2]);
}

#[test]
fn schedule_runs_steps_end_to_end_in_whole_week_labels() {
    let gap = hand_gap(&[(1, 2.0), (2, 1.0), (3, 1.0)], &[]);
    let courses = vec![
        online(1, &[1], 0.1, 0.0),
        online(2, &[2], 6.0, 0.0),
        online(3, &[3], 0.2, 0.0),
    ];
    let plan = plan_with(
        MatchConfig::default(),
        &gap,
        courses,
        &PlanConstraints::default(),
    );
    assert_eq!(ids(&plan.steps), vec![1, 3, 2]);
    let ranges: Vec<(f64, f64)> = plan
        .steps
        .iter()
        .map(|s| (s.start_week, s.end_week))
        .collect();
    assert_eq!(ranges[0], (0.0, 0.1));
    assert_eq!(ranges[1].0, 0.1);
    assert_eq!(ranges[2].0, ranges[1].1);
    assert_eq!(plan.total_weeks, plan.steps[2].end_week);
    let labels: Vec<String> = plan.steps.iter().map(PlanStep::week_range_label).collect();
    assert_eq!(labels, vec!["Week 1", "Week 1", "Weeks 2–7"]);
}

#[test]
fn week_labels_round_up_to_whole_weeks_without_overlap() {
    let step = |start_week: f64, end_week: f64| PlanStep {
        course: CourseId(1),
        covers: Vec::new(),
        covers_essential: 0,
        weeks: end_week - start_week,
        start_week,
        end_week,
        cost: 0.0,
        mode: CourseMode::Online,
        distance_km: None,
    };
    let label = |start: f64, end: f64| step(start, end).week_range_label();
    assert_eq!(label(0.0, 6.0), "Weeks 1–6");
    assert_eq!(label(6.0, 6.5), "Week 7");
    assert_eq!(
        label(6.5, 6.6),
        "Week 7",
        "ends in the week the previous step ended"
    );
    assert_eq!(label(6.6, 8.0), "Week 8");
    assert_eq!(label(0.0, 0.0), "Week 1");
    assert_eq!(
        label(0.0, 0.1 + 0.2 + 5.7),
        "Weeks 1–6",
        "a float sum a hair above 6"
    );
    assert_eq!(step(8.0, 12.0).week_range(), (9, 12));
}

#[test]
fn uncovered_essential_skills_name_what_stops_them() {
    let gap = hand_gap(
        &[
            (1, 9.0),  // taught by nothing
            (2, 8.0),  // only by a course far too long for it
            (3, 7.0),  // only in person, while the worker takes online and hybrid courses
            (4, 6.0),  // only hybrid in Leeds, the worker is in London
            (5, 5.0),  // only by a course over the budget
            (6, 4.0),  // only by a course over the time limit
            (7, 3.0),  // by one course over the budget and another over the time limit
            (8, 2.0),  // covered
            (9, 1.5),  // covered, using most of the budget
            (10, 1.0), // by a course that no longer fits the budget left
        ],
        &[(11, 0.5)], // only by a course teaching nothing essential
    );
    let courses = vec![
        online(2, &[2], 20.0, 0.0),
        course(
            3,
            &[SkillId(3)],
            1.0,
            0.0,
            CourseMode::InPerson,
            Some(LONDON),
        ),
        course(4, &[SkillId(4)], 1.0, 0.0, CourseMode::Hybrid, Some(LEEDS)),
        online(5, &[5], 1.0, 500.0),
        online(6, &[6], 6.0, 0.0),
        online(71, &[7], 1.0, 500.0),
        online(72, &[7], 6.0, 0.0),
        online(8, &[8], 1.0, 0.0),
        online(9, &[9], 1.0, 60.0),
        online(10, &[10], 1.0, 60.0),
        online(11, &[11], 1.0, 0.0),
    ];
    let constraints = PlanConstraints {
        max_weeks: Some(5.0),
        budget: Some(100.0),
        modes: Some(vec![CourseMode::Online, CourseMode::Hybrid]),
        location: Some(LONDON),
        max_travel_km: Some(30.0),
        ..PlanConstraints::default()
    };
    use UncoveredReason::*;
    for plan in both(&gap, courses, &constraints) {
        assert_eq!(ids(&plan.steps), vec![8, 9]);
        let reasons: Vec<(i64, UncoveredReason)> = plan
            .uncovered
            .iter()
            .map(|u| (u.skill.id.0, u.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, NoCourse),
                (2, TooLongForWhatItTeaches),
                (3, ModeNotAllowed),
                (4, TooFar),
                (5, OverBudget),
                (6, OverTimeLimit),
                (7, OverLimits),
                (10, OverBudget),
                (11, OptionalOnlyCourses),
            ]
        );
        assert!(
            plan.uncovered
                .iter()
                .all(|u| !u.reason.explanation().is_empty())
        );
    }
}

#[test]
fn programme_types_fill_essential_skills_no_course_covers() {
    let gap = hand_gap(&[(1, 4.0), (2, 3.0), (3, 2.0), (4, 1.0)], &[(5, 0.5)]);
    let courses = vec![online(1, &[1], 2.0, 0.0)];
    let programme = |code: &str, skills: &[i64]| ProgrammeOption {
        code: code.into(),
        title: format!("programme {code}"),
        skills: skills.iter().map(|&s| SkillId(s)).collect(),
    };
    let programmes = ProgrammeCatalog::new(vec![
        programme("52.0411", &[2, 3, 90, 91]),
        // As many open skills as 52.0411, and more specific.
        programme("52.0401", &[3, 2]),
        // One open skill each: 11.0101 leads to two skills in all, the others to one; of those
        // the smaller code wins.
        programme("11.0101", &[4, 1]),
        programme("11.0201", &[4]),
        programme("10.0000", &[4]),
        // Optional skills get no programme.
        programme("01.0000", &[5]),
    ]);
    let taxonomy = taxonomy();
    let plan = Matcher::new(&taxonomy, MatchConfig::default()).plan_courses_with_programmes(
        &gap,
        &CourseCatalog::new(courses),
        &PlanConstraints::default(),
        &programmes,
    );
    assert_eq!(ids(&plan.steps), vec![1]);
    assert_eq!(plan.total_weeks, 2.0, "programmes add no weeks");
    let chosen: Vec<(&str, Vec<i64>)> = plan
        .programmes
        .iter()
        .map(|p| (p.code.as_str(), skill_ids(&p.covers)))
        .collect();
    assert_eq!(chosen, vec![("52.0401", vec![2, 3]), ("10.0000", vec![4])]);
    assert_eq!(plan.programmes[0].title, "programme 52.0401");
    assert_eq!((plan.essential_gap, plan.essential_covered), (4, 1));
    assert_eq!(plan.essential_covered_share, 0.25);
    assert_eq!(plan.essential_covered_with_programmes, 4);
    assert_eq!(plan.essential_covered_share_with_programmes, 1.0);
    assert_eq!(plan.uncovered.len(), 4, "still not covered by a course");
}
