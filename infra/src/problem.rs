//! The one error type both APIs answer with: RFC 9457 problem+json whose
//! `code` is the contract's machine-readable code. Every service error maps
//! here, so status codes and codes are decided in exactly one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The contract's machine-readable error codes (`../shared/API.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationFailed,
    Unauthenticated,
    QueueTokenInvalid,
    QueueTokenNotActive,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    SeatUnavailable,
    BookingNotOpen,
    HoldLimitReached,
    HoldExpired,
    AlreadyConfirmed,
    InsufficientBalance,
    ChargeLimitExceeded,
    BalanceLimitExceeded,
    IdempotencyKeyReused,
    /// An extension: the hold is locked while its payment is in flight.
    PaymentInProgress,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            ValidationFailed | ChargeLimitExceeded => StatusCode::BAD_REQUEST,
            Unauthenticated | QueueTokenInvalid => StatusCode::UNAUTHORIZED,
            QueueTokenNotActive | Forbidden => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            SeatUnavailable | BookingNotOpen | HoldLimitReached | HoldExpired
            | AlreadyConfirmed | InsufficientBalance | BalanceLimitExceeded
            | IdempotencyKeyReused | PaymentInProgress => StatusCode::CONFLICT,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "VALIDATION_FAILED",
            Unauthenticated => "UNAUTHENTICATED",
            QueueTokenInvalid => "QUEUE_TOKEN_INVALID",
            QueueTokenNotActive => "QUEUE_TOKEN_NOT_ACTIVE",
            Forbidden => "FORBIDDEN",
            NotFound => "NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            SeatUnavailable => "SEAT_UNAVAILABLE",
            BookingNotOpen => "BOOKING_NOT_OPEN",
            HoldLimitReached => "HOLD_LIMIT_REACHED",
            HoldExpired => "HOLD_EXPIRED",
            AlreadyConfirmed => "ALREADY_CONFIRMED",
            InsufficientBalance => "INSUFFICIENT_BALANCE",
            ChargeLimitExceeded => "CHARGE_LIMIT_EXCEEDED",
            BalanceLimitExceeded => "BALANCE_LIMIT_EXCEEDED",
            IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            PaymentInProgress => "PAYMENT_IN_PROGRESS",
            Unavailable => "UNAVAILABLE",
            Internal => "INTERNAL",
        }
    }

    fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "The request is not valid",
            Unauthenticated => "Authentication is required",
            QueueTokenInvalid => "The queue token is not valid",
            QueueTokenNotActive => "The queue token is still waiting",
            Forbidden => "Not allowed for this user",
            NotFound => "Not found",
            MethodNotAllowed => "Method not allowed",
            PayloadTooLarge => "The request body is too large",
            SeatUnavailable => "The seat is not available",
            BookingNotOpen => "Booking has not opened yet",
            HoldLimitReached => "Too many seats held",
            HoldExpired => "The hold has expired",
            AlreadyConfirmed => "The reservation is already confirmed",
            InsufficientBalance => "The balance is too low",
            ChargeLimitExceeded => "The charge is over the single-charge limit",
            BalanceLimitExceeded => "The balance would exceed its limit",
            IdempotencyKeyReused => "The idempotency key was used with another body",
            PaymentInProgress => "A payment for this hold is in progress",
            Unavailable => "A dependency is unavailable",
            Internal => "Internal error",
        }
    }
}

/// Seconds a client should wait before retrying after `503 UNAVAILABLE`.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// A problem+json answer. Build it from a code and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct Problem {
    pub code: ErrorCode,
    pub detail: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody<'a> {
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub type_: &'a str,
    #[schema(value_type = String)]
    pub title: &'a str,
    pub status: u16,
    #[schema(value_type = String)]
    pub detail: &'a str,
    pub code: ErrorCode,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
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
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.code.status();
        let type_uri = format!(
            "https://ticketfold.dev/problems/{}",
            self.code.as_str().to_lowercase().replace('_', "-")
        );
        let body = ProblemBody {
            type_: &type_uri,
            title: self.code.title(),
            status: status.as_u16(),
            detail: &self.detail,
            code: self.code,
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if self.code == ErrorCode::Unavailable {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
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
