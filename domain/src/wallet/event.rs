use crate::debit_outcome::DebitRefusal;
use crate::{Amount, ChargeId, Money, PaymentId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletEvent {
    BalanceCharged {
        charge_id: ChargeId,
        amount: Amount,
        balance_after: Money,
    },
    PaymentDebited {
        payment_id: PaymentId,
        amount: Money,
        balance_after: Money,
    },
    /// Recorded, not just answered: the payment id keeps this answer
    /// forever, so a redelivered debit after a top-up cannot take money for
    /// a payment that has already failed.
    DebitRefused {
        payment_id: PaymentId,
        amount: Money,
        reason: DebitRefusal,
    },
    DebitCommitted {
        payment_id: PaymentId,
        amount: Money,
    },
    PaymentRefunded {
        payment_id: PaymentId,
        amount: Money,
        balance_after: Money,
    },
}
