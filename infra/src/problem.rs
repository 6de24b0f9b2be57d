//! The one error type both APIs answer with: RFC 9457 problem+json whose
//! `code` is the contract's machine-readable code. Every service error maps
//! here, so status codes and codes are decided in exactly one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};

/// The contract's codes are owned by the domain, with their statuses and
/// titles; this module only renders them.
pub use domain::ErrorCode;

/// The HTTP status of a code, as actix wants it.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Seconds a client should wait before retrying after `503 UNAVAILABLE`.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// A problem+json answer. Build it from a code and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct Problem {
    pub code: ErrorCode,
    pub detail: String,
    /// The `WWW-Authenticate` challenge of a 401 (`infra::auth`), if any.
    pub challenge: Option<&'static str>,
}

/// What every error answers with (`application/problem+json`); the one
/// owner of its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "https://ticketfold.dev/problems/seat-unavailable", "title": "The seat is not available", "status": 409, "detail": "seat 12 is held", "code": "SEAT_UNAVAILABLE"}))]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            challenge: None,
        }
    }

    /// The same problem answered with `WWW-Authenticate: <challenge>`.
    pub fn challenging(mut self, challenge: Option<&'static str>) -> Self {
        self.challenge = challenge;
        self
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, detail)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, detail)
    }

    /// The body this problem is answered with.
    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            type_: format!(
                "https://ticketfold.dev/problems/{}",
                self.code.as_str().to_lowercase().replace('_', "-")
            ),
            title: self.code.title().to_owned(),
            status: status_of(self.code).as_u16(),
            detail: self.detail.clone(),
            code: self.code,
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        let status = status_of(self.code);
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if self.code == ErrorCode::Unavailable {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        if let Some(challenge) = self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.body(serde_json::to_string(&self.body()).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn unavailable_carries_retry_after_and_problem_json() {
        let response = Problem::unavailable("kafka is down").error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let bytes = response.into_body().try_into_bytes().unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["code"], "UNAVAILABLE");
        assert_eq!(body["status"], 503);
        assert_eq!(body["detail"], "kafka is down");
    }

    #[test]
    fn every_code_serializes_as_its_contract_name() {
        for code in [
            ErrorCode::SeatUnavailable,
            ErrorCode::QueueTokenNotActive,
            ErrorCode::IdempotencyKeyReused,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
        }
    }
}
