//! Account flows: register, log in, refresh (rotating), log out, change and reset a password,
//! verify an email address, and create accounts from the command line or the admin API.
//!
//! Every flow that sends an email writes the outbox row in the same transaction as the change
//! that causes it; the mail sender delivers it later.

use chrono::Utc;
use reskill_core::accounts::{Email, Role, TokenPurpose, validate_password, validate_text};
use reskill_core::{OrganisationId, UserId};
use reskill_store::accounts::{self as store, NewEmail, NewUser, RefreshLookup, User};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;

use crate::auth::password::{hash_password, verify_against_dummy, verify_password};
use crate::auth::tokens::{hash_token, random_token};
use crate::{AppError, AppState};

/// A signed-in session: what login, registration and refresh return.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account.
    pub user: User,
    /// JWT access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// Opaque refresh token (stored hashed).
    pub refresh_token: String,
    /// CSRF token for the cookie carrier.
    pub csrf_token: String,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Address.
    pub email: Email,
    /// Password in clear (validated, then hashed).
    pub password: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organisation to join.
    pub organisation_id: Option<OrganisationId>,
    /// For a self-registering employer: the organisation to create.
    pub new_organisation: Option<String>,
    /// Whoever creates the account vouches for the address (the demo, `reskill user
    /// create`): it is stored as verified and no confirmation email is sent.
    pub email_verified: bool,
}

