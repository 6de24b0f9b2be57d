//! Snapshots of partition state: taking a partition folds only the records
//! after its newest readable snapshot, and reaches the very state (and
//! tables) a fold from offset 0 reaches.

use std::collections::BTreeMap;

use infra::kafka::TopicPartition;
use projector::folds::{Engine, PartitionState};
use projector::parking::Parking;
use projector::pipeline::{group_id, CatchUp, Projection, States};
use projector::replay::{self, ReplayOptions};
use projector::snapshots::SnapshotSchedule;
use uuid::Uuid;

use crate::helpers::{concert, eventually, hold, sample, spawn_log_with, TestLog, TestProjector};
use crate::workload::{assert_books_balance, Workload};

const RESTORED: &str = "ticketfold_projector_snapshots_restored_total";
const TAKEN: &str = "ticketfold_projector_snapshots_taken_total";
const REBUILT: &str = "ticketfold_projector_state_rebuild_records_total";
const FOLDED_CONCERTS: &str = r#"ticketfold_projector_events_folded_total{event_type="ConcertRegistered",topic="concert.catalog.v1"}"#;

/// A snapshot every few records, never by the clock, so what is
/// snapshotted depends on the records only.
async fn spawn_log_snapshotting_every(records: u64) -> TestLog {
    spawn_log_with(&[
        ("PROJECTOR_SNAPSHOT_EVERY_RECORDS", &records.to_string()),
        ("PROJECTOR_SNAPSHOT_EVERY_SECONDS", "86400"),
    ])
    .await
}

pub fn projection(log: &TestLog) -> Projection {
    let settings = &log.env.settings;
    let group = group_id(settings);
    Projection {
        pool: log.pool.clone(),
        engine: Engine::new(&log.topics),
        catch_up: CatchUp::new(&settings.kafka, &group),
        snapshots: SnapshotSchedule::new(&settings.snapshots),
        parking: Parking::new(&settings.snapshots),
        group,
    }
}

/// Every partition that holds records, with its stored offset.
pub async fn stored_offsets(log: &TestLog) -> BTreeMap<TopicPartition, i64> {
    let rows: Vec<(String, i32, i64)> = sqlx::query_as(
        "SELECT topic, partition, next_offset FROM projector_offsets WHERE next_offset > 0",
    )
    .fetch_all(&log.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(topic, partition, next)| (TopicPartition::new(topic, partition), next))
        .collect()
}

/// Appends concerts until every catalog partition holds at least
/// `records` (keys pick partitions).
async fn fill_catalog_partitions(log: &TestLog, records: u32) {
    let partitions = log.env.settings.kafka.partitions.catalog;
    let mut per_partition = BTreeMap::new();
    let mut i = 0;
    while (0..partitions).any(|p| per_partition.get(&p).copied().unwrap_or(0) < records) {
        let (partition, _) = log
            .append(concert(Uuid::now_v7(), &format!("Tour {i}")))
            .await;
        *per_partition.entry(partition).or_insert(0) += 1;
        i += 1;
    }
}

/// The records a projector that takes every partition folds again: each
/// partition's records after its newest snapshot, or after `from`'s offset
/// where it names the partition.
pub async fn tails(log: &TestLog, from: &BTreeMap<TopicPartition, i64>) -> u64 {
    let mut records = 0;
    for (at, next) in stored_offsets(log).await {
        let start = match from.get(&at) {
            Some(start) => *start,
            None => snapshot_offsets(log, &at)
                .await
                .into_iter()
                .find(|offset| *offset <= next)
                .unwrap_or(0),
        };
        records += (next - start) as u64;
    }
    records
}

/// The partitions a projector that takes every partition restores from a
/// snapshot.
pub async fn restorable(log: &TestLog) -> u64 {
    let mut partitions = 0;
    for (at, next) in stored_offsets(log).await {
        let snapshots = snapshot_offsets(log, &at).await;
        partitions += u64::from(snapshots.iter().any(|offset| *offset <= next));
    }
    partitions
}

