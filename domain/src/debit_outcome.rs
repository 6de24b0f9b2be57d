//! What the two partitions of a payment tell each other about its debit.
//! Both the wallet (which answers) and the seats (which settle on the
//! answer) speak of it, so it belongs to neither: it sits below both, and
//! the payment process above them re-exports it.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Money};

/// The wallet's answer to a payment's debit, carried back to the seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebitOutcome {
    Debited { amount: Money, balance_after: Money },
    Refused(DebitRefusal),
}

/// Why the wallet would not debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DebitRefusal {
    InsufficientBalance,
}

impl DebitRefusal {
    /// The error the payer is answered with.
    pub fn error(self) -> DomainError {
        match self {
            DebitRefusal::InsufficientBalance => DomainError::InsufficientBalance,
        }
    }

    /// Its name on the wire (the contract code it answers with).
    pub fn code(self) -> &'static str {
        match self {
            DebitRefusal::InsufficientBalance => "INSUFFICIENT_BALANCE",
        }
    }
}
