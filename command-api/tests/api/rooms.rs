//! Rooms per booking window and the operator controls, through the real
//! server with its admitter, the projector and the catalog behind them.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app_with, TestApp, ADMIN_KEY};

async fn join_room(app: &TestApp, user: Uuid, schedule: Uuid) -> (u16, Value) {
    let response = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", user.to_string())
        .json(&json!({ "schedule_id": schedule }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Polls the room's token until ACTIVE (the app's admitter at work).
async fn active_in_room(app: &TestApp, user: Uuid, schedule: Uuid) -> String {
    for _ in 0..150 {
        let (status, body) = join_room(app, user, schedule).await;
        assert!(status == 200 || status == 201, "{status}: {body}");
        if body["status"] == "ACTIVE" {
            return body["token"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user} never became active in the room of {schedule}");
}

async fn hold(
    app: &TestApp,
    user: Uuid,
    token: &str,
    schedule: Uuid,
    seat: i64,
) -> reqwest::Response {
    app.command(
        "/v1/reservations",
        user,
        Some(token),
        &json!({"schedule_id": schedule, "seat_number": seat}),
    )
    .send()
    .await
    .unwrap()
}

fn admin_get(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(app.url(path))
        .header("X-Admin-Key", ADMIN_KEY)
}

fn admin_post(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.post(path)
        .header("X-Admin-Key", ADMIN_KEY)
        .header("X-Operator", "ops-alice")
}

#[tokio::test]
async fn a_room_token_holds_on_its_schedule_and_is_forbidden_on_another() {
    let app = spawn_app_with(&[]).await;
    let _projector = app.spawn_projector().await;
    let (mine, other) = (app.open_schedule(3).await, app.open_schedule(3).await);
    let fan = Uuid::new_v4();
    let token = active_in_room(&app, fan, mine).await;

    let elsewhere = hold(&app, fan, &token, other, 1).await;
    let body = assert_problem(elsewhere, 403, "FORBIDDEN").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("another schedule"),
        "{body}"
    );

    let here = hold(&app, fan, &token, mine, 1).await;
    assert_eq!(here.status(), 201, "{}", here.text().await.unwrap());
}

#[tokio::test]
async fn joining_a_room_checks_the_body_the_schedule_and_the_pre_queue_lead() {
    let app = spawn_app_with(&[("QUEUE_PREQUEUE_LEAD_SECONDS", "600")]).await;
    let _projector = app.spawn_projector().await;
    let fan = Uuid::new_v4();

    let response = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", fan.to_string())
        .header("Content-Type", "application/json")
        .body(r#"{"schedule":"nope"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "VALIDATION_FAILED").await;

    let (status, body) = join_room(&app, fan, Uuid::now_v7()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("NOT_FOUND")),
        "{body}"
    );

    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    let far = app.schedule_opening_at(2, later).await;
    let (status, body) = join_room(&app, fan, far).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("BOOKING_NOT_OPEN")),
        "{body}"
    );

    let soon = app
        .schedule_opening_at(2, chrono::Utc::now() + chrono::Duration::seconds(4))
        .await;
    let (status, body) = join_room(&app, fan, soon).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "WAITING");
    assert!(
        body["position"].is_null(),
        "no place before the opening: {body}"
    );
    assert!(body["eta_seconds"].as_u64().unwrap() >= 1, "{body}");
    assert!(body["poll_after_seconds"].as_u64().unwrap() >= 1, "{body}");

    // At the opening the fan is placed and, the room being empty, admitted.
    let token = active_in_room(&app, fan, soon).await;
    let view: Value = admin_get(&app, &format!("/v1/admin/queue/rooms/{soon}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["shuffled"], 1, "{view}");
    assert!(view["shuffle_seed"].is_string(), "{view}");
    assert!(view["opened_at"].is_string(), "{view}");
    assert_eq!(view["active"], 1, "{view}");
    assert!(!token.is_empty());
}

#[tokio::test]
async fn an_operator_pauses_queues_everyone_and_resumes_and_every_action_is_recorded() {
    let app = spawn_app_with(&[]).await;
    let (early, late) = (Uuid::new_v4(), Uuid::new_v4());
    let early_token = app.active_token(early).await;

    let paused = admin_post(&app, "/v1/admin/queue/rooms/global/pause")
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), 200);
    let (_, waiting) = app.join_queue(late).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, still) = app.join_queue(late).await;
    assert_eq!(
        still["status"], "WAITING",
        "a paused room admits nobody: {still}"
    );
    assert_eq!(still["token"], waiting["token"]);

    let requeued: Value = admin_post(&app, "/v1/admin/queue/rooms/global/queue-everyone")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        requeued["detail"]
            .as_str()
            .unwrap()
            .contains("1 active fans sent back"),
        "{requeued}"
    );
    let (_, again) = app.join_queue(early).await;
    assert_eq!(
        (again["status"].as_str(), again["position"].as_u64()),
        (Some("WAITING"), Some(1)),
        "sent back to the head, ahead of the fan who waited: {again}"
    );
    assert_eq!(again["token"], early_token.as_str(), "the same token");

    let view: Value = admin_get(&app, "/v1/admin/queue/rooms/global")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            view["paused"].as_bool(),
            view["waiting"].as_u64(),
            view["mode"].as_str()
        ),
        (Some(true), Some(2), Some("adaptive")),
        "{view}"
    );

    let resumed = admin_post(&app, "/v1/admin/queue/rooms/global/resume")
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    let early_again = app.active_token(early).await;
    assert_eq!(early_again, early_token);

    let log: Value = admin_get(&app, "/v1/admin/queue/controls")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(&str, &str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert!(entry["at"].is_string(), "{entry}");
            (
                entry["action"].as_str().unwrap(),
                entry["room"].as_str().unwrap(),
                entry["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("resume", "global", "ops-alice"),
            ("queue_everyone", "global", "ops-alice"),
            ("pause", "global", "ops-alice"),
        ]
    );
}

#[tokio::test]
async fn operator_controls_need_the_admin_key_and_a_real_room() {
    let app = spawn_app_with(&[]).await;
    let response = app
        .post("/v1/admin/queue/rooms/global/pause")
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "UNAUTHENTICATED").await;
    let response = admin_post(&app, "/v1/admin/queue/rooms/stadium/pause")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "NOT_FOUND").await;
    let response = admin_post(&app, "/v1/admin/queue/rooms/global/explode")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "NOT_FOUND").await;
    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/queue/rooms/global/limits"))
        .header("X-Admin-Key", ADMIN_KEY)
        .json(&json!({"rate_per_second": 0, "active_max": null}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "VALIDATION_FAILED").await;
    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/queue/rooms/global/limits"))
        .header("X-Admin-Key", ADMIN_KEY)
        .json(&json!({"rate_per_second": 5, "active_max": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let view: Value = admin_get(&app, "/v1/admin/queue/rooms/global")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["limits"],
        json!({"rate_per_second": 5, "active_max": 10, "challenge_bits": null})
    );
}
