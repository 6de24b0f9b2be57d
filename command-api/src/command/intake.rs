//! What every command reads off its request before anything else: who is
//! asking, the idempotency key, the wait budget, the correlation id, and
//! the JSON body.

use std::time::Instant;

use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::{SubsecRound, Utc};
use domain::UserId;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::budget::WaitBudget;
use super::idempotency::{Fingerprint, IdempotencyKey, KeyClaim, Scope};
use super::record::Origin;
use crate::error::ApiError;

/// Correlates a request with every record it causes; taken from the
/// caller when it sends one, minted otherwise.
pub const CORRELATION_HEADER: &str = "X-Correlation-Id";

pub struct Intake {
    method: String,
    path: String,
    /// Read now, refused (400) only where the contract checks the body.
    key: Result<Option<IdempotencyKey>, String>,
    pub budget: WaitBudget,
    pub origin: Origin,
    pub received: Instant,
}

impl Intake {
    pub fn new(request: &HttpRequest) -> Intake {
        let headers = request.headers();
        let correlation_id = headers
            .get(CORRELATION_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Uuid::parse_str(value.trim()).ok())
            .unwrap_or_else(|| {
                let minted = Uuid::now_v7();
                // The request span has the caller's id; name this one there.
                tracing::Span::current().record("correlation_id", tracing::field::display(minted));
                minted
            });
        Intake {
            method: request.method().as_str().to_owned(),
            path: request.path().to_owned(),
            key: IdempotencyKey::from_headers(headers).map_err(|error| error.to_string()),
            budget: WaitBudget::from_headers(headers),
            origin: Origin {
                // Postgres keeps microseconds: a time the 201 states must
                // read back identically from the query side.
                at: Utc::now().trunc_subsecs(6),
                correlation_id,
            },
            received: Instant::now(),
        }
    }

    /// The caller's `Idempotency-Key`, or 400 when it is malformed.
    pub fn idempotency_key(&self) -> Result<Option<&IdempotencyKey>, ApiError> {
        self.key
            .as_ref()
            .map(Option::as_ref)
            .map_err(|why| ApiError::Invalid(why.clone()))
    }

    /// The key's claim for this body, when the caller sent a well-formed
    /// key and the body is JSON.
    pub fn claim(&self, scope: &Scope, body: &[u8]) -> Result<Option<KeyClaim>, ApiError> {
        let Some(key) = self.idempotency_key()? else {
            return Ok(None);
        };
        let Some(fingerprint) = Fingerprint::of_body(body) else {
            return Ok(None);
        };
        Ok(Some(KeyClaim {
            scope: scope.label(),
            method: self.method.clone(),
            path: self.path.clone(),
            key: key.clone(),
            fingerprint,
        }))
    }
}

/// The caller named by the gateway's `X-User-Id`; the nil UUID names nobody.
pub fn user(request: &HttpRequest) -> Result<UserId, ApiError> {
    let id = infra::queue::caller_id(request)?;
    UserId::try_from(id).map_err(|_| infra::queue::QueueError::Unauthenticated.into())
}

/// A JSON body into `T`, whose fields are domain values: anything that does
/// not parse (wrong types, `1.0` or `"1"` for an integer, unknown or
/// missing fields, out-of-range values) is `400 VALIDATION_FAILED`.
pub fn json_body<T: DeserializeOwned>(request: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false);
    if !is_json {
        return Err(ApiError::Invalid(
            "the body must be JSON with Content-Type: application/json".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|error| ApiError::Invalid(format!("the body is not valid: {error}")))
}
