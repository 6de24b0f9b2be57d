//! The payment process as a state machine, and payments walked end to end
//! across the seat and wallet partitions.

#[path = "../support/world.rs"]
mod world;

use domain::inventory::{InventoryCommand, ReservationStatus, SeatStatus};
use domain::payment::{
    DebitOutcome, DebitRefusal, PaymentEvent, PaymentProcess, PaymentStatus, PaymentStep,
    PaymentTerms, StepCommand,
};
use domain::testing::given;
use domain::wallet::WalletCommand;
use domain::*;
use world::World;

use crate::fixtures::*;

fn terms() -> PaymentTerms {
    PaymentTerms {
        payment_id: payment(1),
        reservation_id: reservation(1),
        schedule_id: schedule(1),
        user_id: user(1),
        amount: krw(20_000),
    }
}
fn started() -> PaymentEvent {
    PaymentEvent::Started(terms())
}
fn debited_ev() -> PaymentEvent {
    PaymentEvent::Debited {
        balance_after: krw(30_000),
    }
}
fn refused_ev() -> PaymentEvent {
    PaymentEvent::DebitRefused {
        reason: DebitRefusal::InsufficientBalance,
    }
}

#[test]
fn a_started_payment_owes_a_debit() {
    let state = given::<PaymentProcess>([])
        .when(started())
        .then([started()]);
    assert_eq!(state.next_step(), Some(PaymentStep::Debit(terms())));
    assert_eq!(state.status(), PaymentStatus::Pending);
}

#[test]
fn a_debited_payment_owes_a_settlement_with_the_debit() {
    let state = given::<PaymentProcess>([started()])
        .when(debited_ev())
        .then([debited_ev()]);
    assert_eq!(
        state.next_step(),
        Some(PaymentStep::Settle {
            terms: terms(),
            outcome: DebitOutcome::Debited {
                amount: krw(20_000),
                balance_after: krw(30_000)
            }
        })
    );
}

#[test]
fn a_refused_debit_owes_a_settlement_with_the_refusal() {
    let state = given::<PaymentProcess>([started()])
        .when(refused_ev())
        .then([refused_ev()]);
    assert_eq!(
        state.next_step(),
        Some(PaymentStep::Settle {
            terms: terms(),
            outcome: DebitOutcome::Refused(DebitRefusal::InsufficientBalance)
        })
    );
}

#[test]
fn a_completed_payment_owes_committing_its_debit_then_nothing() {
    let state = given::<PaymentProcess>([started(), debited_ev()])
        .when(PaymentEvent::Completed)
        .then([PaymentEvent::Completed]);
    assert_eq!(state.next_step(), Some(PaymentStep::CommitDebit(terms())));
    assert_eq!(
        state.status(),
        PaymentStatus::Completed {
            balance_after: krw(30_000)
        }
    );
    let state = given::<PaymentProcess>([started(), debited_ev(), PaymentEvent::Completed])
        .when(PaymentEvent::DebitCommitted)
        .then([PaymentEvent::DebitCommitted]);
    assert_eq!(state.next_step(), None);
    assert!(state.is_finished());
}

#[test]
fn a_failed_payment_owes_nothing() {
    let state = given::<PaymentProcess>([started(), refused_ev()])
        .when(PaymentEvent::Failed)
        .then([PaymentEvent::Failed]);
    assert_eq!(state.next_step(), None);
    assert_eq!(
        state.status(),
        PaymentStatus::Failed(DebitRefusal::InsufficientBalance)
    );
}

#[test]
fn a_debited_payment_the_seat_side_refuses_owes_a_refund() {
    let state = given::<PaymentProcess>([started(), debited_ev()])
        .when(PaymentEvent::SettlementRefused)
        .then([PaymentEvent::SettlementRefused]);
    assert_eq!(state.next_step(), Some(PaymentStep::Refund(terms())));
    let state = given::<PaymentProcess>([started(), debited_ev(), PaymentEvent::SettlementRefused])
        .when(PaymentEvent::Refunded)
        .then([PaymentEvent::Refunded]);
    assert_eq!(state.next_step(), None);
    assert_eq!(state.status(), PaymentStatus::Reversed);
}

#[test]
fn a_debited_payment_the_seat_side_fails_owes_a_refund() {
    let state = given::<PaymentProcess>([started(), debited_ev()])
        .when(PaymentEvent::Failed)
        .then([PaymentEvent::Failed]);
    assert_eq!(state.next_step(), Some(PaymentStep::Refund(terms())));
    assert_eq!(state.status(), PaymentStatus::Reversed);
}

#[test]
fn only_committing_a_debit_is_a_step_the_payers_answer_does_not_wait_on() {
    let owing = |observed: &[PaymentEvent]| {
        let state = observed
            .iter()
            .fold(PaymentProcess::default(), |state, event| {
                state.evolve(event)
            });
        (state.next_step().expect("a step is owed"), state.status())
    };
    let (debit, _) = owing(&[started()]);
    let (settle, _) = owing(&[started(), debited_ev()]);
    let (settle_refusal, _) = owing(&[started(), refused_ev()]);
    let (commit, answered) = owing(&[started(), debited_ev(), PaymentEvent::Completed]);
    let (refund, _) = owing(&[started(), debited_ev(), PaymentEvent::SettlementRefused]);
    for waited_on in [debit, settle, settle_refusal, refund] {
        assert!(waited_on.answer_waits(), "{waited_on:?}");
    }
    assert_eq!(commit, PaymentStep::CommitDebit(terms()));
    assert!(!commit.answer_waits());
    // The step not waited on comes once the payer's answer is known.
    assert_ne!(answered, PaymentStatus::Pending);
}

