#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use infra::config::Settings;
use infra::testing::{PgProxy, TestEnvironment};
use query_api::startup::Application;
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;
use waiting_room::Queue;

/// How long a test waits for something before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The test's own connection to its database, for seeding.
    pub pool: PgPool,
    proxy: Option<Arc<PgProxy>>,
    // Dropped last: removes the test's database and Redis keys.
    env: Arc<TestEnvironment>,
}

/// The service on a free port against its own database, topics and keys.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// As `spawn_app`, with some environment variables replaced.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let env = TestEnvironment::new(overrides).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    start(Arc::new(env), None).await
}

/// As `spawn_app_with`, reaching Postgres through a proxy the test can cut.
pub async fn spawn_app_behind_proxy(overrides: &[(&str, &str)]) -> TestApp {
    let (env, proxy) = TestEnvironment::behind_proxy(overrides)
        .await
        .expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    start(Arc::new(env), Some(Arc::new(proxy))).await
}

pub async fn start(env: Arc<TestEnvironment>, proxy: Option<Arc<PgProxy>>) -> TestApp {
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry, "query-api");
    let application = Application::build(env.settings.clone())
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    let pool = infra::postgres::connect(&env.settings.database)
        .await
        .expect("the test's own pool");
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(PATIENCE)
            .pool_max_idle_per_host(64)
            .build()
            .unwrap(),
        pool,
        proxy,
        env,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The environment cleans up through the proxy.
        if let Some(proxy) = &self.proxy {
            proxy.restore();
        }
    }
}

impl TestApp {
    /// The settings the service runs with (its database, prefixes, secret).
    pub fn settings(&self) -> &Settings {
        &self.env.settings
    }

    /// A second instance of the service on the same database and keys.
    pub async fn another_instance(&self) -> TestApp {
        start(self.env.clone(), self.proxy.clone()).await
    }

    pub fn proxy(&self) -> &PgProxy {
        self.proxy.as_deref().expect("spawned behind a proxy")
    }

    /// A path of this service, or an absolute URL (a `Location`) as given.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            return path.to_owned();
        }
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// `GET` as `user`, with `token` if any: status and JSON body.
    pub async fn get_as(
        &self,
        path: &str,
        user: Uuid,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .client
            .get(self.url(path))
            .header("X-User-Id", user.to_string());
        if let Some(token) = token {
            request = request.header("X-Queue-Token", token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        if status >= 400 {
            assert_eq!(content_type(&response), "application/problem+json");
        }
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `GET` with no caller: status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn queue(&self) -> Queue {
        let settings = self.settings();
        Queue::new(
            redis::Client::open(settings.redis.url.as_str()).unwrap(),
            &settings.redis.key_prefix,
            waiting_room::QueueSettings::from_config(&settings.queue),
            infra::telemetry::Metrics::new().registry(),
        )
        .unwrap()
    }

    /// An ACTIVE queue token for a new user: `(user, token)`.
    pub async fn admitted_user(&self) -> (Uuid, String) {
        let queue = self.queue();
        let user = Uuid::new_v4();
        let ticket = queue.join(user).await.unwrap();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let state = queue.pass(user, Some(&ticket.token)).await.unwrap().state;
            if state.status == waiting_room::TokenStatus::Active {
                return (user, ticket.token);
            }
            assert!(tokio::time::Instant::now() < deadline, "never admitted");
            queue.admit_once().await.unwrap();
        }
    }

    /// A metric of this instance, e.g. `ticketfold_cache_db_fallback_queries_total{kind="seats"}`.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").await.text().await.unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(|value| value.trim().parse().unwrap())
            .unwrap_or(0.0)
    }

    /// Postgres loads this instance counted for `kind`.
    pub async fn loads(&self, kind: &str) -> u64 {
        self.metric(&format!(
            "ticketfold_cache_db_fallback_queries_total{{kind=\"{kind}\"}}"
        ))
        .await as u64
    }

    /// Removes every key of this test from Redis, as a FLUSHALL would.
    pub async fn flush_redis(&self) {
        let client = redis::Client::open(self.settings().redis.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let pattern = format!("{}*", self.settings().redis.key_prefix);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(pattern)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(keys)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
    }

    /// Whether `key` (without the prefix) is in Redis.
    pub async fn in_redis(&self, key: &str) -> bool {
        let client = redis::Client::open(self.settings().redis.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("EXISTS")
            .arg(format!("{}{key}", self.settings().redis.key_prefix))
            .query_async::<bool>(&mut conn)
            .await
            .unwrap()
    }

    /// How many times Postgres has scanned `table` in this test's database,
    /// by Postgres's own statistics. Backends report them when they exit,
    /// so every connection to the database is ended first. A pool's
    /// connection released less than a second before is not pinged again
    /// (`infra::postgres`) and fails its next statement: read through a
    /// new pool after counting.
    pub async fn table_scans(&self, table: &str) -> i64 {
        let (sequential, indexed) = self.scans_of(table).await;
        sequential + indexed
    }

    /// The sequential and the index scans of `table` so far, as
    /// `table_scans` counts them.
    pub async fn scans_of(&self, table: &str) -> (i64, i64) {
        let database = self.settings().database.clone();
        let mut admin = PgConnection::connect_with(&database.maintenance_options())
            .await
            .unwrap();
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(database.database_name())
        .execute(&mut admin)
        .await
        .unwrap();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let left: i64 =
                sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = $1")
                    .bind(database.database_name())
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if left == 0 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "backends linger");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        admin.close().await.unwrap();
        let mut conn = PgConnection::connect_with(&database.connect_options())
            .await
            .unwrap();
        let scans: Option<(i64, i64)> = sqlx::query_as(
            "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0)
             FROM pg_stat_user_tables WHERE relname = $1",
        )
        .bind(table)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        scans.unwrap_or((0, 0))
    }
}

pub fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}
