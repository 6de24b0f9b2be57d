//! A request never outwaits its budget on a locked database: the key claim
//! stuck behind a table lock gives up within `DATABASE_LOCK_TIMEOUT_MS` and
//! answers 503 with Retry-After, appending nothing.

use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app};

/// Only there so a regression fails the test instead of hanging it; far
/// above any bound the service promises.
const HANG_GUARD: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_key_claim_behind_a_table_lock_answers_503_with_retry_after() {
    let app = spawn_app().await;
    let mut locker = PgConnection::connect_with(&app.settings().database.connect_options())
        .await
        .unwrap();
    let mut lock = locker.begin().await.unwrap();
    lock.execute("LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let before = app.log_size().await;

    for wait in ["wait=0", "wait=3"] {
        let request = app
            .command(
                "/v1/balance/charges",
                Uuid::new_v4(),
                None,
                &json!({"amount": 1000}),
            )
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .header("Prefer", wait)
            .send();
        let response = tokio::time::timeout(HANG_GUARD, request)
            .await
            .expect("an answer, not a hang")
            .expect("request sent");
        assert_eq!(
            response.headers().get("retry-after").unwrap(),
            "1",
            "{wait}"
        );
        assert_problem(response, 503, "UNAVAILABLE").await;
    }
    assert_eq!(
        app.log_size().await,
        before,
        "a refused command was appended"
    );

    lock.rollback().await.unwrap();
    // The lock gone, the same request goes through.
    let response = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 1000}),
        )
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

/// A Postgres that takes every statement but never answers (a black hole):
/// no server-side timeout can help, so the command's own deadlines must.
#[tokio::test]
async fn with_postgres_black_holed_a_command_still_answers_in_its_bounds() {
    let (app, proxy) = crate::helpers::spawn_app_behind_proxy(&[]).await;
    // A keyed command first, so the service has connections in its pool:
    // once Postgres is black-holed, their health check and statements are
    // swallowed, and only client-side bounds (the pool's acquire timeout,
    // the command's intake and closing windows) end the waiting.
    let response = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 1000}),
        )
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let before = app.log_size().await;
    proxy.slow_down(600_000);

    // With a key, the claim never returns: the intake window ends it, 503,
    // nothing appended.
    let request = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 1000}),
        )
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Prefer", "wait=0")
        .send();
    let response = tokio::time::timeout(HANG_GUARD, request)
        .await
        .expect("an answer, not a hang")
        .expect("request sent");
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    assert_problem(response, 503, "UNAVAILABLE").await;
    assert_eq!(
        app.log_size().await,
        before,
        "a refused command was appended"
    );

    // Without a key nothing before the append needs Postgres: the record
    // goes in, and the outcome read at the end of the budget is cut short
    // by the closing window, so the answer is 202, not a hang.
    let request = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 1000}),
        )
        .header("Prefer", "wait=1")
        .send();
    let response = tokio::time::timeout(HANG_GUARD, request)
        .await
        .expect("an answer, not a hang")
        .expect("request sent");
    assert_eq!(response.status(), 202);
    assert_eq!(app.log_size().await, before + 1);

    // Back to normal, so the test's database can be dropped through it.
    proxy.slow_down(0);
}
