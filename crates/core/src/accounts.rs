//! People and their accounts in domain terms: roles, email addresses, password rules, consent
//! purposes, plan and outcome states. Parsed at the boundary, so the rest of the code never sees
//! an unchecked string.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Returns the stored (and JSON) spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Parses the stored spelling; `field` names the input in the error.
            pub fn parse_field(text: &str, field: &str) -> Result<Self, ValidationError> {
                match text.trim() {
                    $($text => Ok($name::$variant),)*
                    _ => Err(ValidationError::new(
                        field,
                        format!(
                            "must be one of {}",
                            [$($text),*].join(", ")
                        ),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What an account may do; the policy module turns this into rules.
    Role {
        /// A job seeker: sees and changes only their own record.
        Seeker = "seeker",
        /// Works a caseload of seekers.
        Caseworker = "caseworker",
        /// Posts openings for one organisation and sees consenting candidates.
        Employer = "employer",
        /// Runs the service; every read or write of a worker's record is audited.
        Admin = "admin",
    }
}

string_enum! {
    /// What a worker consented to; each is recorded with the wording's version and date.
    ConsentPurpose {
        /// Employers may see the profile (masked until the worker answers an interest).
        ShareWithEmployers = "share_with_employers",
        /// Digests and alerts may be emailed.
        ReceiveEmail = "receive_email",
    }
}

string_enum! {
    /// What a single-use token proves.
    TokenPurpose {
        /// Ownership of the account's email address.
        VerifyEmail = "verify_email",
        /// The right to set a new password.
        ResetPassword = "reset_password",
    }
}

string_enum! {
    /// Where a worker's skill came from.
    SkillOriginKind {
        /// Inferred from the current or last occupation.
        Inferred = "inferred",
        /// Stated by the worker or their caseworker.
        Declared = "declared",
        /// Gained by completing a course step of a plan.
        Gained = "gained",
    }
}

string_enum! {
    /// A plan's lifecycle.
    PlanStatus {
        /// Being prepared; not yet shown as assigned.
        Draft = "draft",
        /// Assigned and being followed.
        Active = "active",
        /// Every step done, or closed as achieved.
        Completed = "completed",
        /// Stopped before completion.
        Abandoned = "abandoned",
    }
}

string_enum! {
    /// What one plan step is.
    StepKind {
        /// Take a course (completing it adds its skills as gained).
        Course = "course",
        /// A milestone with an optional due date.
        Milestone = "milestone",
        /// Apply for an opening.
        Opening = "opening",
    }
}

string_enum! {
    /// A plan step's state.
    StepStatus {
        /// Not yet done.
        Todo = "todo",
        /// Done.
        Done = "done",
    }
}

string_enum! {
    /// Why a worker left a caseload.
    Outcome {
        /// Hired (into which occupation, and which opening if known).
        Hired = "hired",
        /// Went into training.
        Training = "training",
        /// Anything else.
        Other = "other",
    }
}

string_enum! {
    /// An employer's expression of interest in a candidate, and the candidate's answer.
    InterestStatus {
        /// Awaiting the candidate's answer.
        Pending = "pending",
        /// The candidate accepted: contact details are shared.
        Accepted = "accepted",
        /// The candidate declined.
        Declined = "declined",
    }
}

string_enum! {
    /// How a caseworker contact happened.
    ContactChannel {
        /// In person.
        InPerson = "in_person",
        /// Telephone.
        Phone = "phone",
        /// Email.
        Email = "email",
        /// Video call.
        Video = "video",
        /// Anything else.
        Other = "other",
    }
}

/// Longest address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (argon2 takes more, but nobody types more).
pub const MAX_PASSWORD_LEN: usize = 128;

/// A syntactically valid, lower-cased email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: trimmed, lower-cased, one `@`, a non-empty local part of at most 64
    /// characters, a dotted domain of letters, digits and hyphens, no spaces.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: &str| ValidationError::new("email", reason);
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return Err(invalid("is required"));
        }
        if text.len() > MAX_EMAIL_LEN {
            return Err(invalid("must be at most 254 characters"));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(invalid("must contain an @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before the @ must be 1 to 64 characters"));
        }
        if local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@<>()[]\\,;:\"".contains(c))
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(invalid("the part before the @ has a character not allowed"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(invalid("the domain after the @ is not valid"));
        }
        Ok(Self(text))
    }

    /// Returns the address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a new password: 10 to 128 characters, not all the same character, not the email.
pub fn validate_password(
    password: &str,
    email: Option<&Email>,
    field: &str,
) -> Result<(), ValidationError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(ValidationError::new(
            field,
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if length > MAX_PASSWORD_LEN {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(ValidationError::new(field, "must not repeat one character"));
    }
    if email.is_some_and(|e| password.trim().eq_ignore_ascii_case(e.as_str())) {
        return Err(ValidationError::new(field, "must not be the email address"));
    }
    Ok(())
}

/// Checks free text: trimmed, `min` to `max` characters, no control characters except newlines
/// and tabs; returns the trimmed text.
pub fn validate_text(
    text: &str,
    field: &str,
    min: usize,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = text.trim();
    let length = trimmed.chars().count();
    if length < min {
        return Err(ValidationError::new(
            field,
            if min == 1 {
                "is required".to_owned()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if length > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_parse_and_lowercase() {
        assert_eq!(
            Email::parse(" Amira.Haddad@Example.ORG ").unwrap().as_str(),
            "amira.haddad@example.org"
        );
        for bad in [
            "",
            "no-at",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@-x.org",
            "a@x..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_and_variety() {
        let email = Email::parse("a@example.org").unwrap();
        assert!(validate_password("correct horse", Some(&email), "password").is_ok());
        assert!(validate_password("short", None, "password").is_err());
        assert!(validate_password("aaaaaaaaaaaa", None, "password").is_err());
        assert!(validate_password("a@example.org", Some(&email), "password").is_err());
        assert!(validate_password(&"x1".repeat(65), None, "password").is_err());
    }

    #[test]
    fn enums_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse_field(role.as_str(), "role").unwrap(), *role);
        }
        let err = Role::parse_field("root", "role").unwrap_err();
        assert_eq!(err.field, "role");
        assert!(err.reason.contains("seeker"));
    }

    proptest! {
        #[test]
        fn every_simple_address_parses(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,10}", tld in "[a-z]{2,6}") {
            let text = format!("{local}@{domain}.{tld}");
            let parsed = Email::parse(&text).unwrap();
            prop_assert_eq!(parsed.as_str(), text.as_str());
        }

        #[test]
        fn parsing_never_panics(text in ".{0,300}") {
            let _ = Email::parse(&text);
            let _ = validate_text(&text, "f", 1, 100);
        }
    }
}