#[test]
fn an_observation_already_recorded_changes_nothing() {
    given::<PaymentProcess>([started(), debited_ev(), PaymentEvent::Completed])
        .when(debited_ev())
        .then_nothing();
    given::<PaymentProcess>([started()])
        .when(started())
        .then_nothing();
    given::<PaymentProcess>([started(), debited_ev(), PaymentEvent::Failed])
        .when(PaymentEvent::SettlementRefused)
        .then_nothing();
}

#[test]
fn an_observation_out_of_order_is_refused() {
    given::<PaymentProcess>([started()])
        .when(PaymentEvent::Completed)
        .then_error(DomainError::UnexpectedPaymentStep);
    given::<PaymentProcess>([started(), refused_ev(), PaymentEvent::Failed])
        .when(debited_ev())
        .then_error(DomainError::UnexpectedPaymentStep);
    given::<PaymentProcess>([])
        .when(PaymentEvent::Refunded)
        .then_error(DomainError::UnexpectedPaymentStep);
}

#[test]
fn steps_are_addressed_to_the_partition_that_decides_them() {
    assert_eq!(
        PaymentStep::Debit(terms()).command(),
        StepCommand::Wallet {
            user_id: user(1),
            command: WalletCommand::Debit {
                payment_id: payment(1),
                amount: krw(20_000)
            }
        }
    );
    assert_eq!(
        PaymentStep::Settle {
            terms: terms(),
            outcome: DebitOutcome::Refused(DebitRefusal::InsufficientBalance)
        }
        .command(),
        StepCommand::Inventory {
            schedule_id: schedule(1),
            command: InventoryCommand::SettlePayment {
                payment_id: payment(1),
                reservation_id: reservation(1),
                outcome: DebitOutcome::Refused(DebitRefusal::InsufficientBalance),
            },
        }
    );
    assert_ne!(
        PaymentStep::Debit(terms()).name(),
        PaymentStep::Refund(terms()).name()
    );
}

fn world_with_balance(balance: i64) -> World {
    let mut world = World::default();
    world
        .on_inventory(
            schedule(1),
            match opened() {
                domain::inventory::InventoryEvent::InventoryOpened {
                    schedule_id,
                    concert_id,
                    window,
                    seats,
                } => InventoryCommand::OpenInventory {
                    schedule_id,
                    concert_id,
                    window,
                    seats,
                },
                _ => unreachable!(),
            },
        )
        .unwrap();
    if balance > 0 {
        world
            .on_wallet(
                user(1),
                WalletCommand::Charge {
                    charge_id: charge(1),
                    amount: amount(balance),
                    max_single_charge: krw(1_000_000),
                    max_balance: krw(10_000_000),
                },
            )
            .unwrap();
    }
    world.on_inventory(schedule(1), hold(1, 1, 2, 10)).unwrap();
    world
}

#[test]
fn paying_debits_exactly_the_price_and_sells_the_seat() {
    let mut world = world_with_balance(50_000);
    world.on_inventory(schedule(1), pay(1, 1, 1, 20)).unwrap();
    world.drain();
    assert_eq!(world.wallet(user(1)).balance(), krw(30_000));
    assert_eq!(world.wallet(user(1)).in_flight(), Money::ZERO);
    assert_eq!(
        world
            .inventory(schedule(1))
            .seat_status(seat(2), t(1_000_000)),
        Some(SeatStatus::Sold)
    );
    assert_eq!(
        world.processes[&payment(1)].status(),
        PaymentStatus::Completed {
            balance_after: krw(30_000)
        }
    );
    assert!(world.processes[&payment(1)].is_finished());
}

#[test]
fn a_payment_that_fails_changes_no_balance() {
    let mut world = world_with_balance(5_000);
    world.on_inventory(schedule(1), pay(1, 1, 1, 20)).unwrap();
    world.drain();
    assert_eq!(world.wallet(user(1)).balance(), krw(5_000));
    assert_eq!(
        world.processes[&payment(1)].status(),
        PaymentStatus::Failed(DebitRefusal::InsufficientBalance)
    );
    assert_eq!(
        world
            .inventory(schedule(1))
            .reservation(reservation(1))
            .unwrap()
            .status(t(20)),
        ReservationStatus::Held
    );
}

#[test]
fn a_debit_that_does_not_match_the_price_is_refunded_and_the_seat_unlocked() {
    let mut world = world_with_balance(50_000);
    world.on_inventory(schedule(1), pay(1, 1, 1, 20)).unwrap();
    world.deliver(0); // the debit
    world.deliver_corrupted(0); // its settlement, with another amount
    world.drain();
    assert_eq!(world.wallet(user(1)).balance(), krw(50_000));
    assert_eq!(
        world.processes[&payment(1)].status(),
        PaymentStatus::Reversed
    );
    assert!(world.processes[&payment(1)].is_finished());
    assert_eq!(
        world
            .inventory(schedule(1))
            .seat_status(seat(2), t(10 + HOLD_TTL)),
        Some(SeatStatus::Available)
    );
}

#[test]
fn a_hold_expiring_while_its_debit_is_in_flight_is_still_sold() {
    let mut world = world_with_balance(50_000);
    world
        .on_inventory(schedule(1), pay(1, 1, 1, 10 + HOLD_TTL - 1))
        .unwrap();
    assert_eq!(
        world.on_inventory(schedule(1), hold(2, 2, 2, 10 + HOLD_TTL + 1)),
        Err(DomainError::SeatUnavailable)
    );
    world.drain();
    assert_eq!(
        world
            .inventory(schedule(1))
            .seat_status(seat(2), t(10 + HOLD_TTL + 1)),
        Some(SeatStatus::Sold)
    );
}
