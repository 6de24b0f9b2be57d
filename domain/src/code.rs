//! The contract's machine-readable error codes (`shared/API.md`), with the
//! HTTP status and title each is answered with. One enum owns them: serde
//! and `as_str` both spell a code from its variant name, so a code cannot
//! be written two ways, and a new code is a compile error wherever codes
//! are matched.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    ValidationFailed,
    Unauthenticated,
    QueueTokenInvalid,
    QueueTokenNotActive,
    /// The room asks for a proof of work (`X-Queue-Proof`) and it is
    /// missing, not solved, forged, expired or for another user or room.
    QueueProofInvalid,
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
    /// The wire spelling, e.g. `SEAT_UNAVAILABLE`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The HTTP status the contract answers this code with.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            ValidationFailed | ChargeLimitExceeded => 400,
            Unauthenticated | QueueTokenInvalid => 401,
            QueueTokenNotActive | QueueProofInvalid | Forbidden => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            PayloadTooLarge => 413,
            SeatUnavailable | BookingNotOpen | HoldLimitReached | HoldExpired
            | AlreadyConfirmed | InsufficientBalance | BalanceLimitExceeded
            | IdempotencyKeyReused | PaymentInProgress => 409,
            Unavailable => 503,
            Internal => 500,
        }
    }

    /// The problem's human-readable `title`.
    pub fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "The request is not valid",
            Unauthenticated => "Authentication is required",
            QueueTokenInvalid => "The queue token is not valid",
            QueueTokenNotActive => "The queue token is still waiting",
            QueueProofInvalid => "The proof of work is missing or not valid",
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

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_code_is_spelled_the_same_on_the_wire_and_in_text() {
        for code in ErrorCode::iter() {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, serde_json::Value::String(code.as_str().to_owned()));
            assert_eq!(ErrorCode::from_str(code.as_str()), Ok(code));
            let back: ErrorCode = serde_json::from_value(wire).unwrap();
            assert_eq!(back, code);
        }
        assert_eq!(ErrorCode::SeatUnavailable.as_str(), "SEAT_UNAVAILABLE");
        assert_eq!(
            ErrorCode::QueueTokenNotActive.as_str(),
            "QUEUE_TOKEN_NOT_ACTIVE"
        );
    }

    #[test]
    fn an_unknown_spelling_is_refused_not_defaulted() {
        assert!(ErrorCode::from_str("SEAT_GONE").is_err());
        assert!(serde_json::from_str::<ErrorCode>("\"seat_unavailable\"").is_err());
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(ErrorCode::ValidationFailed.http_status(), 400);
        assert_eq!(ErrorCode::QueueTokenInvalid.http_status(), 401);
        assert_eq!(ErrorCode::QueueTokenNotActive.http_status(), 403);
        assert_eq!(ErrorCode::SeatUnavailable.http_status(), 409);
        assert_eq!(ErrorCode::Unavailable.http_status(), 503);
    }
}
