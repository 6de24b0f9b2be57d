use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::{Money, PaymentId, ReservationId, SeatNumber, UserId};

/// One accepted hold and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: ReservationId,
    pub user_id: UserId,
    pub seat: SeatNumber,
    pub price: Money,
    pub held_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub phase: ReservationPhase,
}

/// What the events say happened. Expiry is not a phase: a `Held`
/// reservation reads as expired from `expires_at` on, with no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReservationPhase {
    Held,
    PaymentPending {
        payment_id: PaymentId,
    },
    Confirmed {
        payment_id: PaymentId,
    },
    Released {
        at: DateTime<Utc>,
    },
    /// The hold had lapsed and another hold has since taken the seat. Kept
    /// apart from `Held` so it reads as expired even to a decision stamped
    /// earlier than the one that took the seat over.
    Lapsed,
}

/// The contract's reservation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReservationStatus {
    /// The hold request is on the log but not folded yet. Never produced by
    /// [`Reservation::status`]: a request the inventory has not decided
    /// leaves no reservation behind.
    Pending,
    Held,
    /// The hold request was folded and refused. Never produced by
    /// [`Reservation::status`] either: a refusal leaves no state, so the
    /// projector records it beside the refusal's error code.
    Rejected,
    Expired,
    Released,
    Confirmed,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Pending => "PENDING",
            ReservationStatus::Held => "HELD",
            ReservationStatus::Rejected => "REJECTED",
            ReservationStatus::Expired => "EXPIRED",
            ReservationStatus::Released => "RELEASED",
            ReservationStatus::Confirmed => "CONFIRMED",
        }
    }
}

impl Reservation {
    /// A payment in flight reads as `HELD`: the seat is still the holder's
    /// and the outcome is not known yet.
    pub fn status(&self, at: DateTime<Utc>) -> ReservationStatus {
        match self.phase {
            ReservationPhase::Held if at < self.expires_at => ReservationStatus::Held,
            ReservationPhase::Held | ReservationPhase::Lapsed => ReservationStatus::Expired,
            ReservationPhase::PaymentPending { .. } => ReservationStatus::Held,
            ReservationPhase::Confirmed { .. } => ReservationStatus::Confirmed,
            ReservationPhase::Released { .. } => ReservationStatus::Released,
        }
    }

    /// Counts toward the hold limit and keeps the seat from others.
    pub fn is_live_at(&self, at: DateTime<Utc>) -> bool {
        match self.phase {
            ReservationPhase::Held => at < self.expires_at,
            ReservationPhase::PaymentPending { .. } => true,
            _ => false,
        }
    }

    /// Keeps the seat from everyone else at `at`: live, or sold.
    pub fn occupies_seat_at(&self, at: DateTime<Utc>) -> bool {
        self.is_live_at(at) || matches!(self.phase, ReservationPhase::Confirmed { .. })
    }
}
