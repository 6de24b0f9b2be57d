//! Who is calling: the one place every API learns the caller's user id
//! (`waiting_room::caller_id` asks here for command-api, query-api and the
//! waiting-room endpoints alike), in the mode AUTH_MODE chose
//! (`config::AuthSettings`):
//! - gateway (the default): `X-User-Id`, as the upstream gateway that
//!   authenticated the caller set it (the trust boundary);
//! - jwt: `Authorization: Bearer <JWT>` verified here (`bearer`), its `sub`
//!   the user id; `X-User-Id` is then ignored.
//!
//! A refusal is `401 UNAUTHENTICATED`; in jwt mode it carries the
//! `WWW-Authenticate: Bearer` challenge RFC 6750 asks for.

mod bearer;

use actix_web::HttpRequest;
use uuid::Uuid;

use crate::config::{AuthMode, AuthSettings};

pub use bearer::{BearerRefused, BearerVerifier};

/// The gateway's header naming the caller.
pub const USER_ID_HEADER: &str = "X-User-Id";

/// How this service identifies callers; mounted as app data by `base_app`
/// (absent, e.g. in a test app without it, means `Gateway`).
#[derive(Clone, Default)]
pub enum Authenticator {
    #[default]
    Gateway,
    Bearer(BearerVerifier),
}

/// Why no caller could be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    #[error("X-User-Id is missing or not a UUID")]
    NoUserId,
    #[error(transparent)]
    Bearer(#[from] BearerRefused),
}

impl Unauthenticated {
    /// The `WWW-Authenticate` value a 401 answering this carries, if any.
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Unauthenticated::NoUserId => None,
            Unauthenticated::Bearer(refused) => Some(refused.challenge()),
        }
    }
}

impl Authenticator {
    pub fn from_settings(settings: &AuthSettings) -> Self {
        match (settings.mode, &settings.jwt) {
            (AuthMode::Jwt, Some(jwt)) => Authenticator::Bearer(BearerVerifier::new(jwt)),
            // `config` builds jwt settings exactly in jwt mode.
            _ => Authenticator::Gateway,
        }
    }

    /// The caller's user id.
    pub fn caller(&self, request: &HttpRequest) -> Result<Uuid, Unauthenticated> {
        match self {
            Authenticator::Gateway => request
                .headers()
                .get(USER_ID_HEADER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| Uuid::parse_str(value.trim()).ok())
                .ok_or(Unauthenticated::NoUserId),
            Authenticator::Bearer(verifier) => Ok(verifier.caller(request)?),
        }
    }

    /// The one mounted on the request's app, or `Gateway`.
    pub fn of(request: &HttpRequest) -> Self {
        request
            .app_data::<actix_web::web::Data<Authenticator>>()
            .map(|data| data.get_ref().clone())
            .unwrap_or_default()
    }
}
