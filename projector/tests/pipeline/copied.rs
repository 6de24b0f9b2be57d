//! A replay's writers copy the insert-only rows (`Inserts::CopyFirst`):
//! the rows copied must be the rows the live statements insert, and a key
//! written before must keep its first row, as `ON CONFLICT DO NOTHING`
//! keeps it.

use chrono::{DateTime, TimeZone, Utc};
use infra::decision::{CommandType, Decision, Verdict};
use infra::problem::ErrorCode;
use projector::changes::{
    self, Changes, EntryKind, EntryRow, Inserts, PaymentRow, ReservationRow, WalletRow, Written,
};
use projector::checksum;
use serde_json::{json, Value};
use sqlx::{Executor, PgPool};
use uuid::Uuid;

use crate::helpers::spawn_log;

fn decision(id: Uuid, user: Option<Uuid>, verdict: Verdict, body: Value) -> Decision {
    Decision {
        command_id: id,
        command_type: CommandType::Hold,
        user_id: user,
        verdict,
        body,
        // Before Postgres' epoch and finer than a microsecond: both
        // encodings must cut it the same way.
        decided_at: Utc.timestamp_opt(946_684_799, 999_999_500).unwrap(),
        trace: Default::default(),
    }
}

fn entry(amount: i64, at: DateTime<Utc>) -> EntryRow {
    EntryRow {
        amount,
        balance_after: 10_000 - amount,
        event_id: Uuid::new_v4(),
        occurred_at: at,
    }
}

/// A fresh schema of the test's database, migrated.
async fn schema(log: &crate::helpers::TestLog, name: &str) -> PgPool {
    log.pool
        .execute(format!("CREATE SCHEMA {name}").as_str())
        .await
        .expect("a schema");
    let pool = checksum::pool_of(&log.env.settings.database, Some(name), 1);
    infra::postgres::MIGRATOR
        .run(&pool)
        .await
        .expect("migrated");
    pool
}

/// Writes `changes` in one transaction, then a row of another table in
/// the same transaction: a copy that failed must leave it usable.
async fn write(pool: &PgPool, changes: &Changes, inserts: Inserts) {
    let mut tx = pool.begin().await.expect("a transaction");
    changes::flush_with(&mut tx, changes, inserts)
        .await
        .expect("written");
    tx.execute("INSERT INTO concerts (concert_id, title, venue, registered_at) VALUES (gen_random_uuid(), 't', 'v', now())")
        .await
        .expect("the transaction goes on");
    tx.commit().await.expect("committed");
}

/// As a replay's writer writes: rows of keys it never wrote copied, the
/// rest the usual way.
async fn write_as_replay(pool: &PgPool, changes: &Changes, written: &mut Written) {
    let mut changes = Changes {
        reservations: changes.reservations.clone(),
        payments: changes.payments.clone(),
        wallets: changes.wallets.clone(),
        ..Changes::default()
    };
    let new = changes.take_new(written);
    let mut tx = pool.begin().await.expect("a transaction");
    changes::flush_with(&mut tx, &changes, Inserts::CopyFirst)
        .await
        .expect("written");
    changes::flush_new(&mut tx, &new).await.expect("copied");
    tx.commit().await.expect("committed");
}

/// Each `(table, key)` holds the same rows in both schemas.
async fn assert_same_rows(copied: &PgPool, written: &PgPool, tables: &[(&str, &str)]) {
    for (table, key) in tables {
        assert_eq!(
            rows(copied, table, key).await,
            rows(written, table, key).await,
            "{table}"
        );
    }
}

async fn rows(pool: &PgPool, table: &str, key: &str) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "SELECT to_jsonb(t)::text FROM {table} t ORDER BY {key}"
    ))
    .fetch_all(pool)
    .await
    .expect("rows")
}

#[tokio::test]
async fn copied_rows_are_the_inserted_rows_and_a_key_written_before_keeps_its_first_row() {
    let log = spawn_log().await;
    let inserted = schema(&log, "inserted").await;
    let copied = schema(&log, "copied").await;
    let (first, second, later) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (user, reference) = (Uuid::new_v4(), Uuid::new_v4());
    let at = Utc.timestamp_opt(1_765_000_000, 123_456_789).unwrap();

    let mut earlier = Changes::default();
    earlier.outcome(decision(
        first,
        Some(user),
        Verdict::Accepted,
        json!({"reservation_id": reference, "note": "quote \" and \\ and é"}),
    ));
    earlier.outcome(decision(
        second,
        None,
        Verdict::Refused(ErrorCode::SeatUnavailable),
        json!({"detail": "seat 3 is taken"}),
    ));
    earlier.entry(user, EntryKind::Charge, reference, entry(5_000, at));
    // Then the same keys again, with other rows, beside new ones.
    let mut again = Changes::default();
    again.outcome(decision(
        first,
        Some(user),
        Verdict::Refused(ErrorCode::HoldExpired),
        json!({"detail": "a second answer"}),
    ));
    again.outcome(decision(later, Some(user), Verdict::Accepted, json!({})));
    again.entry(user, EntryKind::Charge, reference, entry(7_000, at));
    again.entry(user, EntryKind::Debit, reference, entry(2_000, at));

    for changes in [&earlier, &again] {
        write(&inserted, changes, Inserts::KeepFirst).await;
        write(&copied, changes, Inserts::CopyFirst).await;
    }

    assert_same_rows(
        &copied,
        &inserted,
        &[
            ("command_outcomes", "command_id"),
            ("wallet_entries", "user_id, kind, reference_id"),
        ],
    )
    .await;
    let first_body: Value = sqlx::query_scalar(
        "SELECT body FROM command_outcomes WHERE command_id = $1 AND outcome = 'ACCEPTED'",
    )
    .bind(first)
    .fetch_one(&copied)
    .await
    .expect("the first answer stays");
    assert_eq!(first_body["note"], "quote \" and \\ and é");
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM command_outcomes),
                (SELECT count(*) FROM wallet_entries),
                (SELECT sum(amount) FROM wallet_entries)::bigint",
    )
    .fetch_one(&copied)
    .await
    .expect("counts");
    assert_eq!(counts, (3, 2, 7_000), "the first charge and the debit");
}

