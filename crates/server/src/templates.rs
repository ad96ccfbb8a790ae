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
