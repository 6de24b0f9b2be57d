use super::{DebitRefusal, PaymentTerms};
use crate::inventory::{InventoryEvent, InventoryPaymentState, SeatInventory};
use crate::wallet::WalletEvent;
use crate::{DomainError, Money, PaymentId, ScheduleId};

/// What one partition decided about a payment, as the payment process
/// records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvent {
    Started(PaymentTerms),
    Debited {
        balance_after: Money,
    },
    DebitRefused {
        reason: DebitRefusal,
    },
    Completed,
    Failed,
    /// The seat side refused to settle a debited payment.
    SettlementRefused,
    DebitCommitted,
    Refunded,
}

impl PaymentEvent {
    /// The payment-process view of a seat-side event, if it is about a payment.
    pub fn from_inventory(
        event: &InventoryEvent,
        schedule_id: ScheduleId,
    ) -> Option<(PaymentId, PaymentEvent)> {
        match *event {
            InventoryEvent::PaymentStarted {
                payment_id,
                reservation_id,
                user_id,
                amount,
                ..
            } => Some((
                payment_id,
                PaymentEvent::Started(PaymentTerms {
                    payment_id,
                    reservation_id,
                    schedule_id,
                    user_id,
                    amount,
                }),
            )),
            InventoryEvent::SeatConfirmed { payment_id, .. } => {
                Some((payment_id, PaymentEvent::Completed))
            }
            InventoryEvent::PaymentFailed { payment_id, .. } => {
                Some((payment_id, PaymentEvent::Failed))
            }
            _ => None,
        }
    }

    /// The payment-process view of a wallet event, if it is about a payment.
    pub fn from_wallet(event: &WalletEvent) -> Option<(PaymentId, PaymentEvent)> {
        match *event {
            WalletEvent::PaymentDebited {
                payment_id,
                balance_after,
                ..
            } => Some((payment_id, PaymentEvent::Debited { balance_after })),
            WalletEvent::DebitRefused {
                payment_id, reason, ..
            } => Some((payment_id, PaymentEvent::DebitRefused { reason })),
            WalletEvent::DebitCommitted { payment_id, .. } => {
                Some((payment_id, PaymentEvent::DebitCommitted))
            }
            WalletEvent::PaymentRefunded { payment_id, .. } => {
                Some((payment_id, PaymentEvent::Refunded))
            }
            WalletEvent::BalanceCharged { .. } => None,
        }
    }

    /// What settling told us, read from the inventory after the decision
    /// so a redelivered settle (no new events) reports the original result.
    pub fn of_settle_decision<E>(
        payment_id: PaymentId,
        decision: &Result<Vec<E>, DomainError>,
        inventory_after: &SeatInventory,
    ) -> PaymentEvent {
        let state = inventory_after.payment(payment_id).map(|p| p.state);
        match (decision, state) {
            (Ok(_), Some(InventoryPaymentState::Completed { .. })) => PaymentEvent::Completed,
            (Ok(_), Some(InventoryPaymentState::Failed(_))) => PaymentEvent::Failed,
            _ => PaymentEvent::SettlementRefused,
        }
    }
}
