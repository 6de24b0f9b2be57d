//! A saga's follow-ups stay in the trace of the request that started it:
//! the fold of a record continues the trace in its `traceparent` header,
//! and the follow-ups it appends carry that trace on.

use std::collections::HashMap;
use std::time::Duration;

use infra::kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use infra::kafka::rdkafka::message::{Headers, Message};
use infra::kafka::rdkafka::{ClientConfig, Offset, TopicPartitionList};
use infra::kafka::Topics;
use infra::telemetry::TraceContext;
use schemas::Envelope;
use tracing::Instrument;
use uuid::Uuid;

use crate::helpers::{charge, hold, payment, spawn_log, TestLog, PATIENCE};

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

/// Every record of `topic` (a prefixed name) with its `traceparent`.
async fn traced_records(log: &TestLog, topic: &str) -> Vec<(Envelope, Option<String>)> {
    let kafka = log.env.settings.kafka.clone();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &kafka.brokers)
            .set("group.id", "projector-trace-tests")
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let partitions = Topics::from_settings(&kafka)
            .with_partitions(&kafka)
            .into_iter()
            .find(|(name, _)| *name == topic)
            .map(|(_, count)| count)
            .expect("one of the three topics");
        let mut assignment = TopicPartitionList::new();
        let mut ends = HashMap::new();
        for partition in 0..partitions {
            assignment
                .add_partition_offset(&topic, partition, Offset::Beginning)
                .unwrap();
            let (_, high) = consumer
                .fetch_watermarks(&topic, partition, Duration::from_secs(10))
                .unwrap();
            ends.insert(partition, high);
        }
        consumer.assign(&assignment).unwrap();
        let mut next: HashMap<i32, i64> = ends.keys().map(|p| (*p, 0)).collect();
        let deadline = std::time::Instant::now() + PATIENCE;
        let mut records = Vec::new();
        while ends.iter().any(|(partition, end)| next[partition] < *end) {
            assert!(
                std::time::Instant::now() < deadline,
                "reading {topic} stalled"
            );
            let Some(message) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = message.expect("a record");
            next.insert(message.partition(), message.offset() + 1);
            let envelope = Envelope::from_bytes(message.payload().unwrap()).unwrap();
            let traceparent = message.headers().and_then(|headers| {
                headers
                    .iter()
                    .find(|header| header.key == "traceparent")
                    .and_then(|header| String::from_utf8(header.value?.to_vec()).ok())
            });
            records.push((envelope, traceparent));
        }
        records
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_payments_follow_ups_carry_the_trace_of_its_request() {
    let log = spawn_log().await;
    let _projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;
    let alice = Uuid::now_v7();
    log.decision(log.ask(charge(alice, 100_000)).await).await;
    let reservation = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, reservation, alice, 1, 10)).await)
        .await;

    // The caller's span, continuing a trace from elsewhere, as command-api's
    // request span does. Its target is one of the traced crates'.
    let caller = tracing::info_span!(target: "projector::tests", "caller");
    let traceparent = format!("00-{TRACE_ID}-b7ad6b7169203331-01");
    TraceContext::from_headers([("traceparent", traceparent.as_bytes())]).adopt(&caller);
    let payment_id = Uuid::now_v7();
    let paid = log
        .ask(payment(schedule_id, payment_id, reservation, alice, 20))
        .instrument(caller)
        .await;
    log.decision(paid).await;

    let mut follow_ups = Vec::new();
    for topic in [&log.topics.wallets, &log.topics.reservations] {
        for (envelope, traceparent) in traced_records(&log, topic).await {
            if envelope.event_id == paid {
                let traceparent = traceparent.expect("the request carries a traceparent");
                assert!(traceparent.contains(TRACE_ID), "{traceparent}");
            } else if envelope.correlation_id == paid {
                // A request's correlation id is its own id (records.rs);
                // its saga steps keep it.
                follow_ups.push((envelope.event_type.clone(), traceparent));
            }
        }
    }
    assert!(
        follow_ups.len() >= 2,
        "the payment's saga steps: {follow_ups:?}"
    );
    for (event_type, traceparent) in &follow_ups {
        let traceparent = traceparent
            .as_deref()
            .expect("a follow-up carries a traceparent");
        assert!(
            traceparent.starts_with(&format!("00-{TRACE_ID}-")),
            "{event_type}: {traceparent}"
        );
    }
}
