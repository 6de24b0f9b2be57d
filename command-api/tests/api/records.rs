//! What an accepted command appends: its request record, wrapped in an
//! envelope whose event id is the command id, with the policy in force.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_charge_record_carries_the_callers_correlation_id_and_the_wallet_limits() {
    let app = spawn_app_with(&[("MAX_SINGLE_CHARGE", "70000"), ("MAX_BALANCE", "900000")]).await;
    let user = Uuid::new_v4();
    let correlation = Uuid::now_v7();
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 5000}))
        .header("Prefer", "wait=0")
        .header("X-Correlation-Id", correlation.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.headers().get("x-correlation-id").unwrap(),
        correlation.to_string().as_str()
    );
    let pending: serde_json::Value = response.json().await.unwrap();

    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let records = app.read_topic(&topic).await;
    assert_eq!(records.len(), 1);
    let envelope = &records[0].2;
    assert_eq!(envelope.event_type, "BalanceChargeRequested");
    assert_eq!(envelope.key, user.to_string());
    assert_eq!(envelope.correlation_id, correlation);
    assert_eq!(envelope.causation_id, None);
    assert_eq!(envelope.event_id.get_version_num(), 7);
    assert_eq!(envelope.data["charge_id"], pending["charge_id"]);
    // The charge is its command: a refusal, recorded by command id, is
    // found by the charge's poll.
    assert_eq!(envelope.event_id.to_string(), pending["charge_id"]);
    assert_eq!(envelope.data["amount"], 5000);
    assert_eq!(envelope.data["max_single_charge"], 70000);
    assert_eq!(envelope.data["max_balance"], 900000);
    assert!(
        envelope.open().is_ok(),
        "the record reads back as its event"
    );
}

#[tokio::test]
async fn a_hold_record_carries_its_expiry_and_the_hold_limit_under_the_schedule_key() {
    let app = spawn_app_with(&[("HOLD_TTL_SECONDS", "120"), ("MAX_HOLDS_PER_USER", "2")]).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let schedule_id = Uuid::now_v7();
    let response = app
        .command(
            "/v1/reservations",
            user,
            Some(&token),
            &json!({"schedule_id": schedule_id, "seat_number": 7}),
        )
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::RESERVATIONS;
    let records = app.read_topic(&topic).await;
    assert_eq!(records.len(), 1);
    let envelope = &records[0].2;
    assert_eq!(envelope.event_type, "SeatHoldRequested");
    assert_eq!(envelope.schema_version, 2);
    assert_eq!(envelope.key, schedule_id.to_string());
    let requested: chrono::DateTime<chrono::Utc> = envelope.data["requested_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expires: chrono::DateTime<chrono::Utc> = envelope.data["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires - requested, chrono::Duration::seconds(120));
    assert_eq!(requested, envelope.occurred_at);
    assert_eq!(envelope.data["max_holds_per_user"], 2);
    assert_eq!(envelope.data["seat_number"], 7);
    assert_eq!(envelope.data["user_id"], user.to_string());
}

/// Every command appended is handed to its partition's projector as soon
/// as the broker acknowledges it: the hand-off names the record's place in
/// the log and carries the very bytes, key and trace context found there.
/// (With `KAFKA_HANDOFF=off` no hand-off comes and this fails.)
#[tokio::test]
async fn an_appended_command_is_handed_off_as_the_log_holds_it() {
    use futures::StreamExt;
    use infra::handoff::{channel, HandedOff};
    use infra::redis::KeySpace;

    let app = spawn_app_with(&[]).await;
    let settings = app.settings();
    let topic = settings.kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let keys = KeySpace::new(settings.redis.key_prefix.clone());
    let client = redis::Client::open(settings.redis.url.as_str()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    for partition in 0..settings.kafka.partitions.wallets {
        pubsub
            .subscribe(channel(&keys, &topic, partition))
            .await
            .unwrap();
    }
    let user = Uuid::new_v4();
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 5000}))
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    let message = tokio::time::timeout(crate::helpers::PATIENCE, pubsub.on_message().next())
        .await
        .expect("a hand-off within the patience")
        .expect("the subscription is open");
    let handed = HandedOff::from_bytes(message.get_payload_bytes()).expect("a hand-off");
    let records = app.read_records(&topic).await;
    assert_eq!(records.len(), 1);
    let logged = &records[0];
    assert_eq!(handed.topic, topic);
    assert_eq!(
        (handed.partition, handed.offset),
        (logged.partition, logged.offset)
    );
    assert_eq!(handed.key, user.to_string().into_bytes());
    let payload = schemas::Envelope::from_bytes(&handed.payload).expect("the record's envelope");
    assert_eq!(payload.event_id, logged.envelope.event_id);
    assert_eq!(payload.to_bytes(), logged.envelope.to_bytes());
    assert_eq!(handed.trace.traceparent(), logged.header("traceparent"));
    assert!(
        handed.trace.traceparent().is_some(),
        "records carry their trace"
    );
}
