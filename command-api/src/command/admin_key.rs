//! `AdminKey`: the caller holds the configured `ADMIN_KEY`, which the
//! catalog commands require instead of a user.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use sha2::{Digest, Sha256};

use super::idempotency::Scope;
use super::principal::Principal;
use crate::error::ApiError;
use crate::policy::Policy;

pub const ADMIN_KEY_HEADER: &str = "X-Admin-Key";

/// The admin key's holder; its idempotency keys are scoped to a hash of
/// the key, never the key in clear.
#[derive(Debug)]
pub struct AdminKey(Scope);

impl FromRequest for AdminKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    /// `401 UNAUTHENTICATED` when the key is missing or wrong, or when no
    /// admin key is configured.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let policy = request.app_data::<web::Data<Policy>>();
        ready(match policy {
            Some(policy) => authorize(request, policy),
            None => Err(ApiError::Internal("the policy is not mounted".into())),
        })
    }
}

impl Principal for AdminKey {
    fn scope(&self) -> Scope {
        self.0.clone()
    }
}

/// Compared in constant time, over SHA-256 digests so not even the length
/// leaks.
fn authorize(request: &HttpRequest, policy: &Policy) -> Result<AdminKey, ApiError> {
    let configured = policy.admin_key.as_ref().ok_or(ApiError::AdminKeyRefused)?;
    let offered = request
        .headers()
        .get(ADMIN_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or(ApiError::AdminKeyRefused)?;
    let expected = Sha256::digest(configured.expose().as_bytes());
    let got = Sha256::digest(offered.as_bytes());
    let difference = expected
        .iter()
        .zip(got.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference != 0 {
        return Err(ApiError::AdminKeyRefused);
    }
    Ok(AdminKey(Scope::admin(configured.expose())))
}
