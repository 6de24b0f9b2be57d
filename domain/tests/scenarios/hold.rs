use domain::inventory::{InventoryCommand, ReservationStatus, SeatInventory, SeatStatus};
use domain::testing::given;
use domain::*;

use crate::fixtures::*;

#[test]
fn opening_an_inventory() {
    let state = given::<SeatInventory>([])
        .when(InventoryCommand::OpenInventory {
            schedule_id: schedule(1),
            concert_id: concert(1),
            window: window(),
            seats: plan(&[(1, 10_000), (2, 20_000), (3, 30_000)]),
        })
        .then([opened()]);
    assert_eq!(state.total_seats(), 3);
}

#[test]
fn opening_the_same_inventory_again_changes_nothing() {
    given::<SeatInventory>([opened()])
        .when(InventoryCommand::OpenInventory {
            schedule_id: schedule(1),
            concert_id: concert(1),
            window: window(),
            seats: plan(&[(1, 10_000), (2, 20_000), (3, 30_000)]),
        })
        .then_nothing();
}

#[test]
fn reopening_with_other_seats_is_refused() {
    given::<SeatInventory>([opened()])
        .when(InventoryCommand::OpenInventory {
            schedule_id: schedule(1),
            concert_id: concert(1),
            window: window(),
            seats: plan(&[(1, 1)]),
        })
        .then_error(DomainError::IdReused(Entity::Schedule));
}

#[test]
fn holding_a_free_seat() {
    let state = given::<SeatInventory>([opened()])
        .when(hold(1, 1, 2, 10))
        .then([held(1, 1, 2, 10)]);
    assert_eq!(state.seat_status(seat(2), t(10)), Some(SeatStatus::Held));
    assert_eq!(
        state.reservation(reservation(1)).unwrap().price,
        price_of(2)
    );
}

#[test]
fn holding_on_an_unknown_schedule_is_not_found() {
    given::<SeatInventory>([])
        .when(hold(1, 1, 1, 10))
        .then_error(DomainError::NotFound(Entity::Schedule));
}

#[test]
fn holding_an_unknown_seat_is_not_found() {
    given::<SeatInventory>([opened()])
        .when(hold(1, 1, 4, 10))
        .then_error(DomainError::NotFound(Entity::Seat));
}

#[test]
fn an_unknown_seat_is_not_found_even_before_booking_opens() {
    given::<SeatInventory>([opened()])
        .when(hold(1, 1, 4, -10))
        .then_error(DomainError::NotFound(Entity::Seat));
}

#[test]
fn holding_before_booking_opens_is_refused() {
    given::<SeatInventory>([opened()])
        .when(hold(1, 1, 1, -1))
        .then_error(DomainError::BookingNotOpen);
}

#[test]
fn holding_at_the_opening_instant_is_accepted() {
    given::<SeatInventory>([opened()])
        .when(hold(1, 1, 1, 0))
        .then([held(1, 1, 1, 0)]);
}

#[test]
fn a_seat_held_by_someone_else_is_unavailable() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(2, 2, 1, 20))
        .then_error(DomainError::SeatUnavailable);
}

#[test]
fn a_seat_held_by_the_caller_is_unavailable_too() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(2, 1, 1, 20))
        .then_error(DomainError::SeatUnavailable);
}

#[test]
fn an_unavailable_seat_is_reported_before_the_hold_limit() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), held(2, 2, 2, 10)])
        .when(hold_with_limit(3, 2, 1, 20, 1))
        .then_error(DomainError::SeatUnavailable);
}

#[test]
fn a_lapsed_hold_frees_its_seat_without_any_event() {
    let at_expiry = 10 + HOLD_TTL;
    let state = given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(2, 2, 1, at_expiry))
        .then([held(2, 2, 1, at_expiry)]);
    assert_eq!(
        state
            .reservation(reservation(1))
            .unwrap()
            .status(t(at_expiry)),
        ReservationStatus::Expired
    );
    assert_eq!(
        state
            .reservation(reservation(2))
            .unwrap()
            .status(t(at_expiry)),
        ReservationStatus::Held
    );
}

#[test]
fn a_hold_is_live_until_the_instant_before_it_expires() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(2, 2, 1, 10 + HOLD_TTL - 1))
        .then_error(DomainError::SeatUnavailable);
}

