//! The `CurrentUser` extractor: a verified access token from `Authorization: Bearer …` (the
//! API) or the access cookie (the pages, with CSRF checked on unsafe methods), resolved against
//! the database so a disabled account or changed role takes effect at once.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use reskill_core::accounts::Role;
use reskill_core::{OrganisationId, UserId};

use super::cookies::{ACCESS_COOKIE, cookie, csrf_ok};
use super::tokens::TokenError;
use crate::{AppError, AppState};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser {
    /// Key.
    pub id: UserId,
    /// Role, as stored now.
    pub role: Role,
    /// Address.
    pub email: String,
    /// Name shown.
    pub display_name: String,
    /// Organisation (employers, caseworkers).
    pub organisation_id: Option<OrganisationId>,
    /// Whether the address is verified.
    pub email_verified: bool,
}

/// Which carrier brought the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// `Authorization: Bearer`.
    Bearer,
    /// The HttpOnly access cookie.
    Cookie,
}

/// Returns the access token of a request and its carrier; Bearer wins over the cookie.
pub fn access_token(parts: &Parts) -> Result<Option<(String, Carrier)>, AppError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| AppError::unauthorized("the Authorization header is not readable"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::unauthorized("the Authorization header must be Bearer"))?;
        return Ok(Some((token.to_owned(), Carrier::Bearer)));
    }
    Ok(cookie(&parts.headers, ACCESS_COOKIE).map(|token| (token, Carrier::Cookie)))
}

/// Returns whether a method changes state (and so needs CSRF protection under cookies).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some((token, carrier)) = access_token(parts)? else {
            return Err(AppError::unauthorized(
                "sign in first: send an access token as Authorization: Bearer",
            ));
        };
        if carrier == Carrier::Cookie && is_unsafe(&parts.method) && !csrf_ok(&parts.headers, None)
        {
            return Err(AppError::forbidden(
                "the X-CSRF-Token header must match the reskill_csrf cookie",
            ));
        }
        let (id, _claims) = state.auth.tokens.verify(&token).map_err(|e| match e {
            TokenError::Expired => {
                AppError::unauthorized("the access token has expired; refresh it")
            }
            TokenError::Invalid => AppError::unauthorized("the access token is not valid"),
        })?;
        let user = match reskill_store::accounts::user_by_id(&state.db, id).await {
            Ok(user) => user,
            Err(e) if e.kind() == reskill_store::ErrorKind::NotFound => {
                return Err(AppError::unauthorized("the account no longer exists"));
            }
            Err(e) => return Err(e.into()),
        };
        if user.disabled {
            return Err(AppError::unauthorized("the account is disabled"));
        }
        Ok(CurrentUser {
            id: user.id,
            role: user.role,
            email: user.email,
            display_name: user.display_name,
            organisation_id: user.organisation_id,
            email_verified: user.email_verified,
        })
    }
}

/// The client's address, for rate limiting: the socket's peer, or behind a trusted proxy the
/// client it names (`crate::middleware::ClientAddress`).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<crate::middleware::ClientAddress>()
            .map(|address| address.0.to_string())
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(address)| address.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(ClientIp(address))
    }
}
