use crate::helpers::{content_type, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn readyz_is_ready_when_kafka_postgres_redis_and_the_queue_answer() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {"kafka": "ok", "postgres": "ok", "queue": "ok", "redis": "ok"}})
    );
}

#[tokio::test]
async fn readyz_is_503_naming_redis_when_redis_is_unreachable() {
    let redis_url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let app = spawn_app_with(&[("REDIS_URL", &redis_url)]).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    assert_eq!(content_type(&response), "application/problem+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UNAVAILABLE");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("redis"), "{detail}");
    assert!(
        detail.contains("queue"),
        "the queue's Redis is checked too: {detail}"
    );
    assert!(!detail.contains("postgres"), "{detail}");
}

#[tokio::test]
async fn readyz_is_503_naming_kafka_when_the_brokers_are_unreachable() {
    let brokers = format!("127.0.0.1:{}", infra::testing::closed_port());
    let env = infra::testing::TestEnvironment::new(&[("KAFKA_BROKERS", &brokers)]).unwrap();
    // Provision against the real broker is impossible here; the database is enough to start.
    infra::postgres::ensure_database_exists(&env.settings.database)
        .await
        .unwrap();
    let application = command_api::startup::Application::build(env.settings.clone())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());

    let response = reqwest::get(format!("{address}/readyz")).await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("kafka"), "{body}");
}
