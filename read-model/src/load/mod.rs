//! Postgres: how each kind of entry is built from the read tables, for a
//! miss, a refresh, a write-through and a warm-up alike, so every path
//! stores the same bytes. One statement per load.

mod catalog;
mod payments;
mod reservations;
mod seats;
mod wallet;

pub use catalog::{concerts, schedules};
pub use payments::{payment, pending_payment};
pub use reservations::{pending_reservation, reservation};
pub use seats::seat_map;
pub use wallet::{balance, charge, pending_charge};

use chrono::{DateTime, Duration, Utc};
use serde::de::{DeserializeOwned, IntoDeserializer};

/// How long after `booking_opens_at` a schedule is in its rush: the
/// minutes everyone books at once, when its entries must not expire.
pub const BOOKING_RUSH: Duration = Duration::hours(1);

/// When a schedule's entries are kept warm: from `lead` before booking
/// opens until the rush is over.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub lead: Duration,
    pub now: DateTime<Utc>,
}

impl Window {
    /// Until when an entry about a schedule opening at `opens` must stay,
    /// if the schedule is in (or about to enter) its window.
    pub fn hot_until(&self, opens: DateTime<Utc>) -> Option<i64> {
        let end = opens + BOOKING_RUSH;
        (self.now >= opens - self.lead && self.now < end).then(|| end.timestamp_millis())
    }
}

/// A status column as its view's type: the read tables spell statuses
/// the way the contract does, so the type's own serde spelling reads them.
fn wire<T: DeserializeOwned>(column: &str, value: &str) -> Result<T, sqlx::Error> {
    T::deserialize(value.into_deserializer()).map_err(|error: serde::de::value::Error| {
        sqlx::Error::Decode(format!("{column} {value:?}: {error}").into())
    })
}
