//! What the deciders of one partition know: the aggregates the partition
//! holds, folded from its records in order. Kept in memory and rebuilt
//! whenever it cannot be trusted (start-up, a rebalance, a failed batch),
//! from the partition's newest snapshot and the records after it (see
//! `crate::snapshots`). An aggregate that rested a while leaves memory as a
//! [`Parked`] row and is read back before a record touches it again (see
//! `crate::parking`), so memory holds what is live, not the history.
//!
//! Each aggregate keeps the event ids folded against it: a record seen
//! again (a retried append, a follow-up re-produced after a crash) is
//! dropped before it is decided, so even a refused request cannot be
//! decided a second time. The ids leave memory with their aggregate, which
//! is what bounds them; they are snapshotted and parked with it, so a state
//! read back drops the same duplicates as the state it was written from.

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

/// What the partition knows of one aggregate besides its decision state:
/// the event ids folded against it, and where it was last touched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    seen: HashSet<Uuid>,
    /// The offset of the last record folded against it.
    touched: i64,
}

/// Compared in tests: state read from a snapshot and folded on must equal
/// the state of a fold from offset 0 (with every parked aggregate read
/// back). Cloned only to write a snapshot off the fold's path.
#[derive(Debug, Clone, Default, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    next_offset: i64,
    /// Whether this state ever let an aggregate go: until it has, an
    /// aggregate not in memory has never been touched, and nothing needs
    /// to be looked for in Postgres.
    parks: bool,
    /// Per aggregate in memory (by its id, the records' key).
    kept: HashMap<Uuid, Kept>,
    /// Ids of records that name no aggregate one can trust (unreadable
    /// ones whose key is no id); rare, and kept for good.
    seen_unkeyed: HashSet<Uuid>,
    pub(super) catalogs: HashMap<ConcertId, Catalog>,
    pub(super) inventories: HashMap<ScheduleId, SeatInventory>,
    pub(super) payments: HashMap<PaymentId, PaymentRequest>,
    pub(super) wallets: HashMap<UserId, Wallet>,
}

/// One aggregate's whole decision state, out of memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    seen: HashSet<Uuid>,
    touched: i64,
    catalog: Option<Catalog>,
    inventory: Option<SeatInventory>,
    /// The requests of the schedule's payments.
    payments: Vec<(PaymentId, PaymentRequest)>,
    wallet: Option<Wallet>,
}

/// Everything but `parks`: whether a state ever let an aggregate go says
/// where its aggregates are, not what they decide.
impl PartialEq for PartitionState {
    fn eq(&self, other: &Self) -> bool {
        self.next_offset == other.next_offset
            && self.kept == other.kept
            && self.seen_unkeyed == other.seen_unkeyed
            && self.catalogs == other.catalogs
            && self.inventories == other.inventories
            && self.payments == other.payments
            && self.wallets == other.wallets
    }
}

impl PartitionState {
    /// The offset of the first record this state has not folded.
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    pub(super) fn advance_past(&mut self, offset: i64) {
        self.next_offset = self.next_offset.max(offset + 1);
    }

    /// False when the event id was folded before, against the aggregate
    /// `key` (`None`: a record whose key is no id). Either way the
    /// aggregate counts as touched by the record being folded.
    pub(super) fn first_sighting(&mut self, key: Option<Uuid>, event_id: Uuid) -> bool {
        if self.seen_unkeyed.contains(&event_id) {
            return false;
        }
        let touched = self.next_offset - 1;
        match key {
            Some(key) => {
                let kept = self.kept.entry(key).or_default();
                kept.touched = kept.touched.max(touched);
                kept.seen.insert(event_id)
            }
            None => self.seen_unkeyed.insert(event_id),
        }
    }

    /// Whether an aggregate not in memory may have been let go before, and
    /// must be looked for before a record touches it.
    pub fn parks(&self) -> bool {
        self.parks
    }

    /// Whether the aggregate `key` is in memory.
    pub fn holds(&self, key: &Uuid) -> bool {
        self.kept.contains_key(key)
    }

    /// How many aggregates are in memory.
    pub fn held(&self) -> usize {
        self.kept.len()
    }

