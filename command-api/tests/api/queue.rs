//! The waiting queue as mounted in the command-api, through the real server:
//! issuing tokens, the admitter at work, and a waiting token refused.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{assert_problem, assert_refused_without_append, spawn_app_with};

#[tokio::test]
async fn issuing_is_201_then_200_with_the_same_token_and_place() {
    // A cap of one keeps the second user waiting whatever the admitter does.
    let app = spawn_app_with(&[("QUEUE_ACTIVE_MAX", "1")]).await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let first_token = app.active_token(first).await;

    let (status, joined) = app.join_queue(second).await;
    assert_eq!(status, 201, "{joined}");
    assert_eq!(joined["status"], "WAITING");
    assert_eq!(joined["position"], 1);
    assert!(joined["expires_at"].is_string());

    let (status, again) = app.join_queue(second).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["token"], joined["token"]);
    assert_eq!(again["position"], 1);

    let (status, active) = app.join_queue(first).await;
    assert_eq!(status, 200);
    assert_eq!(active["token"], first_token.as_str());
    assert_eq!(
        (&active["status"], &active["position"]),
        (&json!("ACTIVE"), &json!(0))
    );
}

#[tokio::test]
async fn issuing_needs_a_user() {
    let app = spawn_app_with(&[]).await;
    let response = app.post("/v1/queue/tokens").send().await.unwrap();
    assert_problem(response, 401, "UNAUTHENTICATED").await;
}

#[tokio::test]
async fn a_waiting_token_is_refused_with_403_queue_token_not_active_before_the_body() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_MAX", "1")]).await;
    app.active_token(Uuid::new_v4()).await;
    let waiting = Uuid::new_v4();
    let (_, joined) = app.join_queue(waiting).await;
    assert_eq!(joined["status"], "WAITING");
    let token = joined["token"].as_str().unwrap();

    // The body is invalid too: the token is checked first.
    let request = app.command(
        "/v1/reservations",
        waiting,
        Some(token),
        &json!({"schedule_id": "nope", "seat_number": 1.0}),
    );
    assert_refused_without_append(&app, request, 403, "QUEUE_TOKEN_NOT_ACTIVE").await;

    let request = app.command(
        "/v1/payments",
        waiting,
        Some(token),
        &json!({"reservation_id": Uuid::now_v7()}),
    );
    assert_refused_without_append(&app, request, 403, "QUEUE_TOKEN_NOT_ACTIVE").await;
}

#[tokio::test]
async fn the_admitter_makes_tokens_active_and_metrics_show_the_queue() {
    let app = spawn_app_with(&[]).await;
    app.active_token(Uuid::new_v4()).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("queue_active_users"), "{metrics}");
    assert!(metrics.contains("queue_lease_held 1"), "{metrics}");
}
