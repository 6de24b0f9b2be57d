//! Writes read-table rows the way the projector folds them, for reads to
//! find (these tests cover the query side; the projector has its own).

#![allow(dead_code)]

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sqlx::PgPool;
use uuid::Uuid;

pub fn price(seat: i32) -> i64 {
    10_000 + i64::from(seat) * 1_000
}

/// Now, at the microsecond precision Postgres keeps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub async fn concert(pool: &PgPool, title: &str) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO concerts (concert_id, title, venue, registered_at) VALUES ($1, $2, 'Hall', $3)")
        .bind(id)
        .bind(title)
        .bind(now())
        .execute(pool)
        .await
        .unwrap();
    id
}

/// A schedule with `seats` available seats, priced by `price`.
pub async fn schedule(pool: &PgPool, concert: Uuid, opens: DateTime<Utc>, seats: i32) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO schedules (schedule_id, concert_id, starts_at, booking_opens_at, total_seats)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(concert)
    .bind(opens + Duration::days(30))
    .bind(opens)
    .bind(seats)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO schedule_seats (schedule_id, seat_number, price)
         SELECT $1, n, 10000 + n * 1000 FROM generate_series(1, $2) AS n",
    )
    .bind(id)
    .bind(seats)
    .execute(pool)
    .await
    .unwrap();
    id
}

/// An open schedule of a new concert: `(concert, schedule)`.
pub async fn open_schedule(pool: &PgPool, seats: i32) -> (Uuid, Uuid) {
    let concert = concert(pool, "Open Air").await;
    let schedule = schedule(pool, concert, now() - Duration::days(1), seats).await;
    (concert, schedule)
}

/// `user` holds `seat` until `expires_at`: the seat and the reservation.
pub async fn hold(
    pool: &PgPool,
    schedule: Uuid,
    seat: i32,
    user: Uuid,
    expires_at: DateTime<Utc>,
) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "UPDATE schedule_seats SET status = 'HELD', reservation_id = $3, hold_expires_at = $4
         WHERE schedule_id = $1 AND seat_number = $2",
    )
    .bind(schedule)
    .bind(seat)
    .bind(id)
    .bind(expires_at)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reservations (reservation_id, schedule_id, user_id, seat_number, price, status,
                                   requested_at, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'HELD', $6, $7, $6)",
    )
    .bind(id)
    .bind(schedule)
    .bind(user)
    .bind(seat)
    .bind(price(seat))
    .bind(now())
    .bind(expires_at)
    .execute(pool)
    .await
    .unwrap();
    id
}

/// `seat` is sold.
pub async fn sell(pool: &PgPool, schedule: Uuid, seat: i32) {
    sqlx::query(
        "UPDATE schedule_seats SET status = 'SOLD', hold_expires_at = NULL
         WHERE schedule_id = $1 AND seat_number = $2",
    )
    .bind(schedule)
    .bind(seat)
    .execute(pool)
    .await
    .unwrap();
}

pub async fn wallet(pool: &PgPool, user: Uuid, balance: i64) {
    sqlx::query(
        "INSERT INTO wallets (user_id, balance, in_flight, updated_at) VALUES ($1, $2, 0, $3)
         ON CONFLICT (user_id) DO UPDATE SET balance = EXCLUDED.balance",
    )
    .bind(user)
    .bind(balance)
    .bind(now())
    .execute(pool)
    .await
    .unwrap();
}

/// An accepted charge of `amount` leaving `balance_after`.
pub async fn charge(pool: &PgPool, user: Uuid, amount: i64, balance_after: i64) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO wallet_entries (user_id, kind, reference_id, amount, balance_after, event_id, occurred_at)
         VALUES ($1, 'CHARGE', $2, $3, $4, $5, $6)",
    )
    .bind(user)
    .bind(id)
    .bind(amount)
    .bind(balance_after)
    .bind(Uuid::now_v7())
    .bind(now())
    .execute(pool)
    .await
    .unwrap();
    wallet(pool, user, balance_after).await;
    id
}

/// A refused charge, recorded under a command id equal to the charge id.
pub async fn refused_charge(pool: &PgPool, user: Uuid, code: &str) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO command_outcomes (command_id, command_type, user_id, outcome, body, decided_at)
         VALUES ($1, 'CHARGE', $2, $3, '{\"detail\": \"no\"}', $4)",
    )
    .bind(id)
    .bind(user)
    .bind(code)
    .bind(now())
    .execute(pool)
    .await
    .unwrap();
    id
}

/// A payment in `status` (REQUESTED, COMPLETED or FAILED).
pub async fn payment(
    pool: &PgPool,
    reservation: Uuid,
    schedule: Uuid,
    user: Uuid,
    status: &str,
    failure: Option<&str>,
    balance_after: Option<i64>,
) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO payments (payment_id, command_id, reservation_id, schedule_id, user_id, amount,
                               status, failure_code, balance_after, requested_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 12000, $6, $7, $8, $9, $9)",
    )
    .bind(id)
    .bind(Uuid::now_v7())
    .bind(reservation)
    .bind(schedule)
    .bind(user)
    .bind(status)
    .bind(failure)
    .bind(balance_after)
    .bind(now())
    .execute(pool)
    .await
    .unwrap();
    id
}