    /// Whether any aggregate in memory was last touched before `offset`.
    pub fn any_untouched_since(&self, offset: i64) -> bool {
        self.kept.values().any(|kept| kept.touched < offset)
    }

    /// The aggregates last touched before `offset`.
    pub fn untouched_since(&self, offset: i64) -> Vec<Uuid> {
        self.kept
            .iter()
            .filter(|(_, kept)| kept.touched < offset)
            .map(|(key, _)| *key)
            .collect()
    }

    /// Gives back the room of maps that emptied (after a sweep): a map
    /// keeps the size of its largest moment otherwise, and a burst's peak
    /// would stay the projector's memory for good.
    pub fn shrink(&mut self) {
        shrink(&mut self.kept);
        shrink(&mut self.catalogs);
        shrink(&mut self.inventories);
        shrink(&mut self.payments);
        shrink(&mut self.wallets);
    }

    /// Takes the aggregate `key` out of memory, whole.
    pub fn park(&mut self, key: Uuid) -> Option<Parked> {
        let kept = self.kept.remove(&key)?;
        self.parks = true;
        let inventory = ScheduleId::try_from(key)
            .ok()
            .and_then(|id| self.inventories.remove(&id));
        let payments = inventory
            .iter()
            .flat_map(|inventory| inventory.payment_ids())
            .filter_map(|id| self.payments.remove(&id).map(|request| (id, request)))
            .collect();
        Some(Parked {
            seen: kept.seen,
            touched: kept.touched,
            catalog: ConcertId::try_from(key)
                .ok()
                .and_then(|id| self.catalogs.remove(&id)),
            inventory,
            payments,
            wallet: UserId::try_from(key)
                .ok()
                .and_then(|id| self.wallets.remove(&id)),
        })
    }

    /// Puts a parked aggregate back, as it was when it left.
    pub fn unpark(&mut self, key: Uuid, parked: Parked) {
        self.kept.insert(
            key,
            Kept {
                seen: parked.seen,
                touched: parked.touched,
            },
        );
        if let (Some(catalog), Ok(id)) = (parked.catalog, ConcertId::try_from(key)) {
            self.catalogs.insert(id, catalog);
        }
        if let (Some(inventory), Ok(id)) = (parked.inventory, ScheduleId::try_from(key)) {
            self.inventories.insert(id, inventory);
        }
        self.payments.extend(parked.payments);
        if let (Some(wallet), Ok(id)) = (parked.wallet, UserId::try_from(key)) {
            self.wallets.insert(id, wallet);
        }
    }
}

/// Shrinks a map to twice its length once three quarters of its room is
/// empty (amortized: a map that grows again pays once per doubling).
fn shrink<K: Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 64 && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seen_id_is_seen_again_only_against_its_own_aggregate_or_unkeyed() {
        let (a, b, id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut state = PartitionState::default();
        state.advance_past(0);
        assert!(state.first_sighting(Some(a), id));
        assert!(!state.first_sighting(Some(a), id));
        assert!(state.first_sighting(Some(b), id));
        let unkeyed = Uuid::now_v7();
        assert!(state.first_sighting(None, unkeyed));
        assert!(!state.first_sighting(Some(a), unkeyed));
    }

    #[test]
    fn a_parked_aggregate_comes_back_as_it_left_with_its_seen_ids() {
        let (user, id) = (Uuid::now_v7(), Uuid::now_v7());
        let mut state = PartitionState::default();
        state.advance_past(6);
        assert!(state.first_sighting(Some(user), id));
        state
            .wallets
            .insert(UserId::try_from(user).unwrap(), Wallet::default());
        let before = state.clone();

        assert_eq!(state.untouched_since(7), vec![user]);
        assert!(state.untouched_since(6).is_empty());
        let parked = state.park(user).unwrap();
        assert!(state.parks() && !state.holds(&user) && state.held() == 0);
        assert!(state.wallets.is_empty());

        state.unpark(user, parked);
        assert!(!state.first_sighting(Some(user), id));
        assert_eq!(state, before);
    }
}
