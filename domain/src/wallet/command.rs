use crate::{Amount, ChargeId, Money, PaymentId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletCommand {
    /// Limits travel with the charge so a replay decides with the limits
    /// that applied when the charge was accepted.
    Charge {
        charge_id: ChargeId,
        amount: Amount,
        max_single_charge: Money,
        max_balance: Money,
    },
    Debit {
        payment_id: PaymentId,
        amount: Money,
    },
    /// The seat was confirmed: the debit is final and stops reserving
    /// headroom under the maximum balance.
    CommitDebit { payment_id: PaymentId },
    /// The seat side could not complete the payment: the debit goes back.
    Refund { payment_id: PaymentId },
}
