//! Reading a partition from an offset inside a producer's batch (several
//! appends in flight at once land in one batch). tansu answers a fetch from
//! such an offset with the batches *after* that batch only, where Kafka
//! answers with the whole batch. The offset a partition was stored at, or a
//! snapshot stands for, is wherever a projector's last batch ended, so it
//! often falls inside one; a take-over from there must still see every
//! record after it, or its state lacks them (the growth benchmark's refused
//! settlements: "payment not found" for payments whose requests a rebuild
//! had passed by) and the records are never decided.

use std::time::Duration;

use futures::future::join_all;
use infra::decision::Verdict;
use infra::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use infra::kafka::TopicPartition;
use projector::folds::{Engine, PartitionState};
use projector::pipeline::{group_id, CatchUp, States};
use schemas::Envelope;
use uuid::Uuid;

use crate::helpers::{hold, request, spawn_log, TestLog};

/// Appends `envelopes` in one producer batch, as a busy appender does (the
/// producer lingers until every one is queued), and answers where each
/// landed.
async fn append_in_one_batch(log: &TestLog, envelopes: &[Envelope]) -> Vec<(i32, i64)> {
    let producer: FutureProducer = infra::kafka::client_config(&log.env.settings.kafka)
        .set("linger.ms", "500")
        .set("batch.num.messages", "10000")
        .create()
        .expect("a producer");
    let sends = envelopes.iter().map(|envelope| {
        let producer = &producer;
        let topic = log.topics.name(envelope.open().unwrap().topic()).to_owned();
        let bytes = envelope.to_bytes();
        async move {
            let record = FutureRecord::to(&topic).key(&envelope.key).payload(&bytes);
            let delivery = producer
                .send(record, Duration::from_secs(10))
                .await
                .map_err(|(error, _)| error)
                .expect("the broker accepts the record");
            (delivery.partition, delivery.offset)
        }
    });
    let landed = join_all(sends).await;
    let partition = landed[0].0;
    for (i, (p, offset)) in landed.iter().enumerate() {
        assert_eq!(*p, partition, "one key, one partition");
        assert_eq!(*offset, landed[0].1 + i as i64, "one batch, in order");
    }
    landed
}

/// Holds on one schedule (which need not exist: a refusal is a decision
/// too), one user each.
fn holds(schedule_id: Uuid, count: usize) -> Vec<Envelope> {
    (0..count)
        .map(|i| {
            request(&hold(
                schedule_id,
                Uuid::now_v7(),
                Uuid::now_v7(),
                i as i64 + 1,
                5,
            ))
        })
        .collect()
}

fn catch_up(log: &TestLog) -> (CatchUp, Engine) {
    let settings = &log.env.settings;
    (
        CatchUp::new(&settings.kafka, &group_id(settings)),
        Engine::new(&log.topics),
    )
}

/// Folds `at` from `from` to `to` onto `state` as a take-over does;
/// answers the state and how many records were folded.
async fn folded(
    log: &TestLog,
    at: &TopicPartition,
    state: PartitionState,
    to: i64,
) -> (PartitionState, u64) {
    let (catch_up, engine) = catch_up(log);
    let from = state.next_offset();
    let mut states = States::new();
    states.insert(at.clone(), state);
    let mut conn = log.pool.acquire().await.unwrap();
    let group = group_id(&log.env.settings);
    let folded = catch_up
        .run(
            &mut conn,
            &group,
            &engine,
            &mut states,
            &[(at.clone(), from, to)],
        )
        .await
        .expect("the log folds");
    (states.remove(at).unwrap(), folded)
}

#[tokio::test]
async fn a_state_rebuilt_from_inside_a_producers_batch_folds_every_record_after_it() {
    let log = spawn_log().await;
    let schedule_id = Uuid::now_v7();
    let landed = append_in_one_batch(&log, &holds(schedule_id, 100)).await;
    // One more, on its own, so the partition goes on past the batch.
    let (_, last) = log.append_envelope(&holds(schedule_id, 1)[0]).await;
    let (partition, first) = landed[0];
    let at = TopicPartition::new(log.topics.reservations.clone(), partition);
    let end = last + 1;

    let (whole, _) = folded(&log, &at, PartitionState::default(), end).await;
    // A snapshot (or a state in hand) standing 40 records into the batch.
    let inside = first + 40;
    let (up_to_inside, _) = folded(&log, &at, PartitionState::default(), inside).await;
    assert_eq!(up_to_inside.next_offset(), inside);
    let (rebuilt, count) = folded(&log, &at, up_to_inside, end).await;
    assert_eq!(
        count,
        (end - inside) as u64,
        "every record from {inside} to {end} folded again"
    );
    assert_eq!(rebuilt, whole, "the state of a fold from offset 0");
}

/// Where a projector resumes `at`: as if another one's last batch had
/// ended at `next` and committed there.
async fn stored_at(log: &TestLog, at: &TopicPartition, next: i64) {
    sqlx::query(
        "INSERT INTO projector_offsets (consumer_group, topic, partition, next_offset)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(group_id(&log.env.settings))
    .bind(&at.topic)
    .bind(at.partition)
    .bind(next)
    .execute(&log.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_projector_taking_a_partition_stored_inside_a_producers_batch_decides_every_record_after_it(
) {
    let log = spawn_log().await;
    let schedule_id = Uuid::now_v7();
    let envelopes = holds(schedule_id, 100);
    let landed = append_in_one_batch(&log, &envelopes).await;
    let (partition, first) = landed[0];
    let at = TopicPartition::new(log.topics.reservations.clone(), partition);
    stored_at(&log, &at, first + 40).await;

    // Nothing after the batch: the projector must find its tail by itself.
    let projector = log.spawn_projector().await;
    for envelope in &envelopes[40..] {
        let decision = log.decision(envelope.event_id).await;
        assert!(
            matches!(decision.verdict, Verdict::Refused(_)),
            "a hold on a schedule that does not exist: {decision:?}"
        );
    }
    let earlier: i64 =
        sqlx::query_scalar("SELECT count(*) FROM command_outcomes WHERE command_id = ANY($1)")
            .bind(
                envelopes[..40]
                    .iter()
                    .map(|e| e.event_id)
                    .collect::<Vec<_>>(),
            )
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        earlier, 0,
        "the records before the stored offset count as decided"
    );
    projector.stop().await;
}

#[tokio::test]
async fn a_batch_longer_than_the_reread_is_still_read_whole_when_the_next_record_comes() {
    let log = spawn_log().await;
    let schedule_id = Uuid::now_v7();
    let envelopes = holds(schedule_id, 1_100);
    let landed = append_in_one_batch(&log, &envelopes).await;
    let (partition, first) = landed[0];
    let at = TopicPartition::new(log.topics.reservations.clone(), partition);
    stored_at(&log, &at, first + 1_050).await;

    let projector = log.spawn_projector().await;
    // The record that shows the projector what it passed by.
    let next = log
        .ask(hold(schedule_id, Uuid::now_v7(), Uuid::now_v7(), 1, 5))
        .await;
    log.decision(next).await;
    for envelope in &envelopes[1_050..] {
        log.decision(envelope.event_id).await;
    }
    projector.stop().await;
}
