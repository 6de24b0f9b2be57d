//! The events the golden files hold, written out as Rust.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use schemas::{v1, v2, Envelope, EventMeta, LogEvent};
use uuid::Uuid;

pub fn id(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}
pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub const CONCERT: &str = "019ad465-4d00-7f7b-a71b-9592244ececa";
pub const SCHEDULE: &str = "019ad466-3760-73bc-a61d-b1d43fcb4b70";
pub const USER: &str = "019ad467-21c0-7fe4-aa43-8f2a3172f442";
pub const OTHER_USER: &str = "019ad467-48d0-7e40-914d-9fceff3f3f8c";
pub const RESERVATION: &str = "019b1000-1700-73ac-95d2-5341edc5fe85";
pub const OLD_RESERVATION: &str = "019a7581-4f00-7f49-9280-0e0423eb7164";
pub const PAYMENT: &str = "019b1001-7690-7d3c-89c9-c31ae2f93909";
pub const UNPAID_PAYMENT: &str = "019b1001-8a18-72cf-976f-d97074406663";
pub const REFUNDED_PAYMENT: &str = "019b1001-91e8-76cb-a38b-01e72e89e9f2";
pub const REFUNDED_RESERVATION: &str = "019b1000-6520-79f1-a669-6d1608d5a175";
pub const CHARGE: &str = "019b0ff6-ef40-718e-a946-a04e9ff35ab3";

pub fn seats() -> Vec<v1::PricedSeat> {
    [(1, 154_000), (2, 154_000), (3, 132_000), (4, 99_000)]
        .into_iter()
        .map(|(number, price)| v1::PricedSeat { number, price })
        .collect()
}

pub fn concert_registered() -> LogEvent {
    v1::ConcertRegistered {
        concert_id: id(CONCERT),
        title: "Aurora Live in Seoul".into(),
        venue: "KSPO Dome".into(),
    }
    .into()
}

pub fn schedule_added() -> v1::ScheduleAdded {
    v1::ScheduleAdded {
        concert_id: id(CONCERT),
        schedule_id: id(SCHEDULE),
        starts_at: at("2026-12-24T10:00:00Z"),
        booking_opens_at: at("2026-12-01T11:00:00Z"),
        seats: seats(),
    }
}

pub fn seat_inventory_opened() -> LogEvent {
    v1::SeatInventoryOpened {
        schedule_id: id(SCHEDULE),
        concert_id: id(CONCERT),
        starts_at: at("2026-12-24T10:00:00Z"),
        booking_opens_at: at("2026-12-01T11:00:00Z"),
        seats: seats(),
    }
    .into()
}

pub fn seat_hold_requested() -> LogEvent {
    v2::SeatHoldRequested {
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        seat_number: 2,
        requested_at: at("2026-12-01T11:00:03.412Z"),
        expires_at: at("2026-12-01T11:05:03.412Z"),
        max_holds_per_user: 4,
    }
    .into()
}

/// What the v1 golden record reads as today.
pub fn seat_hold_requested_from_v1() -> LogEvent {
    v2::SeatHoldRequested {
        reservation_id: id(OLD_RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(OTHER_USER),
        seat_number: 3,
        requested_at: at("2026-12-01T11:00:02.950Z"),
        expires_at: at("2026-12-01T11:05:02.950Z"),
        max_holds_per_user: 4,
    }
    .into()
}

pub fn seat_release_requested() -> LogEvent {
    v1::SeatReleaseRequested {
        reservation_id: id(OLD_RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(OTHER_USER),
        requested_at: at("2026-12-01T11:01:40.007Z"),
    }
    .into()
}

pub fn payment_requested() -> LogEvent {
    v1::PaymentRequested {
        payment_id: id(PAYMENT),
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        requested_at: at("2026-12-01T11:02:15.630Z"),
    }
    .into()
}

pub fn payment_debit_settled() -> LogEvent {
    v1::PaymentDebitSettled {
        payment_id: id(PAYMENT),
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        outcome: v1::DebitOutcome::Debited {
            amount: 154_000,
            balance_after: 46_000,
        },
    }
    .into()
}

pub fn payment_debit_settled_rejected() -> LogEvent {
    v1::PaymentDebitSettled {
        payment_id: id(UNPAID_PAYMENT),
        reservation_id: id(OLD_RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(OTHER_USER),
        outcome: v1::DebitOutcome::Rejected {
            reason: v1::DebitRejection::InsufficientBalance,
        },
    }
    .into()
}

pub fn balance_charge_requested() -> LogEvent {
    v1::BalanceChargeRequested {
        charge_id: id(CHARGE),
        user_id: id(USER),
        amount: 200_000,
        requested_at: at("2026-12-01T10:50:12.100Z"),
        max_single_charge: 1_000_000,
        max_balance: 10_000_000,
    }
    .into()
}

pub fn payment_debit_requested() -> LogEvent {
    v1::PaymentDebitRequested {
        payment_id: id(PAYMENT),
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        amount: 154_000,
    }
    .into()
}

pub fn payment_debit_committed() -> LogEvent {
    v1::PaymentDebitCommitted {
        payment_id: id(PAYMENT),
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        amount: 154_000,
    }
    .into()
}

pub fn payment_refund_requested() -> LogEvent {
    v1::PaymentRefundRequested {
        payment_id: id(REFUNDED_PAYMENT),
        reservation_id: id(REFUNDED_RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(OTHER_USER),
        amount: 99_000,
    }
    .into()
}

/// A request as its golden file holds it: appended from outside, so its
/// own id is its correlation id.
fn request(event: &LogEvent, event_id: &str, occurred_at: &str) -> Envelope {
    Envelope::wrap(
        event,
        EventMeta {
            event_id: id(event_id),
            occurred_at: at(occurred_at),
            correlation_id: id(event_id),
            causation_id: None,
        },
    )
}

pub fn catalog_request_withdrawn() -> LogEvent {
    let request = request(
        &concert_registered(),
        "019ae7e4-5c0e-7dc0-aa16-2b8dc835698d",
        "2026-11-20T02:15:00Z",
    );
    v1::CatalogRequestWithdrawn {
        concert_id: id(CONCERT),
        command_id: request.event_id,
        request: serde_json::to_value(&request).unwrap(),
    }
    .into()
}

pub fn reservation_request_withdrawn() -> LogEvent {
    let request = request(
        &seat_hold_requested(),
        "019afddf-ef3d-78da-9903-f4cb5455eb3a",
        "2026-12-01T11:00:03.412Z",
    );
    v1::ReservationRequestWithdrawn {
        schedule_id: id(SCHEDULE),
        command_id: request.event_id,
        request: serde_json::to_value(&request).unwrap(),
    }
    .into()
}

pub fn wallet_request_withdrawn() -> LogEvent {
    let request = request(
        &balance_charge_requested(),
        "019af982-fddb-782c-9b1b-a5b4960e55ce",
        "2026-12-01T10:50:12.100Z",
    );
    v1::WalletRequestWithdrawn {
        user_id: id(USER),
        command_id: request.event_id,
        request: serde_json::to_value(&request).unwrap(),
    }
    .into()
}

/// One of every current event type.
pub fn one_of_each() -> Vec<LogEvent> {
    vec![
        concert_registered(),
        schedule_added().into(),
        seat_inventory_opened(),
        seat_hold_requested(),
        seat_release_requested(),
        payment_requested(),
        payment_debit_settled(),
        balance_charge_requested(),
        payment_debit_requested(),
        payment_debit_committed(),
        payment_refund_requested(),
        catalog_request_withdrawn(),
        reservation_request_withdrawn(),
        wallet_request_withdrawn(),
    ]
}
