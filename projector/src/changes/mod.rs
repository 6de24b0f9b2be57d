//! What folding a batch changes in the read tables, gathered in memory and
//! written with one statement per table when the batch commits.
//!
//! Rows are kept as whole images keyed by primary key, so the last event of
//! a batch to touch a row decides what is written, and a table ends up the
//! same however the log was cut into batches (which is what lets a replay
//! reproduce the live tables exactly).

mod changed;
mod flush;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use infra::decision::Decision;
use uuid::Uuid;

pub use flush::flush;

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

#[derive(Debug, Default)]
pub struct Changes {
    pub concerts: BTreeMap<Uuid, ConcertRow>,
    pub schedules: BTreeMap<Uuid, ScheduleRow>,
    /// `(seat_number, price)` per schedule: inserted, never overwritten.
    pub seat_plans: BTreeMap<Uuid, Vec<(i32, i64)>>,
    pub seats: BTreeMap<(Uuid, i32), SeatRow>,
    pub reservations: BTreeMap<Uuid, ReservationRow>,
    pub payments: BTreeMap<Uuid, PaymentRow>,
    pub wallets: BTreeMap<Uuid, WalletRow>,
    /// Money moves once per `(user, kind, reference)`: the first one stays.
    pub wallet_entries: BTreeMap<(Uuid, EntryKind, Uuid), EntryRow>,
    /// Decisions are final: the first one per command id stays.
    pub outcomes: BTreeMap<Uuid, Decision>,
    pub dead_letters: Vec<DeadLetter>,
}

impl Changes {
    pub fn entry(&mut self, user_id: Uuid, kind: EntryKind, reference: Uuid, row: EntryRow) {
        self.wallet_entries
            .entry((user_id, kind, reference))
            .or_insert(row);
    }

    pub fn outcome(&mut self, decision: Decision) {
        self.outcomes.entry(decision.command_id).or_insert(decision);
    }

    pub fn is_empty(&self) -> bool {
        self.concerts.is_empty()
            && self.schedules.is_empty()
            && self.seat_plans.is_empty()
            && self.seats.is_empty()
            && self.reservations.is_empty()
            && self.payments.is_empty()
            && self.wallets.is_empty()
            && self.wallet_entries.is_empty()
            && self.outcomes.is_empty()
            && self.dead_letters.is_empty()
    }
}
