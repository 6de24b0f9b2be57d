//! `concert.wallets.v1`, decided by `domain::wallet` per user: top-ups, and
//! the money side of payments (debit, commit, refund).

use domain::payment::{DebitOutcome, PaymentEvent, PaymentTerms};
use domain::wallet::{Wallet, WalletCommand, WalletEvent};
use domain::{Decider, DomainError, Money, UserId};
use infra::decision::CommandType;
use read_model::{Accepted, BalanceView};
use schemas::LogEvent;

use super::context::Context;
use super::saga;
use super::state::PartitionState;
use crate::changes::{EntryKind, EntryRow, WalletRow};

pub(super) fn fold(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    user_id: UserId,
    command: WalletCommand,
) {
    let wallet = state.wallets.entry(user_id).or_default();
    match command {
        WalletCommand::Charge { .. } => {
            let asked = ctx.asked(CommandType::Charge, Some(user_id.as_uuid()));
            match Wallet::decide(command, wallet) {
                Ok(events) => {
                    apply(ctx, wallet, user_id, &events);
                    ctx.answer(asked.accepted(Accepted::Charged(BalanceView {
                        balance: wallet.balance().krw(),
                    })));
                }
                Err(error) => ctx.answer(asked.refused(&error)),
            }
        }
        WalletCommand::Debit { payment_id, .. } => {
            let decision = Wallet::decide(command, wallet);
            if let Ok(events) = &decision {
                apply(ctx, wallet, user_id, events);
            }
            // Read back from the wallet, so a repeated debit reports the
            // original answer and the saga moves on the same way.
            let outcome = wallet.answer_to_debit(payment_id, &decision);
            match (outcome, debit_terms(ctx.event)) {
                (Ok(outcome), Some(terms)) => {
                    let observed = match outcome {
                        DebitOutcome::Debited { balance_after, .. } => {
                            PaymentEvent::Debited { balance_after }
                        }
                        DebitOutcome::Refused(reason) => PaymentEvent::DebitRefused { reason },
                    };
                    saga::advance(ctx, terms, &[observed]);
                }
                (Err(error), _) => {
                    tracing::error!(%payment_id, %error, "the wallet did not answer a debit")
                }
                (_, None) => tracing::error!(%payment_id, "a debit request with unreadable terms"),
            }
        }
        WalletCommand::CommitDebit { payment_id } | WalletCommand::Refund { payment_id } => {
            match Wallet::decide(command, wallet) {
                Ok(events) => apply(ctx, wallet, user_id, &events),
                Err(error) => refuse_step(payment_id, &error),
            }
        }
    }
}

fn refuse_step(payment_id: domain::PaymentId, error: &DomainError) {
    tracing::error!(%payment_id, %error, "the wallet refused a payment step");
}

fn apply(ctx: &mut Context<'_>, wallet: &mut Wallet, user_id: UserId, events: &[WalletEvent]) {
    let (at, event_id) = (ctx.at(), ctx.envelope.event_id);
    let changes = ctx.changes();
    for event in events {
        *wallet = std::mem::take(wallet).evolve(event);
        let moved = match *event {
            WalletEvent::BalanceCharged {
                charge_id,
                amount,
                balance_after,
            } => Some((
                EntryKind::Charge,
                charge_id.as_uuid(),
                amount.money(),
                balance_after,
            )),
            WalletEvent::PaymentDebited {
                payment_id,
                amount,
                balance_after,
            } => Some((
                EntryKind::Debit,
                payment_id.as_uuid(),
                amount,
                balance_after,
            )),
            WalletEvent::PaymentRefunded {
                payment_id,
                amount,
                balance_after,
            } => Some((
                EntryKind::Refund,
                payment_id.as_uuid(),
                amount,
                balance_after,
            )),
            WalletEvent::DebitRefused { .. } | WalletEvent::DebitCommitted { .. } => None,
        };
        if let Some((kind, reference, amount, balance_after)) = moved {
            changes.entry(
                user_id.as_uuid(),
                kind,
                reference,
                EntryRow {
                    amount: amount.krw(),
                    balance_after: balance_after.krw(),
                    event_id,
                    occurred_at: at,
                },
            );
        }
    }
    if !events.is_empty() {
        changes.wallets.insert(
            user_id.as_uuid(),
            WalletRow {
                balance: wallet.balance().krw(),
                in_flight: wallet.in_flight().krw(),
                updated_at: at,
            },
        );
    }
}

/// The payment a debit request is about, as the seat side fixed it.
fn debit_terms(event: &LogEvent) -> Option<PaymentTerms> {
    let LogEvent::PaymentDebitRequested(e) = event else {
        return None;
    };
    Some(PaymentTerms {
        payment_id: e.payment_id.try_into().ok()?,
        reservation_id: e.reservation_id.try_into().ok()?,
        schedule_id: e.schedule_id.try_into().ok()?,
        user_id: e.user_id.try_into().ok()?,
        amount: Money::try_from(e.amount).ok()?,
    })
}
