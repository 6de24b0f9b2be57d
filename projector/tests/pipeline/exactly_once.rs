//! The batch transaction on its own: applying records whose offsets are
//! already stored changes nothing, whoever applies them (a restarted
//! projector, or a second member briefly owning the partition during a
//! rebalance).

use chrono::Utc;
use infra::kafka::TopicPartition;
use projector::folds::Engine;
use projector::parking::Parking;
use projector::pipeline::{CatchUp, Projection, States};
use projector::record::Record;
use projector::snapshots::SnapshotSchedule;
use schemas::{Envelope, EventMeta, LogEvent};
use uuid::Uuid;

use crate::helpers::{concert, schedule, spawn_log, TestLog};

fn record(topic: &str, offset: i64, event: &LogEvent) -> Record {
    let meta = EventMeta {
        event_id: Uuid::now_v7(),
        occurred_at: Utc::now(),
        correlation_id: Uuid::now_v7(),
        causation_id: None,
    };
    Record {
        topic: topic.to_owned(),
        partition: 0,
        offset,
        timestamp_ms: None,
        key: Some(event.key().into_bytes()),
        payload: Some(Envelope::wrap(event, meta).to_bytes()),
        trace: Default::default(),
    }
}

fn projection(log: &TestLog, group: &str) -> Projection {
    Projection {
        pool: log.pool.clone(),
        group: group.to_owned(),
        engine: Engine::new(&log.topics),
        catch_up: CatchUp::new(&log.env.settings.kafka, group),
        snapshots: SnapshotSchedule::new(&log.env.settings.snapshots),
        parking: Parking::new(&log.env.settings.snapshots),
    }
}

#[tokio::test]
async fn records_behind_the_stored_offset_are_skipped_not_folded_again() {
    let log = spawn_log().await;
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
    let records = vec![
        record(&log.topics.catalog, 0, &concert(concert_id, "Once")),
        record(
            &log.topics.catalog,
            1,
            &schedule(concert_id, schedule_id, 2),
        ),
    ];
    let projection = projection(&log, "exactly-once");
    let mut states = States::new();

    let first = projection.apply(&mut states, &records, None).await.unwrap();
    assert_eq!(first.folded.len(), 2);
    assert_eq!(first.decisions.len(), 2, "both requests are answered");
    assert_eq!(
        first.positions,
        vec![(TopicPartition::new(log.topics.catalog.clone(), 0), 2)]
    );

    // Delete the effects so a second fold would be visible.
    sqlx::query("DELETE FROM schedule_seats")
        .execute(&log.pool)
        .await
        .unwrap();
    let again = projection.apply(&mut states, &records, None).await.unwrap();
    assert!(again.folded.is_empty(), "{again:?}");
    assert_eq!(again.skipped.len(), 2);
    assert_eq!(log.count("SELECT count(*) FROM schedule_seats").await, 0);

    // Another consumer group keeps its own positions.
    let other = projection_for_other_group(&log)
        .apply(&mut States::new(), &records[..1], None)
        .await
        .unwrap();
    assert_eq!(other.folded.len(), 1);
}

fn projection_for_other_group(log: &TestLog) -> Projection {
    projection(log, "another-group")
}

#[tokio::test]
async fn a_batch_that_fails_commits_nothing_not_even_its_offsets() {
    let log = spawn_log().await;
    let concert_id = Uuid::now_v7();
    let records = vec![record(
        &log.topics.catalog,
        0,
        &concert(concert_id, "Doomed"),
    )];
    let projection = projection(&log, "atomic");
    let mut states = States::new();
    // Break the read table so the batch's insert fails inside the transaction.
    sqlx::query("ALTER TABLE concerts RENAME TO concerts_away")
        .execute(&log.pool)
        .await
        .unwrap();
    assert!(projection.apply(&mut states, &records, None).await.is_err());
    assert!(states.is_empty(), "the failed batch's state is thrown away");
    sqlx::query("ALTER TABLE concerts_away RENAME TO concerts")
        .execute(&log.pool)
        .await
        .unwrap();
    assert_eq!(
        log.count("SELECT count(*) FROM projector_offsets WHERE consumer_group = 'atomic'")
            .await,
        0
    );
    assert_eq!(log.count("SELECT count(*) FROM command_outcomes").await, 0);

    // The retry folds it exactly once, and decides it the same way.
    let retried = projection.apply(&mut states, &records, None).await.unwrap();
    assert_eq!(retried.folded.len(), 1);
    assert_eq!(log.count("SELECT count(*) FROM concerts").await, 1);
    assert_eq!(log.count("SELECT count(*) FROM command_outcomes").await, 1);
}
