//! A read never outwaits its bound on a locked database: the balance's load
//! stuck behind a table lock gives up within `DATABASE_LOCK_TIMEOUT_MS` and
//! answers 503 with Retry-After.

use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::helpers::{content_type, spawn_app};
use crate::seed;

/// Only there so a regression fails the test instead of hanging it.
const HANG_GUARD: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_read_behind_a_table_lock_answers_503_with_retry_after() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    seed::wallet(&app.pool, user, 7_000).await;
    let mut locker = PgConnection::connect_with(&app.settings().database.connect_options())
        .await
        .unwrap();
    let mut lock = locker.begin().await.unwrap();
    lock.execute("LOCK TABLE wallets IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    // Nothing in Redis yet: the read goes to Postgres.
    let raw = tokio::time::timeout(
        HANG_GUARD,
        app.client
            .get(app.url("/v1/balance"))
            .header("X-User-Id", user.to_string())
            .send(),
    )
    .await
    .expect("an answer, not a hang")
    .unwrap();
    assert_eq!(raw.status(), 503);
    assert_eq!(raw.headers().get("retry-after").unwrap(), "1");
    assert_eq!(content_type(&raw), "application/problem+json");
    let problem: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(problem["code"], "UNAVAILABLE", "{problem}");

    lock.rollback().await.unwrap();
    let (status, body) = app.get_as("/v1/balance", user, None).await;
    assert_eq!((status, body["balance"].as_i64()), (200, Some(7_000)));
}

/// A Postgres that takes every statement but never answers (a black hole):
/// no server-side timeout can help, so the read deadline must.
#[tokio::test]
async fn with_postgres_black_holed_a_read_answers_503_with_retry_after() {
    let app = crate::helpers::spawn_app_behind_proxy(&[]).await;
    let user = Uuid::new_v4();
    seed::wallet(&app.pool, user, 7_000).await;
    // A read of someone else's balance first, so the service has a
    // connection in its pool: once Postgres is black-holed, its health
    // check and statements are swallowed, and only client-side bounds (the
    // pool's acquire timeout, the load's own bound) end the waiting.
    let (status, _) = app.get_as("/v1/balance", Uuid::new_v4(), None).await;
    assert_eq!(status, 200);
    app.proxy().slow_down(600_000);

    let response = tokio::time::timeout(
        HANG_GUARD,
        app.client
            .get(app.url("/v1/balance"))
            .header("X-User-Id", user.to_string())
            .send(),
    )
    .await
    .expect("an answer, not a hang")
    .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    assert_eq!(content_type(&response), "application/problem+json");

    // Back to normal, so the test's database can be dropped through it.
    app.proxy().slow_down(0);
}
