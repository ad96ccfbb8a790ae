//! The router: pages, the API under /api/v1, health and static assets.

pub(crate) mod admin;
mod auth;
pub(crate) mod caseworker;
pub(crate) mod employer;
mod health;
mod home;
mod occupations;
pub mod pages;
mod recommendations;
mod search;
pub(crate) mod seeker;
mod r#static;
mod stats;
mod unsubscribe;

use std::sync::{Arc, OnceLock};

use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The OpenAPI document's fixed parts; the paths come from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reskill API",
        description = "Reskill helps people whose jobs are being automated find their next job. \
            Errors are application/problem+json naming the offending field; lists use cursor \
            pagination (`cursor`, `limit`, `next_cursor`). Authenticate with \
            `Authorization: Bearer <access token>` from /api/v1/auth/login.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let (routes, _document) = api().split_for_parts();
    crate::middleware::wrap(routes.with_state(state.clone()), &state)
}

/// Returns this OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, body = crate::views::JsonDocument, description = "the OpenAPI 3 document")))]
async fn show_openapi() -> Json<Arc<utoipa::openapi::OpenApi>> {
    static DOCUMENT: OnceLock<Arc<utoipa::openapi::OpenApi>> = OnceLock::new();
    Json(DOCUMENT.get_or_init(|| Arc::new(openapi())).clone())
}

