//! Aggregates that rest leave memory and come back when touched (issue 14
//! point 2): with `PROJECTOR_PARK_AFTER_SECONDS=0` every aggregate leaves
//! at the end of every batch, so every record after the first of its
//! aggregate is decided on a state read back from Postgres.

use std::collections::BTreeMap;

use infra::kafka::TopicPartition;
use projector::folds::PartitionState;
use projector::parking::{bring_back_keys, prune};
use projector::pipeline::{group_id, States};
use projector::snapshots::restore;
use uuid::Uuid;

use crate::helpers::{eventually, sample, spawn_log_with, total, TestLog, TestProjector};
use crate::snapshots::{
    assert_replay_matches_live, folded_from_zero, projection, restorable, snapshot_offsets,
    stored_offsets, tails,
};
use crate::workload::{assert_books_balance, Workload};

const LET_GO: &str = "ticketfold_projector_aggregates_let_go_total";
const BROUGHT_BACK: &str = "ticketfold_projector_aggregates_brought_back_total";
const HELD: &str = "ticketfold_projector_aggregates_held";
const DUPLICATES: &str = "ticketfold_projector_duplicate_records_total";
const RESTORED: &str = "ticketfold_projector_snapshots_restored_total";
const REBUILT: &str = "ticketfold_projector_state_rebuild_records_total";

async fn spawn_log_parking_at_once() -> TestLog {
    spawn_log_with(&[
        ("PROJECTOR_PARK_AFTER_SECONDS", "0"),
        ("PROJECTOR_SNAPSHOT_EVERY_RECORDS", "7"),
        ("PROJECTOR_SNAPSHOT_EVERY_SECONDS", "86400"),
    ])
    .await
}

/// Every aggregate key parked in `at`.
async fn parked_keys(log: &TestLog, topic: &str, partition: i32) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT DISTINCT key FROM projector_parked WHERE topic = $1 AND partition = $2",
    )
    .bind(topic)
    .bind(partition)
    .fetch_all(&log.pool)
    .await
    .unwrap()
}

/// The aggregates the partitions' newest snapshots hold, all together.
async fn held_by_newest_snapshots(log: &TestLog) -> usize {
    let group = group_id(&log.env.settings);
    let mut conn = log.pool.acquire().await.unwrap();
    let mut held = 0;
    for (at, next) in stored_offsets(log).await {
        let restored = restore(&mut conn, &group, &at, 0, next).await.unwrap();
        held += restored.state.map_or(0, |state| state.held());
    }
    held
}

/// The state of `at` at offset `to`, folded from its snapshot standing at
/// `snapshot`, with every parked aggregate read back as it stood at `to`.
async fn from_snapshot_to(
    log: &TestLog,
    at: &TopicPartition,
    snapshot: i64,
    to: i64,
) -> PartitionState {
    let group = group_id(&log.env.settings);
    let mut conn = log.pool.acquire().await.unwrap();
    let restored = restore(&mut conn, &group, at, 0, snapshot).await.unwrap();
    let mut states = States::new();
    states.insert(at.clone(), restored.state.expect("the snapshot reads"));
    assert_eq!(states[at].next_offset(), snapshot);
    let projection = projection(log);
    projection
        .catch_up
        .run(
            &mut conn,
            &group,
            &projection.engine,
            &mut states,
            &[(at.clone(), snapshot, to)],
        )
        .await
        .unwrap();
    let mut state = states.remove(at).unwrap();
    let keys = parked_keys(log, &at.topic, at.partition).await;
    bring_back_keys(&mut conn, &group, at, &mut state, keys)
        .await
        .unwrap();
    state
}

/// The state a take-over of `at` reaches, with every parked aggregate read
/// back as it stood there.
async fn taken_over_whole(log: &TestLog, at: &TopicPartition) -> (States, u64) {
    let mut states = States::new();
    let taken = projection(log)
        .take_over(&mut states, std::slice::from_ref(at))
        .await
        .unwrap();
    assert!(taken.unreadable.is_empty(), "{:?}", taken.unreadable);
    let keys = parked_keys(log, &at.topic, at.partition).await;
    let mut conn = log.pool.acquire().await.unwrap();
    let state = states.get_mut(at).unwrap();
    bring_back_keys(&mut conn, &group_id(&log.env.settings), at, state, keys)
        .await
        .unwrap();
    (states, taken.restored)
}

