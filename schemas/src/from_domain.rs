//! Domain decisions into the records the projector appends as follow-ups.

use domain::payment::{DebitOutcome, DebitRefusal, PaymentStep};

use crate::{v1, LogEvent};

impl From<DebitOutcome> for v1::DebitOutcome {
    fn from(outcome: DebitOutcome) -> Self {
        match outcome {
            DebitOutcome::Debited {
                amount,
                balance_after,
            } => v1::DebitOutcome::Debited {
                amount: amount.krw(),
                balance_after: balance_after.krw(),
            },
            DebitOutcome::Refused(DebitRefusal::InsufficientBalance) => {
                v1::DebitOutcome::Rejected {
                    reason: v1::DebitRejection::InsufficientBalance,
                }
            }
        }
    }
}

impl From<&PaymentStep> for LogEvent {
    /// The record that carries a payment step to its partition. Wrap it
    /// with `EventMeta::follow_up(&cause, step.name())`.
    fn from(step: &PaymentStep) -> LogEvent {
        let t = step.terms();
        let (payment_id, reservation_id, schedule_id, user_id) = (
            t.payment_id.as_uuid(),
            t.reservation_id.as_uuid(),
            t.schedule_id.as_uuid(),
            t.user_id.as_uuid(),
        );
        let amount = t.amount.krw();
        match *step {
            PaymentStep::Debit(_) => v1::PaymentDebitRequested {
                payment_id,
                reservation_id,
                schedule_id,
                user_id,
                amount,
            }
            .into(),
            PaymentStep::Settle { outcome, .. } => v1::PaymentDebitSettled {
                payment_id,
                reservation_id,
                schedule_id,
                user_id,
                outcome: outcome.into(),
            }
            .into(),
            PaymentStep::CommitDebit(_) => v1::PaymentDebitCommitted {
                payment_id,
                reservation_id,
                schedule_id,
                user_id,
                amount,
            }
            .into(),
            PaymentStep::Refund(_) => v1::PaymentRefundRequested {
                payment_id,
                reservation_id,
                schedule_id,
                user_id,
                amount,
            }
            .into(),
        }
    }
}

impl From<&v1::ScheduleAdded> for v1::SeatInventoryOpened {
    /// The copy of an accepted schedule for its reservations partition
    /// (follow-up step [`crate::OPEN_INVENTORY_STEP`]).
    fn from(s: &v1::ScheduleAdded) -> Self {
        v1::SeatInventoryOpened {
            schedule_id: s.schedule_id,
            concert_id: s.concert_id,
            starts_at: s.starts_at,
            booking_opens_at: s.booking_opens_at,
            seats: s.seats.clone(),
        }
    }
}
