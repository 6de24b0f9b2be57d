use std::collections::BTreeMap;
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use projector::replay::{self, ReplayOptions};

use crate::helpers::{exported, spawn_log, TestLog};
use crate::workload::{assert_books_balance, Workload};

fn cli(log: &TestLog, args: &[&str]) -> Output {
    let s = &log.env.settings;
    let output = Command::new(env!("CARGO_BIN_EXE_projector"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", s.database.url())
        .env("KAFKA_BROKERS", &s.kafka.brokers)
        .env("TOPIC_PREFIX", &s.kafka.topic_prefix)
        .env("REDIS_URL", &s.redis.url)
        .env(
            "QUEUE_TOKEN_SECRET",
            s.queue.token_keys.signing_secret().expose(),
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test]
async fn a_replay_of_the_log_rebuilds_the_live_tables_and_the_export_holds_every_record() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await];
    let workload = Workload::mixed(&schedules, 16, 8, 42);
    for round in 0..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    projector.stop().await;
    assert_books_balance(&log).await;

    let live = log.checksum().await;
    let report = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some("replay_all".into()),
            ..Default::default()
        },
    )
    .await
    .expect("the replay runs");
    assert_eq!(report.schema, "replay_all");
    assert_eq!(report.checksum, live);
    // One writer builds the same tables as the default two.
    let one = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some("replay_one".into()),
            writers: Some(1),
            ..Default::default()
        },
    )
    .await
    .expect("the replay runs");
    assert_eq!(one.checksum, live);

    // The export holds every record, each partition in offset order.
    let lines = exported(&log, None).await;
    assert_eq!(report.records as usize, lines.len());
    let mut next: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for line in &lines {
        let at = (
            line["topic"].as_str().unwrap().to_owned(),
            line["partition"].as_i64().unwrap(),
        );
        let expected = next.entry(at).or_insert(0);
        assert_eq!(line["offset"].as_i64(), Some(*expected), "{line}");
        *expected += 1;
        assert!(line["envelope"]["event_id"].is_string(), "{line}");
        assert!(line["timestamp"].is_string(), "{line}");
    }
    let total: usize = workload.len() + 2 /* concert, schedule */ + 1 /* inventory */;
    assert!(lines.len() > total, "requests plus saga follow-ups");

    // Up to a time before anything was appended: nothing.
    let before = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            until: Some(Utc.with_ymd_and_hms(2001, 1, 1, 0, 0, 0).unwrap()),
            schema: Some("replay_nothing".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(before.records, 0);
    assert!(before.checksum.rows.iter().all(|(_, n)| *n == 0));
    let exists = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some("replay_all".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(exists, Err(replay::ReplayError::SchemaExists(_))));

    // The same from the command line.
    let printed = String::from_utf8(cli(&log, &["checksum"]).stdout).unwrap();
    assert!(
        printed.contains(&format!("checksum {}", live.digest)),
        "{printed}"
    );
    let printed = String::from_utf8(
        cli(
            &log,
            &["replay", "--schema", "replay_cli", "--writers", "3"],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        printed.contains(&format!("checksum {}", live.digest)),
        "{printed}"
    );
    assert!(printed.contains("events/s"), "{printed}");
    let printed =
        String::from_utf8(cli(&log, &["checksum", "--schema", "replay_cli"]).stdout).unwrap();
    assert!(
        printed.contains(&format!("checksum {}", live.digest)),
        "{printed}"
    );
    let file = std::env::temp_dir().join(format!("{}-wallets.jsonl", log.env.id));
    cli(
        &log,
        &[
            "export",
            "--topic",
            "concert.wallets.v1",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let wallets = lines
        .iter()
        .filter(|l| l["topic"].as_str().unwrap().ends_with("concert.wallets.v1"))
        .count();
    assert_eq!(written.lines().count(), wallets);
}
