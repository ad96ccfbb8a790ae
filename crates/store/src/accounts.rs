//! Accounts: users, their hashed refresh tokens and single-use tokens, organisations, and the
//! email outbox rows account events write.
//!
//! Tokens are stored only as hashes (the caller hashes them); a database leak yields nothing
//! that can be presented back to the server.

use chrono::{DateTime, Utc};
use reskill_core::accounts::{Email, Role, TokenPurpose};
use reskill_core::{OrganisationId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::StorageError;
use crate::entities::{email_outbox, one_time_token, organisation, refresh_token, user};

/// An account, without its password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Key.
    pub id: UserId,
    /// Lower-cased address.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Name shown.
    pub display_name: String,
    /// Organisation (employers and caseworkers).
    pub organisation_id: Option<OrganisationId>,
    /// Whether the address was verified.
    pub email_verified: bool,
    /// Whether sign-in is refused.
    pub disabled: bool,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Address.
    pub email: Email,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Name shown.
    pub display_name: String,
    /// Organisation.
    pub organisation_id: Option<OrganisationId>,
}

/// Changes an admin may make to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New role.
    pub role: Option<Role>,
    /// Disable or re-enable.
    pub disabled: Option<bool>,
    /// New organisation (`Some(None)` removes it).
    pub organisation_id: Option<Option<OrganisationId>>,
    /// New display name.
    pub display_name: Option<String>,
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    /// Key.
    pub id: OrganisationId,
    /// Unique name.
    pub name: String,
    /// `employer`, `service` or `provider`.
    pub kind: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An email to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// Unique key: a second insert with the same key is ignored.
    pub dedupe_key: String,
    /// Recipient.
    pub to: String,
    /// Template name.
    pub template: String,
    /// Template data.
    pub payload: serde_json::Value,
}

fn to_user(model: user::Model) -> Result<User, StorageError> {
    let role = Role::parse_field(&model.role, "role").map_err(|_| {
        StorageError::Corrupt(format!("user {} has role {:?}", model.id, model.role))
    })?;
    Ok(User {
        id: UserId(model.id),
        email: model.email,
        role,
        display_name: model.display_name,
        organisation_id: model.organisation_id.map(OrganisationId),
        email_verified: model.email_verified_at.is_some(),
        disabled: model.disabled,
        last_login_at: model.last_login_at,
        created_at: model.created_at,
    })
}

/// Creates an account; a taken address is a conflict.
pub async fn create_user(db: &impl ConnectionTrait, new: NewUser) -> Result<User, StorageError> {
    let now = Utc::now();
    let inserted = user::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        display_name: Set(new.display_name),
        organisation_id: Set(new.organisation_id.map(|o| o.0)),
        email_verified_at: Set(None),
        disabled: Set(false),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StorageError::from)
    .map_err(|e| match e {
        StorageError::Conflict(_) => {
            StorageError::Conflict("an account with this email address already exists".into())
        }
        other => other,
    })?;
    to_user(inserted)
}

/// Returns the account with key `id`.
pub async fn user_by_id(db: &impl ConnectionTrait, id: UserId) -> Result<User, StorageError> {
    let model = user::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("user", id))?;
    to_user(model)
}

/// Returns the account with address `email` and its password hash, if any.
pub async fn user_with_hash_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<(User, String)>, StorageError> {
    let Some(model) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let hash = model.password_hash.clone();
    Ok(Some((to_user(model)?, hash)))
}

/// Returns the password hash of account `id`.
pub async fn password_hash(db: &impl ConnectionTrait, id: UserId) -> Result<String, StorageError> {
    let model = user::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("user", id))?;
    Ok(model.password_hash)
}

/// Replaces the password hash of account `id`.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: UserId,
    hash: String,
) -> Result<(), StorageError> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(StorageError::not_found("user", id));
    }
    Ok(())
}

