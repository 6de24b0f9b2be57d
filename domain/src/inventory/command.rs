use chrono::{DateTime, Utc};

use crate::debit_outcome::DebitOutcome;
use crate::{
    BookingWindow, ConcertId, HoldLimit, PaymentId, ReservationId, ScheduleId, SeatNumber,
    SeatPlan, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryCommand {
    /// Copies a schedule from the catalog into its own partition.
    OpenInventory {
        schedule_id: ScheduleId,
        concert_id: ConcertId,
        window: BookingWindow,
        seats: SeatPlan,
    },
    /// `expires_at` is `at` plus the hold lifetime configured when the
    /// request was accepted; `max_holds_per_user` likewise.
    PlaceHold {
        reservation_id: ReservationId,
        user_id: UserId,
        seat: SeatNumber,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        max_holds_per_user: HoldLimit,
    },
    ReleaseHold {
        reservation_id: ReservationId,
        user_id: UserId,
        at: DateTime<Utc>,
    },
    /// Locks the hold and names the amount the wallet must debit.
    RequestPayment {
        payment_id: PaymentId,
        reservation_id: ReservationId,
        user_id: UserId,
        at: DateTime<Utc>,
    },
    /// The wallet's answer to the debit, brought back to the seat.
    SettlePayment {
        payment_id: PaymentId,
        reservation_id: ReservationId,
        outcome: DebitOutcome,
    },
}