/// The offsets a partition's snapshots stand for, newest first.
pub async fn snapshot_offsets(log: &TestLog, at: &TopicPartition) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT next_offset FROM projector_snapshots WHERE topic = $1 AND partition = $2
         ORDER BY next_offset DESC",
    )
    .bind(&at.topic)
    .bind(at.partition)
    .fetch_all(&log.pool)
    .await
    .unwrap()
}

/// The partition's state folded from offset 0 up to `to`, no snapshot used.
pub async fn folded_from_zero(log: &TestLog, at: &TopicPartition, to: i64) -> PartitionState {
    let projection = projection(log);
    let mut states = States::new();
    states.insert(at.clone(), PartitionState::default());
    let mut conn = log.pool.acquire().await.unwrap();
    let folded = projection
        .catch_up
        .run(
            &mut conn,
            &projection.group,
            &projection.engine,
            &mut states,
            &[(at.clone(), 0, to)],
        )
        .await
        .expect("the log folds");
    assert_eq!(folded, to as u64, "every record before {to} folded");
    states.remove(at).unwrap()
}

/// The live tables equal a replay of the whole log from offset 0.
pub async fn assert_replay_matches_live(log: &TestLog, schema: &str) {
    let live = log.checksum().await;
    let replayed = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some(schema.into()),
            ..Default::default()
        },
    )
    .await
    .expect("the replay runs");
    assert_eq!(replayed.checksum, live);
}

async fn metric(projector: &TestProjector, series: &str) -> f64 {
    sample(&projector.metrics().await, series)
}

#[tokio::test]
async fn state_from_a_snapshot_and_the_tail_equals_a_fold_from_offset_zero() {
    let log = spawn_log_snapshotting_every(7).await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await, log.open_schedule(8).await];
    let workload = Workload::cycles(&schedules, 12, 8, 7, 2);
    for round in 0..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    assert!(
        metric(&projector, TAKEN).await > 0.0,
        "snapshots were taken"
    );
    projector.stop().await;

    // A restarted projector goes on from the snapshots.
    let restarted = log.spawn_projector().await;
    for round in 4..8 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    assert!(metric(&restarted, RESTORED).await > 0.0);
    restarted.stop().await;
    assert_books_balance(&log).await;

    // The state a take-over reaches, from the newest snapshot and then from
    // an older one with a longer tail, is the state of a fold from 0.
    let stored = stored_offsets(&log).await;
    let mut restored = 0;
    for (at, next) in &stored {
        let from_zero = folded_from_zero(&log, at, *next).await;
        let mut states = States::new();
        let taken = projection(&log)
            .take_over(&mut states, std::slice::from_ref(at))
            .await
            .unwrap();
        assert!(taken.unreadable.is_empty(), "{:?}", taken.unreadable);
        assert_eq!(states[at], from_zero, "{at:?} from its newest snapshot");
        restored += taken.restored;

        let snapshots = snapshot_offsets(&log, at).await;
        if snapshots.len() < 2 {
            continue;
        }
        sqlx::query("DELETE FROM projector_snapshots WHERE topic = $1 AND partition = $2 AND next_offset = $3")
            .bind(&at.topic)
            .bind(at.partition)
            .bind(snapshots[0])
            .execute(&log.pool)
            .await
            .unwrap();
        let mut states = States::new();
        let taken = projection(&log)
            .take_over(&mut states, std::slice::from_ref(at))
            .await
            .unwrap();
        assert_eq!(taken.restored, 1);
        assert_eq!(
            taken.rebuilt,
            (*next - snapshots[1]) as u64,
            "only the tail"
        );
        assert!(taken.rebuilt > 0);
        assert_eq!(states[at], from_zero, "{at:?} from an older snapshot");
    }
    assert!(restored > 0, "some partition had a snapshot");

    // The tables a projector built across a restart from snapshots are the
    // tables a replay from offset 0 builds.
    assert_replay_matches_live(&log, "replay_snapshots").await;
}