fn reservation(user: Uuid, status: &'static str, code: Option<&'static str>) -> ReservationRow {
    let at = Utc.timestamp_opt(1_765_000_000, 987_654_321).unwrap();
    ReservationRow {
        schedule_id: Uuid::new_v4(),
        user_id: user,
        seat_number: 7,
        price: code.is_none().then_some(12_000),
        status,
        rejection_code: code,
        payment_pending: code.is_none(),
        requested_at: at,
        expires_at: at + chrono::Duration::seconds(6),
        updated_at: at,
    }
}

fn payment(user: Uuid, status: &'static str, code: Option<&'static str>) -> PaymentRow {
    let at = Utc.timestamp_opt(1_765_000_001, 5).unwrap();
    PaymentRow {
        command_id: Uuid::new_v4(),
        reservation_id: Uuid::new_v4(),
        schedule_id: Uuid::new_v4(),
        user_id: user,
        amount: code.is_none().then_some(12_000),
        status,
        failure_code: code,
        balance_after: code.is_none().then_some(3_000),
        requested_at: at,
        updated_at: at,
    }
}

#[tokio::test]
async fn rows_a_replay_copies_are_the_rows_upserted_and_a_key_written_again_takes_its_later_row() {
    let log = spawn_log().await;
    let upserted = schema(&log, "upserted").await;
    let copied = schema(&log, "copied").await;
    let (user, held, paid) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let at = Utc.timestamp_opt(1_765_000_002, 0).unwrap();

    let mut earlier = Changes::default();
    earlier
        .reservations
        .insert(held, reservation(user, "HELD", None));
    earlier.reservations.insert(
        Uuid::new_v4(),
        reservation(user, "REJECTED", Some("SEAT_UNAVAILABLE")),
    );
    earlier
        .payments
        .insert(paid, payment(user, "REQUESTED", None));
    earlier.wallets.insert(
        user,
        WalletRow {
            balance: 15_000,
            in_flight: 0,
            updated_at: at,
        },
    );
    // The same keys again with later rows, beside a new one of each.
    let mut later = Changes::default();
    later
        .reservations
        .insert(held, reservation(user, "CONFIRMED", None));
    later
        .reservations
        .insert(Uuid::new_v4(), reservation(Uuid::new_v4(), "HELD", None));
    later
        .payments
        .insert(paid, payment(user, "FAILED", Some("INSUFFICIENT_FUNDS")));
    later
        .payments
        .insert(Uuid::new_v4(), payment(user, "REQUESTED", None));
    later.wallets.insert(
        user,
        WalletRow {
            balance: 3_000,
            in_flight: 12_000,
            updated_at: at,
        },
    );
    later.wallets.insert(
        Uuid::new_v4(),
        WalletRow {
            balance: 1,
            in_flight: 0,
            updated_at: at,
        },
    );

    let mut written = Written::default();
    for changes in [&earlier, &later] {
        write(&upserted, changes, Inserts::KeepFirst).await;
        write_as_replay(&copied, changes, &mut written).await;
    }
    // And a key the writer never wrote but the table holds: the copy
    // fails on it and the rows are upserted instead.
    let mut elsewhere = Changes::default();
    elsewhere.wallets.insert(
        user,
        WalletRow {
            balance: 0,
            in_flight: 0,
            updated_at: at,
        },
    );
    write(&upserted, &elsewhere, Inserts::KeepFirst).await;
    write_as_replay(&copied, &elsewhere, &mut Written::default()).await;

    assert_same_rows(
        &copied,
        &upserted,
        &[
            ("reservations", "reservation_id"),
            ("payments", "payment_id"),
            ("wallets", "user_id"),
        ],
    )
    .await;
    let states: (String, String, i64) = sqlx::query_as(
        "SELECT (SELECT status FROM reservations WHERE reservation_id = $1),
                (SELECT status FROM payments WHERE payment_id = $2),
                (SELECT balance FROM wallets WHERE user_id = $3)",
    )
    .bind(held)
    .bind(paid)
    .bind(user)
    .fetch_one(&copied)
    .await
    .expect("the rows");
    assert_eq!(states, ("CONFIRMED".into(), "FAILED".into(), 0));
}
