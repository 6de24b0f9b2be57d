//! Writes gathered changes with one statement per table (arrays unnested),
//! in a fixed table and key order so concurrent writers lock rows in the
//! same order. The catalog's rows go first, each on its own (a seat held
//! in the batch that planned it is updated after the plan is written);
//! the rows every booking decision changes go together in one round trip
//! (`RoundTrip`), which a live batch completes with its offsets and owed
//! row.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::copy::copy_new;
use super::copy_rows;
use super::round_trip::RoundTrip;
use super::{readable, Changes};

/// How the insert-only rows (decisions, wallet entries) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserts {
    /// `INSERT ... ON CONFLICT DO NOTHING`: the live tables, where a batch
    /// folded again after a failure meets rows it wrote before.
    KeepFirst,
    /// `COPY` first, `KeepFirst` for a table where a key is taken: a
    /// schema filled from empty by its writers (a replay's), where nearly
    /// every such row is new.
    CopyFirst,
}

/// Writes the catalog's rows and the dead letters now, and adds the
/// booking rows (seats, reservations, payments, wallets, their entries,
/// the decisions) to `trip`, for the caller to send with its own writes.
pub async fn flush(
    conn: &mut PgConnection,
    changes: &Changes,
    trip: &mut RoundTrip,
) -> Result<(), sqlx::Error> {
    flush_into(conn, changes, Inserts::KeepFirst, trip).await
}

pub async fn flush_with(
    conn: &mut PgConnection,
    changes: &Changes,
    inserts: Inserts,
) -> Result<(), sqlx::Error> {
    let mut trip = RoundTrip::default();
    flush_into(conn, changes, inserts, &mut trip).await?;
    trip.run(conn).await?;
    Ok(())
}

async fn flush_into(
    conn: &mut PgConnection,
    changes: &Changes,
    inserts: Inserts,
    trip: &mut RoundTrip,
) -> Result<(), sqlx::Error> {
    concerts(conn, changes).await?;
    schedules(conn, changes).await?;
    seat_plans(conn, changes).await?;
    dead_letters(conn, changes).await?;
    seats(trip, changes);
    reservations(trip, changes);
    payments(trip, changes);
    wallets(trip, changes);
    if !(inserts == Inserts::CopyFirst
        && copy_new(conn, copy_rows::wallet_entries(changes)).await?)
    {
        wallet_entries(trip, changes);
    }
    if !(inserts == Inserts::CopyFirst && copy_new(conn, copy_rows::outcomes(changes)).await?) {
        outcomes(trip, changes);
    }
    Ok(())
}

/// Rows of tables that are otherwise overwritten (reservations, payments,
/// wallets) whose keys the writer has never written: copied, or, when a
/// key is taken after all, written the usual way.
pub async fn flush_new(conn: &mut PgConnection, changes: &Changes) -> Result<(), sqlx::Error> {
    let mut trip = RoundTrip::default();
    if !copy_new(conn, copy_rows::reservations(changes)).await? {
        reservations(&mut trip, changes);
    }
    if !copy_new(conn, copy_rows::payments(changes)).await? {
        payments(&mut trip, changes);
    }
    if !copy_new(conn, copy_rows::wallets(changes)).await? {
        wallets(&mut trip, changes);
    }
    trip.run(conn).await?;
    Ok(())
}

