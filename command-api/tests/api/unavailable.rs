//! Dependencies down: `503 UNAVAILABLE` with `Retry-After` within the wait
//! budget, never a hang and never a 500.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app_with, spawn_app_without_topics};

#[tokio::test]
async fn kafka_down_answers_503_with_retry_after() {
    let brokers = format!("127.0.0.1:{}", infra::testing::closed_port());
    let app = spawn_app_without_topics(&[("KAFKA_BROKERS", &brokers)]).await;
    let user = Uuid::new_v4();
    for wait in ["wait=3", "wait=1"] {
        let response = app
            .command("/v1/balance/charges", user, None, &json!({"amount": 1000}))
            .header("Prefer", wait)
            .send()
            .await
            .expect("an answer, not a hang");
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
        assert_problem(response, 503, "UNAVAILABLE").await;
    }

    // A hold too (Redis is up, so the token is checked first).
    let token = app.active_token(user).await;
    let response = app
        .command(
            "/v1/reservations",
            user,
            Some(&token),
            &json!({"schedule_id": Uuid::now_v7(), "seat_number": 1}),
        )
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "UNAVAILABLE").await;
    // Nothing is in the log, so nothing reads PENDING.
    assert_eq!(app.read_model_keys().await, Vec::<String>::new());

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"ticketfold_commands_total{command_type="CHARGE",outcome="unavailable"} 2"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn redis_down_answers_503_and_appends_nothing() {
    let redis_url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let app = spawn_app_with(&[("REDIS_URL", &redis_url)]).await;
    let before = app.log_size().await;
    let response = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 1000}),
        )
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "UNAVAILABLE").await;

    let response = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_problem(response, 503, "UNAVAILABLE").await;
    assert_eq!(app.log_size().await, before);
}
