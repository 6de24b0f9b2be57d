//! Redis away from the projector never fails a batch: a payment commits,
//! and its answer waits until the payer's queue place has ended.

use infra::testing::RedisUser;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, TestApp, PATIENCE};

async fn payments_completed(app: &TestApp, reservation_id: &str) -> i64 {
    let pool = infra::postgres::connect(&app.settings().database)
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT count(*) FROM payments WHERE reservation_id = $1::uuid AND status = 'COMPLETED'",
    )
    .bind(reservation_id)
    .fetch_one(&pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_payment_commits_while_redis_refuses_the_projector_and_is_answered_once_the_place_ends() {
    let app = spawn_app().await;
    let user_of_projector = RedisUser::new(&app.settings().redis.url).await;
    let mut settings = app.settings().clone();
    settings.redis.url = user_of_projector.url();
    let projector = app.spawn_projector_with(settings).await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    assert_eq!(app.charge(user, 50_000).await.status(), 200);
    let held = app.hold(user, &token, schedule_id, 1).await;
    assert_eq!(held.status(), 201);
    let held: Value = held.json().await.unwrap();
    let reservation_id = held["reservation_id"].as_str().unwrap().to_owned();

    // The projector can no longer run the queue's scripts: it cannot end
    // the payer's place.
    user_of_projector
        .allow(&["-evalsha", "-eval", "-script"])
        .await;
    let paid = app
        .command(
            "/v1/payments",
            user,
            Some(&token),
            &json!({"reservation_id": reservation_id}),
        )
        .header("Prefer", "wait=2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        paid.status(),
        202,
        "answered before the payer's place ended: {}",
        paid.text().await.unwrap()
    );
    // The batch committed all the same: nothing waits on Redis to commit.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while payments_completed(&app, &reservation_id).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the payment never committed while Redis refused the projector"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Redis lets the projector in again: the place ends, the token with it.
    user_of_projector.allow(&["+@all"]).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let refused = app.hold(user, &token, schedule_id, 1).await;
        if refused.status() == 401 {
            assert_problem(refused, 401, "QUEUE_TOKEN_INVALID").await;
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the payer's token still works: {}",
            refused.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    projector.stop().await;
}