async fn concerts(conn: &mut PgConnection, changes: &Changes) -> Result<(), sqlx::Error> {
    if changes.concerts.is_empty() {
        return Ok(());
    }
    let (mut ids, mut titles, mut venues, mut at) = (vec![], vec![], vec![], vec![]);
    for (id, row) in &changes.concerts {
        ids.push(*id);
        titles.push(row.title.as_str());
        venues.push(row.venue.as_str());
        at.push(row.registered_at);
    }
    sqlx::query(
        "INSERT INTO concerts (concert_id, title, venue, registered_at)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
         ON CONFLICT (concert_id) DO NOTHING",
    )
    .bind(ids)
    .bind(titles)
    .bind(venues)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn schedules(conn: &mut PgConnection, changes: &Changes) -> Result<(), sqlx::Error> {
    if changes.schedules.is_empty() {
        return Ok(());
    }
    let (mut ids, mut concerts, mut starts, mut opens, mut totals) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (id, row) in &changes.schedules {
        ids.push(*id);
        concerts.push(row.concert_id);
        starts.push(row.starts_at);
        opens.push(row.booking_opens_at);
        totals.push(row.total_seats);
    }
    sqlx::query(
        "INSERT INTO schedules (schedule_id, concert_id, starts_at, booking_opens_at, total_seats)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::int[])
         ON CONFLICT (schedule_id) DO NOTHING",
    )
    .bind(ids)
    .bind(concerts)
    .bind(starts)
    .bind(opens)
    .bind(totals)
    .execute(conn)
    .await?;
    Ok(())
}

/// The catalog and the schedule's own partition both write the plan (so
/// seats show as soon as either has folded); neither overwrites a seat.
async fn seat_plans(conn: &mut PgConnection, changes: &Changes) -> Result<(), sqlx::Error> {
    if changes.seat_plans.is_empty() {
        return Ok(());
    }
    let (mut schedules, mut numbers, mut prices) = (vec![], vec![], vec![]);
    for (schedule, plan) in &changes.seat_plans {
        for (number, price) in plan {
            schedules.push(*schedule);
            numbers.push(*number);
            prices.push(*price);
        }
    }
    sqlx::query(
        "INSERT INTO schedule_seats (schedule_id, seat_number, price)
         SELECT * FROM UNNEST($1::uuid[], $2::int[], $3::bigint[])
         ON CONFLICT (schedule_id, seat_number) DO NOTHING",
    )
    .bind(schedules)
    .bind(numbers)
    .bind(prices)
    .execute(conn)
    .await?;
    Ok(())
}

/// An update, not an upsert: the seat exists, since the schedule's partition
/// opened its inventory (writing the plan) before any hold on it.
fn seats(trip: &mut RoundTrip, changes: &Changes) {
    if changes.seats.is_empty() {
        return;
    }
    let (mut schedules, mut numbers, mut statuses, mut holders, mut expiries) =
        (vec![], vec![], vec![], vec![], vec![]);
    for ((schedule, number), row) in &changes.seats {
        schedules.push(*schedule);
        numbers.push(*number);
        statuses.push(row.status);
        holders.push(row.reservation_id);
        expiries.push(row.hold_expires_at);
    }
    trip.add(
        "UPDATE schedule_seats s
         SET status = u.status, reservation_id = u.reservation_id, hold_expires_at = u.hold_expires_at
         FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::uuid[], $5::timestamptz[])
              AS u (schedule_id, seat_number, status, reservation_id, hold_expires_at)
         WHERE s.schedule_id = u.schedule_id AND s.seat_number = u.seat_number",
        |b| b.bind(schedules).bind(numbers).bind(statuses).bind(holders).bind(expiries),
    );
}

fn reservations(trip: &mut RoundTrip, changes: &Changes) {
    if changes.reservations.is_empty() {
        return;
    }
    let mut ids = vec![];
    let (mut schedules, mut users, mut seats, mut prices) = (vec![], vec![], vec![], vec![]);
    let (mut statuses, mut codes, mut pending) = (vec![], vec![], vec![]);
    let (mut requested, mut expires, mut updated) = (vec![], vec![], vec![]);
    for (id, row) in &changes.reservations {
        ids.push(*id);
        schedules.push(row.schedule_id);
        users.push(row.user_id);
        seats.push(row.seat_number);
        prices.push(row.price);
        statuses.push(row.status);
        codes.push(row.rejection_code);
        pending.push(row.payment_pending);
        requested.push(row.requested_at);
        expires.push(row.expires_at);
        updated.push(row.updated_at);
    }
    trip.add(
        "INSERT INTO reservations (reservation_id, schedule_id, user_id, seat_number, price, status,
                                   rejection_code, payment_pending, requested_at, expires_at, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::bigint[], $6::text[],
                              $7::text[], $8::bool[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
         ON CONFLICT (reservation_id) DO UPDATE SET
             schedule_id = EXCLUDED.schedule_id, user_id = EXCLUDED.user_id,
             seat_number = EXCLUDED.seat_number, price = EXCLUDED.price, status = EXCLUDED.status,
             rejection_code = EXCLUDED.rejection_code, payment_pending = EXCLUDED.payment_pending,
             requested_at = EXCLUDED.requested_at, expires_at = EXCLUDED.expires_at,
             updated_at = EXCLUDED.updated_at",
        |b| b.bind(ids).bind(schedules).bind(users).bind(seats).bind(prices).bind(statuses).bind(codes).bind(pending).bind(requested).bind(expires).bind(updated),
    );
}

fn payments(trip: &mut RoundTrip, changes: &Changes) {
    if changes.payments.is_empty() {
        return;
    }
    let (mut ids, mut commands, mut reservations, mut schedules, mut users) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut amounts, mut statuses, mut codes, mut balances) = (vec![], vec![], vec![], vec![]);
    let (mut requested, mut updated): (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>) = (vec![], vec![]);
    for (id, row) in &changes.payments {
        ids.push(*id);
        commands.push(row.command_id);
        reservations.push(row.reservation_id);
        schedules.push(row.schedule_id);
        users.push(row.user_id);
        amounts.push(row.amount);
        statuses.push(row.status);
        codes.push(row.failure_code);
        balances.push(row.balance_after);
        requested.push(row.requested_at);
        updated.push(row.updated_at);
    }
    trip.add(
        "INSERT INTO payments (payment_id, command_id, reservation_id, schedule_id, user_id, amount,
                               status, failure_code, balance_after, requested_at, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[],
                              $7::text[], $8::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[])
         ON CONFLICT (payment_id) DO UPDATE SET
             command_id = EXCLUDED.command_id, reservation_id = EXCLUDED.reservation_id,
             schedule_id = EXCLUDED.schedule_id, user_id = EXCLUDED.user_id,
             amount = EXCLUDED.amount, status = EXCLUDED.status,
             failure_code = EXCLUDED.failure_code, balance_after = EXCLUDED.balance_after,
             requested_at = EXCLUDED.requested_at, updated_at = EXCLUDED.updated_at",
        |b| b.bind(ids).bind(commands).bind(reservations).bind(schedules).bind(users).bind(amounts).bind(statuses).bind(codes).bind(balances).bind(requested).bind(updated),
    );
}

