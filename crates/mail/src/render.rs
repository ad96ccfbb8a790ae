//! Renders an email from its template: a subject, a plain-text part and an HTML part with
//! inline styles (no stylesheet, no images), so it reads well in webmail and in terminals.

use minijinja::Environment;
use serde_json::{Map, Value};

use crate::MailError;

/// Every email template, by the name the outbox stores: (name, subject, text, HTML).
pub const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    (
        "verify_email",
        "Confirm your email address for Reskill",
        include_str!("../templates/verify_email.txt"),
        include_str!("../templates/verify_email.html"),
    ),
    (
        "reset_password",
        "Reset your Reskill password",
        include_str!("../templates/reset_password.txt"),
        include_str!("../templates/reset_password.html"),
    ),
    (
        "password_changed",
        "Your Reskill password was changed",
        include_str!("../templates/password_changed.txt"),
        include_str!("../templates/password_changed.html"),
    ),
    (
        "plan_assigned",
        "Your reskilling plan: {{ target_occupation }}",
        include_str!("../templates/plan_assigned.txt"),
        include_str!("../templates/plan_assigned.html"),
    ),
    (
        "employer_interest",
        "An employer is interested in you: {{ opening_title }}",
        include_str!("../templates/employer_interest.txt"),
        include_str!("../templates/employer_interest.html"),
    ),
    (
        "weekly_digest",
        "Your Reskill week: {{ headline }}",
        include_str!("../templates/weekly_digest.txt"),
        include_str!("../templates/weekly_digest.html"),
    ),
    (
        "caseload_summary",
        "Your caseload this week: {{ total }} {{ 'person' if total == 1 else 'people' }}",
        include_str!("../templates/caseload_summary.txt"),
        include_str!("../templates/caseload_summary.html"),
    ),
];

const LAYOUT: &str = include_str!("../templates/layout.html");

/// A rendered email, before addressing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line (one line).
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

/// The compiled templates.
pub struct Renderer {
    env: Environment<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    /// Compiles every template; they are part of the binary, so a broken one fails the tests.
    pub fn new() -> Self {
        let mut env = Environment::new();
        // `.html` names are HTML-escaped; subjects and text parts are not.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_template("layout.html", LAYOUT)
            .expect("the email layout compiles");
        for (name, subject, text, html) in TEMPLATES {
            env.add_template_owned(format!("{name}.subject"), *subject)
                .expect("email subjects compile");
            env.add_template_owned(format!("{name}.txt"), *text)
                .expect("email text templates compile");
            env.add_template_owned(format!("{name}.html"), *html)
                .expect("email HTML templates compile");
        }
        Self { env }
    }

    /// Returns whether `template` is known.
    pub fn has(&self, template: &str) -> bool {
        TEMPLATES.iter().any(|(name, ..)| *name == template)
    }

    /// Renders `template` with `payload` (an object) plus the `extra` fields every email gets
    /// (`public_url`, `unsubscribe_url`).
    pub fn render(
        &self,
        template: &str,
        payload: &Value,
        extra: Map<String, Value>,
    ) -> Result<Rendered, MailError> {
        let error = |detail: String| MailError::Render {
            template: template.to_owned(),
            detail,
        };
        if !self.has(template) {
            return Err(error("no such template".to_owned()));
        }
        let mut context = match payload {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            _ => return Err(error("the payload is not an object".to_owned())),
        };
        context.extend(extra);
        let context = Value::Object(context);
        let part = |suffix: &str| -> Result<String, MailError> {
            self.env
                .get_template(&format!("{template}.{suffix}"))
                .and_then(|t| t.render(&context))
                .map_err(|e| error(format!("{e:#}")))
        };
        let subject = part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: part("txt")?,
            html: part("html")?,
        })
    }
}
