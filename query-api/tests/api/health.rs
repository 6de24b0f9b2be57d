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
async fn readyz_is_ready_when_postgres_and_redis_answer() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}})
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
    assert!(!detail.contains("postgres"), "{detail}");
}

/// The in-flight bound (behaviour tested through command-api and in
/// infra::http::in_flight) is wired here too, with the configured limit,
/// and counts the request being answered but not the scrape itself.
#[tokio::test]
async fn reads_are_bounded_by_http_max_in_flight() {
    let app = spawn_app_with(&[("HTTP_MAX_IN_FLIGHT", "7")]).await;
    assert_eq!(app.get("/v1/concerts").await.status(), 200);
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.lines()
            .any(|l| l == "ticketfold_http_requests_in_flight_limit 7"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "ticketfold_http_requests_in_flight 0"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "ticketfold_http_requests_shed_total 0"),
        "{text}"
    );
}
