//! `GET /v1/schedules/{id}/seats`: queue-guarded, and a lapsed hold reads
//! AVAILABLE at once.

use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::seed;

fn statuses(body: &Value) -> Vec<(i64, i64, String)> {
    body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|seat| {
            (
                seat["number"].as_i64().unwrap(),
                seat["price"].as_i64().unwrap(),
                seat["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_seat_map_shows_each_seat_and_a_lapsed_hold_as_available() {
    let app = spawn_app().await;
    let (_, schedule) = seed::open_schedule(&app.pool, 5).await;
    let holder = Uuid::new_v4();
    seed::hold(
        &app.pool,
        schedule,
        1,
        holder,
        seed::now() + Duration::minutes(5),
    )
    .await;
    seed::hold(
        &app.pool,
        schedule,
        2,
        holder,
        seed::now() - Duration::seconds(1),
    )
    .await;
    seed::sell(&app.pool, schedule, 3).await;
    let (user, token) = app.admitted_user().await;

    let (status, body) = app
        .get_as(
            &format!("/v1/schedules/{schedule}/seats"),
            user,
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedule_id"], json!(schedule));
    let expected: Vec<(i64, i64, String)> = [
        (1, "HELD"),
        (2, "AVAILABLE"),
        (3, "SOLD"),
        (4, "AVAILABLE"),
        (5, "AVAILABLE"),
    ]
    .into_iter()
    .map(|(n, s)| (n, seed::price(n as i32), s.to_owned()))
    .collect();
    assert_eq!(statuses(&body), expected);
}

#[tokio::test]
async fn a_hold_that_lapses_while_cached_reads_available_with_no_new_load() {
    let app = spawn_app().await;
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let lapses = seed::now() + Duration::milliseconds(1500);
    seed::hold(&app.pool, schedule, 1, Uuid::new_v4(), lapses).await;
    let (user, token) = app.admitted_user().await;
    let path = format!("/v1/schedules/{schedule}/seats");

    let (_, before) = app.get_as(&path, user, Some(&token)).await;
    assert_eq!(statuses(&before)[0].2, "HELD");
    let wait = (lapses - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + StdDuration::from_millis(100)).await;
    let (_, after) = app.get_as(&path, user, Some(&token)).await;
    assert_eq!(statuses(&after)[0].2, "AVAILABLE");
    assert_eq!(app.loads("seats").await, 1, "served from the cached entry");
}

#[tokio::test]
async fn the_seat_map_needs_an_active_token_of_the_caller_before_anything_else() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_MAX", "1")]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 1).await;
    let (user, token) = app.admitted_user().await;
    let path = format!("/v1/schedules/{schedule}/seats");

    let response = app.get(&path).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHENTICATED");

    let (status, body) = app.get_as(&path, user, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("QUEUE_TOKEN_INVALID"))
    );
    let (status, body) = app.get_as(&path, user, Some("forged")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("QUEUE_TOKEN_INVALID"))
    );
    let (status, body) = app.get_as(&path, Uuid::new_v4(), Some(&token)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")));

    // The active place is taken: a second user waits.
    let waiting = Uuid::new_v4();
    let ticket = app.queue().join(waiting).await.unwrap();
    let (status, body) = app.get_as(&path, waiting, Some(&ticket.token)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("QUEUE_TOKEN_NOT_ACTIVE"))
    );
    // Even for a schedule that does not exist, the token answers first.
    let unknown = format!("/v1/schedules/{}/seats", Uuid::new_v4());
    let (status, _) = app.get_as(&unknown, waiting, Some(&ticket.token)).await;
    assert_eq!(status, 403);

    let (status, body) = app.get_as(&unknown, user, Some(&token)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    let (status, _) = app
        .get_as("/v1/schedules/42/seats", user, Some(&token))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_as(&path, user, Some(&token)).await;
    assert_eq!(status, 200);
}
