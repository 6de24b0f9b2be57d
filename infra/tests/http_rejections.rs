//! The shared request rules, exercised on a small app built like the
//! services build theirs.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{test, web, HttpResponse};
use infra::config::CorsSettings;
use infra::http::{base_app, resource, ApiDocument, Operational, Readiness};
use infra::telemetry::Metrics;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Charge {
    amount: i64,
}

async fn charge(body: web::Json<Charge>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "amount": body.amount }))
}

async fn reservation(id: web::Path<Uuid>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "reservation_id": id.into_inner() }))
}

async fn explode() -> HttpResponse {
    panic!("a bug in a handler")
}

fn ops(readiness: Readiness) -> Operational {
    let document = ApiDocument::new(utoipa::openapi::OpenApiBuilder::new().build());
    Operational::new(Metrics::new(), readiness, document, CorsSettings::default())
}

async fn app(
    readiness: Readiness,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(
        base_app(&ops(readiness))
            .service(resource("/v1/balance/charges").route(web::post().to(charge)))
            .service(resource("/v1/reservations/{id}").route(web::get().to(reservation)))
            .service(resource("/explode").route(web::get().to(explode))),
    )
    .await
}

async fn problem(response: ServiceResponse<impl MessageBody>) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap())
}

fn post_json(body: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/v1/balance/charges")
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn a_valid_body_is_accepted() {
    let app = app(Readiness::default()).await;
    let response = test::call_service(&app, post_json(r#"{"amount": 1000}"#).to_request()).await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn malformed_json_wrong_types_and_unknown_fields_are_validation_failures() {
    let app = app(Readiness::default()).await;
    for body in [
        r#"{"amount": 10"#,
        r#"{"amount": "10"}"#,
        r#"{"amount": 1.0}"#,
        r#"{"amount": 1, "extra": true}"#,
        "{}",
    ] {
        let response = test::call_service(&app, post_json(body).to_request()).await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
    }
}

#[actix_web::test]
async fn bodies_over_16_kib_are_too_large() {
    let app = app(Readiness::default()).await;
    let big = format!(r#"{{"amount": 1, "padding": "{}"}}"#, "x".repeat(17 * 1024));
    let response = test::call_service(&app, post_json(&big).to_request()).await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 413);
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
}

#[actix_web::test]
async fn an_id_that_is_not_a_uuid_is_not_found() {
    let app = app(Readiness::default()).await;
    let ok = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/v1/reservations/{}", Uuid::now_v7()))
            .to_request(),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/v1/reservations/not-a-uuid")
            .to_request(),
    )
    .await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
}

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = app(Readiness::default()).await;
    let (status, body) =
        problem(test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await)
            .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let (status, body) = problem(
        test::call_service(
            &app,
            test::TestRequest::delete()
                .uri("/v1/balance/charges")
                .to_request(),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (405, Some("METHOD_NOT_ALLOWED"))
    );
}

#[actix_web::test]
async fn a_405_allows_the_methods_the_document_gives_its_path() {
    let app = app(Readiness::default()).await;
    let trace = |uri: &str| {
        test::TestRequest::default()
            .method(actix_web::http::Method::TRACE)
            .uri(uri)
            .to_request()
    };
    let response = test::call_service(&app, trace("/healthz")).await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers().get("allow").unwrap(), "GET");
    // A route the (here empty) service document does not describe: no guess.
    let response = test::call_service(&app, trace("/v1/balance/charges")).await;
    assert_eq!(response.status(), 405);
    assert!(response.headers().get("allow").is_none());
}

#[actix_web::test]
async fn a_panicking_handler_answers_500_and_the_app_keeps_serving() {
    let app = app(Readiness::default()).await;
    // The panic surfaces as an error the server renders as the response.
    let Err(error) =
        test::try_call_service(&app, test::TestRequest::get().uri("/explode").to_request()).await
    else {
        panic!("a panicking handler must not answer normally");
    };
    let response = error.error_response();
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "INTERNAL");
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn readiness_names_the_failing_dependency() {
    let readiness = Readiness::new(std::time::Duration::from_millis(200))
        .probe("postgres", || async { Ok(()) })
        .probe("redis", || async { Err("connection refused".to_owned()) })
        .probe("kafka", || async {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            Ok(())
        });
    let app = app(readiness).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    let (status, body) = problem(response).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "UNAVAILABLE");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("redis: connection refused"), "{detail}");
    assert!(
        detail.contains("kafka: no answer within 200 ms"),
        "{detail}"
    );
    assert!(!detail.contains("postgres"), "{detail}");
}

#[actix_web::test]
async fn requests_are_counted_by_route_pattern() {
    let app = app(Readiness::default()).await;
    for _ in 0..2 {
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/v1/reservations/{}", Uuid::now_v7()))
                .to_request(),
        )
        .await;
    }
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(
        text.contains(
            r#"ticketfold_http_requests_total{method="GET",route="/v1/reservations/{id}",status="200"} 2"#
        ),
        "{text}"
    );
}
