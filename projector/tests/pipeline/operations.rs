use crate::helpers::spawn_log;

#[tokio::test]
async fn the_projector_serves_health_readiness_metrics_and_openapi() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let client = reqwest::Client::new();

    let health = client
        .get(format!("{}/healthz", projector.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let ready = client
        .get(format!("{}/readyz", projector.address))
        .send()
        .await
        .unwrap();
    let status = ready.status();
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["checks"],
        serde_json::json!({"kafka": "ok", "postgres": "ok", "redis": "ok"})
    );

    let metrics = projector.metrics().await;
    assert!(
        metrics.contains("ticketfold_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    infra::testing::assert_operator_metrics(&metrics, "projector");

    let document: serde_json::Value = client
        .get(format!("{}/openapi.json", projector.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        document["paths"]["/readyz"]["get"].is_object(),
        "{document}"
    );
    projector.stop().await;
}