/// Returns the OpenAPI 3 document of every route, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// Every route with its OpenAPI description: the document is generated from the same list
/// the router serves, so it cannot drift.
pub fn api() -> OpenApiRouter<AppState> {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    OpenApiRouter::with_openapi(doc)
        .routes(routes!(home::show_home))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::show_metrics))
        .routes(routes!(stats::show_stats))
        .routes(routes!(occupations::show_occupation))
        .routes(routes!(occupations::list_transitions))
        .routes(routes!(recommendations::create_recommendation))
        .routes(routes!(search::show_search))
        .routes(routes!(search::search_documents))
        .routes(routes!(search::suggest_titles))
        .routes(routes!(r#static::serve_static))
        .routes(routes!(
            unsubscribe::show_unsubscribe,
            unsubscribe::create_unsubscription
        ))
        .routes(routes!(show_openapi))
        .merge(accounts_api())
        .merge(pages_router())
}

/// The HTML pages of issue #7 (public, seeker, caseworker, employer); each calls the same
/// services as the API.
pub fn pages_router() -> OpenApiRouter<AppState> {
    use pages::{
        admin as ad, caseworker as cw, employer as em, links, public, seeker as sk, session,
    };
    OpenApiRouter::new()
        .routes(routes!(public::show_occupation_page))
        .routes(routes!(public::show_pathway))
        .routes(routes!(public::find_from_home))
        .routes(routes!(session::show_login, session::create_login))
        .routes(routes!(session::show_signup, session::create_signup))
        .routes(routes!(session::create_logout))
        .routes(routes!(
            links::show_verify_email,
            links::create_verification
        ))
        .routes(routes!(links::request_verification_page))
        .routes(routes!(
            links::show_reset_password,
            links::create_password_reset
        ))
        .routes(routes!(
            links::show_forgot_password,
            links::create_forgot_password
        ))
        .routes(routes!(sk::save_pathway_plan))
        .routes(routes!(sk::show_my_plans))
        .routes(routes!(sk::complete_my_step))
        .routes(routes!(sk::show_my_profile))
        .routes(routes!(sk::show_my_recommendations))
        .routes(routes!(sk::show_my_searches, sk::save_my_search))
        .routes(routes!(sk::delete_my_search))
        .routes(routes!(sk::add_my_skill))
        .routes(routes!(sk::remove_my_skill))
        .routes(routes!(sk::save_my_consents))
        .routes(routes!(sk::delete_my_account))
        .routes(routes!(sk::show_my_interests))
        .routes(routes!(sk::answer_my_interest))
        .routes(routes!(cw::show_caseload))
        .routes(routes!(cw::show_worker_page))
        .routes(routes!(cw::start_plan))
        .routes(routes!(cw::add_contact))
        .routes(routes!(cw::show_plan_builder))
        .routes(routes!(cw::change_plan_steps))
        .routes(routes!(cw::assign_plan))
        .routes(routes!(em::show_employer_openings, em::create_opening_page))
        .routes(routes!(em::show_opening_editor))
        .routes(routes!(em::show_opening_edit))
        .routes(routes!(em::update_opening_page))
        .routes(routes!(em::close_opening_page))
        .routes(routes!(em::show_candidates_page))
        .routes(routes!(em::express_interest_page))
        .routes(routes!(ad::show_admin))
        .routes(routes!(ad::show_admin_users))
        .routes(routes!(ad::change_user_role))
        .routes(routes!(ad::set_user_disabled))
        .routes(routes!(
            ad::show_admin_organisations,
            ad::create_admin_organisation
        ))
}

/// The accounts, roles and workflows API (issue #5), with its OpenAPI description generated
/// from the handlers' annotations, so the document cannot drift from the routes.
pub fn accounts_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::request_verification))
        .routes(routes!(auth::verify_email))
        .routes(routes!(auth::request_password_reset))
        .routes(routes!(auth::reset_password))
        .routes(routes!(auth::show_me))
        .routes(routes!(seeker::show_profile, seeker::replace_profile))
        .routes(routes!(seeker::list_skills))
        .routes(routes!(seeker::declare_skill, seeker::remove_skill))
        .routes(routes!(seeker::grant_consent))
        .routes(routes!(seeker::withdraw_consent))
        .routes(routes!(seeker::show_recommendations))
        .routes(routes!(
            seeker::list_saved_searches,
            seeker::create_saved_search
        ))
        .routes(routes!(seeker::delete_saved_search))
        .routes(routes!(
            seeker::list_applications,
            seeker::create_application
        ))
        .routes(routes!(seeker::list_interests))
        .routes(routes!(seeker::answer_interest))
        .routes(routes!(seeker::list_plans))
        .routes(routes!(seeker::complete_step))
        .routes(routes!(seeker::export_data))
        .routes(routes!(seeker::delete_account))
        .routes(routes!(caseworker::list_caseload))
        .routes(routes!(caseworker::export_caseload))
        .routes(routes!(caseworker::list_unassigned))
        .routes(routes!(caseworker::claim_worker))
        .routes(routes!(caseworker::show_worker, caseworker::replace_worker))
        .routes(routes!(caseworker::show_worker_recommendations))
        .routes(routes!(
            caseworker::list_worker_plans,
            caseworker::create_plan
        ))
        .routes(routes!(caseworker::show_plan, caseworker::revise_plan))
        .routes(routes!(caseworker::list_plan_history))
        .routes(routes!(
            caseworker::list_contacts,
            caseworker::record_contact
        ))
        .routes(routes!(caseworker::record_outcome))
        .routes(routes!(employer::show_organisation))
        .routes(routes!(employer::list_members, employer::add_member))
        .routes(routes!(employer::list_openings, employer::create_opening))
        .routes(routes!(employer::show_opening, employer::replace_opening))
        .routes(routes!(employer::close_opening))
        .routes(routes!(employer::suggest_skills))
        .routes(routes!(employer::list_candidates))
        .routes(routes!(employer::create_interest))
        .routes(routes!(employer::list_interests))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(
            admin::list_organisations,
            admin::create_organisation
        ))
        .routes(routes!(admin::assign_worker))
        .routes(routes!(admin::reassign))
        .routes(routes!(admin::show_import_status))
        .routes(routes!(admin::start_reindex))
        .routes(routes!(admin::show_figures))
        .routes(routes!(admin::list_audit))
        .routes(routes!(admin::set_opening_tags))
        .routes(routes!(admin::set_course_tags))
}
