//! A small hand-built taxonomy for tests: six occupations from a call centre to a ward, fifteen
//! skills in five groups, two risk sources and a handful of courses.

use super::*;
use crate::catalog::CourseMode;
use crate::ids::{CourseId, OccupationId, SkillGroupId, SkillId};
use crate::taxonomy::RelationType;

pub const CALL_CENTRE_AGENT: OccupationId = OccupationId(1);
pub const CUSTOMER_SERVICE_MANAGER: OccupationId = OccupationId(2);
pub const DATA_ENTRY_CLERK: OccupationId = OccupationId(3);
pub const BOOKKEEPER: OccupationId = OccupationId(4);
pub const NURSE: OccupationId = OccupationId(5);
pub const CARE_ASSISTANT: OccupationId = OccupationId(6);

pub const COMMUNICATE_WITH_CUSTOMERS: SkillId = SkillId(101);
pub const HANDLE_COMPLAINTS: SkillId = SkillId(102);
pub const USE_CRM_SOFTWARE: SkillId = SkillId(103);
pub const TOUCH_TYPING: SkillId = SkillId(104);
pub const MANAGE_A_TEAM: SkillId = SkillId(105);
pub const PLAN_BUDGETS: SkillId = SkillId(106);
pub const KEEP_FINANCIAL_RECORDS: SkillId = SkillId(107);
pub const USE_SPREADSHEETS: SkillId = SkillId(108);
pub const ADMINISTER_MEDICATION: SkillId = SkillId(109);
pub const ASSIST_WITH_PERSONAL_CARE: SkillId = SkillId(110);
pub const MONITOR_PATIENT_HEALTH: SkillId = SkillId(111);
pub const FOLLOW_HYGIENE_PROCEDURES: SkillId = SkillId(112);
pub const SHOW_EMPATHY: SkillId = SkillId(113);
pub const CHECK_DATA_QUALITY: SkillId = SkillId(114);
pub const CLINICAL_ASSESSMENT: SkillId = SkillId(115);
pub const UNUSED_SKILL: SkillId = SkillId(116);

pub const LEEDS: GeoPoint = GeoPoint {
    lat: 53.8008,
    lon: -1.5491,
};
pub const BRADFORD: GeoPoint = GeoPoint {
    lat: 53.7960,
    lon: -1.7594,
};
pub const LONDON: GeoPoint = GeoPoint {
    lat: 51.5074,
    lon: -0.1278,
};

