//! A command's body: read in full as the request is extracted (over
//! 16 KiB: 413, the contract's first check), but validated only when the
//! route reads it, after the caller and the queue token have been checked.
//! The `Idempotency-Key` travels with it, since a key names one body.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::idempotency::{Fingerprint, IdempotencyKey, KeyClaim, Scope};
use super::intake::Intake;
use crate::error::ApiError;

/// What a `Submission` reads off the request after its headers.
pub trait CommandBody: FromRequest<Error = actix_web::Error> + 'static {
    /// The key's claim on this body, when the caller sent a key.
    fn claim(&self, scope: &Scope, intake: &Intake) -> Result<Option<KeyClaim>, ApiError>;
}

/// A JSON body (every `POST`) and the caller's `Idempotency-Key` for it.
pub struct JsonBody {
    bytes: web::Bytes,
    is_json: bool,
    /// Read now, refused (400) only where the contract checks the body.
    key: Result<Option<IdempotencyKey>, String>,
}

impl JsonBody {
    /// The body as `T`, whose fields are domain values: a malformed key, or
    /// anything that does not parse (wrong types, `1.0` or `"1"` for an
    /// integer, unknown or missing fields, out-of-range values), is
    /// `400 VALIDATION_FAILED`, the key first.
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.key()?;
        if !self.is_json {
            return Err(ApiError::Invalid(
                "the body must be JSON with Content-Type: application/json".into(),
            ));
        }
        serde_json::from_slice(&self.bytes)
            .map_err(|error| ApiError::Invalid(format!("the body is not valid: {error}")))
    }

    /// The caller's `Idempotency-Key`, or 400 when it is malformed.
    fn key(&self) -> Result<Option<&IdempotencyKey>, ApiError> {
        self.key
            .as_ref()
            .map(Option::as_ref)
            .map_err(|why| ApiError::Invalid(why.clone()))
    }
}

impl CommandBody for JsonBody {
    /// `None` without a key, or for a body that is not JSON at all.
    fn claim(&self, scope: &Scope, intake: &Intake) -> Result<Option<KeyClaim>, ApiError> {
        let Some(key) = self.key()? else {
            return Ok(None);
        };
        let Some(fingerprint) = Fingerprint::of_body(&self.bytes) else {
            return Ok(None);
        };
        Ok(Some(KeyClaim {
            scope: scope.label(),
            method: intake.method.clone(),
            path: intake.path.clone(),
            key: key.clone(),
            fingerprint,
        }))
    }
}

impl FromRequest for JsonBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(request, payload);
        let headers = request.headers();
        let is_json = is_json(headers);
        let key = IdempotencyKey::from_headers(headers).map_err(|error| error.to_string());
        Box::pin(async move {
            Ok(JsonBody {
                bytes: bytes.await?,
                is_json,
                key,
            })
        })
    }
}

/// `application/json` or any `application/...+json`, parameters aside.
fn is_json(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// No body (`DELETE`): the payload is left unread, and with nothing to
/// compare a key against, no `Idempotency-Key` is taken.
pub struct NoBody;

impl CommandBody for NoBody {
    fn claim(&self, _: &Scope, _: &Intake) -> Result<Option<KeyClaim>, ApiError> {
        Ok(None)
    }
}

impl FromRequest for NoBody {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(NoBody))
    }
}
