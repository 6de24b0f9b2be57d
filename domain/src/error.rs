use std::fmt;

use crate::code::ErrorCode;

/// What a `NotFound` or `IdReused` is about, for the problem's `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Concert,
    Schedule,
    Seat,
    Reservation,
    Payment,
    Charge,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Concert => "concert",
            Entity::Schedule => "schedule",
            Entity::Seat => "seat",
            Entity::Reservation => "reservation",
            Entity::Payment => "payment",
            Entity::Charge => "charge",
        })
    }
}

/// Why a decider refused a command. Each variant is a business answer the
/// caller can act on; [`DomainError::code`] names it in the contract's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(Entity),
    #[error("the reservation belongs to another user")]
    Forbidden,
    #[error("booking for this schedule has not opened yet")]
    BookingNotOpen,
    #[error("the seat is held or sold")]
    SeatUnavailable,
    #[error("the user already holds the maximum number of seats on this schedule")]
    HoldLimitReached,
    #[error("the hold has expired or was released")]
    HoldExpired,
    #[error("the reservation is already confirmed")]
    AlreadyConfirmed,
    #[error("a payment for this reservation is in progress")]
    PaymentInProgress,
    #[error("the balance is lower than the amount")]
    InsufficientBalance,
    #[error("the charge is over the single-charge limit")]
    ChargeLimitExceeded,
    #[error("the balance would exceed its limit")]
    BalanceLimitExceeded,
    #[error("a hold must expire after it is taken")]
    InvalidHoldPeriod,
    /// The same id arrived with different content. Ids are minted by the
    /// system, so this is a bug upstream, never a user's mistake.
    #[error("this {0} id was already used for something else")]
    IdReused(Entity),
    /// The wallet's answer does not match the payment it answers. Settling
    /// it would misstate money, so the payment process refunds instead.
    #[error("the debit does not match the payment it settles")]
    SettlementMismatch,
    /// A debit arrived for a payment that has already failed; the payment
    /// process refunds it.
    #[error("the payment is no longer waiting for its debit")]
    PaymentNotPending,
    #[error("the debit was already refunded")]
    AlreadyRefunded,
    #[error("the payment process cannot take this step now")]
    UnexpectedPaymentStep,
}

impl DomainError {
    /// The contract's machine-readable code (API.md). Refusals the contract
    /// has no code for are either validation (`VALIDATION_FAILED`), a
    /// momentary state a retry resolves (`PAYMENT_IN_PROGRESS`, answered as
    /// 409), or a bug upstream (`INTERNAL`).
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::NotFound(_) => ErrorCode::NotFound,
            DomainError::Forbidden => ErrorCode::Forbidden,
            DomainError::BookingNotOpen => ErrorCode::BookingNotOpen,
            DomainError::SeatUnavailable => ErrorCode::SeatUnavailable,
            DomainError::HoldLimitReached => ErrorCode::HoldLimitReached,
            DomainError::HoldExpired => ErrorCode::HoldExpired,
            DomainError::AlreadyConfirmed => ErrorCode::AlreadyConfirmed,
            DomainError::PaymentInProgress => ErrorCode::PaymentInProgress,
            DomainError::InsufficientBalance => ErrorCode::InsufficientBalance,
            DomainError::ChargeLimitExceeded => ErrorCode::ChargeLimitExceeded,
            DomainError::BalanceLimitExceeded => ErrorCode::BalanceLimitExceeded,
            DomainError::InvalidHoldPeriod => ErrorCode::ValidationFailed,
            DomainError::IdReused(_)
            | DomainError::SettlementMismatch
            | DomainError::PaymentNotPending
            | DomainError::AlreadyRefunded
            | DomainError::UnexpectedPaymentStep => ErrorCode::Internal,
        }
    }
}
