//! Random command sequences folded through every decider, checking the
//! invariants the business rests on after every single decision.

#[path = "support/world.rs"]
mod world;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::inventory::{
    InventoryCommand, InventoryEvent, ReservationPhase, SeatInventory, SeatStatus,
};
use domain::payment::{PaymentProcess, PaymentStatus};
use domain::wallet::{Wallet, WalletCommand, WalletDebitState, WalletEvent};
use domain::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use uuid::Uuid;
use world::World;

const USERS: u8 = 3;
const SCHEDULES: u8 = 2;
/// Seats 1..=4 exist; 5 does not.
const SEATS: u32 = 4;
const HOLD_TTL: i64 = 120;
const HOLD_LIMIT: i64 = 2;
// Tight against the prices so users run into both limits and short balances.
const MAX_SINGLE: i64 = 40_000;
const MAX_BALANCE: i64 = 60_000;

#[derive(Debug, Clone)]
enum Action {
    Tick(i64),
    Hold {
        user: u8,
        schedule: u8,
        seat: u32,
    },
    /// `pick` chooses among all hold requests made so far (refused ones too),
    /// `user` may not be the holder.
    Release {
        user: u8,
        pick: usize,
    },
    Pay {
        user: u8,
        pick: usize,
    },
    Charge {
        user: u8,
        amount: i64,
    },
    /// Delivers one of the payment steps owed, in any order across payments.
    Deliver {
        pick: usize,
    },
    /// Delivers an accepted command again.
    Redeliver {
        pick: usize,
    },
    /// Delivers an owed step; a settlement arrives with a wrong amount.
    DeliverCorrupted {
        pick: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => (0i64..=90).prop_map(Action::Tick),
        4 => (0..USERS, 0..SCHEDULES, 1..=SEATS + 1)
            .prop_map(|(user, schedule, seat)| Action::Hold { user, schedule, seat }),
        1 => (0..USERS, any::<usize>()).prop_map(|(user, pick)| Action::Release { user, pick }),
        3 => (0..USERS, any::<usize>()).prop_map(|(user, pick)| Action::Pay { user, pick }),
        2 => (0..USERS, 1i64..=45_000).prop_map(|(user, amount)| Action::Charge { user, amount }),
        3 => any::<usize>().prop_map(|pick| Action::Deliver { pick }),
        1 => any::<usize>().prop_map(|pick| Action::Redeliver { pick }),
        1 => any::<usize>().prop_map(|pick| Action::DeliverCorrupted { pick }),
    ]
}

fn id<T: TryFrom<Uuid, Error = InvalidValue>>(kind: u128, n: u128) -> T {
    T::try_from(Uuid::from_u128((kind << 64) + n + 1)).unwrap()
}
fn user(n: u8) -> UserId {
    id(1, n.into())
}
fn schedule(n: u8) -> ScheduleId {
    id(2, n.into())
}
fn krw(n: i64) -> Money {
    Money::try_from(n).unwrap()
}

struct Sim {
    world: World,
    now: DateTime<Utc>,
    prices: Vec<Vec<i64>>,
    holds_requested: Vec<(ScheduleId, ReservationId)>,
    next_id: u128,
}

impl Sim {
    fn new(prices: Vec<Vec<i64>>) -> Sim {
        let opens = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let mut world = World::default();
        for (s, seat_prices) in prices.iter().enumerate() {
            let seats = seat_prices
                .iter()
                .enumerate()
                .map(|(i, p)| PricedSeat {
                    number: SeatNumber::try_from(i as u32 + 1).unwrap(),
                    price: krw(*p),
                })
                .collect::<Vec<_>>();
            world
                .on_inventory(
                    schedule(s as u8),
                    InventoryCommand::OpenInventory {
                        schedule_id: schedule(s as u8),
                        concert_id: id(3, 0),
                        window: BookingWindow::new(opens, opens + Duration::days(1)).unwrap(),
                        seats: SeatPlan::try_from(seats).unwrap(),
                    },
                )
                .unwrap();
        }
        // Start a minute early so some holds meet BOOKING_NOT_OPEN.
        Sim {
            world,
            now: opens - Duration::seconds(60),
            prices,
            holds_requested: Vec::new(),
            next_id: 0,
        }
    }

    fn fresh<T: TryFrom<Uuid, Error = InvalidValue>>(&mut self, kind: u128) -> T {
        self.next_id += 1;
        id(kind, self.next_id)
    }

