//! A replay's writers copy the insert-only rows (`Inserts::CopyFirst`):
//! the rows copied must be the rows the live statements insert, and a key
//! written before must keep its first row, as `ON CONFLICT DO NOTHING`
//! keeps it.

use chrono::{DateTime, TimeZone, Utc};
use infra::decision::{CommandType, Decision, Verdict};
use infra::problem::ErrorCode;
use projector::changes::{self, Changes, EntryKind, EntryRow, Inserts};
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

    for (table, key) in [
        ("command_outcomes", "command_id"),
        ("wallet_entries", "user_id, kind, reference_id"),
    ] {
        assert_eq!(
            rows(&copied, table, key).await,
            rows(&inserted, table, key).await,
            "{table}"
        );
    }
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
