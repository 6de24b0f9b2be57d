#![allow(dead_code)]

pub use crate::records::*;

use std::future::Future;
use std::time::Duration;

use infra::decision::Decision;
use infra::handoff::Handoffs;
use infra::kafka::{Appender, Topics};
use infra::postgres::quote_identifier;
use infra::testing::TestEnvironment;
use projector::error::RunError;
use projector::startup::{Application, StopHandle};
use schemas::{Envelope, LogEvent};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::task::JoinHandle;
use uuid::Uuid;
use waiting_room::{Queue, QueueSettings};

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

/// The sum of a counter family's samples in a Prometheus text page.
pub fn total(metrics: &str, family: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(family) && !line.starts_with('#'))
        .filter(|line| matches!(line.as_bytes().get(family.len()), Some(b'{' | b' ')))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub async fn spawn_log() -> TestLog {
    spawn_log_with(&[]).await
}

/// As `spawn_log`, with some variables of the test's own.
pub async fn spawn_log_with(overrides: &[(&str, &str)]) -> TestLog {
    let env = TestEnvironment::new(overrides).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry, "projector");
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
        self.spawn_projector_with(self.env.settings.clone()).await
    }

    /// A projector with settings of the test's own (another Redis user, say).
    pub async fn spawn_projector_with(&self, settings: infra::config::Settings) -> TestProjector {
        let application = Application::build(settings)
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

    /// Appends `event` wrapped in an envelope, keyed as its partition, to
    /// its topic.
    pub async fn append(&self, event: LogEvent) -> (i32, i64) {
        self.append_envelope(&request(&event)).await
    }

    /// Appends a request and answers its command id.
    pub async fn ask(&self, event: LogEvent) -> Uuid {
        let envelope = request(&event);
        self.append_envelope(&envelope).await;
        envelope.event_id
    }

    /// Appends exactly this envelope (e.g. a second time, as a retried
    /// append would).
    pub async fn append_envelope(&self, envelope: &Envelope) -> (i32, i64) {
        let event = envelope.open().expect("a valid envelope");
        let kind = event.topic();
        self.appender
            .append(
                self.topics.name(kind),
                &envelope.key,
                &envelope.to_bytes(),
                &[],
            )
            .await
            .expect("the broker accepts the record")
    }

    /// Appends a request as command-api does: handed off to its
    /// partition's projector as soon as the broker acknowledges it.
    pub async fn ask_handing_off(&self, event: LogEvent, handoffs: &Handoffs) -> Uuid {
        let envelope = request(&event);
        let topic = self.topics.name(event.topic());
        let bytes = envelope.to_bytes();
        let appended = self
            .appender
            .append_traced(topic, &envelope.key, &bytes, &[])
            .await
            .expect("the broker accepts the record");
        handoffs.send(appended.handed_off(topic, &envelope.key, &bytes));
        envelope.event_id
    }

    /// Appends raw bytes to the catalog topic.
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

    /// The decision recorded for `command_id`, waiting for it.
    pub async fn decision(&self, command_id: Uuid) -> Decision {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut conn = self.pool.acquire().await.expect("a connection");
            if let Some(decision) = Decision::load(&mut conn, command_id)
                .await
                .expect("reading command_outcomes")
            {
                return decision;
            }
            drop(conn);
            assert!(
                tokio::time::Instant::now() < deadline,
                "no decision for {command_id} after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A registered concert with one schedule of `seats` seats, its
    /// inventory open for holds (the schedule's decision is recorded only
    /// once its `SeatInventoryOpened` is on the log, so holds appended from
    /// now on come after it).
    pub async fn open_schedule(&self, seats: i64) -> Uuid {
        let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
        self.append(concert(concert_id, "Open Air")).await;
        let added = self.ask(schedule(concert_id, schedule_id, seats)).await;
        let decision = self.decision(added).await;
        assert_eq!(
            decision.verdict,
            infra::decision::Verdict::Accepted,
            "{decision:?}"
        );
        schedule_id
    }

    /// The stored position of every partition equals its end, and no
    /// payment is in flight: the projector has nothing left to do.
    pub async fn settled(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut calm = 0;
        while calm < 3 {
            if tokio::time::Instant::now() >= deadline {
                let behind = self.in_flight().await;
                let paying = self
                    .count("SELECT count(*) FROM payments WHERE status = 'REQUESTED'")
                    .await;
                panic!("the projector did not settle within {PATIENCE:?}: {behind} records unfolded, {paying} payments in flight");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let busy = self.in_flight().await
                + self
                    .count("SELECT count(*) FROM payments WHERE status = 'REQUESTED'")
                    .await;
            calm = if busy == 0 { calm + 1 } else { 0 };
        }
    }

    /// Records on the log not yet behind a stored position.
    pub async fn in_flight(&self) -> i64 {
        let ends = self.end_offsets().await;
        let mut behind = 0;
        for (at, end) in ends {
            let stored: Option<i64> = sqlx::query_scalar(
                "SELECT next_offset FROM projector_offsets
                 WHERE consumer_group LIKE '%projector' AND topic = $1 AND partition = $2",
            )
            .bind(&at.topic)
            .bind(at.partition)
            .fetch_optional(&self.pool)
            .await
            .unwrap();
            if std::env::var("DEBUG_SETTLE").is_ok() {
                eprintln!("{} {} end={end} stored={stored:?}", at.topic, at.partition);
            }
            behind += end - stored.unwrap_or(0);
        }
        behind
    }

    /// The next offset of every partition, found by reading the log.
    pub async fn end_offsets(&self) -> Vec<(infra::kafka::TopicPartition, i64)> {
        let kafka = &self.env.settings.kafka;
        let mut ends = Vec::new();
        let wholes = projector::reader::whole_topics(kafka, &self.topics.all())
            .await
            .unwrap();
        for stretches in wholes {
            let mut next: std::collections::BTreeMap<_, i64> =
                stretches.iter().map(|s| (s.at.clone(), 0)).collect();
            let mut reader = projector::reader::LogReader::open(kafka, "tests-ends", &stretches)
                .expect("a reader");
            while let Some(record) = reader.next().await.expect("reading the log") {
                next.insert(record.at(), record.offset + 1);
            }
            ends.extend(next);
        }
        ends
    }

    /// The checksum of the live tables (`projector checksum`).
    pub async fn checksum(&self) -> projector::checksum::Checksum {
        let checksum = &projector::checksum::pool_for(&self.env.settings.database, None);
        projector::checksum::compute(checksum).await.unwrap()
    }

    /// A copy of this log's database as it stands now, on the same topics
    /// and Redis keys: what Postgres would hold after a crash that lost
    /// every commit since. Nothing may be connected to the database (the
    /// test's own idle connections are cut).
    pub async fn database_copy(&self) -> TestLog {
        let database = &self.env.settings.database;
        let (original, name) = (
            database.database_name().to_owned(),
            format!("{}_copy", database.database_name()),
        );
        let mut admin = PgConnection::connect_with(&database.maintenance_options())
            .await
            .unwrap();
        let copy = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_identifier(&name),
            quote_identifier(&original)
        );
        let mut attempts = 0;
        // A cut connection may take a moment to leave.
        while let Err(error) = {
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&original)
            .execute(&mut admin)
            .await
            .unwrap();
            admin.execute(copy.as_str()).await
        } {
            attempts += 1;
            assert!(attempts < 50, "copying the database: {error}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut vars = self.env.vars.clone();
        let copied = database.with_database(&name);
        vars.insert("DATABASE_URL".into(), copied.url().to_owned());
        let mut settings = self.env.settings.clone();
        settings.database = copied;
        let pool = infra::postgres::connect(&settings.database)
            .await
            .expect("the copy");
        TestLog {
            appender: Appender::new(&settings.kafka, "projector-tests").expect("a producer"),
            topics: self.topics.clone(),
            pool,
            // Dropping it drops the copy (and the test's Redis keys, as the
            // original does).
            env: TestEnvironment {
                settings,
                id: format!("{}_copy", self.env.id),
                vars,
            },
        }
    }

    /// A queue for this test's key prefix, admitting at once.
    pub fn queue(&self) -> Queue {
        let settings = &self.env.settings;
        let queue_settings = QueueSettings::new(
            1000,
            1_000_000,
            Duration::from_secs(600),
            settings
                .queue
                .token_keys
                .signing_secret()
                .expose()
                .as_bytes(),
        );
        Queue::new(
            redis::Client::open(settings.redis.url.as_str()).unwrap(),
            &settings.redis.key_prefix,
            queue_settings,
            &prometheus_registry(),
        )
        .expect("the queue builds")
    }
}

fn prometheus_registry() -> prometheus::Registry {
    prometheus::Registry::new()
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

/// Decisions as they are announced on the Redis channel.
pub async fn subscribe(log: &TestLog) -> impl futures::Stream<Item = Decision> + Unpin {
    use futures::StreamExt;
    let settings = &log.env.settings;
    let client = redis::Client::open(settings.redis.url.as_str()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.expect("redis pub/sub");
    let keys = infra::redis::KeySpace::new(settings.redis.key_prefix.clone());
    pubsub
        .subscribe(infra::decision::channel(&keys))
        .await
        .expect("subscribed");
    Box::pin(pubsub.into_on_message().filter_map(|message| async move {
        let text: String = message.get_payload().ok()?;
        Decision::from_message(&text)
    }))
}

/// Every record of `topic` (all three when `None`), read back from the log.
pub async fn exported(log: &TestLog, topic: Option<&str>) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let options = projector::export::ExportOptions {
        topic: topic.map(str::to_owned),
        ..Default::default()
    };
    projector::export::run(&log.env.settings.kafka, &options, &mut out)
        .await
        .expect("the export runs");
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}
