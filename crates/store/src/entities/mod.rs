//! sea-orm entities, one module per table. They describe today's schema; the migrations
//! crate records how it got there. Public store functions return plain structs, never these
//! models.

pub mod application;
pub mod audit_log;
pub mod change;
pub mod consent;
pub mod contact;
pub mod course;
pub mod course_skill;
pub mod email_attempt;
pub mod email_digest_state;
pub mod email_outbox;
pub mod email_unsubscribe;
pub mod import_checkpoint;
pub mod interest;
pub mod isco_group;
pub mod occupation;
pub mod occupation_attribute;
pub mod occupation_onet_code;
pub mod occupation_skill;
pub mod one_time_token;
pub mod opening;
pub mod opening_skill;
pub mod organisation;
pub mod plan;
pub mod plan_history;
pub mod plan_step;
pub mod programme_type;
pub mod programme_type_soc_code;
pub mod refresh_token;
pub mod risk_score;
pub mod risk_source;
pub mod saved_search;
pub mod skill;
pub mod skill_broader;
pub mod skill_group;
pub mod text_embedding;
pub mod user;
pub mod worker;
pub mod worker_skill;
