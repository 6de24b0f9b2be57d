use crate::helpers::{content_type, spawn_app, spawn_app_with};

#[tokio::test]
async fn metrics_expose_request_durations_by_route() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/no/such/route").await.status(), 404);

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"ticketfold_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="0.005"}"#), "{text}");
    assert!(
        text.contains(
            r#"ticketfold_http_requests_total{method="GET",route="unmatched",status="404"} 1"#
        ),
        "{text}"
    );
    infra::testing::assert_operator_metrics(&text, "query-api");
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    let response = app.get("/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    assert_eq!(content_type(&response), "application/problem+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "NOT_FOUND");
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(content_type(&response), "application/problem+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn oversized_bodies_are_413_problems() {
    let app = spawn_app().await;
    let body = vec![b'x'; 17 * 1024];
    let response = app
        .client
        .post(app.url("/v1/concerts"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn openapi_document_is_generated_and_served() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(document["info"]["title"], "ticketfold query-api");
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} missing from {document}"
        );
    }
}

#[tokio::test]
async fn cors_answers_preflights_from_configured_origins_and_exposes_headers() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://tickets.example")]).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/concerts"))
        .header("origin", "https://tickets.example")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "content-type,x-user-id,x-queue-token,idempotency-key,prefer,x-correlation-id",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://tickets.example"
    );
    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in ["idempotency-key", "prefer", "x-correlation-id", "x-user-id"] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://tickets.example")
        .send()
        .await
        .unwrap();
    let exposed = response
        .headers()
        .get("access-control-expose-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in [
        "location",
        "retry-after",
        "x-correlation-id",
        "idempotent-replayed",
        "preference-applied",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }

    let stranger = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(stranger
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn committed_openapi_matches_the_served_spec() {
    let app = spawn_app_with(&[]).await;
    let served = app.get("/openapi.json").await.text().await.unwrap();
    infra::committed_spec::check_committed_openapi("query-api", &served);
}