#[test]
fn a_sold_seat_stays_unavailable_long_after_its_hold_would_have_lapsed() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(hold(2, 2, 1, 10_000))
    .then_error(DomainError::SeatUnavailable);
}

#[test]
fn a_seat_being_paid_for_cannot_lapse() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(hold(2, 2, 1, 10 + HOLD_TTL + 60))
        .then_error(DomainError::SeatUnavailable);
}

#[test]
fn a_released_seat_can_be_held_again() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), released(1, 1, 1, 20)])
        .when(hold(2, 2, 1, 30))
        .then([held(2, 2, 1, 30)]);
}

#[test]
fn the_hold_limit_refuses_one_hold_too_many() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), held(2, 1, 2, 10)])
        .when(hold_with_limit(3, 1, 3, 20, 2))
        .then_error(DomainError::HoldLimitReached);
}

#[test]
fn the_hold_limit_comes_with_the_command() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), held(2, 1, 2, 10)])
        .when(hold_with_limit(3, 1, 3, 20, 3))
        .then([held(3, 1, 3, 20)]);
}

#[test]
fn confirmed_seats_do_not_count_toward_the_hold_limit() {
    given::<SeatInventory>([
        opened(),
        held(1, 1, 1, 10),
        payment_started(1, 1, 1, 1, 20),
        confirmed(1, 1, 1, 1, 0),
    ])
    .when(hold_with_limit(2, 1, 2, 30, 1))
    .then([held(2, 1, 2, 30)]);
}

#[test]
fn lapsed_holds_do_not_count_toward_the_hold_limit() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold_with_limit(2, 1, 2, 10 + HOLD_TTL, 1))
        .then([held(2, 1, 2, 10 + HOLD_TTL)]);
}

#[test]
fn released_holds_do_not_count_toward_the_hold_limit() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), released(1, 1, 1, 20)])
        .when(hold_with_limit(2, 1, 2, 30, 1))
        .then([held(2, 1, 2, 30)]);
}

#[test]
fn holds_being_paid_for_count_toward_the_hold_limit() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)])
        .when(hold_with_limit(2, 1, 2, 10 + HOLD_TTL + 1, 1))
        .then_error(DomainError::HoldLimitReached);
}

#[test]
fn other_users_holds_do_not_count_toward_mine() {
    given::<SeatInventory>([opened(), held(1, 2, 1, 10), held(2, 2, 2, 10)])
        .when(hold_with_limit(3, 1, 3, 20, 1))
        .then([held(3, 1, 3, 20)]);
}

#[test]
fn a_redelivered_hold_request_creates_no_second_hold() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(1, 1, 1, 10))
        .then_nothing();
}

#[test]
fn a_redelivered_hold_request_stays_a_no_op_after_the_hold_ended() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10), released(1, 1, 1, 20)])
        .when(hold(1, 1, 1, 10))
        .then_nothing();
}

#[test]
fn a_reservation_id_reused_for_another_seat_is_refused() {
    given::<SeatInventory>([opened(), held(1, 1, 1, 10)])
        .when(hold(1, 1, 2, 20))
        .then_error(DomainError::IdReused(Entity::Reservation));
}

#[test]
fn a_hold_must_expire_after_it_is_taken() {
    given::<SeatInventory>([opened()])
        .when(InventoryCommand::PlaceHold {
            reservation_id: reservation(1),
            user_id: user(1),
            seat: seat(1),
            at: t(10),
            expires_at: t(10),
            max_holds_per_user: HoldLimit::CONTRACT_DEFAULT,
        })
        .then_error(DomainError::InvalidHoldPeriod);
}

#[test]
fn a_hold_taken_over_reads_expired_even_to_an_earlier_stamped_question() {
    // Records carry the time their API instance stamped; those clocks can
    // disagree slightly, so a later record may carry an earlier time.
    let history = [
        opened(),
        held(1, 1, 1, 10),
        held(2, 2, 1, 10 + HOLD_TTL + 5),
    ];
    given::<SeatInventory>(history.clone())
        .when(pay(1, 1, 1, 10 + HOLD_TTL - 1))
        .then_error(DomainError::HoldExpired);
    let state = SeatInventory::fold(&history);
    assert_eq!(
        state.reservation(reservation(1)).unwrap().status(t(20)),
        ReservationStatus::Expired
    );
    assert_eq!(state.seat_status(seat(1), t(20)), Some(SeatStatus::Held));
}
