//! A batch's changes to the read tables, and which read-model entries they
//! touch, so those are rewritten in Redis (from the committed tables)
//! before the batch's decisions are announced.

use std::collections::BTreeMap;

use infra::decision::{CommandType, Decision};
use read_model::Changed;
use uuid::Uuid;

use super::rows::{
    ConcertRow, DeadLetter, EntryKind, EntryRow, PaymentRow, ReservationRow, ScheduleRow, SeatRow,
    WalletRow,
};

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

    /// The read-model entries these changes touch.
    pub fn changed(&self) -> Changed {
        let mut changed = Changed {
            concerts: !self.concerts.is_empty(),
            schedules: self.schedules.values().map(|s| s.concert_id).collect(),
            seat_maps: self
                .seats
                .keys()
                .map(|(schedule, _)| *schedule)
                .chain(self.seat_plans.keys().copied())
                .collect(),
            balances: self.wallets.keys().copied().collect(),
            reservations: self.reservations.keys().copied().collect(),
            payments: self.payments.keys().copied().collect(),
            charges: self
                .wallet_entries
                .keys()
                .filter(|(_, kind, _)| *kind == EntryKind::Charge)
                .map(|(user, _, charge)| (*user, *charge))
                .collect(),
        };
        // A refused charge has no entry; its answer is read by command id.
        changed.charges.extend(
            self.outcomes
                .values()
                .filter(|d| d.command_type == CommandType::Charge)
                .filter_map(|d| Some((d.user_id?, d.command_id))),
        );
        changed
    }
}
