//! The analysts' example (docs/analysis.md) gets a real export: a small
//! booking run whose results are known, exported with the built binary.
//! With `ANALYSIS_EXPORT_DIR` set (scripts/test.sh sets it), the records,
//! the decisions and the figures the read tables hold are left there for
//! scripts/analyse-export.py to recompute with DuckDB.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{charge, hold, payment, release, spawn_log, TestLog};

/// Exports `kind` to `file` as an analyst would, with the Kafka settings only.
fn export_to(log: &TestLog, kind: &str, file: &Path) -> usize {
    let kafka = &log.env.settings.kafka;
    let output = Command::new(env!("CARGO_BIN_EXE_projector"))
        .args(["export", "--upcast", "--kind", kind, "--out"])
        .arg(file)
        .env_clear()
        .env("KAFKA_BROKERS", &kafka.brokers)
        .env("TOPIC_PREFIX", &kafka.topic_prefix)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(file).unwrap().lines().count()
}

#[tokio::test]
async fn a_booking_run_exported_for_analysis() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    // A sells out (3 seats, 3 paid); B sells 1 of 5; one hold is released
    // and one refused (its seat is taken).
    let sold_out = log.open_schedule(3).await;
    let other = log.open_schedule(5).await;
    let users: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let mut asked = Vec::new();
    for user in &users {
        asked.push(log.ask(charge(*user, 300_000)).await);
    }
    let holds = [
        (sold_out, users[0], 1),
        (sold_out, users[1], 2),
        (sold_out, users[2], 3),
        (other, users[3], 1),
        (other, users[4], 2),
    ];
    let mut reservations = Vec::new();
    for (when, (schedule, user, seat)) in (10..).zip(holds) {
        let reservation = Uuid::now_v7();
        reservations.push((schedule, reservation, user));
        asked.push(log.ask(hold(schedule, reservation, user, seat, when)).await);
    }
    asked.push(
        log.ask(hold(sold_out, Uuid::now_v7(), users[4], 1, 20))
            .await,
    );
    for (when, (schedule, reservation, user)) in (30..).zip(&reservations[..4]) {
        asked.push(
            log.ask(payment(
                *schedule,
                Uuid::now_v7(),
                *reservation,
                *user,
                when,
            ))
            .await,
        );
    }
    let (schedule, reservation, user) = reservations[4];
    asked.push(log.ask(release(schedule, reservation, user, 40)).await);
    for id in &asked {
        log.decision(*id).await;
    }
    log.settled().await;
    projector.stop().await;

    // What the read tables say, for the example to match.
    let sales: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT schedule_id, count(*) FROM reservations
         WHERE status = 'CONFIRMED' GROUP BY schedule_id ORDER BY schedule_id",
    )
    .fetch_all(&log.pool)
    .await
    .unwrap();
    let mut expected_sales = vec![(sold_out, 3), (other, 1)];
    expected_sales.sort();
    assert_eq!(sales, expected_sales);
    let held = log
        .count("SELECT count(*) FROM reservations WHERE status <> 'REJECTED'")
        .await;
    let paid = log
        .count("SELECT count(*) FROM payments WHERE status = 'COMPLETED'")
        .await;
    assert_eq!((held, paid), (5, 4));

    let dir = std::env::var_os("ANALYSIS_EXPORT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("{}-analysis", log.env.id)));
    std::fs::create_dir_all(&dir).unwrap();
    let records = export_to(&log, "records", &dir.join("records.jsonl"));
    let decisions = export_to(&log, "decisions", &dir.join("decisions.jsonl"));
    let outcomes = log.count("SELECT count(*) FROM command_outcomes").await;
    assert_eq!(decisions as i64, outcomes);
    assert!(records > decisions, "requests plus saga steps");
    let expected = json!({
        "sales": sales.iter().map(|(s, n)| json!({"schedule_id": s, "sold": n})).collect::<Vec<_>>(),
        "holds_granted": held,
        "holds_paid": paid,
        "sold_out": [sold_out],
    });
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected).unwrap(),
    )
    .unwrap();
    if std::env::var_os("ANALYSIS_EXPORT_DIR").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