#[tokio::test]
async fn a_corrupt_or_future_snapshot_is_passed_over_for_an_older_one_or_a_fold_from_zero() {
    let log = spawn_log_snapshotting_every(5).await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await];
    let user = Uuid::now_v7();
    // Marks the schedule's partition: the one whose snapshots go bad.
    let (partition, _) = log
        .append(hold(schedules[0], Uuid::now_v7(), user, 1, 5))
        .await;
    let at = TopicPartition::new(log.topics.reservations.clone(), partition);
    let workload = Workload::mixed(&schedules, 16, 8, 11);
    for round in 0..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    // A snapshot is due every 5 records, but not while the last one is
    // still being written: on a starved machine the whole workload can
    // fold meanwhile. More records on the partition until two are stored.
    for more in 0..20 {
        if snapshot_offsets(&log, &at).await.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        for seat in 1..=5 {
            log.append(hold(schedules[0], Uuid::now_v7(), user, seat, 30 + more))
                .await;
        }
        log.settled().await;
    }
    projector.stop().await;

    let next = stored_offsets(&log).await[&at];
    let snapshots = snapshot_offsets(&log, &at).await;
    assert!(snapshots.len() >= 2, "{snapshots:?}");
    // The newest written by a newer build, the next one damaged on disk.
    let set = |sql: &'static str, offset: i64| {
        let (pool, topic) = (log.pool.clone(), at.topic.clone());
        async move {
            sqlx::query(sql)
                .bind(topic)
                .bind(partition)
                .bind(offset)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    set(
        "UPDATE projector_snapshots SET format_version = format_version + 1
         WHERE topic = $1 AND partition = $2 AND next_offset = $3",
        snapshots[0],
    )
    .await;
    set(
        "UPDATE projector_snapshots SET body = body || '\\x00'::bytea
         WHERE topic = $1 AND partition = $2 AND next_offset = $3",
        snapshots[1],
    )
    .await;
    let start = snapshots.get(2).copied().unwrap_or(0);

    let from_zero = folded_from_zero(&log, &at, next).await;
    let mut states = States::new();
    let taken = projection(&log)
        .take_over(&mut states, std::slice::from_ref(&at))
        .await
        .unwrap();
    let reasons: Vec<&str> = taken.unreadable.iter().map(|u| u.reason()).collect();
    assert_eq!(reasons, ["format_version", "digest"]);
    assert_eq!(taken.restored, u64::from(start > 0));
    assert_eq!(taken.rebuilt, (next - start) as u64);
    assert_eq!(states[&at], from_zero);

    // A projector taking the partition does the same, and decides on. It
    // takes every partition at once: `at` from the third snapshot, the
    // others from their newest.
    let expected = tails(&log, &BTreeMap::from([(at.clone(), start)])).await;
    let restarted = log.spawn_projector().await;
    let asked = log
        .ask(hold(schedules[0], Uuid::now_v7(), Uuid::now_v7(), 2, 6))
        .await;
    log.decision(asked).await;
    // The unreadable snapshots are the batch's last counts.
    eventually("the snapshots passed over counted", || async {
        metric(
            &restarted,
            r#"ticketfold_projector_snapshots_unreadable_total{reason="digest"}"#,
        )
        .await
            == 1.0
    })
    .await;
    let metrics = restarted.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"ticketfold_projector_snapshots_unreadable_total{reason="format_version"}"#
        ),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"ticketfold_projector_snapshots_unreadable_total{reason="digest"}"#
        ),
        1.0
    );
    assert_eq!(sample(&metrics, REBUILT), expected as f64);
    log.settled().await;
    restarted.stop().await;
    assert_replay_matches_live(&log, "replay_bad_snapshots").await;
}