    fn run(&mut self, action: &Action) {
        match *action {
            Action::Tick(secs) => self.now += Duration::seconds(secs),
            Action::Hold {
                user: u,
                schedule: s,
                seat,
            } => {
                let reservation_id: ReservationId = self.fresh(4);
                self.holds_requested.push((schedule(s), reservation_id));
                let _ = self.world.on_inventory(
                    schedule(s),
                    InventoryCommand::PlaceHold {
                        reservation_id,
                        user_id: user(u),
                        seat: SeatNumber::try_from(seat).unwrap(),
                        at: self.now,
                        expires_at: self.now + Duration::seconds(HOLD_TTL),
                        max_holds_per_user: HoldLimit::try_from(HOLD_LIMIT).unwrap(),
                    },
                );
            }
            Action::Release { user: u, pick } if !self.holds_requested.is_empty() => {
                let (s, reservation_id) = self.holds_requested[pick % self.holds_requested.len()];
                let _ = self.world.on_inventory(
                    s,
                    InventoryCommand::ReleaseHold {
                        reservation_id,
                        user_id: user(u),
                        at: self.now,
                    },
                );
            }
            Action::Pay { user: u, pick } if !self.holds_requested.is_empty() => {
                let (s, reservation_id) = self.holds_requested[pick % self.holds_requested.len()];
                let payment_id: PaymentId = self.fresh(5);
                let _ = self.world.on_inventory(
                    s,
                    InventoryCommand::RequestPayment {
                        payment_id,
                        reservation_id,
                        user_id: user(u),
                        at: self.now,
                    },
                );
            }
            Action::Charge { user: u, amount } => {
                let charge_id: ChargeId = self.fresh(6);
                let _ = self.world.on_wallet(
                    user(u),
                    WalletCommand::Charge {
                        charge_id,
                        amount: Amount::try_from(amount).unwrap(),
                        max_single_charge: krw(MAX_SINGLE),
                        max_balance: krw(MAX_BALANCE),
                    },
                );
            }
            Action::Deliver { pick } if !self.world.pending.is_empty() => {
                let index = pick % self.world.pending.len();
                self.world.deliver(index);
            }
            Action::DeliverCorrupted { pick } if !self.world.pending.is_empty() => {
                let index = pick % self.world.pending.len();
                self.world.deliver_corrupted(index);
            }
            Action::Redeliver { pick } if !self.world.accepted.is_empty() => {
                let command = self.world.accepted[pick % self.world.accepted.len()].clone();
                assert_eq!(
                    self.world.redeliver(&command),
                    Ok(0),
                    "redelivering {command:?} must change nothing"
                );
            }
            _ => {}
        }
    }

    fn check_seats(&self) {
        for s in 0..SCHEDULES {
            let inventory = self.world.inventory(schedule(s));
            for n in 1..=SEATS {
                let seat = SeatNumber::try_from(n).unwrap();
                // Judged from phases and times alone, stricter than the
                // inventory's own bookkeeping: a hold taken over still counts
                // until its expiry.
                let occupants: Vec<_> = inventory
                    .reservations()
                    .filter(|r| r.seat == seat)
                    .filter(|r| match r.phase {
                        ReservationPhase::Confirmed { .. }
                        | ReservationPhase::PaymentPending { .. } => true,
                        ReservationPhase::Held | ReservationPhase::Lapsed => {
                            self.now < r.expires_at
                        }
                        ReservationPhase::Released { .. } => false,
                    })
                    .collect();
                assert!(
                    occupants.len() <= 1,
                    "seat {n} of schedule {s} has {} occupants: {occupants:?}",
                    occupants.len()
                );
                let expected = match occupants.first().map(|r| r.phase) {
                    None => SeatStatus::Available,
                    Some(ReservationPhase::Confirmed { .. }) => SeatStatus::Sold,
                    Some(_) => SeatStatus::Held,
                };
                assert_eq!(inventory.seat_status(seat, self.now), Some(expected));
                if let Some(r) = occupants.first() {
                    assert_eq!(r.price, krw(self.prices[s as usize][n as usize - 1]));
                }
            }
            for u in 0..USERS {
                let live = inventory
                    .reservations()
                    .filter(|r| r.user_id == user(u) && r.is_live_at(self.now))
                    .count();
                assert!(
                    live as i64 <= HOLD_LIMIT,
                    "user {u} has {live} live holds on schedule {s}"
                );
                assert_eq!(inventory.live_holds(user(u), self.now), live);
            }
        }
    }

    fn check_wallets(&self) {
        for (user_id, wallet) in &self.world.wallets {
            assert!(
                wallet.balance() <= krw(MAX_BALANCE),
                "balance over the maximum: {wallet:?}"
            );
            assert!(wallet.balance().krw() + wallet.in_flight().krw() <= MAX_BALANCE);
            let mut ledger = 0i64;
            for event in &self.world.wallet_log[user_id] {
                match event {
                    WalletEvent::BalanceCharged { amount, .. } => ledger += amount.krw(),
                    WalletEvent::PaymentDebited { amount, .. } => ledger -= amount.krw(),
                    WalletEvent::PaymentRefunded { amount, .. } => ledger += amount.krw(),
                    WalletEvent::DebitRefused { .. } | WalletEvent::DebitCommitted { .. } => {}
                }
                assert!(ledger >= 0, "the ledger went negative");
            }
            assert_eq!(
                ledger,
                wallet.balance().krw(),
                "charges - debits + refunds == balance"
            );
        }
    }

