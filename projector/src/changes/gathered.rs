//! A batch's changes to the read tables, and which read-model entries they
//! touch, so those are rewritten in Redis (from the committed tables)
//! before the batch's decisions are announced.

use std::collections::{BTreeMap, HashSet};

use infra::decision::{CommandType, Decision};
use read_model::Changed;
use uuid::Uuid;

use super::rows::{
    ConcertRow, DeadLetter, EntryKind, EntryRow, PaymentRow, ReservationRow, ScheduleRow, SeatRow,
    WalletRow,
};

/// The keys of the overwritten tables one writer has written so far, so
/// that a row of a key it never wrote can be copied rather than upserted
/// (`Changes::take_new`). Grows with the rows written: for a replay, which
/// holds every aggregate anyway.
#[derive(Debug, Default)]
pub struct Written {
    reservations: HashSet<Uuid>,
    payments: HashSet<Uuid>,
    wallets: HashSet<Uuid>,
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

    /// Takes in the changes of a later batch, so that writing the two at
    /// once leaves the tables as writing one after the other would: a
    /// row whose statement overwrites takes the later image, a row whose
    /// statement keeps the first (`DO NOTHING`) keeps the earlier one.
    pub fn absorb(&mut self, later: Changes) {
        fn keep_first<K: Ord, V>(into: &mut BTreeMap<K, V>, later: BTreeMap<K, V>) {
            for (key, row) in later {
                into.entry(key).or_insert(row);
            }
        }
        keep_first(&mut self.concerts, later.concerts);
        keep_first(&mut self.schedules, later.schedules);
        keep_first(&mut self.seat_plans, later.seat_plans);
        self.seats.extend(later.seats);
        self.reservations.extend(later.reservations);
        self.payments.extend(later.payments);
        self.wallets.extend(later.wallets);
        keep_first(&mut self.wallet_entries, later.wallet_entries);
        keep_first(&mut self.outcomes, later.outcomes);
        self.dead_letters.extend(later.dead_letters);
    }

    /// Moves out the reservations, payments and wallets whose keys
    /// `written` does not hold, and counts them written.
    pub fn take_new(&mut self, written: &mut Written) -> Changes {
        fn take<V>(rows: &mut BTreeMap<Uuid, V>, written: &mut HashSet<Uuid>) -> BTreeMap<Uuid, V> {
            let (new, rewritten) = std::mem::take(rows)
                .into_iter()
                .partition(|(key, _)| written.insert(*key));
            *rows = rewritten;
            new
        }
        Changes {
            reservations: take(&mut self.reservations, &mut written.reservations),
            payments: take(&mut self.payments, &mut written.payments),
            wallets: take(&mut self.wallets, &mut written.wallets),
            ..Changes::default()
        }
    }

