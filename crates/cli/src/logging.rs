//! Tracing: which events are written, in which format, and what they may never carry.
//!
//! `RESKILL_LOG` takes `tracing-subscriber` filter directives (`debug`, `info,reskill_server=debug`).
//! Some dependencies write secrets and personal data at debug and trace level, so those stay at
//! `warn` whatever level is asked for, unless a directive names them.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The filter when `RESKILL_LOG` is unset or not a valid filter.
const DEFAULT_DIRECTIVES: &str = "info,sqlx=warn,sea_orm=warn,tantivy=warn";

/// Dependencies whose debug and trace output carries secrets or personal data, and the most they
/// log unless named: lettre writes the whole SMTP dialogue (the `AUTH PLAIN` credentials,
/// recipients, and every message with its reset or verification link), and sea-orm and sqlx can
/// print statements with their values (token hashes, outbox payloads).
const GUARDED_TARGETS: [(&str, &str); 3] =
    [("lettre", "warn"), ("sea_orm", "warn"), ("sqlx", "warn")];

/// Returns the filter directives for `RESKILL_LOG`'s value: the given ones (or the default when
/// unset or invalid) with each guarded target held at its level unless a directive names it, so
/// `RESKILL_LOG=debug` stays safe and `RESKILL_LOG=debug,lettre=debug` debugs SMTP on purpose.
pub fn filter_directives(requested: Option<&str>) -> String {
    let requested = requested
        .map(str::trim)
        .filter(|d| !d.is_empty() && EnvFilter::try_new(d).is_ok())
        .unwrap_or(DEFAULT_DIRECTIVES);
    let mut directives = requested.to_owned();
    for (target, level) in GUARDED_TARGETS {
        let named = requested.split(',').any(|directive| {
            let name = directive
                .trim()
                .split(['=', '['])
                .next()
                .unwrap_or_default();
            name == target || name.starts_with(&format!("{target}::"))
        });
        if !named {
            directives.push_str(&format!(",{target}={level}"));
        }
    }
    directives
}

/// Starts writing logs to standard error: text, coloured only when standard error is a
/// terminal (files and journald would get the escape codes), or JSON lines with
/// `RESKILL_LOG_FORMAT=json`.
pub fn init(requested: Option<&str>, format: Option<&str>) {
    let filter = EnvFilter::new(filter_directives(requested));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if format == Some("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_keeps_guarded_targets_at_warn() {
        assert_eq!(
            filter_directives(Some("debug")),
            "debug,lettre=warn,sea_orm=warn,sqlx=warn"
        );
        assert_eq!(
            filter_directives(Some("trace,reskill_server=debug")),
            "trace,reskill_server=debug,lettre=warn,sea_orm=warn,sqlx=warn"
        );
    }

    #[test]
    fn a_named_target_is_left_as_asked() {
        assert_eq!(
            filter_directives(Some("debug,lettre=debug")),
            "debug,lettre=debug,sea_orm=warn,sqlx=warn"
        );
        assert_eq!(
            filter_directives(Some("info,lettre::transport=trace,sqlx")),
            "info,lettre::transport=trace,sqlx,sea_orm=warn"
        );
        // A target that only starts with a guarded name does not name it.
        assert_eq!(
            filter_directives(Some("sea_orm_migration=debug")),
            "sea_orm_migration=debug,lettre=warn,sea_orm=warn,sqlx=warn"
        );
    }

    #[test]
    fn unset_or_invalid_gives_the_default_with_lettre_quiet() {
        let default = "info,sqlx=warn,sea_orm=warn,tantivy=warn,lettre=warn";
        assert_eq!(filter_directives(None), default);
        assert_eq!(filter_directives(Some("  ")), default);
        assert_eq!(filter_directives(Some("lettre=loud")), default);
    }
}
