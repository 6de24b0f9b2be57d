//! What a command's poll reads between its append and its decision.
//!
//! A hold, payment or charge answered `202` is in the log, but until the
//! projector folds it the read tables know nothing of it, so its `Location`
//! would read 404. Once the broker has acknowledged the append, command-api
//! writes a *pending entry* (`PENDING`, for the caller only) under the key
//! the decision will be written to:
//!
//! - `SET NX`: an entry already there (the projector's, or a reader's load
//!   of it) is never replaced; the projector's write-through replaces the
//!   pending entry like any other.
//! - It lives [`PENDING_TTL`], then a command still undecided reads 404
//!   again; nothing needs cleaning up.
//! - Readers never take it as a cached answer (see `protected`, `naive`):
//!   each read of it asks Postgres, serves (and stores) what Postgres knows,
//!   and serves the pending entry only while Postgres knows nothing. So one
//!   that lands after the decision (the naive strategy deletes entries
//!   instead of writing them; a write-through can fail) cannot hide it.
//!   Reading it costs what the 404 it replaces cost: one point read.

use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::RedisError;
use schemas::LogEvent;
use uuid::Uuid;

use super::clock::now_ms;
use super::entry::{Entry, View};
use super::load;
use super::source::Source;
use super::store::Cache;
use infra::config::RedisSettings;

/// How long a pending entry lasts: far longer than any healthy projector
/// takes to decide, short enough that a stuck one leaves nothing behind.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);

/// What an appended, undecided command reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    pub source: Source,
    view: View,
}

impl PendingEntry {
    /// The entry for a request just appended; `None` for requests whose
    /// poll already reads something (a release: its hold) or nothing
    /// (catalog administration).
    pub fn of_request(event: &LogEvent) -> Option<PendingEntry> {
        match event {
            LogEvent::SeatHoldRequested(e) => Some(Self::hold(
                e.reservation_id,
                e.schedule_id,
                e.seat_number,
                e.user_id,
                e.expires_at,
            )),
            LogEvent::PaymentRequested(e) => {
                Some(Self::payment(e.payment_id, e.reservation_id, e.user_id))
            }
            LogEvent::BalanceChargeRequested(e) => Some(Self::charge(e.user_id, e.charge_id)),
            _ => None,
        }
    }

    /// `GET /v1/reservations/{reservation_id}` of an undecided hold.
    pub fn hold(
        reservation_id: Uuid,
        schedule_id: Uuid,
        seat_number: i64,
        user_id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> PendingEntry {
        PendingEntry {
            source: Source::Reservation(reservation_id),
            view: load::pending_reservation(
                reservation_id,
                schedule_id,
                seat_number,
                user_id,
                expires_at,
            ),
        }
    }

    /// `GET /v1/payments/{payment_id}` of a payment not taken up yet.
    pub fn payment(payment_id: Uuid, reservation_id: Uuid, user_id: Uuid) -> PendingEntry {
        PendingEntry {
            source: Source::Payment(payment_id),
            view: load::pending_payment(payment_id, reservation_id, user_id),
        }
    }

    /// `GET /v1/balance/charges/{charge_id}` of an undecided charge.
    pub fn charge(user_id: Uuid, charge_id: Uuid) -> PendingEntry {
        PendingEntry {
            source: Source::Charge(user_id, charge_id),
            view: load::pending_charge(user_id, charge_id),
        }
    }

    /// The JSON body a poll answers with.
    pub fn body(&self) -> &[u8] {
        self.view.body.as_deref().unwrap_or_default()
    }
}

/// Writes pending entries (command-api).
pub struct PendingEntries {
    cache: Cache,
}

impl PendingEntries {
    /// Does not touch Redis: connections are made on first use.
    pub fn new(redis: &RedisSettings) -> Result<Self, RedisError> {
        Ok(Self {
            cache: Cache::new(redis)?,
        })
    }

    /// Writes `entry` unless its key holds something already; answers
    /// whether it was written. Call it only once the command's record is
    /// acknowledged: a pending entry promises the command is in the log.
    pub async fn write(&self, entry: &PendingEntry) -> Result<bool, RedisError> {
        let key = entry.source.key(&self.cache.keys);
        let value = Entry::encode_pending(&entry.view, now_ms());
        let ttl_ms = i64::try_from(PENDING_TTL.as_millis()).unwrap_or(i64::MAX);
        self.cache.set_if_absent(&key.key, &value, ttl_ms).await
    }
}
