//! The records tests append, built as the command API would build them.

use chrono::{DateTime, TimeZone, Utc};
use infra::decision::Decision;
use schemas::{v1, v2, Envelope, EventMeta, LogEvent};
use uuid::Uuid;

/// A request's envelope, as the command API would wrap it.
pub fn request(event: &LogEvent) -> Envelope {
    let id = Uuid::now_v7();
    Envelope::wrap(
        event,
        EventMeta {
            event_id: id,
            occurred_at: Utc::now(),
            correlation_id: id,
            causation_id: None,
        },
    )
}

pub fn concert(concert_id: Uuid, title: &str) -> LogEvent {
    v1::ConcertRegistered {
        concert_id,
        title: title.into(),
        venue: "Olympic Hall".into(),
    }
    .into()
}

/// Booking opens at 2030-04-01 10:00; `at(s)` is some seconds after.
pub fn schedule(concert_id: Uuid, schedule_id: Uuid, seats: i64) -> LogEvent {
    v1::ScheduleAdded {
        concert_id,
        schedule_id,
        starts_at: Utc.with_ymd_and_hms(2030, 5, 1, 19, 0, 0).unwrap(),
        booking_opens_at: Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap(),
        seats: (1..=seats)
            .map(|number| v1::PricedSeat {
                number,
                price: price_of(number),
            })
            .collect(),
    }
    .into()
}

pub fn price_of(seat: i64) -> i64 {
    50_000 + seat * 1000
}

/// Event time `seconds` after booking opened. Decisions go by these times,
/// never by the clock, so tests pick them freely.
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

/// Holds last five minutes.
pub const HOLD_SECONDS: i64 = 300;

pub fn hold(
    schedule_id: Uuid,
    reservation_id: Uuid,
    user_id: Uuid,
    seat: i64,
    when: i64,
) -> LogEvent {
    v2::SeatHoldRequested {
        reservation_id,
        schedule_id,
        user_id,
        seat_number: seat,
        requested_at: at(when),
        expires_at: at(when + HOLD_SECONDS),
        max_holds_per_user: 4,
    }
    .into()
}

pub fn release(schedule_id: Uuid, reservation_id: Uuid, user_id: Uuid, when: i64) -> LogEvent {
    v1::SeatReleaseRequested {
        reservation_id,
        schedule_id,
        user_id,
        requested_at: at(when),
    }
    .into()
}

pub fn charge(user_id: Uuid, amount: i64) -> LogEvent {
    v1::BalanceChargeRequested {
        charge_id: Uuid::now_v7(),
        user_id,
        amount,
        requested_at: Utc::now(),
        max_single_charge: 1_000_000,
        max_balance: 10_000_000,
    }
    .into()
}

pub fn payment(
    schedule_id: Uuid,
    payment_id: Uuid,
    reservation_id: Uuid,
    user_id: Uuid,
    when: i64,
) -> LogEvent {
    v1::PaymentRequested {
        payment_id,
        reservation_id,
        schedule_id,
        user_id,
        requested_at: at(when),
    }
    .into()
}

/// The value of one sample in Prometheus text, 0 when absent.
pub fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// The refusal code of a decision, or "ACCEPTED".
pub fn outcome(decision: &Decision) -> String {
    decision.verdict.as_str().to_owned()
}
