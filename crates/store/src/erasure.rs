//! Forgetting a person the mail tables know: when an account is deleted, the emails addressed to
//! it (with their tokens and links) are deleted, and emails to others that name it are scrubbed.
//!
//! The outbox keeps sent emails, so without this a deleted person's address, name and one-time
//! tokens would outlive the account. Emails about someone are found by their name or address in
//! the stored payload and rewritten in place, so a caseworker's summary still arrives, without
//! the name.

use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    ExprTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::Value;

use crate::StorageError;
use crate::entities::{email_attempt, email_digest_state, email_outbox, email_unsubscribe};

/// Names shorter than this are not searched for in other people's emails: a one-letter name
/// would match words of unrelated text.
const SHORTEST_MENTION: usize = 2;

/// What [`forget_person`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Emails to the person, deleted.
    pub deleted: u64,
    /// Emails to others that named the person, scrubbed.
    pub scrubbed: u64,
}

/// Deletes every outbox email to `address` (with its attempt records) and `user_id`'s
/// unsubscriptions and digest watermarks, and in the remaining emails replaces each of
/// `mentions` (the person's names and address), where it stands as a whole word, with
/// `replacement`. Run it in the transaction that deletes the account.
pub async fn forget_person(
    db: &impl ConnectionTrait,
    user_id: i64,
    address: &str,
    mentions: &[&str],
    replacement: &str,
) -> Result<Forgotten, StorageError> {
    let address = address.trim().to_lowercase();
    let to_person =
        Expr::expr(Func::lower(Expr::col(email_outbox::Column::ToAddress))).eq(&address);
    let ids: Vec<i64> = email_outbox::Entity::find()
        .select_only()
        .column(email_outbox::Column::Id)
        .filter(to_person.clone())
        .into_tuple()
        .all(db)
        .await?;
    // Explicitly, not by cascade: the attempts' failure details may quote the address.
    for chunk in ids.chunks(1_000) {
        email_attempt::Entity::delete_many()
            .filter(email_attempt::Column::OutboxId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let deleted = email_outbox::Entity::delete_many()
        .filter(to_person)
        .exec(db)
        .await?
        .rows_affected;
    email_unsubscribe::Entity::delete_many()
        .filter(email_unsubscribe::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    email_digest_state::Entity::delete_many()
        .filter(email_digest_state::Column::UserId.eq(user_id))
        .exec(db)
        .await?;

    let mut needles: Vec<&str> = mentions
        .iter()
        .map(|m| m.trim())
        .chain([address.as_str()])
        .filter(|m| m.chars().count() >= SHORTEST_MENTION)
        .collect();
    needles.sort_unstable();
    needles.dedup();
    let mut any_needle = Condition::any();
    for needle in &needles {
        any_needle = any_needle
            .add(Expr::cust("CAST(payload AS TEXT)").like(
                LikeExpr::new(format!("%{}%", like_escape(&json_text(needle)))).escape('\\'),
            ));
    }
    let mut scrubbed = 0;
    if needles.is_empty() {
        return Ok(Forgotten { deleted, scrubbed });
    }
    for row in email_outbox::Entity::find()
        .filter(any_needle)
        .all(db)
        .await?
    {
        let mut payload = row.payload.clone();
        let mut changed = false;
        for needle in &needles {
            changed |= replace_in_strings(&mut payload, needle, replacement);
        }
        if changed {
            let mut active = row.into_active_model();
            active.payload = Set(payload);
            active.update(db).await?;
            scrubbed += 1;
        }
    }
    Ok(Forgotten { deleted, scrubbed })
}

/// Returns `text` as it appears inside a JSON string (quotes and backslashes escaped), which is
/// how the stored payload holds it.
fn json_text(text: &str) -> String {
    let quoted = Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Escapes LIKE's wildcards (and the escape character) in `text`.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Replaces `needle` with `replacement` wherever it stands as a whole word in a string of
/// `value`; returns whether anything changed.
fn replace_in_strings(value: &mut Value, needle: &str, replacement: &str) -> bool {
    match value {
        Value::String(text) => match replace_whole_words(text, needle, replacement) {
            Some(replaced) => {
                *text = replaced;
                true
            }
            None => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            replace_in_strings(item, needle, replacement) | changed
        }),
        Value::Object(map) => map.values_mut().fold(false, |changed, item| {
            replace_in_strings(item, needle, replacement) | changed
        }),
        _ => false,
    }
}

/// Returns `text` with every occurrence of `needle` not inside a longer word replaced, or
/// `None` when there is none ("Al" is not replaced in "Alice").
fn replace_whole_words(text: &str, needle: &str, replacement: &str) -> Option<String> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(needle) {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        if at < copied || is_word(before) || is_word(after) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(replacement);
        copied = at + needle.len();
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only_are_replaced() {
        let r = |text: &str, needle: &str| replace_whole_words(text, needle, "X");
        assert_eq!(
            r("Al completed it", "Al").as_deref(),
            Some("X completed it")
        );
        assert_eq!(r("Alice and Al", "Al").as_deref(), Some("Alice and X"));
        assert_eq!(r("Alice", "Al"), None);
        assert_eq!(
            r("Sam Lee, Sam Leeds", "Sam Lee").as_deref(),
            Some("X, Sam Leeds")
        );
        assert_eq!(
            r("mail a@b.org now", "a@b.org").as_deref(),
            Some("mail X now")
        );
        assert_eq!(r("Zoë Ng", "Zoë Ng").as_deref(), Some("X"));
    }

    #[test]
    fn payload_strings_are_scrubbed_at_any_depth() {
        let mut payload = serde_json::json!({
            "display_name": "Caseworker",
            "no_recent_contact": [{"name": "Nadia Rahman", "since": "never contacted"}],
            "plan_changes": ["Nadia Rahman completed “Excel”", "Nadia Rahmanova completed it"],
        });
        assert!(replace_in_strings(
            &mut payload,
            "Nadia Rahman",
            "a deleted account"
        ));
        assert_eq!(payload["no_recent_contact"][0]["name"], "a deleted account");
        assert_eq!(
            payload["plan_changes"][0],
            "a deleted account completed “Excel”"
        );
        assert_eq!(payload["plan_changes"][1], "Nadia Rahmanova completed it");
        assert!(!replace_in_strings(
            &mut payload,
            "Nadia Rahman",
            "a deleted account"
        ));
    }

    #[test]
    fn needles_are_matched_as_stored() {
        assert_eq!(json_text(r#"Jo "JJ" O'Neil"#), r#"Jo \"JJ\" O'Neil"#);
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
