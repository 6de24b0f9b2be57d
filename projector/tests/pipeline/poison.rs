//! Poison records: bytes that are not UTF-8, strings with a NUL (which
//! Postgres text and jsonb refuse), wrongly typed values, oversized values.
//! Each is set aside in dead letters with a reason Postgres can store, the
//! records after it on its partition are still folded, and a request whose
//! command id can be read gets its refusal instead of staying PENDING.

use infra::decision::{CommandType, Decision};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{charge, concert, eventually, outcome, request, spawn_log, TestLog};

/// A charge request as JSON, to be spoilt before it is appended.
fn charge_json(user: Uuid, amount: i64) -> (Uuid, Value) {
    let envelope = request(&charge(user, amount));
    let value = serde_json::to_value(&envelope).unwrap();
    (envelope.event_id, value)
}

/// Appends raw bytes to the wallets topic under `key`; answers the offset.
async fn append_wallet_record(log: &TestLog, key: &str, payload: &[u8]) -> i64 {
    let (_, offset) = log
        .appender
        .append(&log.topics.wallets, key, payload, &[])
        .await
        .expect("the broker accepts the record");
    offset
}

async fn dead_letter_reason(log: &TestLog, topic: &str, offset: i64) -> Option<String> {
    sqlx::query_scalar(
        "SELECT reason FROM projector_dead_letters WHERE topic = $1 AND record_offset = $2",
    )
    .bind(topic)
    .bind(offset)
    .fetch_optional(&log.pool)
    .await
    .unwrap()
}

fn refused_as_invalid(decision: &Decision) -> String {
    assert_eq!(outcome(decision), "VALIDATION_FAILED", "{decision:?}");
    decision.body["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn poison_records_are_set_aside_their_callers_answered_and_the_partition_folds_on() {
    let log = spawn_log().await;
    let user = Uuid::new_v4();
    let key = user.to_string();

    // Not UTF-8: nothing can be read, not even whose it was.
    let not_utf8 = append_wallet_record(&log, &key, b"{\"event_id\": \"\xff\xfe\"}").await;

    // A NUL inside a string: valid JSON, but no read table could store it.
    let (nul_command, mut nul) = charge_json(user, 1_000);
    nul["data"]["note"] = json!("before\u{0}after");
    let with_nul = append_wallet_record(&log, &key, nul.to_string().as_bytes()).await;

    // A wrongly typed value.
    let (typed_command, mut typed) = charge_json(user, 1_000);
    typed["data"]["amount"] = json!("a thousand");
    let wrong_type = append_wallet_record(&log, &key, typed.to_string().as_bytes()).await;

    // Oversized: far past anything command-api appends.
    let (big_command, mut big) = charge_json(user, 1_000);
    big["data"]["padding"] = json!("x".repeat(200 * 1024));
    let oversized = append_wallet_record(&log, &key, big.to_string().as_bytes()).await;

    // A good charge after them, on the same partition.
    let good = log.ask(charge(user, 5_000)).await;

    let projector = log.spawn_projector().await;
    assert_eq!(outcome(&log.decision(good).await), "ACCEPTED");
    assert_eq!(
        log.count(&format!(
            "SELECT balance FROM wallets WHERE user_id = '{user}'"
        ))
        .await,
        5_000
    );

    let topic = log.topics.wallets.clone();
    let reason = |offset| dead_letter_reason(&log, &topic, offset);
    assert!(
        reason(not_utf8).await.unwrap().contains("not UTF-8"),
        "{:?}",
        reason(not_utf8).await
    );
    let nul_reason = reason(with_nul).await.unwrap();
    assert!(
        nul_reason.contains("$.data.note holds a NUL"),
        "{nul_reason}"
    );
    let typed_reason = reason(wrong_type).await.unwrap();
    assert!(typed_reason.contains("invalid type"), "{typed_reason}");
    let big_reason = reason(oversized).await.unwrap();
    assert!(big_reason.contains("bytes, over the"), "{big_reason}");

    // Every caller whose command id could be read has its final answer,
    // read the way command-api reads it.
    for (command, why) in [
        (nul_command, "NUL"),
        (typed_command, "invalid type"),
        (big_command, "bytes, over the"),
    ] {
        let decision = log.decision(command).await;
        assert_eq!(decision.command_type, CommandType::Charge);
        assert_eq!(decision.user_id, Some(user));
        let detail = refused_as_invalid(&decision);
        assert!(detail.contains(why), "{detail}");
    }
    projector.stop().await;
}

#[tokio::test]
async fn a_nul_in_the_envelope_itself_is_set_aside_and_the_next_record_folds() {
    let log = spawn_log().await;
    let concert_id = Uuid::now_v7();
    let key = concert_id.to_string();
    // Unchecked, the parser would quote the unknown type, NUL and all, in
    // a reason Postgres refuses: the batch would fail again and again.
    let envelope = request(&concert(concert_id, "Fine Title"));
    let mut value = serde_json::to_value(&envelope).unwrap();
    value["event_type"] = json!("Concert\u{0}Registered");
    let (partition, poison) = log.append_raw(&key, value.to_string().as_bytes()).await;
    // The same concert, so the same key and partition, right after it.
    let (_, good) = log.append(concert(concert_id, "After The Poison")).await;
    assert_eq!(good, poison + 1);

    let projector = log.spawn_projector().await;
    eventually("the next record folded", || async {
        log.count(&format!(
            "SELECT count(*) FROM concerts WHERE concert_id = '{concert_id}'"
        ))
        .await
            == 1
    })
    .await;
    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM projector_dead_letters WHERE topic = $1 AND partition = $2 AND record_offset = $3",
    )
    .bind(&log.topics.catalog)
    .bind(partition)
    .bind(poison)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert!(!reason.contains('\0'), "{reason:?}");
    assert!(reason.contains("NUL"), "{reason}");
    projector.stop().await;
}