fn wallets(trip: &mut RoundTrip, changes: &Changes) {
    if changes.wallets.is_empty() {
        return;
    }
    let (mut users, mut balances, mut in_flight, mut updated) = (vec![], vec![], vec![], vec![]);
    for (user, row) in &changes.wallets {
        users.push(*user);
        balances.push(row.balance);
        in_flight.push(row.in_flight);
        updated.push(row.updated_at);
    }
    trip.add(
        "INSERT INTO wallets (user_id, balance, in_flight, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[])
         ON CONFLICT (user_id) DO UPDATE SET
             balance = EXCLUDED.balance, in_flight = EXCLUDED.in_flight,
             updated_at = EXCLUDED.updated_at",
        |b| b.bind(users).bind(balances).bind(in_flight).bind(updated),
    );
}

fn wallet_entries(trip: &mut RoundTrip, changes: &Changes) {
    if changes.wallet_entries.is_empty() {
        return;
    }
    let (mut users, mut kinds, mut references) = (vec![], vec![], vec![]);
    let (mut amounts, mut balances, mut events, mut at) = (vec![], vec![], vec![], vec![]);
    for ((user, kind, reference), row) in &changes.wallet_entries {
        users.push(*user);
        kinds.push(kind.as_str());
        references.push(*reference);
        amounts.push(row.amount);
        balances.push(row.balance_after);
        events.push(row.event_id);
        at.push(row.occurred_at);
    }
    trip.add(
        "INSERT INTO wallet_entries (user_id, kind, reference_id, amount, balance_after, event_id, occurred_at)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], $5::bigint[],
                              $6::uuid[], $7::timestamptz[])
         ON CONFLICT (user_id, kind, reference_id) DO NOTHING",
        |b| b.bind(users).bind(kinds).bind(references).bind(amounts).bind(balances).bind(events).bind(at),
    );
}

/// The rows `infra::decision::Decision::record` writes, many at once: the
/// same columns and values, and the first answer to a command id stays.
fn outcomes(trip: &mut RoundTrip, changes: &Changes) {
    if changes.outcomes.is_empty() {
        return;
    }
    let (mut ids, mut types, mut users) = (vec![], vec![], Vec::<Option<Uuid>>::new());
    let (mut outcomes, mut bodies, mut at) = (vec![], vec![], vec![]);
    for (id, decision) in &changes.outcomes {
        ids.push(*id);
        types.push(decision.command_type.as_str());
        users.push(decision.user_id);
        outcomes.push(decision.verdict.as_str());
        bodies.push(&decision.body);
        at.push(decision.decided_at);
    }
    trip.add(
        "INSERT INTO command_outcomes (command_id, command_type, user_id, outcome, body, decided_at)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::jsonb[], $6::timestamptz[])
         ON CONFLICT (command_id) DO NOTHING",
        |b| b.bind(ids).bind(types).bind(users).bind(outcomes).bind(bodies).bind(at),
    );
}

async fn dead_letters(conn: &mut PgConnection, changes: &Changes) -> Result<(), sqlx::Error> {
    for letter in &changes.dead_letters {
        // Made readable where the letter is written, too: whatever built
        // the reason, Postgres must accept it, or the record that was to be
        // set aside would fail its batch again and again.
        let reason = readable(&letter.reason);
        tracing::warn!(topic = %letter.topic, partition = letter.partition, offset = letter.offset, reason = %reason, "record sent to dead letters");
        sqlx::query(
            "INSERT INTO projector_dead_letters (topic, partition, record_offset, record_key, payload, reason)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (topic, partition, record_offset) DO NOTHING",
        )
        .bind(&letter.topic)
        .bind(letter.partition)
        .bind(letter.offset)
        .bind(letter.key.as_deref())
        .bind(letter.payload.as_deref())
        .bind(&reason)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
