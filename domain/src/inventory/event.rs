use chrono::{DateTime, Utc};

use crate::payment_failure::PaymentFailure;
use crate::{
    BookingWindow, ConcertId, Money, PaymentId, ReservationId, ScheduleId, SeatNumber, SeatPlan,
    UserId,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryEvent {
    InventoryOpened {
        schedule_id: ScheduleId,
        concert_id: ConcertId,
        window: BookingWindow,
        seats: SeatPlan,
    },
    /// `price` is copied from the seat so the reservation answers with the
    /// price it was held at.
    SeatHeld {
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        price: Money,
        held_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    },
    HoldReleased {
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        released_at: DateTime<Utc>,
    },
    PaymentStarted {
        payment_id: PaymentId,
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        amount: Money,
        started_at: DateTime<Utc>,
    },
    /// The seat is sold to the payer; the payment is complete.
    SeatConfirmed {
        payment_id: PaymentId,
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        amount: Money,
        balance_after: Money,
    },
    /// The hold is back as it was, with its original `expires_at`, so it
    /// may already read as expired.
    PaymentFailed {
        payment_id: PaymentId,
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        reason: PaymentFailure,
    },
}
