//! One clock per decision: commands are stamped by the database's clock,
//! so an instance whose host clock runs ten minutes ahead can neither open
//! booking early for its callers nor take a seat from a hold that is still
//! live by its promised `expires_at`. The ahead instance reads a host
//! clock ten minutes ahead (`Application::build_on`): libfaketime stalls
//! librdkafka here, so the binary cannot be run on a skewed clock. That the
//! write path reads no other clock is held by clippy's `disallowed-methods`
//! (`command-api/clippy.toml`).

use std::sync::Arc;

use chrono::{Duration, Utc};
use infra::clock::HostClock;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp};

fn ten_minutes_ahead() -> HostClock {
    Arc::new(|| Utc::now() + Duration::minutes(10))
}

/// A hold by a fan who has just been let in.
async fn hold(app: &TestApp, user: Uuid, schedule_id: Uuid, seat: i64) -> reqwest::Response {
    let token = app.active_token(user).await;
    app.hold(user, &token, schedule_id, seat).await
}

#[tokio::test]
async fn an_instance_whose_clock_runs_ahead_cannot_open_booking_early() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let ahead = app.sibling_on(ten_minutes_ahead()).await;
    let schedule = app
        .schedule_opening_at(2, Utc::now() + Duration::minutes(5))
        .await;

    // By its own clock booking opened five minutes ago; by the database's
    // it opens in five.
    let response = hold(&ahead, Uuid::now_v7(), schedule, 1).await;
    assert_problem(response, 409, "BOOKING_NOT_OPEN").await;

    let metrics = ahead.get("/metrics").await.text().await.unwrap();
    let offset: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("ticketfold_command_api_clock_offset_seconds "))
        .and_then(|value| value.parse().ok())
        .expect("the offset is exported");
    assert!(
        (-610.0..-590.0).contains(&offset),
        "measured {offset} s against a host clock 600 s ahead"
    );
    projector.stop().await;
}

#[tokio::test]
async fn an_instance_whose_clock_runs_ahead_cannot_take_a_live_hold() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let ahead = app.sibling_on(ten_minutes_ahead()).await;
    let schedule = app.open_schedule(1).await;

    let first = hold(&app, Uuid::now_v7(), schedule, 1).await;
    assert_eq!(first.status(), 201);
    // The hold lasts five minutes: by the ahead instance's own clock it
    // lapsed five minutes ago.
    let second = hold(&ahead, Uuid::now_v7(), schedule, 1).await;
    assert_problem(second, 409, "SEAT_UNAVAILABLE").await;
    projector.stop().await;
}

#[tokio::test]
async fn an_instance_whose_clock_runs_ahead_cannot_open_a_room_early() {
    let app = spawn_app_with(&[("QUEUE_PREQUEUE_LEAD_SECONDS", "60")]).await;
    let projector = app.spawn_projector().await;
    let ahead = app.sibling_on(ten_minutes_ahead()).await;
    // The room opens a minute before booking: in four minutes by the
    // database's clock, six minutes ago by the ahead instance's own.
    let schedule = app
        .schedule_opening_at(1, Utc::now() + Duration::minutes(5))
        .await;
    let response = ahead
        .post("/v1/queue/tokens")
        .header("X-User-Id", Uuid::now_v7().to_string())
        .json(&json!({ "schedule_id": schedule }))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "BOOKING_NOT_OPEN").await;
    projector.stop().await;
}
