use crate::wallet::{Wallet, WalletEvent};
use crate::{DomainError, Entity, Money, PaymentId};

/// The wallet's answer to a payment's debit, carried back to the seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebitOutcome {
    Debited { amount: Money, balance_after: Money },
    Refused(DebitRefusal),
}

/// Why the wallet would not debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl DebitOutcome {
    /// The answer to carry back after deciding a `Debit`: read from the
    /// wallet after the decision, so a redelivered debit (no new events)
    /// reports the original answer. An error means the debit was not
    /// answered at all (a bug upstream), which must stop the payment process.
    pub fn of_decision(
        payment_id: PaymentId,
        decision: &Result<Vec<WalletEvent>, DomainError>,
        wallet_after: &Wallet,
    ) -> Result<DebitOutcome, DomainError> {
        match decision {
            Ok(_) => wallet_after
                .debit_outcome(payment_id)
                .ok_or(DomainError::NotFound(Entity::Payment)),
            Err(e) => Err(e.clone()),
        }
    }
}
