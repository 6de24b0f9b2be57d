//! Charge and payment ids are minted by the system: the same id with the
//! same content is a redelivery (no new events), with other content a bug
//! (`IdReused`).
//!
//! A debit the balance cannot cover is answered with a recorded
//! `DebitRefused` (reason `InsufficientBalance`) rather than a bare error, so
//! it is idempotent per payment id like a successful debit: the payer is
//! told `INSUFFICIENT_BALANCE` through [`DebitRefusal::error`].

use super::{Wallet, WalletCommand, WalletDebitState, WalletEvent};
use crate::debit_outcome::DebitRefusal;
use crate::{Decider, DomainError, Entity};

impl Decider for Wallet {
    type Command = WalletCommand;
    type Event = WalletEvent;

    fn decide(command: WalletCommand, state: &Wallet) -> Result<Vec<WalletEvent>, DomainError> {
        match command {
            WalletCommand::Charge {
                charge_id,
                amount,
                max_single_charge,
                max_balance,
            } => {
                if let Some(existing) = state.charge(charge_id) {
                    return if existing == amount {
                        Ok(vec![])
                    } else {
                        Err(DomainError::IdReused(Entity::Charge))
                    };
                }
                if amount.money() > max_single_charge {
                    return Err(DomainError::ChargeLimitExceeded);
                }
                // In-flight debits still count: they may come back as refunds.
                let within_max = state
                    .balance()
                    .checked_add(state.in_flight())
                    .and_then(|b| b.checked_add(amount.money()))
                    .is_some_and(|total| total <= max_balance);
                if !within_max {
                    return Err(DomainError::BalanceLimitExceeded);
                }
                let balance_after = state
                    .balance()
                    .checked_add(amount.money())
                    .ok_or(DomainError::BalanceLimitExceeded)?;
                Ok(vec![WalletEvent::BalanceCharged {
                    charge_id,
                    amount,
                    balance_after,
                }])
            }
            WalletCommand::Debit { payment_id, amount } => {
                if let Some(existing) = state.debit(payment_id) {
                    return if existing.amount == amount {
                        Ok(vec![])
                    } else {
                        Err(DomainError::IdReused(Entity::Payment))
                    };
                }
                match state.balance().checked_sub(amount) {
                    Some(balance_after) => Ok(vec![WalletEvent::PaymentDebited {
                        payment_id,
                        amount,
                        balance_after,
                    }]),
                    None => Ok(vec![WalletEvent::DebitRefused {
                        payment_id,
                        amount,
                        reason: DebitRefusal::InsufficientBalance,
                    }]),
                }
            }
            WalletCommand::CommitDebit { payment_id } => {
                let debit = state
                    .debit(payment_id)
                    .ok_or(DomainError::NotFound(Entity::Payment))?;
                match debit.state {
                    WalletDebitState::InFlight => Ok(vec![WalletEvent::DebitCommitted {
                        payment_id,
                        amount: debit.amount,
                    }]),
                    WalletDebitState::Committed => Ok(vec![]),
                    WalletDebitState::Refunded => Err(DomainError::AlreadyRefunded),
                    WalletDebitState::Refused(_) => Err(DomainError::NotFound(Entity::Payment)),
                }
            }
            WalletCommand::Refund { payment_id } => {
                let debit = state
                    .debit(payment_id)
                    .ok_or(DomainError::NotFound(Entity::Payment))?;
                match debit.state {
                    WalletDebitState::InFlight => {
                        // Cannot overflow: balance + in_flight stayed under a max that fits i64.
                        let balance_after = state
                            .balance()
                            .checked_add(debit.amount)
                            .ok_or(DomainError::BalanceLimitExceeded)?;
                        Ok(vec![WalletEvent::PaymentRefunded {
                            payment_id,
                            amount: debit.amount,
                            balance_after,
                        }])
                    }
                    WalletDebitState::Refunded => Ok(vec![]),
                    WalletDebitState::Committed => Err(DomainError::AlreadyConfirmed),
                    // Nothing was taken, so there is nothing to give back.
                    WalletDebitState::Refused(_) => Err(DomainError::NotFound(Entity::Payment)),
                }
            }
        }
    }

    fn evolve(self, event: &WalletEvent) -> Self {
        self.evolved(event)
    }
}
