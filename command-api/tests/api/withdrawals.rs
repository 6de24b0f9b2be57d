//! An append the broker took but never acknowledged: answered `202` (never
//! `503`, which promises the command never applies), withdrawn behind it,
//! and its `Location` reaches a final outcome that the books agree with.

use std::time::Duration;

use infra::testing::broker::PausableBroker;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::spawn_app_with;

/// Time for the broker to come back and the projector to fold both.
const SETTLING: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_unconfirmed_append_is_answered_202_withdrawn_and_reaches_a_final_outcome() {
    let broker = PausableBroker::start().unwrap();
    let brokers = broker.address();
    let app = spawn_app_with(&[("KAFKA_BROKERS", &brokers)]).await;
    let projector = app.spawn_projector().await;
    let user = Uuid::new_v4();
    // Connected and decided once, so the next append is sent at once.
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 1000}))
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    broker.pause().unwrap();
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 500}))
        .header("Prefer", "wait=1")
        .send()
        .await
        .expect("an answer, not a hang");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    broker.resume().unwrap();
    assert_eq!(
        status, 202,
        "the record may be in the log, so no 503: {body}"
    );
    assert_eq!(body["status"], "PENDING", "{body}");
    let charge_id: Uuid = body["charge_id"].as_str().unwrap().parse().unwrap();
    assert!(
        location.is_some_and(|l| l.ends_with(&format!("/v1/balance/charges/{charge_id}"))),
        "a Location to follow"
    );

    // Whichever of the charge and its withdrawal the partition holds
    // first decides; both are in the log, and the books agree.
    let pool = sqlx::PgPool::connect_with(app.settings().database.connect_options())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + SETTLING;
    let outcome: String = loop {
        let outcome: Option<String> =
            sqlx::query_scalar("SELECT outcome FROM command_outcomes WHERE command_id = $1")
                .bind(charge_id)
                .fetch_optional(&pool)
                .await
                .unwrap();
        if let Some(outcome) = outcome {
            break outcome;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no final outcome for the charge within {SETTLING:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let balance = loop {
        let balance: Option<i64> =
            sqlx::query_scalar("SELECT balance FROM wallets WHERE user_id = $1")
                .bind(user)
                .fetch_optional(&pool)
                .await
                .unwrap();
        let settled = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM owed_withdrawals")
            .fetch_one(&pool)
            .await
            .unwrap();
        if settled == 0 {
            break balance;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the withdrawal owed is never appended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let records = app.read_topic(&topic).await;
    let withdrawals = records
        .iter()
        .filter(|(_, _, envelope)| {
            envelope.event_type == "WalletRequestWithdrawn"
                && envelope.causation_id == Some(charge_id)
        })
        .count();
    assert!(withdrawals >= 1, "the withdrawal is in the log");
    match outcome.as_str() {
        "ACCEPTED" => assert_eq!(balance, Some(1500), "charged once"),
        "UNAVAILABLE" => assert_eq!(balance, Some(1000), "never charged"),
        other => panic!("the charge was decided {other}"),
    }
    // And the producer appends as before.
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 1}))
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"ticketfold_command_withdrawals_total{command_type="CHARGE"} 1"#),
        "{metrics}"
    );
    projector.stop().await;
}