pub fn input() -> TaxonomyInput {
    let occupations = [
        (CALL_CENTRE_AGENT, "call centre agent", "4222"),
        (CUSTOMER_SERVICE_MANAGER, "customer service manager", "1439"),
        (DATA_ENTRY_CLERK, "data entry clerk", "4132"),
        (BOOKKEEPER, "bookkeeper", "4311"),
        (NURSE, "nurse responsible for general care", "2221"),
        (CARE_ASSISTANT, "care assistant", "5321"),
    ]
    .into_iter()
    .map(|(id, label, isco)| OccupationInput {
        id,
        uri: format!("http://data.europa.eu/esco/occupation/{}", id.0),
        label: label.to_owned(),
        isco_group: isco.to_owned(),
    })
    .collect();
    let skills = [
        (COMMUNICATE_WITH_CUSTOMERS, "communicate with customers"),
        (HANDLE_COMPLAINTS, "handle customer complaints"),
        (
            USE_CRM_SOFTWARE,
            "use customer relationship management software",
        ),
        (TOUCH_TYPING, "use touch typing"),
        (MANAGE_A_TEAM, "manage a team"),
        (PLAN_BUDGETS, "plan budgets"),
        (KEEP_FINANCIAL_RECORDS, "keep financial records"),
        (USE_SPREADSHEETS, "use spreadsheets software"),
        (ADMINISTER_MEDICATION, "administer medication"),
        (
            ASSIST_WITH_PERSONAL_CARE,
            "assist patients with personal care",
        ),
        (MONITOR_PATIENT_HEALTH, "monitor patient health"),
        (FOLLOW_HYGIENE_PROCEDURES, "follow hygiene procedures"),
        (SHOW_EMPATHY, "show empathy"),
        (CHECK_DATA_QUALITY, "check data quality"),
        (CLINICAL_ASSESSMENT, "carry out clinical assessment"),
        (UNUSED_SKILL, "play the harpsichord"),
    ]
    .into_iter()
    .map(|(id, label)| SkillInput {
        id,
        uri: format!("http://data.europa.eu/esco/skill/{}", id.0),
        label: label.to_owned(),
        skill_type: None,
        reuse_level: None,
    })
    .collect();
    use RelationType::{Essential as E, Optional as O};
    let relations = [
        (CALL_CENTRE_AGENT, COMMUNICATE_WITH_CUSTOMERS, E),
        (CALL_CENTRE_AGENT, HANDLE_COMPLAINTS, E),
        (CALL_CENTRE_AGENT, USE_CRM_SOFTWARE, E),
        (CALL_CENTRE_AGENT, TOUCH_TYPING, E),
        (CALL_CENTRE_AGENT, SHOW_EMPATHY, O),
        (CUSTOMER_SERVICE_MANAGER, COMMUNICATE_WITH_CUSTOMERS, E),
        (CUSTOMER_SERVICE_MANAGER, HANDLE_COMPLAINTS, E),
        (CUSTOMER_SERVICE_MANAGER, MANAGE_A_TEAM, E),
        (CUSTOMER_SERVICE_MANAGER, PLAN_BUDGETS, E),
        (CUSTOMER_SERVICE_MANAGER, USE_CRM_SOFTWARE, O),
        (CUSTOMER_SERVICE_MANAGER, USE_SPREADSHEETS, O),
        (DATA_ENTRY_CLERK, TOUCH_TYPING, E),
        (DATA_ENTRY_CLERK, USE_SPREADSHEETS, E),
        (DATA_ENTRY_CLERK, CHECK_DATA_QUALITY, E),
        (DATA_ENTRY_CLERK, COMMUNICATE_WITH_CUSTOMERS, O),
        (BOOKKEEPER, KEEP_FINANCIAL_RECORDS, E),
        (BOOKKEEPER, USE_SPREADSHEETS, E),
        (BOOKKEEPER, PLAN_BUDGETS, E),
        (BOOKKEEPER, TOUCH_TYPING, O),
        (BOOKKEEPER, CHECK_DATA_QUALITY, O),
        (NURSE, ADMINISTER_MEDICATION, E),
        (NURSE, MONITOR_PATIENT_HEALTH, E),
        (NURSE, FOLLOW_HYGIENE_PROCEDURES, E),
        (NURSE, SHOW_EMPATHY, E),
        (NURSE, CLINICAL_ASSESSMENT, E),
        (NURSE, ASSIST_WITH_PERSONAL_CARE, O),
        (NURSE, COMMUNICATE_WITH_CUSTOMERS, O),
        (CARE_ASSISTANT, ASSIST_WITH_PERSONAL_CARE, E),
        (CARE_ASSISTANT, FOLLOW_HYGIENE_PROCEDURES, E),
        (CARE_ASSISTANT, SHOW_EMPATHY, E),
        (CARE_ASSISTANT, MONITOR_PATIENT_HEALTH, O),
        (CARE_ASSISTANT, COMMUNICATE_WITH_CUSTOMERS, O),
    ]
    .into_iter()
    .map(|(occupation, skill, relation)| RelationInput {
        occupation,
        skill,
        relation,
    })
    .collect();
    let groups: [(i64, &[SkillId]); 5] = [
        (
            1,
            &[
                COMMUNICATE_WITH_CUSTOMERS,
                HANDLE_COMPLAINTS,
                USE_CRM_SOFTWARE,
            ],
        ),
        (2, &[TOUCH_TYPING, USE_SPREADSHEETS, CHECK_DATA_QUALITY]),
        (3, &[PLAN_BUDGETS, KEEP_FINANCIAL_RECORDS]),
        (
            4,
            &[
                ADMINISTER_MEDICATION,
                ASSIST_WITH_PERSONAL_CARE,
                MONITOR_PATIENT_HEALTH,
                FOLLOW_HYGIENE_PROCEDURES,
            ],
        ),
        (
            5,
            &[SHOW_EMPATHY, COMMUNICATE_WITH_CUSTOMERS, MANAGE_A_TEAM],
        ),
    ];
    let mut skill_parents: Vec<SkillParentInput> = groups
        .iter()
        .flat_map(|(group, members)| {
            members.iter().map(|&skill| SkillParentInput {
                skill,
                parent: SkillParent::Group(SkillGroupId(*group)),
            })
        })
        .collect();
    // Clinical assessment is a narrower skill of monitoring patient health, as ESCO does.
    skill_parents.push(SkillParentInput {
        skill: CLINICAL_ASSESSMENT,
        parent: SkillParent::Skill(MONITOR_PATIENT_HEALTH),
    });
    let nesta = [
        (CALL_CENTRE_AGENT, 0.9),
        (CUSTOMER_SERVICE_MANAGER, 0.5),
        (DATA_ENTRY_CLERK, 0.95),
        (BOOKKEEPER, 0.8),
        (NURSE, 0.1),
        (CARE_ASSISTANT, 0.2),
    ];
    // Frey–Osborne does not score care assistants here, to exercise missing readings.
    let frey = [
        (CALL_CENTRE_AGENT, 0.97),
        (CUSTOMER_SERVICE_MANAGER, 0.3),
        (DATA_ENTRY_CLERK, 0.99),
        (BOOKKEEPER, 0.98),
        (NURSE, 0.01),
    ];
    let risk = nesta
        .iter()
        .map(|&(occupation, score)| RiskInput {
            occupation,
            source: "nesta-mcc".into(),
            year: 2020,
            score,
            inherited: false,
        })
        .chain(frey.iter().map(|&(occupation, score)| RiskInput {
            occupation,
            source: "frey-osborne".into(),
            year: 2017,
            score,
            inherited: false,
        }))
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

pub fn taxonomy() -> Taxonomy {
    Taxonomy::build(input())
}

pub fn declared(skills: &[SkillId]) -> Vec<WorkerSkill> {
    skills
        .iter()
        .map(|&skill| WorkerSkill {
            skill,
            origin: SkillOrigin::Declared,
        })
        .collect()
}

/// A call centre agent who has confirmed the skills of their job.
pub fn call_centre_worker() -> WorkerInput {
    WorkerInput {
        skills: declared(&[
            COMMUNICATE_WITH_CUSTOMERS,
            HANDLE_COMPLAINTS,
            USE_CRM_SOFTWARE,
            TOUCH_TYPING,
            SHOW_EMPATHY,
        ]),
        current_occupation: Some(CALL_CENTRE_AGENT),
        location: Some(LEEDS),
    }
}

pub fn course(
    id: i64,
    skills: &[SkillId],
    weeks: f64,
    cost: f64,
    mode: CourseMode,
    location: Option<GeoPoint>,
) -> CourseInput {
    CourseInput {
        id: CourseId(id),
        skills: skills.to_vec(),
        weeks,
        cost,
        mode,
        location,
    }
}

pub fn courses() -> Vec<CourseInput> {
    use CourseMode::*;
    vec![
        course(1, &[MANAGE_A_TEAM], 4.0, 300.0, Online, None),
        course(
            2,
            &[PLAN_BUDGETS, KEEP_FINANCIAL_RECORDS],
            6.0,
            200.0,
            Online,
            None,
        ),
        course(3, &[USE_SPREADSHEETS], 2.0, 0.0, Online, None),
        course(
            4,
            &[MANAGE_A_TEAM, PLAN_BUDGETS, USE_SPREADSHEETS],
            10.0,
            1000.0,
            InPerson,
            Some(LEEDS),
        ),
        course(
            5,
            &[
                ASSIST_WITH_PERSONAL_CARE,
                FOLLOW_HYGIENE_PROCEDURES,
                SHOW_EMPATHY,
            ],
            12.0,
            0.0,
            InPerson,
            Some(LONDON),
        ),
        course(
            6,
            &[TOUCH_TYPING, HANDLE_COMPLAINTS],
            1.0,
            50.0,
            Online,
            None,
        ),
    ]
}
