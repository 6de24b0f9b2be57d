//! What the query side reads from an inventory.

use domain::inventory::{ReservationStatus, SeatInventory, SeatStatus, SeatView};
use domain::*;

use crate::fixtures::*;

#[test]
fn an_unopened_inventory_knows_no_seats() {
    let state = SeatInventory::default();
    assert_eq!(state.seat_status(seat(1), t(0)), None);
    assert!(state.seats(t(0)).is_empty());
    assert_eq!(state.total_seats(), 0);
}

#[test]
fn seats_read_available_held_and_sold() {
    let state = SeatInventory::fold(&[
        opened(),
        held(1, 1, 1, 10),
        held(2, 2, 2, 10),
        payment_started(1, 2, 2, 2, 20),
        confirmed(1, 2, 2, 2, 0),
    ]);
    assert_eq!(
        state.seats(t(30)),
        vec![
            SeatView {
                number: seat(1),
                price: price_of(1),
                status: SeatStatus::Held
            },
            SeatView {
                number: seat(2),
                price: price_of(2),
                status: SeatStatus::Sold
            },
            SeatView {
                number: seat(3),
                price: price_of(3),
                status: SeatStatus::Available
            },
        ]
    );
    assert_eq!(state.available_seats(t(30)), 1);
    assert_eq!(state.seat_status(seat(4), t(30)), None);
}

#[test]
fn a_lapsed_hold_reads_available_at_once() {
    let state = SeatInventory::fold(&[opened(), held(1, 1, 1, 10)]);
    assert_eq!(
        state.seat_status(seat(1), t(10 + HOLD_TTL - 1)),
        Some(SeatStatus::Held)
    );
    assert_eq!(
        state.seat_status(seat(1), t(10 + HOLD_TTL)),
        Some(SeatStatus::Available)
    );
    assert_eq!(state.available_seats(t(10 + HOLD_TTL)), 3);
}

#[test]
fn a_seat_being_paid_for_reads_held_past_its_expiry() {
    let state =
        SeatInventory::fold(&[opened(), held(1, 1, 1, 10), payment_started(1, 1, 1, 1, 20)]);
    assert_eq!(
        state.seat_status(seat(1), t(100_000)),
        Some(SeatStatus::Held)
    );
    assert_eq!(
        state
            .reservation(reservation(1))
            .unwrap()
            .status(t(100_000)),
        ReservationStatus::Held
    );
}

#[test]
fn reservation_statuses_use_the_contract_names() {
    let names: Vec<_> = [
        ReservationStatus::Pending,
        ReservationStatus::Held,
        ReservationStatus::Rejected,
        ReservationStatus::Expired,
        ReservationStatus::Released,
        ReservationStatus::Confirmed,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    assert_eq!(
        names,
        [
            "PENDING",
            "HELD",
            "REJECTED",
            "EXPIRED",
            "RELEASED",
            "CONFIRMED"
        ]
    );
    assert_eq!(SeatStatus::Available.as_str(), "AVAILABLE");
}

#[test]
fn live_holds_count_what_the_hold_limit_counts() {
    let state = SeatInventory::fold(&[
        opened(),
        held(1, 1, 1, 10),
        held(2, 1, 2, 100),
        released(2, 1, 2, 110),
        held(3, 1, 3, 200),
    ]);
    assert_eq!(state.live_holds(user(1), t(200)), 2);
    assert_eq!(state.live_holds(user(1), t(10 + HOLD_TTL)), 1);
}
