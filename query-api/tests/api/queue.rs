//! `GET /v1/queue/tokens/current` through the real server, with tokens
//! issued and admitted through the queue itself.

use uuid::Uuid;
use waiting_room::Queue;

use crate::helpers::{content_type, spawn_app_with, TestApp};

fn queue_of(app: &TestApp) -> Queue {
    let settings = app.settings();
    Queue::new(
        redis::Client::open(settings.redis.url.as_str()).unwrap(),
        &settings.redis.key_prefix,
        waiting_room::QueueSettings::from_config(&settings.queue),
        infra::telemetry::Metrics::new().registry(),
    )
    .unwrap()
}

async fn current(app: &TestApp, user: &str, token: &str) -> (u16, serde_json::Value) {
    let response = app
        .client
        .get(app.url("/v1/queue/tokens/current"))
        .header("X-User-Id", user)
        .header("X-Queue-Token", token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status >= 400 {
        assert_eq!(content_type(&response), "application/problem+json");
    }
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_current_token_reads_waiting_then_active() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_MAX", "1")]).await;
    let queue = queue_of(&app);
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let first_ticket = queue.join(first).await.unwrap();
    let second_ticket = queue.join(second).await.unwrap();

    let (status, body) = current(&app, &second.to_string(), &second_ticket.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "WAITING");
    assert_eq!(body["position"], 2);
    assert!(body.get("token").is_none());

    queue.admit_once().await.unwrap();
    let (status, body) = current(&app, &first.to_string(), &first_ticket.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ACTIVE");
    assert_eq!(body["position"], 0);
    assert_eq!(body["eta_seconds"], 0);
    assert!(body["expires_at"].is_string());

    let (status, body) = current(&app, &second.to_string(), &second_ticket.token).await;
    assert_eq!((status, &body["position"]), (200, &serde_json::json!(1)));
}

#[tokio::test]
async fn the_current_token_refuses_strangers_and_forgeries() {
    let app = spawn_app_with(&[]).await;
    let queue = queue_of(&app);
    let owner = Uuid::new_v4();
    let ticket = queue.join(owner).await.unwrap();

    let (status, body) = current(&app, &Uuid::new_v4().to_string(), &ticket.token).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")));
    let (status, body) = current(&app, &owner.to_string(), "forged").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("QUEUE_TOKEN_INVALID"))
    );
    let (status, body) = current(&app, "not-a-uuid", &ticket.token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );

    let response = app
        .client
        .post(app.url("/v1/queue/tokens/current"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn the_queue_path_is_in_the_openapi_document() {
    let app = spawn_app_with(&[]).await;
    let document: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(
        document["paths"]["/v1/queue/tokens/current"]["get"].is_object(),
        "{document}"
    );
}
