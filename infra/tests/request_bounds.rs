//! A request pool's connections run under the configured statement and
//! lock timeouts, and what those raise counts as "down for now" (503), not
//! as a bug. Against the test server's maintenance database: nothing is
//! created, so nothing needs isolating.

use std::time::Duration;

use infra::config::Settings;
use sqlx::{Connection, PgConnection};

/// Only there so a regression fails the test instead of hanging it.
const HANG_GUARD: Duration = Duration::from_secs(20);

fn settings() -> Settings {
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    Settings::load(|name| match name {
        "DATABASE_URL" => Some(server.clone()),
        "DATABASE_STATEMENT_TIMEOUT_MS" => Some("300".into()),
        "DATABASE_LOCK_TIMEOUT_MS" => Some("100".into()),
        "QUEUE_TOKEN_SECRET" => Some("test-only-queue-token-secret-0123456789abcdef".into()),
        _ => None,
    })
    .expect("test settings are valid")
}

#[tokio::test]
async fn a_request_pool_runs_under_the_configured_timeouts() {
    let pool = infra::postgres::connect_for_requests(&settings().database)
        .await
        .unwrap();
    let shown: (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shown, ("300ms".to_owned(), "100ms".to_owned()));
}

#[tokio::test]
async fn a_statement_past_its_timeout_is_unavailable() {
    let pool = infra::postgres::connect_for_requests(&settings().database)
        .await
        .unwrap();
    let slow = sqlx::query("SELECT pg_sleep(5)").execute(&pool);
    let error = tokio::time::timeout(HANG_GUARD, slow)
        .await
        .expect("cancelled by the server, not a hang")
        .expect_err("the statement timeout cancels it");
    let code = error.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("57014"), "{error}");
    assert!(infra::postgres::is_unavailable(&error), "{error}");
}

#[tokio::test]
async fn a_lock_not_granted_in_time_is_unavailable() {
    let settings = settings();
    let key: i64 = rand_key();
    let mut holder = PgConnection::connect_with(&settings.database.connect_options())
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut holder)
        .await
        .unwrap();

    let pool = infra::postgres::connect_for_requests(&settings.database)
        .await
        .unwrap();
    let blocked = sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&pool);
    let error = tokio::time::timeout(HANG_GUARD, blocked)
        .await
        .expect("refused by the server, not a hang")
        .expect_err("the lock timeout refuses it");
    let code = error.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("55P03"), "{error}");
    assert!(infra::postgres::is_unavailable(&error), "{error}");
    holder.close().await.unwrap();
}

/// An advisory lock key no other test takes.
fn rand_key() -> i64 {
    uuid::Uuid::new_v4().as_u64_pair().0 as i64
}
