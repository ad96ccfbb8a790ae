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
    components(schemas(crate::error::Problem, reskill_search::IndexKind))
)]
struct ApiDoc;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let (routes, _document) = api().split_for_parts();
    crate::middleware::wrap(routes.with_state(state.clone()), &state)
}

/// Returns this OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, body = crate::views::OpenApiDocument, description = "the OpenAPI 3.1 document")))]
async fn show_openapi() -> Json<Arc<utoipa::openapi::OpenApi>> {
    static DOCUMENT: OnceLock<Arc<utoipa::openapi::OpenApi>> = OnceLock::new();
    Json(DOCUMENT.get_or_init(|| Arc::new(openapi())).clone())
}

/// Returns the OpenAPI 3 document of every route, generated from the handlers, with the error
/// answers every operation can give added from what the server does (see [`document_errors`]).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().into_openapi();
    document_errors(&mut doc);
    doc
}

/// Adds the error answers the HTTP layer and the extractors give to every operation, so the
/// document lists each status an operation can answer, and gives every API error the
/// `application/problem+json` content type and the `Problem` schema: 400 (bad parameter or body),
/// 401 and 403 where a token is required, 404 where the path names a record, 413 and 415 where
/// a body is read, 429 where a rate limit applies (`crate::middleware`) and 503 (the database is
/// unreachable, or the server is still starting: `crate::startup`). Pages answer errors as HTML.
fn document_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{HttpMethod, Operation};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    let page = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "text/html",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::schema::Object::with_type(
                        utoipa::openapi::schema::Type::String,
                    )))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/") || path == "/readyz" || path == "/metrics";
        let static_file = path.starts_with("/static/");
        let operations: [(HttpMethod, &mut Option<Operation>); 5] = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let mut statuses: Vec<(&str, &str)> = Vec::new();
            let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty())
                || operation.request_body.is_some();
            if has_input && !static_file {
                statuses.push((
                    "400",
                    "a parameter or the body is invalid; `field` names it",
                ));
            }
            // Pages for one role answer others with a 403 page.
            let role_page = ["/my/", "/caseload", "/employer", "/admin"]
                .iter()
                .any(|prefix| path.starts_with(prefix));
            if role_page {
                statuses.push(("403", "this page is for another role"));
            }
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                statuses.push(("401", "no valid access token"));
                statuses.push(("403", "the token's role or ownership does not allow this"));
            }
            if path.contains('{') {
                statuses.push(("404", "no such record, or not visible to this user"));
            }
            if operation.request_body.is_some() {
                statuses.push(("413", "the body is larger than the server accepts"));
                statuses.push(("415", "the body is not in a format this endpoint reads"));
            }
            if rate_limited(method.clone(), path) {
                statuses.push((
                    "429",
                    "too many requests; Retry-After says when to try again",
                ));
            }
            if path != "/healthz" && !static_file {
                statuses.push((
                    "503",
                    "the database is unreachable or the server is starting",
                ));
            }
            let responses = &mut operation.responses.responses;
            for (status, description) in statuses {
                responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(if api {
                        problem(description)
                    } else {
                        page(description)
                    })
                });
            }
            if api {
                for (status, response) in responses.iter_mut() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let description = match response {
                            RefOr::T(r) => r.description.clone(),
                            RefOr::Ref(_) => String::new(),
                        };
                        *response = RefOr::T(problem(&description));
                    }
                }
            }
        }
    }
}

/// Whether `method path` answers 429: search and suggest (per client), the requests that send
/// email (`crate::middleware::MAIL_ROUTES`) and those that check a password (sign-in lockout).
fn rate_limited(method: utoipa::openapi::path::HttpMethod, path: &str) -> bool {
    use utoipa::openapi::path::HttpMethod;
    let search =
        path.starts_with("/api/v1/search/") || path == "/api/v1/suggest" || path == "/search";
    let password = matches!(
        (method.clone(), path),
        (HttpMethod::Post, "/api/v1/auth/login")
            | (HttpMethod::Post, "/api/v1/auth/password")
            | (HttpMethod::Delete, "/api/v1/me")
            | (HttpMethod::Post, "/login")
            | (HttpMethod::Post, "/my/account/delete")
    );
    let mail = method == HttpMethod::Post && crate::middleware::MAIL_ROUTES.contains(&path);
    (method == HttpMethod::Get && search) || password || mail
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
