/// Why a raw value could not become a domain value.
///
/// One type for all value parsing so wire adapters (HTTP bodies, log
/// payloads) can map every parse failure to `400 VALIDATION_FAILED` at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    #[error("money must be a non-negative integer number of KRW, got {0}")]
    NegativeMoney(i64),
    #[error("amount must be a positive integer number of KRW, got {0}")]
    NonPositiveAmount(i64),
    #[error("seat number must be within 1..={max}, got {got}", max = crate::SeatNumber::MAX)]
    SeatNumberOutOfRange { got: i64 },
    #[error("{field} must be 1..={max} characters after trimming, got {got}")]
    TextLength {
        field: &'static str,
        max: usize,
        got: usize,
    },
    #[error("{kind} must not be the nil UUID")]
    NilId { kind: &'static str },
    #[error("{kind} is not a UUID: {input}")]
    MalformedId { kind: &'static str, input: String },
    #[error("booking must open no later than the show starts")]
    BookingOpensAfterStart,
    #[error("a schedule needs at least one seat")]
    NoSeats,
    #[error("seat {0} appears more than once")]
    DuplicateSeat(u32),
    #[error("the hold limit must be within 1..={max}, got {got}", max = crate::HoldLimit::MAX)]
    HoldLimitOutOfRange { got: i64 },
}
