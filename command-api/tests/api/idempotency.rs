//! `Idempotency-Key` without a projector: commands stay undecided (202), so
//! these pin down claiming, following and refusing reuse. Replays of final
//! answers are in `decisions`.

use futures::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, assert_refused_without_append, spawn_app};

async fn charge(
    app: &crate::helpers::TestApp,
    user: Uuid,
    key: &str,
    body: &str,
) -> (u16, Value, Option<String>) {
    let response = app
        .post("/v1/balance/charges")
        .header("X-User-Id", user.to_string())
        .header("Idempotency-Key", key)
        .header("Prefer", "wait=0")
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), location)
}

#[tokio::test]
async fn a_retry_of_a_pending_command_follows_the_same_command_and_appends_once() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let before = app.log_size().await;

    let (status, first, location) = charge(&app, user, "k-1", r#"{"amount": 5000}"#).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "PENDING");
    let charge_id = first["charge_id"].as_str().unwrap().to_owned();
    assert_eq!(
        location.unwrap(),
        format!("http://127.0.0.1:8081/v1/balance/charges/{charge_id}")
    );

    // The same body as JSON values: other spacing and key order.
    let (status, again, _) = charge(&app, user, "k-1", "{ \"amount\" :5000 }").await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again, first);
    assert_eq!(app.log_size().await, before + 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_409_idempotency_key_reused() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let (status, _, _) = charge(&app, user, "k-2", r#"{"amount": 5000}"#).await;
    assert_eq!(status, 202);
    let request = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 6000}))
        .header("Idempotency-Key", "k-2");
    assert_refused_without_append(&app, request, 409, "IDEMPOTENCY_KEY_REUSED").await;
}

#[tokio::test]
async fn keys_are_scoped_to_the_user_and_the_path() {
    let app = spawn_app().await;
    let before = app.log_size().await;
    let (_, mine, _) = charge(&app, Uuid::new_v4(), "shared", r#"{"amount": 5000}"#).await;
    let (_, theirs, _) = charge(&app, Uuid::new_v4(), "shared", r#"{"amount": 5000}"#).await;
    assert_ne!(mine["charge_id"], theirs["charge_id"]);
    assert_eq!(app.log_size().await, before + 2);
}

#[tokio::test]
async fn requests_racing_on_one_key_append_once() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let before = app.log_size().await;
    let answers = join_all((0..12).map(|_| charge(&app, user, "race", r#"{"amount": 700}"#))).await;
    let ids: std::collections::HashSet<_> = answers
        .iter()
        .map(|(status, body, _)| {
            assert_eq!(*status, 202, "{body}");
            body["charge_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(app.log_size().await, before + 1);
}

#[tokio::test]
async fn a_refused_request_claims_no_key() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 0}))
        .header("Idempotency-Key", "k-3")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "VALIDATION_FAILED").await;
    // The key is still free for a valid body.
    let (status, body, _) = charge(&app, user, "k-3", r#"{"amount": 100}"#).await;
    assert_eq!(status, 202, "{body}");
}

/// A second instance on the same database, Redis and topics.
async fn second_instance(app: &crate::helpers::TestApp, brokers: Option<&str>) -> String {
    let mut settings = app.settings().clone();
    if let Some(brokers) = brokers {
        settings.kafka.brokers = brokers.to_owned();
    }
    let application = command_api::startup::Application::build(settings)
        .await
        .expect("the second instance builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    address
}

#[tokio::test]
async fn two_instances_racing_on_one_key_append_once() {
    let app = spawn_app().await;
    let other = second_instance(&app, None).await;
    let user = Uuid::new_v4();
    let before = app.log_size().await;
    let send = |address: String| {
        let client = app.client.clone();
        async move {
            let response = client
                .post(format!("{address}/v1/balance/charges"))
                .header("X-User-Id", user.to_string())
                .header("Idempotency-Key", "across-instances")
                .header("Prefer", "wait=0")
                .json(&json!({"amount": 900}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
            response.json::<Value>().await.unwrap()["charge_id"].clone()
        }
    };
    let answers = join_all((0..10).map(|at| {
        send(if at % 2 == 0 {
            app.address.clone()
        } else {
            other.clone()
        })
    }))
    .await;
    assert!(answers.iter().all(|id| *id == answers[0]), "{answers:?}");
    assert_eq!(app.log_size().await, before + 1);
}

#[tokio::test]
async fn an_unacknowledged_append_is_appended_again_by_a_retry_with_the_same_ids() {
    let app = spawn_app().await;
    let closed = format!("127.0.0.1:{}", infra::testing::closed_port());
    let cut_off = second_instance(&app, Some(&closed)).await;
    let user = Uuid::new_v4();
    let before = app.log_size().await;

    let response = app
        .client
        .post(format!("{cut_off}/v1/balance/charges"))
        .header("X-User-Id", user.to_string())
        .header("Idempotency-Key", "after-an-outage")
        .header("Prefer", "wait=1")
        .json(&json!({"amount": 900}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 503, "UNAVAILABLE").await;
    assert_eq!(app.log_size().await, before);

    // Once the first attempt is certainly over, a retry appends the record
    // the key was claimed with; until then it only waits for it.
    let mut appended = None;
    for _ in 0..20 {
        let (status, body, _) = charge(&app, user, "after-an-outage", r#"{"amount": 900}"#).await;
        assert_eq!(status, 202, "{body}");
        if app.log_size().await == before + 1 {
            appended = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let appended = appended.expect("the retry appended the claimed record");
    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let records = app.read_topic(&topic).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].2.data["charge_id"], appended["charge_id"]);
    let (_, again, _) = charge(&app, user, "after-an-outage", r#"{"amount": 900}"#).await;
    assert_eq!(again, appended);
    assert_eq!(app.log_size().await, before + 1);
}

#[tokio::test]
async fn a_key_past_its_24_hours_starts_afresh() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let (_, first, _) = charge(&app, user, "old-key", r#"{"amount": 100}"#).await;
    let pool = infra::postgres::connect(&app.settings().database)
        .await
        .unwrap();
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, second, _) = charge(&app, user, "old-key", r#"{"amount": 200}"#).await;
    assert_eq!(status, 202, "{second}");
    assert_ne!(second["charge_id"], first["charge_id"]);
}
