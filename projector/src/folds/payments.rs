//! The seat side of a payment, in the schedule's partition: the request
//! locks the hold and starts the saga (a debit for the payer's wallet); the
//! wallet's answer settles the seat (sold, or the hold back as it was) and
//! the payer is answered.

use domain::inventory::{InventoryCommand, InventoryEvent, InventoryPaymentState, SeatInventory};
use domain::payment::{DebitOutcome, PaymentEvent, PaymentTerms};
use domain::{DomainError, Money, PaymentId, ScheduleId, UserId};
use infra::decision::CommandType;
use read_model::{Accepted, PaymentCompleted, PaymentStatus};
use schemas::LogEvent;

use super::context::Context;
use super::decisions::Asked;
use super::inventory::{apply, decide};
use super::produced::Payer;
use super::saga;
use super::seat_rows::refused_payment;
use super::state::{PartitionState, PaymentRequest};

pub(super) fn request(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    let InventoryCommand::RequestPayment {
        payment_id,
        reservation_id,
        user_id,
        at,
    } = command
    else {
        return;
    };
    let asked = ctx.asked(CommandType::Payment, Some(user_id.as_uuid()));
    match decide(state, schedule_id, command) {
        Ok(events) if events.is_empty() => {
            repeated_payment(ctx, state, schedule_id, payment_id, asked)
        }
        Ok(events) => {
            state.payments.insert(
                payment_id,
                PaymentRequest {
                    command_id: asked.command_id,
                    requested_at: at,
                    waiting: vec![asked.command_id],
                },
            );
            apply(ctx, state, schedule_id, &events);
            for event in &events {
                if let Some((_, PaymentEvent::Started(terms))) =
                    PaymentEvent::from_inventory(event, schedule_id)
                {
                    saga::advance(ctx, terms, &[]);
                }
            }
        }
        Err(error) => {
            let known = state
                .inventories
                .get(&schedule_id)
                .is_some_and(|inventory| inventory.payment(payment_id).is_some());
            if !known && !matches!(error, DomainError::IdReused(_)) {
                let row = refused_payment(
                    asked.command_id,
                    reservation_id,
                    schedule_id,
                    user_id.as_uuid(),
                    error.code().as_str(),
                    at,
                );
                ctx.changes().payments.insert(payment_id.as_uuid(), row);
            }
            ctx.answer(asked.refused(&error));
        }
    }
}

/// The same payment asked for again under another event id: answered like
/// the original, now if it has finished, or with it when it does.
fn repeated_payment(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    payment_id: PaymentId,
    asked: Asked,
) {
    let Some(payment) = state
        .inventories
        .get(&schedule_id)
        .and_then(|inventory| inventory.payment(payment_id))
    else {
        return;
    };
    match payment.state {
        InventoryPaymentState::Pending => {
            if let Some(request) = state.payments.get_mut(&payment_id) {
                if !request.waiting.contains(&asked.command_id) {
                    request.waiting.push(asked.command_id);
                }
            }
        }
        InventoryPaymentState::Completed { balance_after } => {
            let body = completed_body(
                payment_id,
                payment.reservation_id,
                payment.amount,
                balance_after,
            );
            ctx.answer(asked.accepted(body));
        }
        InventoryPaymentState::Failed(reason) => ctx.answer(asked.refused(&reason.error())),
    }
}

fn completed_body(
    payment_id: PaymentId,
    reservation_id: domain::ReservationId,
    amount: Money,
    balance_after: Money,
) -> Accepted {
    Accepted::Paid(PaymentCompleted {
        payment_id: payment_id.as_uuid(),
        reservation_id: reservation_id.as_uuid(),
        amount: amount.krw(),
        status: PaymentStatus::Completed,
        balance: balance_after.krw(),
    })
}

/// The wallet's answer reaches the seat: sold, or the hold is back. The
/// payment's answer is given here, when the saga has settled the seat.
pub(super) fn settle(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    let InventoryCommand::SettlePayment {
        payment_id,
        reservation_id,
        outcome,
    } = command
    else {
        return;
    };
    let decision = decide(state, schedule_id, command);
    let events = match &decision {
        Ok(events) => events.clone(),
        Err(error) => {
            tracing::error!(%payment_id, %error, "the seat side refused to settle a payment");
            Vec::new()
        }
    };
    apply(ctx, state, schedule_id, &events);

    let inventory = state.inventories.entry(schedule_id).or_default();
    let debit = match outcome {
        DebitOutcome::Debited { balance_after, .. } => PaymentEvent::Debited { balance_after },
        DebitOutcome::Refused(reason) => PaymentEvent::DebitRefused { reason },
    };
    let settled = PaymentEvent::of_settle_decision(payment_id, &decision, inventory);
    match terms_of(
        inventory,
        schedule_id,
        payment_id,
        reservation_id,
        outcome,
        ctx.event,
    ) {
        Some(terms) => saga::advance(ctx, terms, &[debit, settled]),
        None => {
            tracing::error!(%payment_id, "a settlement for an unknown payment with an unreadable payer")
        }
    }

    for event in &events {
        match *event {
            InventoryEvent::SeatConfirmed {
                payment_id,
                reservation_id,
                user_id,
                amount,
                balance_after,
                ..
            } => {
                let body = completed_body(payment_id, reservation_id, amount, balance_after);
                answer_waiting(ctx, state, payment_id, user_id, |asked| {
                    asked.accepted(body.clone())
                });
                ctx.produced.completed_payers.push(Payer {
                    user_id: user_id.as_uuid(),
                    schedule_id: schedule_id.as_uuid(),
                });
            }
            InventoryEvent::PaymentFailed {
                payment_id,
                user_id,
                reason,
                ..
            } => {
                let error = reason.error();
                answer_waiting(ctx, state, payment_id, user_id, |asked| {
                    asked.refused(&error)
                });
            }
            _ => {}
        }
    }
}

fn answer_waiting(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    payment_id: PaymentId,
    user_id: UserId,
    answer: impl Fn(Asked) -> infra::decision::Decision,
) {
    let waiting = state
        .payments
        .get_mut(&payment_id)
        .map(|request| std::mem::take(&mut request.waiting))
        .unwrap_or_default();
    for command_id in waiting {
        let asked = Asked {
            command_id,
            command_type: CommandType::Payment,
            user_id: Some(user_id.as_uuid()),
            at: ctx.at(),
        };
        ctx.answer(answer(asked));
    }
}

/// The payment's terms as the seat side fixed them; for a payment it never
/// took on, as the settlement record states them (so a stray debit is
/// still refunded to its payer).
fn terms_of(
    inventory: &SeatInventory,
    schedule_id: ScheduleId,
    payment_id: PaymentId,
    reservation_id: domain::ReservationId,
    outcome: DebitOutcome,
    event: &LogEvent,
) -> Option<PaymentTerms> {
    if let Some(p) = inventory.payment(payment_id) {
        return Some(PaymentTerms {
            payment_id,
            reservation_id: p.reservation_id,
            schedule_id,
            user_id: p.user_id,
            amount: p.amount,
        });
    }
    let LogEvent::PaymentDebitSettled(settled) = event else {
        return None;
    };
    let amount = match outcome {
        DebitOutcome::Debited { amount, .. } => amount,
        DebitOutcome::Refused(_) => Money::ZERO,
    };
    Some(PaymentTerms {
        payment_id,
        reservation_id,
        schedule_id,
        user_id: UserId::try_from(settled.user_id).ok()?,
        amount,
    })
}
