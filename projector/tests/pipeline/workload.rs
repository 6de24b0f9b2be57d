//! A mixed run of requests from many users over a few schedules: top-ups
//! (some too small to pay), contended holds, payments, releases, and late
//! holds on seats whose first holds lapsed. Pseudo-random but seeded.

use futures::future::join_all;
use schemas::Envelope;
use uuid::Uuid;

use crate::helpers::{charge, hold, payment, release, request, TestLog};

pub struct Workload {
    /// Appended one round after the other; a round's requests concurrently.
    pub rounds: Vec<Vec<Envelope>>,
}

/// A tiny linear congruential generator: enough to vary a workload.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % sides
    }
}

impl Workload {
    pub fn mixed(schedules: &[Uuid], users: usize, seats: i64, seed: u64) -> Self {
        Self::cycles(schedules, users, seats, seed, 1)
    }

    /// `cycles` times, each user: a top-up, a hold, its payment or
    /// release, then (past the first hold's expiry) a hold and its payment.
    /// Five requests per user and cycle, in four rounds per cycle.
    pub fn cycles(schedules: &[Uuid], users: usize, seats: i64, seed: u64, cycles: usize) -> Self {
        let mut dice = Dice(seed);
        let users: Vec<Uuid> = (0..users).map(|_| Uuid::now_v7()).collect();
        let mut rounds = vec![Vec::new(); 4 * cycles];
        for cycle in 0..cycles {
            let rounds = &mut rounds[4 * cycle..4 * cycle + 4];
            // Each cycle well past the previous one's holds.
            let t = 1_000 * cycle as i64;
            for user in &users {
                let amount = [30_000, 60_000, 120_000][dice.roll(3) as usize];
                rounds[0].push(request(&charge(*user, amount)));

                let schedule = schedules[dice.roll(schedules.len() as u64) as usize];
                let seat = 1 + dice.roll(seats as u64) as i64;
                let reservation = Uuid::now_v7();
                rounds[1].push(request(&hold(schedule, reservation, *user, seat, t + 10)));
                rounds[2].push(if dice.roll(3) < 2 {
                    request(&payment(
                        schedule,
                        Uuid::now_v7(),
                        reservation,
                        *user,
                        t + 20,
                    ))
                } else {
                    request(&release(schedule, reservation, *user, t + 20))
                });

                // Past the first holds' expiry: lapsed seats are free again.
                let schedule = schedules[dice.roll(schedules.len() as u64) as usize];
                let seat = 1 + dice.roll(seats as u64) as i64;
                let reservation = Uuid::now_v7();
                rounds[3].push(request(&hold(schedule, reservation, *user, seat, t + 400)));
                rounds[3].push(request(&payment(
                    schedule,
                    Uuid::now_v7(),
                    reservation,
                    *user,
                    t + 410,
                )));
            }
        }
        Self { rounds }
    }

    pub fn len(&self) -> usize {
        self.rounds.iter().map(Vec::len).sum()
    }

    /// Appends one round, its requests concurrently (a user's requests of a
    /// round are appended in order).
    pub async fn append_round(&self, log: &TestLog, round: usize) {
        let requests = &self.rounds[round];
        let (first, then): (Vec<_>, Vec<_>) = requests
            .iter()
            .enumerate()
            .partition(|(i, _)| round % 4 != 3 || i % 2 == 0);
        join_all(first.into_iter().map(|(_, r)| log.append_envelope(r))).await;
        join_all(then.into_iter().map(|(_, r)| log.append_envelope(r))).await;
    }

    pub fn command_ids(&self) -> Vec<Uuid> {
        self.rounds.iter().flatten().map(|r| r.event_id).collect()
    }
}

/// Money is never created or lost, and no seat is sold twice.
pub async fn assert_books_balance(log: &TestLog) {
    let mismatched: i64 = log
        .count(
            "SELECT count(*) FROM wallets w
             WHERE w.balance <> (SELECT COALESCE(sum(CASE kind WHEN 'DEBIT' THEN -amount ELSE amount END), 0)
                                 FROM wallet_entries e WHERE e.user_id = w.user_id)",
        )
        .await;
    assert_eq!(mismatched, 0, "balance = charges - debits + refunds");
    let overpaid: i64 = log
        .count(
            "SELECT count(*) FROM wallets w
             WHERE w.balance <> (SELECT COALESCE(sum(amount), 0) FROM wallet_entries e
                                 WHERE e.user_id = w.user_id AND kind = 'CHARGE')
                              - (SELECT COALESCE(sum(price), 0) FROM reservations r
                                 WHERE r.user_id = w.user_id AND status = 'CONFIRMED')",
        )
        .await;
    assert_eq!(overpaid, 0, "every user paid exactly the seats they bought");
    let sold_twice: i64 = log
        .count(
            "SELECT count(*) FROM (SELECT schedule_id, seat_number FROM reservations
             WHERE status = 'CONFIRMED' GROUP BY 1, 2 HAVING count(*) > 1) twice",
        )
        .await;
    assert_eq!(sold_twice, 0, "no seat sold twice");
    let unsold: i64 = log
        .count(
            "SELECT count(*) FROM reservations r JOIN schedule_seats s USING (schedule_id, seat_number)
             WHERE r.status = 'CONFIRMED' AND (s.status <> 'SOLD' OR s.reservation_id <> r.reservation_id)",
        )
        .await;
    assert_eq!(unsold, 0, "a confirmed reservation owns its sold seat");
    let miscounted: i64 = log
        .count(
            "SELECT count(*) FROM (SELECT schedule_id, count(*) FILTER (WHERE status = 'AVAILABLE') AS seats
                                   FROM schedule_seats GROUP BY schedule_id) counted
             FULL JOIN schedule_availability a USING (schedule_id)
             WHERE a.available IS DISTINCT FROM counted.seats",
        )
        .await;
    assert_eq!(
        miscounted, 0,
        "each schedule's available seats, as counted while they changed"
    );
    let debits: i64 = log
        .count("SELECT count(*) FROM wallet_entries WHERE kind = 'DEBIT'")
        .await;
    let completed: i64 = log
        .count("SELECT count(*) FROM payments WHERE status = 'COMPLETED'")
        .await;
    let refunds: i64 = log
        .count("SELECT count(*) FROM wallet_entries WHERE kind = 'REFUND'")
        .await;
    assert_eq!(
        debits,
        completed + refunds,
        "one debit per completed payment"
    );
}
