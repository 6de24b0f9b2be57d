//! The image of one row of each read table, as the batch leaves it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcertRow {
    pub title: String,
    pub venue: String,
    pub registered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    pub concert_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub booking_opens_at: DateTime<Utc>,
    pub total_seats: i32,
}

/// Who a seat belongs to now. The seat's row itself comes from the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatRow {
    pub status: &'static str,
    pub reservation_id: Option<Uuid>,
    pub hold_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRow {
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    pub seat_number: i32,
    pub price: Option<i64>,
    pub status: &'static str,
    pub rejection_code: Option<&'static str>,
    pub payment_pending: bool,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub command_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    pub amount: Option<i64>,
    pub status: &'static str,
    pub failure_code: Option<&'static str>,
    pub balance_after: Option<i64>,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletRow {
    pub balance: i64,
    pub in_flight: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    Charge,
    Debit,
    Refund,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Charge => "CHARGE",
            EntryKind::Debit => "DEBIT",
            EntryKind::Refund => "REFUND",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub amount: i64,
    pub balance_after: i64,
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
}

/// A record that cannot be folded, kept for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub reason: String,
}
