//! `GET /v1/concerts` and `GET /v1/concerts/{id}/schedules`.

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{content_type, spawn_app};
use crate::seed;

#[tokio::test]
async fn concerts_are_listed_oldest_first() {
    let app = spawn_app().await;
    let first = seed::concert(&app.pool, "First \"Live\"").await;
    let second = seed::concert(&app.pool, "Second").await;

    let response = app.get("/v1/concerts").await;
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!([
            {"concert_id": first, "title": "First \"Live\"", "venue": "Hall"},
            {"concert_id": second, "title": "Second", "venue": "Hall"},
        ])
    );
}

#[tokio::test]
async fn schedules_count_available_seats_and_a_lapsed_hold_counts_at_once() {
    let app = spawn_app().await;
    let (concert, schedule) = seed::open_schedule(&app.pool, 5).await;
    let later = seed::schedule(&app.pool, concert, seed::now() + Duration::days(2), 2).await;
    let user = Uuid::new_v4();
    seed::hold(
        &app.pool,
        schedule,
        1,
        user,
        seed::now() + Duration::minutes(5),
    )
    .await;
    seed::hold(
        &app.pool,
        schedule,
        2,
        user,
        seed::now() - Duration::seconds(1),
    )
    .await;
    seed::sell(&app.pool, schedule, 3).await;

    let (status, body) = app
        .get_json(&format!("/v1/concerts/{concert}/schedules"))
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = body.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{body}");
    assert_eq!(rows[0]["schedule_id"], json!(schedule));
    assert_eq!(rows[0]["total_seats"], 5);
    // 4 and 5 are free, 2's hold has lapsed; 1 is held, 3 sold.
    assert_eq!(rows[0]["available_seats"], 3);
    assert!(rows[0]["starts_at"].is_string() && rows[0]["booking_opens_at"].is_string());
    assert_eq!(rows[1]["schedule_id"], json!(later));
    assert_eq!(rows[1]["available_seats"], 2);

    // Read again: from Redis, no second load.
    let (_, again) = app
        .get_json(&format!("/v1/concerts/{concert}/schedules"))
        .await;
    assert_eq!(again, body);
    assert_eq!(app.loads("schedules").await, 1);
}

#[tokio::test]
async fn a_concert_without_schedules_has_an_empty_list_and_an_unknown_one_is_404() {
    let app = spawn_app().await;
    let concert = seed::concert(&app.pool, "Soon").await;
    let (status, body) = app
        .get_json(&format!("/v1/concerts/{concert}/schedules"))
        .await;
    assert_eq!((status, body), (200, json!([])));

    for path in [
        format!("/v1/concerts/{}/schedules", Uuid::new_v4()),
        "/v1/concerts/not-a-uuid/schedules".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(content_type(&response), "application/problem+json");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND");
    }
    let response = app
        .client
        .post(app.url("/v1/concerts"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn every_query_path_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let (_, document) = app.get_json("/openapi.json").await;
    for path in [
        "/v1/concerts",
        "/v1/concerts/{concert_id}/schedules",
        "/v1/schedules/{schedule_id}/seats",
        "/v1/queue/tokens/current",
        "/v1/balance",
        "/v1/balance/charges/{charge_id}",
        "/v1/reservations/{reservation_id}",
        "/v1/payments/{payment_id}",
    ] {
        assert!(document["paths"][path]["get"].is_object(), "{path} missing");
    }
    let schemas = &document["components"]["schemas"];
    for schema in [
        "ConcertView",
        "ScheduleView",
        "SeatMapView",
        "ReservationView",
        "PaymentView",
        "ChargeView",
        "BalanceView",
    ] {
        assert!(schemas[schema].is_object(), "{schema} missing");
    }
}
