//! Login rate limiting per client address and per account, and limits on the requests that
//! send email (per client address and per recipient), in memory.
//!
//! In memory means per server process: with N replicas an attacker gets N times the budget.
//! That is acceptable for the sizes Reskill runs at; a shared limiter (a PostgreSQL table) is
//! the upgrade path when replicas multiply.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts one address may make per window.
pub const ATTEMPTS_PER_ADDRESS: usize = 20;
/// Failed attempts one account may take per window.
pub const FAILURES_PER_ACCOUNT: usize = 5;
/// The sliding window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys tracked before old ones are pruned.
const PRUNE_AT: usize = 10_000;

/// Sliding windows of login attempts.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    by_address: Mutex<HashMap<String, VecDeque<Instant>>>,
    by_account: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn retry_after(events: &VecDeque<Instant>, now: Instant) -> u64 {
    events
        .front()
        .map(|first| (*first + WINDOW).saturating_duration_since(now).as_secs() + 1)
        .unwrap_or(1)
}

fn trim(events: &mut VecDeque<Instant>, now: Instant) {
    while events
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        events.pop_front();
    }
}

fn prune(map: &mut HashMap<String, VecDeque<Instant>>, now: Instant) {
    if map.len() >= PRUNE_AT {
        map.retain(|_, events| {
            trim(events, now);
            !events.is_empty()
        });
    }
}

impl LoginLimiter {
    /// Counts an attempt from `address` at `account`; refuses with the seconds to wait when
    /// the address has used its budget or the account has taken too many failures.
    pub fn check(&self, address: &str, account: &str) -> Result<(), u64> {
        let now = Instant::now();
        {
            let mut accounts = self
                .by_account
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(events) = accounts.get_mut(account) {
                trim(events, now);
                if events.len() >= FAILURES_PER_ACCOUNT {
                    return Err(retry_after(events, now));
                }
            }
        }
        let mut addresses = self
            .by_address
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        prune(&mut addresses, now);
        let events = addresses.entry(address.to_owned()).or_default();
        trim(events, now);
        if events.len() >= ATTEMPTS_PER_ADDRESS {
            return Err(retry_after(events, now));
        }
        events.push_back(now);
        Ok(())
    }

    /// Records a failed attempt at `account`.
    pub fn failed(&self, account: &str) {
        let now = Instant::now();
        let mut accounts = self
            .by_account
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        prune(&mut accounts, now);
        accounts
            .entry(account.to_owned())
            .or_default()
            .push_back(now);
    }

    /// Forgets an account's failures after a successful login.
    pub fn succeeded(&self, account: &str) {
        self.by_account
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(account);
    }
}

/// Requests that send email (register, password-reset and verification requests) one client
/// address may make per hour.
pub const MAIL_REQUESTS_PER_ADDRESS_PER_HOUR: f64 = 10.0;
/// Verification and password-reset emails one account may be sent per hour.
pub const MAILS_PER_RECIPIENT_PER_HOUR: f64 = 3.0;

/// Token buckets for the requests that send email: anonymous visitors could otherwise make
/// the service mail anyone, any number of times.
#[derive(Debug)]
pub struct MailLimiter {
    by_address: crate::middleware::RateLimiter,
    by_recipient: crate::middleware::RateLimiter,
}

impl Default for MailLimiter {
    fn default() -> Self {
        Self::new(
            Some(MAIL_REQUESTS_PER_ADDRESS_PER_HOUR),
            MAILS_PER_RECIPIENT_PER_HOUR,
        )
    }
}

impl MailLimiter {
    /// Returns limits of `per_address` requests (`None`: no limit) and `per_recipient` emails
    /// an hour, each also the burst.
    pub fn new(per_address: Option<f64>, per_recipient: f64) -> Self {
        Self {
            by_address: crate::middleware::RateLimiter::new(
                per_address.map(|n| n / 3600.0),
                per_address.unwrap_or(1.0),
            ),
            by_recipient: crate::middleware::RateLimiter::new(
                Some(per_recipient / 3600.0),
                per_recipient,
            ),
        }
    }

    /// Counts a mail-sending request from `address`; refuses with the seconds to wait.
    pub fn check_address(&self, address: &str) -> Result<(), u64> {
        self.by_address.check(address)
    }

    /// Counts an email of `kind` to `recipient`; refuses with the seconds to wait.
    pub fn check_recipient(&self, kind: &str, recipient: &str) -> Result<(), u64> {
        self.by_recipient.check(&format!("{kind}:{recipient}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_lock_after_failures_and_addresses_after_attempts() {
        let limiter = LoginLimiter::default();
        for _ in 0..FAILURES_PER_ACCOUNT {
            assert!(limiter.check("1.1.1.1", "a@example.org").is_ok());
            limiter.failed("a@example.org");
        }
        // Another address cannot keep guessing at the same account.
        assert!(limiter.check("2.2.2.2", "a@example.org").is_err());
        limiter.succeeded("a@example.org");
        assert!(limiter.check("2.2.2.2", "a@example.org").is_ok());

        for i in 0..ATTEMPTS_PER_ADDRESS - FAILURES_PER_ACCOUNT {
            assert!(
                limiter
                    .check("1.1.1.1", &format!("u{i}@example.org"))
                    .is_ok()
            );
        }
        let wait = limiter.check("1.1.1.1", "z@example.org").unwrap_err();
        assert!(wait > 0 && wait <= WINDOW.as_secs() + 1);
    }
}