#[tokio::test]
async fn a_restarted_projector_folds_only_the_records_after_the_snapshot() {
    let log = spawn_log_snapshotting_every(4).await;
    let projector = log.spawn_projector().await;
    // Enough records for a snapshot in every partition, wherever the
    // encore lands.
    fill_catalog_partitions(&log, 4).await;
    log.settled().await;
    projector.stop().await;

    // Appended while no projector runs: its partition is taken with it.
    let (partition, _) = log.append(concert(Uuid::now_v7(), "Encore")).await;
    let at = TopicPartition::new(log.topics.catalog.clone(), partition);
    let newest = snapshot_offsets(&log, &at).await;
    let snapshot = *newest.first().expect("the partition has a snapshot");
    assert!(snapshot > 0);

    let with_snapshots = restorable(&log).await as f64;
    let expected = tails(&log, &BTreeMap::new()).await;
    let folded: i64 = stored_offsets(&log).await.values().sum();
    assert!((expected as i64) < folded, "{expected} of {folded}");

    let restarted = log.spawn_projector().await;
    eventually("the encore folded", || async {
        metric(&restarted, FOLDED_CONCERTS).await == 1.0
    })
    .await;
    let metrics = restarted.metrics().await;
    assert_eq!(sample(&metrics, RESTORED), with_snapshots, "{metrics}");
    assert_eq!(
        sample(&metrics, REBUILT),
        expected as f64,
        "only the records after each partition's snapshot are folded again"
    );
    restarted.stop().await;
}

#[tokio::test]
async fn a_projector_brings_the_partitions_it_takes_up_to_date_before_their_records_come() {
    let log = spawn_log_snapshotting_every(4).await;
    let projector = log.spawn_projector().await;
    fill_catalog_partitions(&log, 6).await;
    log.settled().await;
    projector.stop().await;
    let (expected, with_snapshots) = (tails(&log, &BTreeMap::new()).await, restorable(&log).await);
    assert!(with_snapshots > 0);

    // Nothing is appended: a projector that only rebuilt a partition when
    // its next record came would restore nothing here.
    let restarted = log.spawn_projector().await;
    eventually(
        "every partition with a snapshot restored from it",
        || async { metric(&restarted, RESTORED).await == with_snapshots as f64 },
    )
    .await;
    assert_eq!(metric(&restarted, REBUILT).await, expected as f64);
    // The state it brought up decides on.
    let (_, offset) = log.append(concert(Uuid::now_v7(), "Encore")).await;
    log.settled().await;
    eventually("the encore folded", || async {
        metric(&restarted, FOLDED_CONCERTS).await == 1.0
    })
    .await;
    assert!(offset > 0);
    restarted.stop().await;
    assert_replay_matches_live(&log, "replay_taken_at_once").await;
}

#[tokio::test]
async fn a_snapshot_being_written_holds_no_decision_up() {
    // Due after every record, so every batch below hands one over.
    let log = spawn_log_snapshotting_every(1).await;
    let projector = log.spawn_projector().await;
    let first = log.ask(concert(Uuid::now_v7(), "Opening")).await;
    log.decision(first).await;
    let written_before = log.count("SELECT count(*) FROM projector_snapshots").await;

    // A transaction of the test's own keeps every snapshot write waiting
    // (SHARE mode: reads go on, so taking partitions does too). Written
    // inside the batch's transaction, the snapshots would hold these
    // decisions up until the lock goes.
    let mut blocker = log.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE projector_snapshots IN SHARE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    for i in 0..5 {
        let asked = log.ask(concert(Uuid::now_v7(), &format!("Tour {i}"))).await;
        let decision = log.decision(asked).await;
        assert_eq!(
            decision.verdict,
            infra::decision::Verdict::Accepted,
            "{decision:?}"
        );
    }
    blocker.rollback().await.unwrap();

    // The writes that waited land once it is gone.
    eventually("the snapshots that waited are stored", || async {
        log.count("SELECT count(*) FROM projector_snapshots").await > written_before
    })
    .await;
    projector.stop().await;
    assert_replay_matches_live(&log, "replay_snapshot_writes").await;
}
