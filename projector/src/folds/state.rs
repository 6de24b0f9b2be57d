//! What the deciders of one partition know: every aggregate the partition
//! holds, folded from its records in order. Kept in memory and rebuilt
//! whenever it cannot be trusted (start-up, a rebalance, a failed batch),
//! from the partition's newest snapshot and the records after it (see
//! `crate::snapshots`), so it is always a pure function of the records
//! before `next_offset`. Everything in it is snapshotted, the `seen` event
//! ids included: a state read back must drop the same duplicates as the
//! state it was written from.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::catalog::Catalog;
use domain::inventory::SeatInventory;
use domain::wallet::Wallet;
use domain::{ConcertId, PaymentId, ScheduleId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A payment the seat side accepted, as its payer's answer needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The event id of the first request: the command id of the payment.
    pub command_id: Uuid,
    pub requested_at: DateTime<Utc>,
    /// Commands still waiting for the saga's end (the request, and any
    /// repeat of it that arrived under another event id meanwhile).
    pub waiting: Vec<Uuid>,
}

/// Compared whole in tests: state read from a snapshot and folded on must
/// equal the state of a fold from offset 0.
/// Cloned only to write a snapshot off the fold's path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    next_offset: i64,
    /// Event ids already folded: a record seen again (a retried append, a
    /// follow-up re-produced after a crash) is dropped before it is decided,
    /// so even a refused request cannot be decided a second time.
    seen: HashSet<Uuid>,
    pub(super) catalogs: HashMap<ConcertId, Catalog>,
    pub(super) inventories: HashMap<ScheduleId, SeatInventory>,
    pub(super) payments: HashMap<PaymentId, PaymentRequest>,
    pub(super) wallets: HashMap<UserId, Wallet>,
}

impl PartitionState {
    /// The offset of the first record this state has not folded.
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    pub(super) fn advance_past(&mut self, offset: i64) {
        self.next_offset = self.next_offset.max(offset + 1);
    }

    /// False when the event id was folded before.
    pub(super) fn first_sighting(&mut self, event_id: Uuid) -> bool {
        self.seen.insert(event_id)
    }
}
