//! `Caller`: who is asking, as the upstream gateway named them in
//! `X-User-Id` (the trust boundary: the header is taken as given).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use domain::UserId;
use waiting_room::QueueError;

use super::idempotency::Scope;
use super::principal::Principal;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(UserId);

impl Caller {
    pub fn user(self) -> UserId {
        self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    /// `401 UNAUTHENTICATED` when `X-User-Id` is missing or not a UUID, or
    /// is the nil UUID, which names nobody.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = waiting_room::caller_id(request).and_then(|id| {
            UserId::try_from(id)
                .map(Caller)
                .map_err(|_| QueueError::Unauthenticated)
        });
        ready(caller.map_err(ApiError::from))
    }
}

impl Principal for Caller {
    fn scope(&self) -> Scope {
        Scope::User(self.0)
    }
}
