use domain::inventory::{ReservationStatus, SeatInventory, SeatStatus};
use domain::testing::given;
use domain::*;

use crate::fixtures::*;

#[test]
fn releasing_a_live_hold_frees_the_seat() {
    let state = given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(release(1, 1, 20))
        .then([released(1, 1, 1, 20)]);
    assert_eq!(
        state.seat_status(seat(1), t(20)),
        Some(SeatStatus::Available)
    );
    assert_eq!(
        state.reservation(reservation(1)).unwrap().status(t(20)),
        ReservationStatus::Released
    );
}

#[test]
fn releasing_an_unknown_reservation_is_not_found() {
    given::<SeatInventory>([opened()])
        .when(release(1, 1, 20))
        .then_error(DomainError::NotFound(Entity::Reservation));
}

#[test]
fn releasing_on_an_unknown_schedule_is_not_found() {
    given::<SeatInventory>([])
        .when(release(1, 1, 20))
        .then_error(DomainError::NotFound(Entity::Reservation));
}

#[test]
fn releasing_another_users_hold_is_forbidden() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(release(1, 2, 20))
        .then_error(DomainError::Forbidden);
}

#[test]
fn forbidden_is_answered_before_already_confirmed() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(release(1, 2, 30))
    .then_error(DomainError::Forbidden);
}

#[test]
fn releasing_a_confirmed_reservation_is_refused() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(release(1, 1, 30))
    .then_error(DomainError::AlreadyConfirmed);
}

#[test]
fn releasing_a_lapsed_hold_is_hold_expired() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(release(1, 1, 10 + HOLD_TTL))
        .then_error(DomainError::HoldExpired);
}

#[test]
fn releasing_a_hold_whose_seat_was_taken_over_is_hold_expired() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), held(2, 2, 1, 10 + HOLD_TTL)])
        .when(release(1, 1, 20))
        .then_error(DomainError::HoldExpired);
}

#[test]
fn releasing_a_released_hold_again_is_accepted_with_nothing_new() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), released(1, 1, 1, 20)])
        .when(release(1, 1, 10_000))
        .then_nothing();
}

#[test]
fn releasing_a_hold_being_paid_for_waits_for_the_payment() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(release(1, 1, 30))
        .then_error(DomainError::PaymentInProgress);
}

#[test]
fn a_hold_being_paid_for_does_not_lapse_even_past_its_expiry() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(release(1, 1, 10 + HOLD_TTL + 100))
        .then_error(DomainError::PaymentInProgress);
}