/// Records a successful sign-in.
pub async fn record_login(db: &impl ConnectionTrait, id: UserId) -> Result<(), StorageError> {
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the address of account `id` verified (once; later calls keep the first time).
pub async fn mark_email_verified(
    db: &impl ConnectionTrait,
    id: UserId,
) -> Result<(), StorageError> {
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id.0))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Applies an admin's changes to account `id` and returns it.
pub async fn update_user(
    db: &impl ConnectionTrait,
    id: UserId,
    update: UserUpdate,
) -> Result<User, StorageError> {
    let model = user::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::not_found("user", id))?;
    let mut active: user::ActiveModel = model.into();
    if let Some(role) = update.role {
        active.role = Set(role.as_str().to_owned());
    }
    if let Some(disabled) = update.disabled {
        active.disabled = Set(disabled);
    }
    if let Some(organisation) = update.organisation_id {
        active.organisation_id = Set(organisation.map(|o| o.0));
    }
    if let Some(name) = update.display_name {
        active.display_name = Set(name);
    }
    active.updated_at = Set(Utc::now());
    to_user(active.update(db).await?)
}

/// Returns up to `limit` accounts with keys above `after`, by key, optionally of one role or
/// organisation.
pub async fn list_users(
    db: &impl ConnectionTrait,
    role: Option<Role>,
    organisation: Option<OrganisationId>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<User>, StorageError> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Id);
    if let Some(role) = role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(organisation) = organisation {
        query = query.filter(user::Column::OrganisationId.eq(organisation.0));
    }
    if let Some(after) = after {
        query = query.filter(user::Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_user)
        .collect()
}

/// Deletes account `id` with its refresh and single-use tokens (its saved searches go with it
/// by cascade).
pub async fn delete_user(db: &impl ConnectionTrait, id: UserId) -> Result<(), StorageError> {
    // Explicitly, not only by cascade: a SQLite connection without foreign keys would keep them.
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(id.0))
        .exec(db)
        .await?;
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(id.0))
        .exec(db)
        .await?;
    user::Entity::delete_by_id(id.0).exec(db).await?;
    Ok(())
}

/// Stores a refresh token's hash for `user`, valid until `expires_at`, and removes the user's
/// expired ones: a rotated token is kept only while presenting it again could be theft.
pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    user: UserId,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user.0))
        .filter(refresh_token::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?;
    refresh_token::ActiveModel {
        user_id: Set(user.0),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshLookup {
    /// Live: revoked now, so it cannot be used again; the owner is returned.
    Consumed(UserId),
    /// Already rotated and not yet expired: presented twice, so it may be stolen; the owner is
    /// returned.
    Reused(UserId),
    /// Expired, signed out or unknown.
    Invalid,
}

/// Consumes a refresh token by hash: a live one is revoked and its owner returned. Rotation
/// calls this and then stores the successor in the same transaction.
///
/// Expiry is checked first: an expired token is only refused, whatever else happened to it,
/// so an old token found in a browser long after cannot sign its owner out everywhere. Only a
/// rotated token keeps its row (revoked) until it expires; tokens signed out are deleted.
pub async fn consume_refresh_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<RefreshLookup, StorageError> {
    let Some(token) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(RefreshLookup::Invalid);
    };
    let now = Utc::now();
    if token.expires_at <= now {
        return Ok(RefreshLookup::Invalid);
    }
    if token.revoked_at.is_some() {
        return Ok(RefreshLookup::Reused(UserId(token.user_id)));
    }
    // Conditional update: of two concurrent presentations, only one wins.
    let updated = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(RefreshLookup::Reused(UserId(token.user_id)));
    }
    Ok(RefreshLookup::Consumed(UserId(token.user_id)))
}

/// Revokes one live refresh token of `user` by hash (log out) by deleting it: presented later it
/// is unknown, not a reuse; unknown tokens are ignored.
pub async fn revoke_refresh_token(
    db: &impl ConnectionTrait,
    user: UserId,
    token_hash: &str,
) -> Result<(), StorageError> {
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user.0))
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every refresh token of `user` (password change, admin disable, reuse) by deleting
/// them all, rotated ones too: none is live afterwards, so an old one presented later needs no
/// further alarm. Returns how many were live.
pub async fn revoke_all_refresh_tokens(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<u64, StorageError> {
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user.0))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .count(db)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(live)
}

