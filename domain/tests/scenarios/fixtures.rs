#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::inventory::{InventoryCommand, InventoryEvent};
use domain::payment::{DebitOutcome, DebitRefusal, PaymentFailure};
use domain::*;
use uuid::Uuid;

/// Seconds after booking opens for the schedule under test.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

pub const HOLD_TTL: i64 = 300;

pub fn user(n: u128) -> UserId {
    UserId::try_from(Uuid::from_u128(0x1000 + n)).unwrap()
}
pub fn concert(n: u128) -> ConcertId {
    ConcertId::try_from(Uuid::from_u128(0x2000 + n)).unwrap()
}
pub fn schedule(n: u128) -> ScheduleId {
    ScheduleId::try_from(Uuid::from_u128(0x3000 + n)).unwrap()
}
pub fn reservation(n: u128) -> ReservationId {
    ReservationId::try_from(Uuid::from_u128(0x4000 + n)).unwrap()
}
pub fn payment(n: u128) -> PaymentId {
    PaymentId::try_from(Uuid::from_u128(0x5000 + n)).unwrap()
}
pub fn charge(n: u128) -> ChargeId {
    ChargeId::try_from(Uuid::from_u128(0x6000 + n)).unwrap()
}
pub fn krw(n: i64) -> Money {
    Money::try_from(n).unwrap()
}
pub fn amount(n: i64) -> Amount {
    Amount::try_from(n).unwrap()
}
pub fn seat(n: u32) -> SeatNumber {
    SeatNumber::try_from(n).unwrap()
}
pub fn limit(n: i64) -> HoldLimit {
    HoldLimit::try_from(n).unwrap()
}

pub fn plan(seats: &[(u32, i64)]) -> SeatPlan {
    SeatPlan::try_from(
        seats
            .iter()
            .map(|&(n, p)| PricedSeat {
                number: seat(n),
                price: krw(p),
            })
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

/// Booking opens at t(0); the show starts a day later.
pub fn window() -> BookingWindow {
    BookingWindow::new(t(0), t(86_400)).unwrap()
}

pub fn price_of(n: u32) -> Money {
    krw(10_000 * i64::from(n))
}

/// Three seats; seat n costs n × 10,000 KRW.
pub fn opened() -> InventoryEvent {
    InventoryEvent::InventoryOpened {
        schedule_id: schedule(1),
        concert_id: concert(1),
        window: window(),
        seats: plan(&[(1, 10_000), (2, 20_000), (3, 30_000)]),
    }
}

pub fn hold(r: u128, u: u128, s: u32, at: i64) -> InventoryCommand {
    InventoryCommand::PlaceHold {
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        at: t(at),
        expires_at: t(at + HOLD_TTL),
        max_holds_per_user: HoldLimit::CONTRACT_DEFAULT,
    }
}

pub fn hold_with_limit(r: u128, u: u128, s: u32, at: i64, max: i64) -> InventoryCommand {
    match hold(r, u, s, at) {
        InventoryCommand::PlaceHold {
            reservation_id,
            user_id,
            seat,
            at,
            expires_at,
            ..
        } => InventoryCommand::PlaceHold {
            reservation_id,
            user_id,
            seat,
            at,
            expires_at,
            max_holds_per_user: limit(max),
        },
        _ => unreachable!(),
    }
}

pub fn held(r: u128, u: u128, s: u32, at: i64) -> InventoryEvent {
    InventoryEvent::SeatHeld {
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        price: price_of(s),
        held_at: t(at),
        expires_at: t(at + HOLD_TTL),
    }
}

pub fn release(r: u128, u: u128, at: i64) -> InventoryCommand {
    InventoryCommand::ReleaseHold {
        reservation_id: reservation(r),
        user_id: user(u),
        at: t(at),
    }
}

pub fn released(r: u128, u: u128, s: u32, at: i64) -> InventoryEvent {
    InventoryEvent::HoldReleased {
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        released_at: t(at),
    }
}

pub fn pay(p: u128, r: u128, u: u128, at: i64) -> InventoryCommand {
    InventoryCommand::RequestPayment {
        payment_id: payment(p),
        reservation_id: reservation(r),
        user_id: user(u),
        at: t(at),
    }
}

pub fn payment_started(p: u128, r: u128, u: u128, s: u32, at: i64) -> InventoryEvent {
    InventoryEvent::PaymentStarted {
        payment_id: payment(p),
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        amount: price_of(s),
        started_at: t(at),
    }
}

pub fn settle(p: u128, r: u128, outcome: DebitOutcome) -> InventoryCommand {
    InventoryCommand::SettlePayment {
        payment_id: payment(p),
        reservation_id: reservation(r),
        outcome,
    }
}

pub fn debited(amount_krw: i64, balance_after: i64) -> DebitOutcome {
    DebitOutcome::Debited {
        amount: krw(amount_krw),
        balance_after: krw(balance_after),
    }
}

pub fn refused() -> DebitOutcome {
    DebitOutcome::Refused(DebitRefusal::InsufficientBalance)
}

pub fn confirmed(p: u128, r: u128, u: u128, s: u32, balance_after: i64) -> InventoryEvent {
    InventoryEvent::SeatConfirmed {
        payment_id: payment(p),
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        amount: price_of(s),
        balance_after: krw(balance_after),
    }
}

pub fn failed(p: u128, r: u128, u: u128, s: u32) -> InventoryEvent {
    InventoryEvent::PaymentFailed {
        payment_id: payment(p),
        reservation_id: reservation(r),
        user_id: user(u),
        seat: seat(s),
        reason: PaymentFailure::InsufficientBalance,
    }
}