/// Creates an account (and a worker profile for a seeker, an organisation for a new
/// employer) and, unless the address is vouched for, queues the verification email, in one
/// transaction.
pub async fn create_account(
    db: &DatabaseConnection,
    account: NewAccount,
    public_url: &str,
    verify_ttl: std::time::Duration,
) -> Result<User, AppError> {
    validate_password(&account.password, Some(&account.email), "password")?;
    let display_name = validate_text(&account.display_name, "display_name", 1, 100)?;
    let password_hash = hash_password(account.password).await?;
    let txn = reskill_store::db::begin_write(db).await?;
    let mut organisation_id = account.organisation_id;
    if let Some(name) = &account.new_organisation {
        let name = validate_text(name, "organisation_name", 2, 200)?;
        let organisation = store::create_organisation(&txn, &name, "employer").await?;
        organisation_id = Some(organisation.id);
    }
    if let Some(id) = organisation_id {
        store::organisation_by_id(&txn, id).await.map_err(|_| {
            AppError::invalid("organisation_id", format!("no organisation has id {id}"))
        })?;
    }
    let user = store::create_user(
        &txn,
        NewUser {
            email: account.email,
            password_hash,
            role: account.role,
            display_name: display_name.clone(),
            organisation_id,
        },
    )
    .await?;
    if user.role == Role::Seeker {
        reskill_store::people::create_worker(&txn, Some(user.id), None).await?;
    }
    if account.email_verified {
        store::mark_email_verified(&txn, user.id).await?;
    } else {
        queue_verification(&txn, &user, public_url, verify_ttl).await?;
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    tracing::info!(user.id = %user.id, user.role = %user.role, "account {} created", user.id);
    Ok(user)
}

async fn queue_verification(
    db: &impl ConnectionTrait,
    user: &User,
    public_url: &str,
    ttl: std::time::Duration,
) -> Result<(), AppError> {
    let token = random_token();
    let hash = hash_token(&token);
    store::expire_one_time_tokens(db, user.id, TokenPurpose::VerifyEmail).await?;
    store::insert_one_time_token(
        db,
        user.id,
        TokenPurpose::VerifyEmail,
        hash.clone(),
        Utc::now() + ttl,
    )
    .await?;
    store::enqueue_email(
        db,
        NewEmail {
            dedupe_key: format!("verify_email:{}:{}", user.id, &hash[..16]),
            to: user.email.clone(),
            template: "verify_email".to_owned(),
            payload: json!({
                "display_name": user.display_name,
                "token": token,
                "link": format!("{public_url}/verify-email?token={token}"),
                "expires_in_hours": ttl.as_secs() / 3600,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Starts a session for `user`: an access token and a stored refresh token.
async fn start_session(state: &AppState, user: User) -> Result<Session, AppError> {
    let (access_token, expires_in) = state.auth.tokens.issue(user.id, user.role)?;
    let refresh_token = random_token();
    store::insert_refresh_token(
        &state.db,
        user.id,
        hash_token(&refresh_token),
        Utc::now() + state.auth.config.refresh_ttl,
    )
    .await?;
    Ok(Session {
        user,
        access_token,
        expires_in,
        refresh_token,
        csrf_token: random_token(),
    })
}

/// Registers a seeker or an employer (with a new organisation) and signs them in.
pub async fn register(state: &AppState, account: NewAccount) -> Result<Session, AppError> {
    if !matches!(account.role, Role::Seeker | Role::Employer) {
        return Err(AppError::invalid(
            "role",
            "only seeker and employer accounts can register; an admin creates the others",
        ));
    }
    if account.role == Role::Employer && account.new_organisation.is_none() {
        return Err(AppError::invalid(
            "organisation_name",
            "an employer registers with the name of their organisation",
        ));
    }
    let user = create_account(
        &state.db,
        account,
        &state.auth.config.public_url,
        state.auth.config.verify_email_ttl,
    )
    .await?;
    start_session(state, user).await
}

/// The answer to a wrong email or password: the same for both, so accounts cannot be probed.
fn bad_credentials() -> AppError {
    AppError::unauthorized("the email address or password is wrong")
}

/// Checks credentials (rate limited per client address and per account) and signs in.
pub async fn login(
    state: &AppState,
    client: &str,
    email: &str,
    password: String,
) -> Result<Session, AppError> {
    let email = Email::parse(email)?;
    state
        .auth
        .limiter
        .check(client, email.as_str())
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let Some((user, hash)) = store::user_with_hash_by_email(&state.db, &email).await? else {
        verify_against_dummy(password).await?;
        state.auth.limiter.failed(email.as_str());
        return Err(bad_credentials());
    };
    if !verify_password(password, hash).await? {
        state.auth.limiter.failed(email.as_str());
        tracing::info!(user.id = %user.id, "failed login for account {}", user.id);
        return Err(bad_credentials());
    }
    if user.disabled {
        return Err(AppError::unauthorized("the account is disabled"));
    }
    state.auth.limiter.succeeded(email.as_str());
    store::record_login(&state.db, user.id).await?;
    start_session(state, user).await
}

/// Exchanges a refresh token for a new pair; the presented one is revoked (rotation). A
/// rotated token presented again before it expires signs the account out everywhere: it was
/// probably stolen. An expired or signed-out one is only refused.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<Session, AppError> {
    let hash = hash_token(refresh_token);
    let txn = reskill_store::db::begin_write(&state.db).await?;
    let lookup = store::consume_refresh_token(&txn, &hash).await?;
    let user = match lookup {
        RefreshLookup::Invalid => {
            return Err(AppError::unauthorized(
                "the refresh token is not valid or has expired; sign in again",
            ));
        }
        RefreshLookup::Reused(user) => {
            let revoked = store::revoke_all_refresh_tokens(&txn, user).await?;
            txn.commit()
                .await
                .map_err(reskill_store::StorageError::from)?;
            tracing::warn!(user.id = %user, revoked, "refresh token of account {user} reused; every session revoked");
            return Err(AppError::unauthorized(
                "the refresh token was already used; every session of this account was signed out",
            ));
        }
        RefreshLookup::Consumed(user) => store::user_by_id(&txn, user).await?,
    };
    if user.disabled {
        txn.commit()
            .await
            .map_err(reskill_store::StorageError::from)?;
        return Err(AppError::unauthorized("the account is disabled"));
    }
    let (access_token, expires_in) = state.auth.tokens.issue(user.id, user.role)?;
    let new_refresh = random_token();
    store::insert_refresh_token(
        &txn,
        user.id,
        hash_token(&new_refresh),
        Utc::now() + state.auth.config.refresh_ttl,
    )
    .await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(Session {
        user,
        access_token,
        expires_in,
        refresh_token: new_refresh,
        csrf_token: random_token(),
    })
}

/// Logs out: revokes one refresh token of `user`, or all of them.
pub async fn logout(
    db: &DatabaseConnection,
    user: UserId,
    refresh_token: Option<&str>,
    everywhere: bool,
) -> Result<(), AppError> {
    if everywhere {
        store::revoke_all_refresh_tokens(db, user).await?;
    } else if let Some(token) = refresh_token {
        store::revoke_refresh_token(db, user, &hash_token(token)).await?;
    }
    Ok(())
}

/// Checks the signed-in `user`'s password before a change only they may make (a new password,
/// deleting the account). Wrong guesses count toward the same per-account lockout as failed
/// logins and each check toward the client address's budget, so a stolen session cannot be
/// used to guess the password faster than the login form allows. A wrong or empty password is
/// an error naming `field`.
pub async fn confirm_password(
    state: &AppState,
    client: &str,
    user: &crate::auth::CurrentUser,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    let wrong = || AppError::invalid(field, format!("{field} is wrong"));
    if password.is_empty() {
        return Err(wrong());
    }
    let account = user.email.as_str();
    state
        .auth
        .limiter
        .check(client, account)
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let hash = store::password_hash(&state.db, user.id).await?;
    if !verify_password(password, hash).await? {
        state.auth.limiter.failed(account);
        tracing::info!(user.id = %user.id, "wrong password confirming a change to account {}", user.id);
        return Err(wrong());
    }
    state.auth.limiter.succeeded(account);
    Ok(())
}

/// Changes a password after checking the current one; every refresh token is revoked.
pub async fn change_password(
    state: &AppState,
    client: &str,
    user: &crate::auth::CurrentUser,
    current: String,
    new: String,
) -> Result<(), AppError> {
    let email = Email::parse(&user.email)?;
    validate_password(&new, Some(&email), "new_password")?;
    confirm_password(state, client, user, current, "current_password").await?;
    let new_hash = hash_password(new).await?;
    let txn = reskill_store::db::begin_write(&state.db).await?;
    store::set_password_hash(&txn, user.id, new_hash).await?;
    store::revoke_all_refresh_tokens(&txn, user.id).await?;
    store::enqueue_email(
        &txn,
        NewEmail {
            dedupe_key: format!("password_changed:{}:{}", user.id, random_token()),
            to: user.email.clone(),
            template: "password_changed".to_owned(),
            payload: json!({"display_name": user.display_name}),
        },
    )
    .await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(())
}

/// Queues a new verification email for `user`.
pub async fn request_verification(
    state: &AppState,
    user: &crate::auth::CurrentUser,
) -> Result<(), AppError> {
    if user.email_verified {
        return Err(AppError::Conflict(
            "the email address is already verified".into(),
        ));
    }
    state
        .auth
        .mail_limiter
        .check_recipient("verify_email", &user.id.to_string())
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let account = store::user_by_id(&state.db, user.id).await?;
    let txn = reskill_store::db::begin_write(&state.db).await?;
    queue_verification(
        &txn,
        &account,
        &state.auth.config.public_url,
        state.auth.config.verify_email_ttl,
    )
    .await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(())
}

fn bad_link() -> AppError {
    AppError::invalid(
        "token",
        "the link is not valid: it was used, replaced or has expired",
    )
}

/// Returns whether an emailed link's `token` for `purpose` still works, without using it.
pub async fn link_is_usable(
    db: &DatabaseConnection,
    purpose: TokenPurpose,
    token: &str,
) -> Result<bool, AppError> {
    Ok(store::one_time_token_is_usable(db, purpose, &hash_token(token.trim())).await?)
}

/// Uses a verification token.
pub async fn verify_email(db: &DatabaseConnection, token: &str) -> Result<(), AppError> {
    let txn = reskill_store::db::begin_write(db).await?;
    let user = store::consume_one_time_token(&txn, TokenPurpose::VerifyEmail, &hash_token(token))
        .await?
        .ok_or_else(bad_link)?;
    store::mark_email_verified(&txn, user).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(())
}

/// Queues a password-reset email when an enabled account has this address and has not been
/// sent too many lately; answers the same either way, so addresses cannot be probed.
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let Some((user, _)) = store::user_with_hash_by_email(&state.db, &email).await? else {
        return Ok(());
    };
    if user.disabled {
        return Ok(());
    }
    if state
        .auth
        .mail_limiter
        .check_recipient("reset_password", &user.id.to_string())
        .is_err()
    {
        // Silently: a refusal would tell the caller the address has an account.
        tracing::info!(user.id = %user.id, "password-reset email to account {} not sent: too many this hour", user.id);
        return Ok(());
    }
    let token = random_token();
    let hash = hash_token(&token);
    let ttl = state.auth.config.reset_password_ttl;
    let txn = reskill_store::db::begin_write(&state.db).await?;
    store::expire_one_time_tokens(&txn, user.id, TokenPurpose::ResetPassword).await?;
    store::insert_one_time_token(
        &txn,
        user.id,
        TokenPurpose::ResetPassword,
        hash.clone(),
        Utc::now() + ttl,
    )
    .await?;
    store::enqueue_email(
        &txn,
        NewEmail {
            dedupe_key: format!("reset_password:{}:{}", user.id, &hash[..16]),
            to: user.email.clone(),
            template: "reset_password".to_owned(),
            payload: json!({
                "display_name": user.display_name,
                "token": token,
                "link": format!("{}/reset-password?token={token}", state.auth.config.public_url),
                "expires_in_minutes": ttl.as_secs() / 60,
            }),
        },
    )
    .await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(())
}

/// Sets a new password with a reset token; every refresh token is revoked, and the address
/// counts as verified (the link reached its mailbox).
pub async fn reset_password(
    db: &DatabaseConnection,
    token: &str,
    new_password: String,
) -> Result<(), AppError> {
    let hash = hash_token(token);
    // A weak password returns before the commit, so the rollback keeps the link usable.
    let txn = reskill_store::db::begin_write(db).await?;
    let user = store::consume_one_time_token(&txn, TokenPurpose::ResetPassword, &hash)
        .await?
        .ok_or_else(bad_link)?;
    let account = store::user_by_id(&txn, user).await?;
    let email = Email::parse(&account.email)?;
    validate_password(&new_password, Some(&email), "new_password")?;
    let new_hash = hash_password(new_password).await?;
    store::set_password_hash(&txn, user, new_hash).await?;
    store::revoke_all_refresh_tokens(&txn, user).await?;
    store::mark_email_verified(&txn, user).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(())
}

/// Disables or re-enables an account; disabling revokes every refresh token at once (access
/// tokens stop working on their next request, as the extractor re-reads the account).
pub async fn set_disabled(
    db: &DatabaseConnection,
    user: UserId,
    disabled: bool,
) -> Result<User, AppError> {
    let txn = db
        .begin()
        .await
        .map_err(reskill_store::StorageError::from)?;
    let updated = store::update_user(
        &txn,
        user,
        store::UserUpdate {
            disabled: Some(disabled),
            ..Default::default()
        },
    )
    .await?;
    if disabled {
        store::revoke_all_refresh_tokens(&txn, user).await?;
    }
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(updated)
}

/// Changes an admin makes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// New role.
    pub role: Option<Role>,
    /// Disable (revokes every session) or re-enable.
    pub disabled: Option<bool>,
    /// New organisation.
    pub organisation_id: Option<OrganisationId>,
    /// New name.
    pub display_name: Option<String>,
}

/// Applies an admin's `change` to account `target` and audits it; an admin cannot disable
/// their own account. The caller has checked that `admin` is an admin.
pub async fn change_account(
    db: &DatabaseConnection,
    admin: &crate::auth::CurrentUser,
    target: UserId,
    change: AccountChange,
) -> Result<User, AppError> {
    if target == admin.id && change.disabled == Some(true) {
        return Err(AppError::invalid(
            "disabled",
            "you cannot disable your own account",
        ));
    }
    if let Some(org) = change.organisation_id {
        store::organisation_by_id(db, org)
            .await
            .map_err(|_| AppError::invalid("organisation_id", "no organisation has this id"))?;
    }
    let update = store::UserUpdate {
        role: change.role,
        disabled: change.disabled,
        organisation_id: change.organisation_id.map(Some),
        display_name: change
            .display_name
            .map(|n| validate_text(&n, "display_name", 1, 100))
            .transpose()?,
    };
    // One transaction: a change is never stored without its audit entry, and a disabled
    // account never keeps its sessions.
    let txn = reskill_store::db::begin_write(db).await?;
    let updated = store::update_user(&txn, target, update).await?;
    if change.disabled == Some(true) {
        store::revoke_all_refresh_tokens(&txn, target).await?;
    }
    crate::policy::audit(&txn, admin, "user.update", "user", Some(target.0), None).await?;
    txn.commit()
        .await
        .map_err(reskill_store::StorageError::from)?;
    Ok(updated)
}

/// Kinds an organisation can be.
pub const ORGANISATION_KINDS: &[&str] = &["employer", "service", "provider"];

/// Creates an organisation named `name` (2 to 200 characters, unique) of `kind`.
pub async fn create_organisation(
    db: &DatabaseConnection,
    name: &str,
    kind: &str,
) -> Result<store::Organisation, AppError> {
    let name = validate_text(name, "name", 2, 200)?;
    if !ORGANISATION_KINDS.contains(&kind) {
        return Err(AppError::invalid(
            "kind",
            "kind must be employer, service or provider",
        ));
    }
    Ok(store::create_organisation(db, &name, kind).await?)
}