    /// Splits these changes into `parts` by the key whose rows a write
    /// locks (a schedule's plan and seats go together, so a seat's update
    /// finds the row its plan inserts), so the parts can be written by
    /// separate transactions at once without touching a row in common,
    /// and every row's images stay in one writer's order. Dead letters go
    /// with the first part.
    pub fn split(self, parts: usize) -> Vec<Changes> {
        let count = parts.max(1);
        let mut split: Vec<Changes> = (0..count).map(|_| Changes::default()).collect();
        /// Moves each row to the part its lock key (`by`) falls in.
        fn deal<K: Ord, V>(
            rows: BTreeMap<K, V>,
            split: &mut [Changes],
            by: impl Fn(&K) -> Uuid,
            table: impl Fn(&mut Changes) -> &mut BTreeMap<K, V>,
        ) {
            let count = split.len() as u128;
            for (key, row) in rows {
                let part = (by(&key).as_u128() % count) as usize;
                table(&mut split[part]).insert(key, row);
            }
        }
        let id = |key: &Uuid| *key;
        deal(self.concerts, &mut split, id, |c| &mut c.concerts);
        deal(self.schedules, &mut split, id, |c| &mut c.schedules);
        deal(self.seat_plans, &mut split, id, |c| &mut c.seat_plans);
        deal(self.seats, &mut split, |k| k.0, |c| &mut c.seats);
        deal(self.reservations, &mut split, id, |c| &mut c.reservations);
        deal(self.payments, &mut split, id, |c| &mut c.payments);
        deal(self.wallets, &mut split, id, |c| &mut c.wallets);
        deal(
            self.wallet_entries,
            &mut split,
            |k| k.0,
            |c| &mut c.wallet_entries,
        );
        deal(self.outcomes, &mut split, id, |c| &mut c.outcomes);
        split[0].dead_letters = self.dead_letters;
        split
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, second).unwrap()
    }

    fn concert(title: &str) -> ConcertRow {
        ConcertRow {
            title: title.into(),
            venue: "Hall".into(),
            registered_at: at(0),
        }
    }

    fn wallet(balance: i64) -> WalletRow {
        WalletRow {
            balance,
            in_flight: 0,
            updated_at: at(balance as u32 % 60),
        }
    }

    fn entry(amount: i64) -> EntryRow {
        EntryRow {
            amount,
            balance_after: amount,
            event_id: Uuid::from_u128(amount as u128),
            occurred_at: at(1),
        }
    }

    fn seat(status: &'static str) -> SeatRow {
        SeatRow {
            status,
            reservation_id: None,
            hold_expires_at: None,
        }
    }

    #[test]
    fn a_later_batch_absorbed_writes_what_the_two_written_in_turn_would() {
        let (concert_id, user, schedule) =
            (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let reference = Uuid::from_u128(4);
        let mut earlier = Changes::default();
        earlier.concerts.insert(concert_id, concert("first"));
        earlier.wallets.insert(user, wallet(10));
        earlier.seats.insert((schedule, 1), seat("HELD"));
        earlier.entry(user, EntryKind::Charge, reference, entry(10));

        let mut later = Changes::default();
        // `DO NOTHING` rows: the first written stays.
        later.concerts.insert(concert_id, concert("second"));
        later.entry(user, EntryKind::Charge, reference, entry(99));
        // Overwritten rows: the later image wins.
        later.wallets.insert(user, wallet(7));
        later.seats.insert((schedule, 1), seat("SOLD"));
        // Rows only the later batch touched are taken as they are.
        later.seats.insert((schedule, 2), seat("HELD"));
        later.entry(user, EntryKind::Debit, reference, entry(3));

        earlier.absorb(later);
        assert_eq!(earlier.concerts[&concert_id].title, "first");
        assert_eq!(earlier.wallets[&user], wallet(7));
        assert_eq!(earlier.seats[&(schedule, 1)].status, "SOLD");
        assert_eq!(earlier.seats[&(schedule, 2)].status, "HELD");
        assert_eq!(
            earlier.wallet_entries[&(user, EntryKind::Charge, reference)].amount,
            10
        );
        assert_eq!(
            earlier.wallet_entries[&(user, EntryKind::Debit, reference)].amount,
            3
        );
    }

    #[test]
    fn split_parts_hold_every_row_once_with_a_schedules_plan_beside_its_seats() {
        let mut changes = Changes::default();
        for n in 0..40u128 {
            let (schedule, user) = (Uuid::from_u128(n * 7 + 1), Uuid::from_u128(n * 11 + 3));
            changes.seat_plans.insert(schedule, vec![(1, 100)]);
            changes.seats.insert((schedule, 1), seat("HELD"));
            changes.wallets.insert(user, wallet(n as i64));
            changes.entry(user, EntryKind::Charge, schedule, entry(n as i64 + 1));
        }
        let parts = changes.split(3);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|part| !part.is_empty()));
        assert_eq!(parts.iter().map(|p| p.seats.len()).sum::<usize>(), 40);
        assert_eq!(parts.iter().map(|p| p.wallets.len()).sum::<usize>(), 40);
        assert_eq!(
            parts.iter().map(|p| p.wallet_entries.len()).sum::<usize>(),
            40
        );
        for part in &parts {
            for (schedule, _) in part.seats.keys() {
                assert!(part.seat_plans.contains_key(schedule));
            }
            for (user, _, _) in part.wallet_entries.keys() {
                assert!(part.wallets.contains_key(user));
            }
        }
    }
}
