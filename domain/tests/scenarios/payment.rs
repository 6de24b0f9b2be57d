//! The seat side of paying: requesting a payment and settling its debit.

use domain::inventory::InventoryEvent;
use domain::inventory::{InventoryPaymentState, ReservationStatus, SeatInventory, SeatStatus};
use domain::payment::PaymentFailure;
use domain::testing::given;
use domain::*;

use crate::fixtures::*;

#[test]
fn paying_for_a_live_hold_starts_a_payment_for_the_seats_price() {
    let state = given::<SeatInventory>([opened(), held(1, 1, 2, 10)])
        .when(pay(1, 1, 1, 20))
        .then([payment_started(1, 1, 1, 2, 20)]);
    assert_eq!(state.payment(payment(1)).unwrap().amount, krw(20_000));
    assert_eq!(
        state.reservation(reservation(1)).unwrap().status(t(20)),
        ReservationStatus::Held
    );
}

#[test]
fn paying_for_an_unknown_reservation_is_not_found() {
    given::<SeatInventory>([opened()])
        .when(pay(1, 1, 1, 20))
        .then_error(DomainError::NotFound(Entity::Reservation));
}

#[test]
fn paying_for_another_users_hold_is_forbidden() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(pay(1, 1, 2, 20))
        .then_error(DomainError::Forbidden);
}

#[test]
fn paying_for_a_confirmed_reservation_is_already_confirmed() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(pay(2, 1, 1, 30))
    .then_error(DomainError::AlreadyConfirmed);
}

#[test]
fn paying_for_a_released_hold_is_hold_expired() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), released(1, 1, 1, 20)])
        .when(pay(1, 1, 1, 30))
        .then_error(DomainError::HoldExpired);
}

#[test]
fn paying_for_a_lapsed_hold_is_hold_expired() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(pay(1, 1, 1, 10 + HOLD_TTL))
        .then_error(DomainError::HoldExpired);
}

#[test]
fn paying_twice_at_once_is_refused_while_the_first_is_in_flight() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(pay(2, 1, 1, 21))
        .then_error(DomainError::PaymentInProgress);
}

#[test]
fn a_redelivered_payment_request_starts_nothing_new() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(pay(1, 1, 1, 20))
        .then_nothing();
}

#[test]
fn a_payment_id_reused_for_another_reservation_is_refused() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        held(2, 1, 2, 10),
        payment_started(1, 1, 1, 1, 20),
    ])
    .when(pay(1, 2, 1, 20))
    .then_error(DomainError::IdReused(Entity::Payment));
}

#[test]
fn a_debited_payment_confirms_the_seat() {
    let state =
        given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
            .when(settle(1, 1, debited(10_000, 5_000)))
            .then([confirmed(1, 1, 1, 1, 5_000)]);
    assert_eq!(
        state.seat_status(seat(1), t(100_000)),
        Some(SeatStatus::Sold)
    );
    assert_eq!(
        state
            .reservation(reservation(1))
            .unwrap()
            .status(t(100_000)),
        ReservationStatus::Confirmed
    );
    assert_eq!(
        state.payment(payment(1)).unwrap().state,
        InventoryPaymentState::Completed {
            balance_after: krw(5_000)
        }
    );
}

#[test]
fn a_debit_confirms_the_seat_even_when_it_lands_after_the_hold_would_have_lapsed() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 10 + HOLD_TTL - 1),
    ])
    .when(settle(1, 1, debited(10_000, 0)))
    .then([confirmed(1, 1, 1, 1, 0)]);
}

#[test]
fn a_refused_debit_fails_the_payment_and_gives_the_hold_back_as_it_was() {
    let state =
        given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
            .when(settle(1, 1, refused()))
            .then([failed(1, 1, 1, 1)]);
    let reservation = state.reservation(reservation(1)).unwrap();
    assert_eq!(reservation.status(t(20)), ReservationStatus::Held);
    assert_eq!(
        reservation.status(t(10 + HOLD_TTL)),
        ReservationStatus::Expired,
        "the original expiry still applies"
    );
    assert_eq!(
        state.payment(payment(1)).unwrap().state,
        InventoryPaymentState::Failed(PaymentFailure::InsufficientBalance)
    );
}

#[test]
fn after_a_failed_payment_the_holder_may_pay_again_before_expiry() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        failed(1, 1, 1, 1),
    ])
    .when(pay(2, 1, 1, 30))
    .then([payment_started(2, 1, 1, 1, 30)]);
}

#[test]
fn a_failed_payment_whose_hold_has_lapsed_frees_the_seat() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        failed(1, 1, 1, 1),
    ])
    .when(hold(2, 2, 1, 10 + HOLD_TTL))
    .then([held(2, 2, 1, 10 + HOLD_TTL)]);
}

#[test]
fn a_debit_of_another_amount_fails_the_payment_and_unlocks_the_seat() {
    let state =
        given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
            .when(settle(1, 1, debited(9_999, 0)))
            .then([InventoryEvent::PaymentFailed {
                payment_id: payment(1),
                reservation_id: reservation(1),
                user_id: user(1),
                seat: seat(1),
                reason: PaymentFailure::DebitMismatch,
            }]);
    assert_eq!(
        state.seat_status(seat(1), t(10 + HOLD_TTL)),
        Some(SeatStatus::Available)
    );
}

#[test]
fn the_same_mismatched_debit_delivered_again_changes_nothing() {
    let mismatch_failed = InventoryEvent::PaymentFailed {
        payment_id: payment(1),
        reservation_id: reservation(1),
        user_id: user(1),
        seat: seat(1),
        reason: PaymentFailure::DebitMismatch,
    };
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        mismatch_failed,
    ])
    .when(settle(1, 1, debited(9_999, 0)))
    .then_nothing();
}

#[test]
fn a_debit_naming_another_reservation_is_not_settled() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        held(2, 1, 2, 10),
        payment_started(1, 1, 1, 1, 20),
    ])
    .when(settle(1, 2, debited(10_000, 0)))
    .then_error(DomainError::SettlementMismatch);
}

#[test]
fn settling_an_unknown_payment_is_not_found() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(settle(1, 1, debited(10_000, 0)))
        .then_error(DomainError::NotFound(Entity::Payment));
}

#[test]
fn a_redelivered_settlement_changes_nothing() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(settle(1, 1, debited(10_000, 0)))
    .then_nothing();
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        failed(1, 1, 1, 1),
    ])
    .when(settle(1, 1, refused()))
    .then_nothing();
}

#[test]
fn a_debit_for_a_payment_that_already_failed_is_refused_so_it_gets_refunded() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        failed(1, 1, 1, 1),
    ])
    .when(settle(1, 1, debited(10_000, 0)))
    .then_error(DomainError::PaymentNotPending);
}

#[test]
fn a_refusal_for_a_completed_payment_is_a_mismatch() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(settle(1, 1, refused()))
    .then_error(DomainError::SettlementMismatch);
}