/// Stores a single-use token's hash.
pub async fn insert_one_time_token(
    db: &impl ConnectionTrait,
    user: UserId,
    purpose: TokenPurpose,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    one_time_token::ActiveModel {
        user_id: Set(user.0),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Uses a single-use token: when one with this hash and purpose is unused and unexpired, marks
/// it used and returns its owner; otherwise returns `None`.
pub async fn consume_one_time_token(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token_hash: &str,
) -> Result<Option<UserId>, StorageError> {
    let now = Utc::now();
    let Some(token) = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(token_hash))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let updated = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::Id.eq(token.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok((updated.rows_affected == 1).then_some(UserId(token.user_id)))
}

/// Returns whether a single-use token with this hash and purpose is unused and unexpired,
/// without using it (a page shows the form of a link only while the link works).
pub async fn one_time_token_is_usable(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token_hash: &str,
) -> Result<bool, StorageError> {
    Ok(one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(token_hash))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .is_some())
}

/// Marks every unused token of `user` for `purpose` used, so only the newest link works.
pub async fn expire_one_time_tokens(
    db: &impl ConnectionTrait,
    user: UserId,
    purpose: TokenPurpose,
) -> Result<(), StorageError> {
    one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(one_time_token::Column::UserId.eq(user.0))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Puts an email in the outbox for the sender (ignored when its dedupe key is already there).
pub async fn enqueue_email(db: &impl ConnectionTrait, email: NewEmail) -> Result<(), StorageError> {
    let exists = email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.eq(email.dedupe_key.as_str()))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let now = Utc::now();
    email_outbox::ActiveModel {
        dedupe_key: Set(email.dedupe_key),
        to_address: Set(email.to),
        template: Set(email.template),
        payload: Set(email.payload),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        message_id: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An outbox row, as tests and the admin see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEmail {
    /// Key.
    pub id: i64,
    /// Recipient.
    pub to: String,
    /// Template.
    pub template: String,
    /// Template data.
    pub payload: serde_json::Value,
    /// Status.
    pub status: String,
}

/// Returns the outbox rows for `to`, oldest first.
pub async fn outbox_for(
    db: &impl ConnectionTrait,
    to: &str,
) -> Result<Vec<OutboxEmail>, StorageError> {
    Ok(email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq(to))
        .order_by_asc(email_outbox::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| OutboxEmail {
            id: m.id,
            to: m.to_address,
            template: m.template,
            payload: m.payload,
            status: m.status,
        })
        .collect())
}

fn to_organisation(model: organisation::Model) -> Organisation {
    Organisation {
        id: OrganisationId(model.id),
        name: model.name,
        kind: model.kind,
        created_at: model.created_at,
    }
}

/// Creates an organisation; a taken name is a conflict.
pub async fn create_organisation(
    db: &impl ConnectionTrait,
    name: &str,
    kind: &str,
) -> Result<Organisation, StorageError> {
    let model = organisation::ActiveModel {
        name: Set(name.to_owned()),
        kind: Set(kind.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StorageError::from)
    .map_err(|e| match e {
        StorageError::Conflict(_) => {
            StorageError::Conflict(format!("an organisation named {name:?} already exists"))
        }
        other => other,
    })?;
    Ok(to_organisation(model))
}

/// Returns the organisation with key `id`.
pub async fn organisation_by_id(
    db: &impl ConnectionTrait,
    id: OrganisationId,
) -> Result<Organisation, StorageError> {
    organisation::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(to_organisation)
        .ok_or_else(|| StorageError::not_found("organisation", id))
}

/// Returns the organisation named `name`, if any.
pub async fn organisation_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<Organisation>, StorageError> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name))
        .one(db)
        .await?
        .map(to_organisation))
}

/// Returns up to `limit` organisations with keys above `after`, by key, optionally whose name
/// contains `name`.
pub async fn list_organisations(
    db: &impl ConnectionTrait,
    name: Option<&str>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Organisation>, StorageError> {
    let mut condition = Condition::all();
    if let Some(after) = after {
        condition = condition.add(organisation::Column::Id.gt(after));
    }
    if let Some(name) = name {
        condition = condition.add(organisation::Column::Name.contains(name));
    }
    Ok(organisation::Entity::find()
        .filter(condition)
        .order_by_asc(organisation::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_organisation)
        .collect())
}
