use std::future::Future;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use infra::kafka::{Appender, Topics};
use infra::testing::TestEnvironment;
use projector::error::RunError;
use projector::startup::{Application, StopHandle};
use schemas::{v1, Envelope, EventMeta, LogEvent};
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How long a test waits for the projector before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A test's own database and topics, a producer to append with and a pool
/// to look at the read tables.
pub struct TestLog {
    pub appender: Appender,
    pub topics: Topics,
    pub pool: PgPool,
    // Dropped last: removes the test's database and Redis keys.
    pub env: TestEnvironment,
}

/// A running projector, in this process.
pub struct TestProjector {
    pub address: String,
    stop: StopHandle,
    task: JoinHandle<Result<(), RunError>>,
}

pub async fn spawn_log() -> TestLog {
    let env = TestEnvironment::new(&[]).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry);
    let appender = Appender::new(&env.settings.kafka, "projector-tests").expect("a producer");
    let pool = infra::postgres::connect(&env.settings.database)
        .await
        .expect("the test database");
    TestLog {
        appender,
        topics: Topics::from_settings(&env.settings.kafka),
        pool,
        env,
    }
}

impl TestLog {
    pub async fn spawn_projector(&self) -> TestProjector {
        let application = Application::build(self.env.settings.clone())
            .await
            .expect("the projector builds");
        let address = format!("http://127.0.0.1:{}", application.port());
        let stop = application.stop_handle();
        let task = tokio::spawn(application.run_until_stopped());
        TestProjector {
            address,
            stop,
            task,
        }
    }

    /// Appends `event` wrapped in an envelope, keyed as its partition.
    pub async fn append(&self, event: LogEvent) -> (i32, i64) {
        let meta = EventMeta {
            event_id: Uuid::now_v7(),
            occurred_at: Utc::now(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
        };
        let envelope = Envelope::wrap(&event, meta);
        self.append_raw(&event.key(), &envelope.to_bytes()).await
    }

    pub async fn append_raw(&self, key: &str, payload: &[u8]) -> (i32, i64) {
        self.appender
            .append(&self.topics.catalog, key, payload, &[])
            .await
            .expect("the broker accepts the record")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .expect("a count")
    }
}

impl TestProjector {
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Stops gracefully, as on SIGTERM, and waits until it has.
    pub async fn stop(self) {
        self.stop.stop();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the projector stops in time")
            .expect("the projector task did not panic")
            .expect("the projector stopped cleanly");
    }
}

/// Polls `check` until it answers true, failing the test after `PATIENCE`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out after {PATIENCE:?} waiting for {what}");
}

pub fn concert(concert_id: Uuid, title: &str) -> LogEvent {
    v1::ConcertRegistered {
        concert_id,
        title: title.into(),
        venue: "Olympic Hall".into(),
    }
    .into()
}

pub fn schedule(concert_id: Uuid, schedule_id: Uuid, seats: i64) -> LogEvent {
    v1::ScheduleAdded {
        concert_id,
        schedule_id,
        starts_at: Utc.with_ymd_and_hms(2030, 5, 1, 19, 0, 0).unwrap(),
        booking_opens_at: Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap(),
        seats: (1..=seats)
            .map(|number| v1::PricedSeat {
                number,
                price: 50_000 + number * 1000,
            })
            .collect(),
    }
    .into()
}

/// The value of one sample in Prometheus text, 0 when absent.
pub fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}
