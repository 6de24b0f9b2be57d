//! `projector export`, run as the built binary with only the Kafka
//! settings (no database, Redis or queue-token secret): windows by offset
//! and by time, `--upcast`, and `--kind decisions` against the decisions
//! the live projector recorded.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use infra::decision::Decision;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{charge, exported, hold, payment, request, spawn_log, TestLog};

/// The lines `projector export <args>` writes, with only the settings an
/// export reads.
fn export(log: &TestLog, args: &[&str]) -> Vec<Value> {
    let kafka = &log.env.settings.kafka;
    let output = Command::new(env!("CARGO_BIN_EXE_projector"))
        .arg("export")
        .args(args)
        .env_clear()
        .env("KAFKA_BROKERS", &kafka.brokers)
        .env("TOPIC_PREFIX", &kafka.topic_prefix)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "export {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

fn position(line: &Value) -> (String, i64, i64) {
    (
        line["topic"].as_str().unwrap().to_owned(),
        line["partition"].as_i64().unwrap(),
        line["offset"].as_i64().unwrap(),
    )
}

fn timestamp(line: &Value) -> DateTime<Utc> {
    line["timestamp"].as_str().unwrap().parse().unwrap()
}

fn event_id(line: &Value) -> Uuid {
    line["envelope"]["event_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn command_ids(lines: &[Value]) -> BTreeSet<Uuid> {
    lines
        .iter()
        .map(|l| l["command_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A hold request written at schema version 1, as command-api wrote them
/// before holds carried their limit.
fn hold_v1(schedule_id: Uuid, user_id: Uuid, seat: i64) -> schemas::Envelope {
    let mut envelope = request(&hold(schedule_id, Uuid::now_v7(), user_id, seat, 10));
    envelope.schema_version = 1;
    envelope
        .data
        .as_object_mut()
        .unwrap()
        .remove("max_holds_per_user");
    envelope
}

#[tokio::test]
async fn export_windows_upcasts_and_decisions_match_the_live_projector() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule = log.open_schedule(6).await;
    let users: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();

    // Before the cut: top-ups and holds, one of them a v1 record.
    let mut before = Vec::new();
    let mut holds = Vec::new();
    for (seat, user) in (1..).zip(&users) {
        before.push(log.ask(charge(*user, 200_000)).await);
        let reservation = Uuid::now_v7();
        holds.push((reservation, *user));
        before.push(
            log.ask(hold(schedule, reservation, *user, seat, 10 + seat))
                .await,
        );
    }
    let old = hold_v1(schedule, users[0], 5);
    log.append_envelope(&old).await;
    before.push(old.event_id);
    for id in &before {
        log.decision(*id).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let cut = Utc::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // After it: payments for two of the holds (at event time 60 s, well
    // inside the holds' five minutes).
    let mut after = Vec::new();
    for (reservation, user) in &holds[..2] {
        after.push(
            log.ask(payment(schedule, Uuid::now_v7(), *reservation, *user, 60))
                .await,
        );
    }
    for id in &after {
        log.decision(*id).await;
    }
    log.settled().await;
    projector.stop().await;

    let full = export(&log, &[]);
    assert_eq!(
        full,
        exported(&log, None).await,
        "the binary and the library agree"
    );

    // By time: the log as it stood at the cut, and from the cut on.
    let cut_text = cut.to_rfc3339();
    let until = export(&log, &["--until", &cut_text]);
    let from = export(&log, &["--from", &cut_text]);
    assert!(until.iter().all(|l| timestamp(l) <= cut));
    assert!(from.iter().all(|l| timestamp(l) > cut));
    assert_eq!(until.len() + from.len(), full.len());
    let ids = |lines: &[Value]| lines.iter().map(event_id).collect::<BTreeSet<_>>();
    assert!(ids(&until).is_superset(&before.iter().copied().collect()));
    assert!(ids(&from).is_superset(&after.iter().copied().collect()));

    // By offset: the same window in every partition, both ends included.
    let reservations = export(
        &log,
        &[
            "--topic",
            "concert.reservations.v1",
            "--from",
            "offset:1",
            "--until",
            "offset:3",
        ],
    );
    let expected: Vec<&Value> = full
        .iter()
        .filter(|l| {
            let (topic, _, offset) = position(l);
            topic.ends_with("concert.reservations.v1") && (1..=3).contains(&offset)
        })
        .collect();
    assert!(expected.len() >= 3, "{expected:?}");
    assert_eq!(reservations.iter().collect::<Vec<_>>(), expected);
    let nothing = export(&log, &["--from", "offset:1000000"]);
    assert!(nothing.is_empty());
    // One partition's stretch: the schedule's partition, offsets 2 to 4.
    let (_, partition, _) = position(expected[0]);
    let one = export(
        &log,
        &[
            "--topic",
            "concert.reservations.v1",
            "--partition",
            &partition.to_string(),
            "--from",
            "offset:2",
            "--until",
            "offset:4",
        ],
    );
    let offsets: Vec<(String, i64, i64)> = one.iter().map(position).collect();
    assert_eq!(offsets.iter().map(|p| p.2).collect::<Vec<_>>(), [2, 3, 4]);
    assert!(offsets.iter().all(|p| p.1 == partition));
    let absent = Command::new(env!("CARGO_BIN_EXE_projector"))
        .args(["export", "--partition", "99"])
        .env_clear()
        .env("KAFKA_BROKERS", &log.env.settings.kafka.brokers)
        .env("TOPIC_PREFIX", &log.env.settings.kafka.topic_prefix)
        .output()
        .unwrap();
    assert_eq!(absent.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&absent.stderr).contains("--partition 99"));

    // --upcast: the v1 hold at version 2, with the contract's default limit.
    let as_appended = full.iter().find(|l| event_id(l) == old.event_id).unwrap();
    assert_eq!(as_appended["envelope"]["schema_version"], 1);
    assert!(as_appended["envelope"]["data"]
        .get("max_holds_per_user")
        .is_none());
    let upcast = export(&log, &["--upcast"]);
    assert_eq!(upcast.len(), full.len());
    let lifted = upcast.iter().find(|l| event_id(l) == old.event_id).unwrap();
    assert_eq!(lifted["envelope"]["schema_version"], 2);
    assert_eq!(lifted["envelope"]["data"]["max_holds_per_user"], 4);
    assert_eq!(lifted["envelope"]["key"], as_appended["envelope"]["key"]);
    assert_eq!(
        lifted["envelope"]["occurred_at"],
        as_appended["envelope"]["occurred_at"]
    );
    for line in &upcast {
        let envelope = &line["envelope"];
        let info = schemas::current(envelope["event_type"].as_str().unwrap()).unwrap();
        assert_eq!(envelope["schema_version"], info.version, "{line}");
        assert!(line.get("error").is_none(), "{line}");
    }

    // Decisions: exactly the rows the live projector recorded.
    let decisions = export(&log, &["--kind", "decisions"]);
    let recorded: Vec<Uuid> = sqlx::query_scalar("SELECT command_id FROM command_outcomes")
        .fetch_all(&log.pool)
        .await
        .unwrap();
    assert_eq!(decisions.len(), recorded.len());
    assert_eq!(
        command_ids(&decisions),
        recorded.iter().copied().collect::<BTreeSet<_>>()
    );
    let mut conn = log.pool.acquire().await.unwrap();
    for line in &decisions {
        let mut decided: Decision = serde_json::from_value(line.clone()).expect("a decision");
        // Postgres keeps microseconds; the log keeps the event time whole.
        decided.decided_at = decided.decided_at.trunc_subsecs(6);
        let live = Decision::load(&mut conn, decided.command_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(decided, live, "{line}");
    }
    let verdicts: HashMap<&str, usize> =
        decisions.iter().fold(HashMap::new(), |mut counts, line| {
            *counts.entry(line["outcome"].as_str().unwrap()).or_default() += 1;
            counts
        });
    assert!(verdicts["ACCEPTED"] >= before.len() + after.len());

    // A window of decisions: those made at records after the cut, which are
    // the payments (decided by saga steps appended after their requests).
    let late = export(&log, &["--kind", "decisions", "--from", &cut_text]);
    assert_eq!(command_ids(&late), after.iter().copied().collect());
    let early = export(&log, &["--kind", "decisions", "--until", &cut_text]);
    assert_eq!(early.len() + late.len(), decisions.len());
}
