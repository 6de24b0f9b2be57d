use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WalletEvent;
use crate::debit_outcome::{DebitOutcome, DebitRefusal};
use crate::{Amount, ChargeId, DomainError, Entity, Money, PaymentId};

/// A user never seen has a balance of zero, which is `Wallet::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    balance: Money,
    in_flight: Money,
    charges: BTreeMap<ChargeId, Amount>,
    debits: BTreeMap<PaymentId, WalletDebit>,
}

/// The wallet's one answer to a payment id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletDebit {
    pub amount: Money,
    /// The balance right after the answer (unchanged for a refusal).
    pub balance_after: Money,
    pub state: WalletDebitState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WalletDebitState {
    /// Taken from the balance; may still be refunded.
    InFlight,
    Committed,
    Refunded,
    /// Nothing was taken.
    Refused(DebitRefusal),
}

impl Wallet {
    pub fn balance(&self) -> Money {
        self.balance
    }

    /// Debited but neither committed nor refunded yet.
    pub fn in_flight(&self) -> Money {
        self.in_flight
    }

    pub fn charge(&self, id: ChargeId) -> Option<Amount> {
        self.charges.get(&id).copied()
    }

    pub fn debit(&self, id: PaymentId) -> Option<&WalletDebit> {
        self.debits.get(&id)
    }

    /// What the wallet answered this payment's debit, read from state so a
    /// redelivered debit (which emits nothing) still reports the original
    /// outcome. `None` if no debit was asked for.
    pub fn debit_outcome(&self, id: PaymentId) -> Option<DebitOutcome> {
        self.debits.get(&id).map(|d| match d.state {
            WalletDebitState::Refused(reason) => DebitOutcome::Refused(reason),
            _ => DebitOutcome::Debited {
                amount: d.amount,
                balance_after: d.balance_after,
            },
        })
    }

    /// The answer to carry back after deciding a `Debit`: read from the
    /// wallet after the decision, so a redelivered debit (no new events)
    /// reports the original answer. An error means the debit was not
    /// answered at all (a bug upstream), which must stop the payment process.
    pub fn answer_to_debit(
        &self,
        payment_id: PaymentId,
        decision: &Result<Vec<WalletEvent>, DomainError>,
    ) -> Result<DebitOutcome, DomainError> {
        match decision {
            Ok(_) => self
                .debit_outcome(payment_id)
                .ok_or(DomainError::NotFound(Entity::Payment)),
            Err(e) => Err(e.clone()),
        }
    }

    pub(super) fn evolved(mut self, event: &WalletEvent) -> Self {
        match event {
            WalletEvent::BalanceCharged {
                charge_id,
                amount,
                balance_after,
            } => {
                self.charges.insert(*charge_id, *amount);
                self.balance = *balance_after;
            }
            WalletEvent::PaymentDebited {
                payment_id,
                amount,
                balance_after,
            } => {
                self.debits.insert(
                    *payment_id,
                    WalletDebit {
                        amount: *amount,
                        balance_after: *balance_after,
                        state: WalletDebitState::InFlight,
                    },
                );
                self.balance = *balance_after;
                self.in_flight = self.in_flight.saturating_add(*amount);
            }
            WalletEvent::DebitRefused {
                payment_id,
                amount,
                reason,
            } => {
                self.debits.insert(
                    *payment_id,
                    WalletDebit {
                        amount: *amount,
                        balance_after: self.balance,
                        state: WalletDebitState::Refused(*reason),
                    },
                );
            }
            WalletEvent::DebitCommitted { payment_id, amount } => {
                if let Some(d) = self.debits.get_mut(payment_id) {
                    d.state = WalletDebitState::Committed;
                }
                self.in_flight = self.in_flight.saturating_sub(*amount);
            }
            WalletEvent::PaymentRefunded {
                payment_id,
                amount,
                balance_after,
            } => {
                if let Some(d) = self.debits.get_mut(payment_id) {
                    d.state = WalletDebitState::Refunded;
                }
                self.balance = *balance_after;
                self.in_flight = self.in_flight.saturating_sub(*amount);
            }
        }
        self
    }
}