#[tokio::test]
async fn aggregates_that_leave_memory_after_every_batch_come_back_deciding_the_same() {
    let log = spawn_log_parking_at_once().await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await, log.open_schedule(8).await];
    let workload = Workload::cycles(&schedules, 12, 8, 7, 2);
    for round in 0..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    let metrics = projector.metrics().await;
    assert!(sample(&metrics, LET_GO) > 0.0, "aggregates left memory");
    assert!(sample(&metrics, BROUGHT_BACK) > 0.0, "and came back");
    projector.stop().await;

    // A restarted projector reads its state from snapshots that lack the
    // parked aggregates, and brings them back as records touch them.
    let restarted = log.spawn_projector().await;
    for round in 4..8 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;

    // A request appended again after its wallet left memory is still known.
    let charge = &workload.rounds[0][0];
    let entries = log.count("SELECT count(*) FROM wallet_entries").await;
    let duplicates = total(&restarted.metrics().await, DUPLICATES);
    log.append_envelope(charge).await;
    log.settled().await;
    let metrics = restarted.metrics().await;
    assert_eq!(total(&metrics, DUPLICATES), duplicates + 1.0);
    assert_eq!(
        log.count("SELECT count(*) FROM wallet_entries").await,
        entries
    );
    // Nothing is left in memory between batches.
    assert_eq!(sample(&metrics, HELD), 0.0);
    assert!(sample(&metrics, BROUGHT_BACK) > 0.0);
    restarted.stop().await;
    assert_books_balance(&log).await;

    // A take-over from the newest snapshot, then from an older one whose
    // tail passes rows parked after it, reaches the state of a fold from 0.
    let stored: BTreeMap<_, _> = stored_offsets(&log).await;
    let mut restored = 0;
    for (at, next) in &stored {
        let from_zero = folded_from_zero(&log, at, *next).await;
        let (states, from_snapshot) = taken_over_whole(&log, at).await;
        assert_eq!(states[at], from_zero, "{at:?} from its newest snapshot");
        restored += from_snapshot;

        let snapshots = snapshot_offsets(&log, at).await;
        if snapshots.len() < 2 {
            continue;
        }
        let later_rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM projector_parked
             WHERE topic = $1 AND partition = $2 AND parked_at > $3",
        )
        .bind(&at.topic)
        .bind(at.partition)
        .bind(snapshots[1])
        .fetch_one(&log.pool)
        .await
        .unwrap();
        assert!(
            later_rows > 0,
            "{at:?}: rows parked after the older snapshot"
        );
        // Halfway from the older snapshot, rows parked later are not read:
        // each aggregate comes back as it stood there.
        let halfway = (snapshots[1] + next) / 2;
        assert_eq!(
            from_snapshot_to(&log, at, snapshots[1], halfway).await,
            folded_from_zero(&log, at, halfway).await,
            "{at:?} halfway from an older snapshot"
        );
        sqlx::query(
            "DELETE FROM projector_snapshots WHERE topic = $1 AND partition = $2 AND next_offset = $3",
        )
        .bind(&at.topic)
        .bind(at.partition)
        .bind(snapshots[0])
        .execute(&log.pool)
        .await
        .unwrap();
        let (states, _) = taken_over_whole(&log, at).await;
        assert_eq!(states[at], from_zero, "{at:?} from an older snapshot");
    }
    assert!(restored > 0, "some partition had a snapshot");

    // Superseded rows are pruned (as each snapshot is taken, against the
    // snapshots stored then; here once more against the last ones): at
    // most one row per aggregate stands at or before a partition's oldest
    // kept snapshot, and every take-over above still reads what it needs.
    let mut conn = log.pool.acquire().await.unwrap();
    for at in stored.keys() {
        prune(&mut conn, &group_id(&log.env.settings), at)
            .await
            .unwrap();
    }
    let kept_too_many: i64 = log
        .count(
            "SELECT count(*) FROM (
                 SELECT p.topic, p.partition, p.key FROM projector_parked p
                 WHERE p.parked_at <= (SELECT min(next_offset) FROM projector_snapshots s
                                       WHERE s.topic = p.topic AND s.partition = p.partition)
                 GROUP BY 1, 2, 3 HAVING count(*) > 1
             ) superseded",
        )
        .await;
    assert_eq!(kept_too_many, 0);
    for (at, next) in &stored {
        let (states, _) = taken_over_whole(&log, at).await;
        assert_eq!(
            states[at],
            folded_from_zero(&log, at, *next).await,
            "{at:?} after the prune"
        );
    }

    // The tables are those of a replay from offset 0.
    assert_replay_matches_live(&log, "replay_parking").await;
}

