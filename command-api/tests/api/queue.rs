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
    assert!(
        metrics.contains("ticketfold_queue_active_users"),
        "{metrics}"
    );
    assert!(
        metrics.contains("ticketfold_queue_lease_held 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_fan_holding_a_seat_keeps_the_slot_past_the_idle_period() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_IDLE_SECONDS", "1")]).await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(2).await;
    let (holder, idler) = (Uuid::new_v4(), Uuid::new_v4());
    let token = app.active_token(holder).await;
    app.active_token(idler).await;

    let response = app
        .command(
            "/v1/reservations",
            holder,
            Some(&token),
            &json!({"schedule_id": schedule_id, "seat_number": 1}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    let expires_at: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();

    // The hold moved the holder's activity mark to its expiry.
    let client = redis::Client::open(app.settings().redis.url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mark: Option<i64> = redis::cmd("ZSCORE")
        .arg(format!(
            "{}queue:active_seen",
            app.settings().redis.key_prefix
        ))
        .arg(holder.to_string())
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(mark, Some(expires_at.timestamp_millis()));

    // Well past the idle period, doing nothing: the holder is still ACTIVE,
    // the fan who did nothing at all gave the slot back.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (_, still) = app.join_queue(holder).await;
    assert_eq!(still["status"], "ACTIVE", "{still}");
    assert_eq!(still["token"], token.as_str());
    let (status, back) = app.join_queue(idler).await;
    assert_eq!(status, 201, "the idle fan's place ended: {back}");
    projector.stop().await;
}

#[tokio::test]
async fn a_token_answer_links_to_where_query_api_reads_it() {
    let app = spawn_app_with(&[("PUBLIC_QUERY_URL", "https://read.tickets.example")]).await;
    let response = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers().get("location").unwrap(),
        "https://read.tickets.example/v1/queue/tokens/current"
    );
}
