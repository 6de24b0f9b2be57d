//! The seat side's reason for failing a payment. The seats record it and
//! the payment process reports it, so it sits below both.

use serde::{Deserialize, Serialize};

use crate::debit_outcome::DebitRefusal;
use crate::DomainError;

/// Why the seat side failed a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentFailure {
    /// The wallet refused the debit; nothing was taken.
    InsufficientBalance,
    /// The wallet debited something other than the seat's price. Records
    /// that disagree mean a bug upstream; failing the payment unlocks the
    /// seat, and the payment process refunds what was taken.
    DebitMismatch,
}

impl PaymentFailure {
    /// The error the payer is answered with.
    pub fn error(self) -> DomainError {
        match self {
            PaymentFailure::InsufficientBalance => DomainError::InsufficientBalance,
            PaymentFailure::DebitMismatch => DomainError::SettlementMismatch,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PaymentFailure::InsufficientBalance => "INSUFFICIENT_BALANCE",
            PaymentFailure::DebitMismatch => "DEBIT_MISMATCH",
        }
    }
}

impl From<DebitRefusal> for PaymentFailure {
    fn from(refusal: DebitRefusal) -> Self {
        match refusal {
            DebitRefusal::InsufficientBalance => PaymentFailure::InsufficientBalance,
        }
    }
}
