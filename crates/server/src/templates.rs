//! Page templates from web/templates, compiled into the binary so running Reskill needs no
//! asset build and no files beside the executable.

use minijinja::Environment;
use serde::Serialize;

use crate::AppError;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../web/templates/base.html"),
    ),
    (
        "home.html",
        include_str!("../../../web/templates/home.html"),
    ),
    (
        "search.html",
        include_str!("../../../web/templates/search.html"),
    ),
    (
        "unsubscribe.html",
        include_str!("../../../web/templates/unsubscribe.html"),
    ),
    (
        "login.html",
        include_str!("../../../web/templates/login.html"),
    ),
    (
        "signup.html",
        include_str!("../../../web/templates/signup.html"),
    ),
    (
        "occupation.html",
        include_str!("../../../web/templates/occupation.html"),
    ),
    (
        "pathway.html",
        include_str!("../../../web/templates/pathway.html"),
    ),
    (
        "my_plans.html",
        include_str!("../../../web/templates/my_plans.html"),
    ),
    (
        "my_profile.html",
        include_str!("../../../web/templates/my_profile.html"),
    ),
    (
        "caseload.html",
        include_str!("../../../web/templates/caseload.html"),
    ),
    (
        "worker.html",
        include_str!("../../../web/templates/worker.html"),
    ),
    (
        "plan_builder.html",
        include_str!("../../../web/templates/plan_builder.html"),
    ),
    (
        "employer_openings.html",
        include_str!("../../../web/templates/employer_openings.html"),
    ),
    (
        "opening_new.html",
        include_str!("../../../web/templates/opening_new.html"),
    ),
    (
        "candidates.html",
        include_str!("../../../web/templates/candidates.html"),
    ),
    (
        "admin.html",
        include_str!("../../../web/templates/admin.html"),
    ),
    (
        "my_recommendations.html",
        include_str!("../../../web/templates/my_recommendations.html"),
    ),
    (
        "my_searches.html",
        include_str!("../../../web/templates/my_searches.html"),
    ),
    (
        "my_interests.html",
        include_str!("../../../web/templates/my_interests.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../../web/templates/admin_users.html"),
    ),
    (
        "admin_organisations.html",
        include_str!("../../../web/templates/admin_organisations.html"),
    ),
    (
        "verify_email.html",
        include_str!("../../../web/templates/verify_email.html"),
    ),
    (
        "reset_password.html",
        include_str!("../../../web/templates/reset_password.html"),
    ),
    (
        "forgot_password.html",
        include_str!("../../../web/templates/forgot_password.html"),
    ),
    (
        "macros.html",
        include_str!("../../../web/templates/macros.html"),
    ),
    (
        "error.html",
        include_str!("../../../web/templates/error.html"),
    ),
];

/// The compiled template set.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every template; fails at start, not at first request, on a syntax error.
    pub fn load() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Returns the template set loaded once per process, for error pages rendered where no
    /// state is at hand (`IntoResponse`).
    pub fn shared() -> &'static Templates {
        static SHARED: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Templates::load().expect("templates compiled into the binary parse"))
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, AppError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| AppError::Internal(e.into()))?;
        template
            .render(context)
            .map_err(|e| AppError::Internal(e.into()))
    }
}