/// Two rounds folded by a projector that lets aggregates go after 2 s,
/// then nothing more appended until every one has left memory: a batch
/// cannot let its own aggregates go (it just touched them), so only a
/// sweep at rest empties memory. Rounds 2 and 3 are left to append.
async fn gone_quiet() -> (TestLog, TestProjector, Workload) {
    let log = spawn_log_with(&[
        ("PROJECTOR_PARK_AFTER_SECONDS", "2"),
        ("PROJECTOR_SNAPSHOT_EVERY_RECORDS", "7"),
        ("PROJECTOR_SNAPSHOT_EVERY_SECONDS", "86400"),
    ])
    .await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await, log.open_schedule(8).await];
    let workload = Workload::cycles(&schedules, 12, 8, 7, 2);
    for round in 0..2 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    eventually("every rested aggregate let go", || async {
        sample(&projector.metrics().await, HELD) == 0.0
    })
    .await;
    (log, projector, workload)
}

#[tokio::test]
async fn a_partition_that_goes_quiet_lets_its_rested_aggregates_go_without_another_record() {
    let (log, projector, workload) = gone_quiet().await;
    assert!(sample(&projector.metrics().await, LET_GO) > 0.0);
    let rows = log.count("SELECT count(*) FROM projector_parked").await;
    assert!(rows > 0, "they were written before they left");

    // They come back as records touch them, deciding as a fold from 0.
    for round in 2..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    assert!(sample(&projector.metrics().await, BROUGHT_BACK) > 0.0);
    projector.stop().await;
    assert_books_balance(&log).await;
    assert_replay_matches_live(&log, "replay_parked_at_rest").await;
}

#[tokio::test]
async fn a_partition_at_rest_is_snapshotted_without_the_aggregates_it_let_go() {
    let (log, projector, workload) = gone_quiet().await;
    // The snapshots taken while they were live are replaced by ones
    // standing where each partition stopped.
    eventually(
        "every partition snapshotted where it stands, holding nothing",
        || async {
            tails(&log, &BTreeMap::new()).await == 0 && held_by_newest_snapshots(&log).await == 0
        },
    )
    .await;
    projector.stop().await;
    let with_snapshots = restorable(&log).await;
    assert!(with_snapshots > 0);

    // A projector taking the partitions holds none of what rested.
    let restarted = log.spawn_projector().await;
    eventually("every partition restored from its snapshot", || async {
        sample(&restarted.metrics().await, RESTORED) == with_snapshots as f64
    })
    .await;
    let metrics = restarted.metrics().await;
    assert_eq!(sample(&metrics, HELD), 0.0, "{metrics}");
    assert_eq!(sample(&metrics, REBUILT), 0.0, "{metrics}");

    // What it reads back decides as a fold from offset 0 would.
    for round in 2..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    assert!(sample(&restarted.metrics().await, BROUGHT_BACK) > 0.0);
    restarted.stop().await;
    assert_books_balance(&log).await;
    assert_replay_matches_live(&log, "replay_slimmed").await;
}