    fn check_refolds(&self) {
        for (id, state) in &self.world.inventories {
            assert_eq!(&SeatInventory::fold(&self.world.inventory_log[id]), state);
        }
        for (id, state) in &self.world.wallets {
            assert_eq!(&Wallet::fold(&self.world.wallet_log[id]), state);
        }
        for (id, state) in &self.world.processes {
            assert_eq!(&PaymentProcess::fold(&self.world.process_log[id]), state);
        }
    }

    /// The projector snapshots these states as JSON: what it reads back
    /// must be the state it wrote, whatever the history.
    fn check_snapshots_read_back(&self) {
        for state in self.world.inventories.values() {
            let json = serde_json::to_vec(state).unwrap();
            assert_eq!(
                &serde_json::from_slice::<SeatInventory>(&json).unwrap(),
                state
            );
        }
        for state in self.world.wallets.values() {
            let json = serde_json::to_vec(state).unwrap();
            assert_eq!(&serde_json::from_slice::<Wallet>(&json).unwrap(), state);
        }
    }

    fn check_settled_money(&self) {
        let sold: i64 = self
            .world
            .inventory_log
            .values()
            .flatten()
            .map(|e| match e {
                InventoryEvent::SeatConfirmed { amount, .. } => amount.krw(),
                _ => 0,
            })
            .sum();
        let net_debits: i64 = self
            .world
            .wallet_log
            .values()
            .flatten()
            .map(|e| match e {
                WalletEvent::PaymentDebited { amount, .. } => amount.krw(),
                WalletEvent::PaymentRefunded { amount, .. } => -amount.krw(),
                _ => 0,
            })
            .sum();
        assert_eq!(sold, net_debits, "completed payments == debits - refunds");
        for (payment_id, process) in &self.world.processes {
            assert!(
                process.is_finished(),
                "payment {payment_id} is stuck: {process:?}"
            );
            let terms = process.terms().unwrap();
            let debit = self.world.wallet(terms.user_id).debit(*payment_id).copied();
            match process.status() {
                PaymentStatus::Completed { .. } => {
                    let debit = debit.unwrap();
                    assert_eq!(debit.state, WalletDebitState::Committed);
                    assert_eq!(debit.amount, terms.amount);
                }
                PaymentStatus::Failed(_) => {
                    assert!(matches!(debit.unwrap().state, WalletDebitState::Refused(_)))
                }
                PaymentStatus::Reversed => {
                    assert_eq!(debit.unwrap().state, WalletDebitState::Refunded)
                }
                PaymentStatus::Pending => unreachable!(),
            }
        }
        for wallet in self.world.wallets.values() {
            assert_eq!(wallet.in_flight(), Money::ZERO);
        }
    }
}

fn prices() -> impl Strategy<Value = Vec<Vec<i64>>> {
    prop::collection::vec(
        prop::collection::vec(0i64..=40_000, SEATS as usize),
        SCHEDULES as usize,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_decision_keeps_the_invariants(
        prices in prices(),
        actions in prop::collection::vec(action(), 0..60),
    ) {
        let mut sim = Sim::new(prices);
        for action in &actions {
            sim.run(action);
            sim.check_seats();
            sim.check_wallets();
            sim.check_refolds();
            sim.check_snapshots_read_back();
        }
        sim.world.drain();
        sim.check_wallets();
        sim.check_refolds();
        sim.check_settled_money();
    }
}

/// Guards against a generator that never reaches the interesting paths.
#[test]
fn the_simulation_reaches_sales_failures_and_lapses() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut sold, mut failed, mut reversed, mut lapsed, mut capped) = (0, 0, 0, 0, 0);
    for _ in 0..64 {
        let prices = prices().new_tree(&mut runner).unwrap().current();
        let actions = prop::collection::vec(action(), 40..60)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut sim = Sim::new(prices);
        for action in &actions {
            sim.run(action);
        }
        sim.world.drain();
        for process in sim.world.processes.values() {
            match process.status() {
                PaymentStatus::Completed { .. } => sold += 1,
                PaymentStatus::Failed(_) => failed += 1,
                PaymentStatus::Reversed => reversed += 1,
                PaymentStatus::Pending => {}
            }
        }
        lapsed += sim
            .world
            .inventories
            .values()
            .flat_map(|i| i.reservations())
            .filter(|r| {
                r.phase == ReservationPhase::Lapsed
                    || (r.phase == ReservationPhase::Held && r.expires_at <= sim.now)
            })
            .count();
        capped += sim
            .world
            .wallets
            .values()
            .filter(|w| w.balance().krw() > MAX_BALANCE - MAX_SINGLE)
            .count();
    }
    assert!(
        sold > 0 && failed > 0 && reversed > 0 && lapsed > 0 && capped > 0,
        "sold {sold}, failed {failed}, reversed {reversed}, lapsed {lapsed}, near the cap {capped}"
    );
}
