#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use command_api::startup::Application;
use infra::clock::{HostClock, ReferenceClock};
use infra::config::Settings;
use infra::kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use infra::kafka::rdkafka::message::{Headers, Message};
use infra::kafka::rdkafka::{Offset, TopicPartitionList};
use infra::kafka::Topics;
use infra::testing::{PgProxy, TestEnvironment};
use projector::startup::StopHandle;
use schemas::Envelope;
use serde_json::{json, Value};
use uuid::Uuid;

/// A record as a consumer reads it back.
pub struct LoggedRecord {
    pub partition: i32,
    pub offset: i64,
    pub envelope: Envelope,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl LoggedRecord {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }
}

/// The admin key every test app is configured with (unless overridden).
pub const ADMIN_KEY: &str = "test-admin-key-for-command-api";
/// How long a test waits for something asynchronous before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    // Dropped with the last app on it: removes the test's database and
    // Redis keys.
    _env: Arc<TestEnvironment>,
}

/// The service on a free port against its own database, topics and keys.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// As `spawn_app`, with some environment variables replaced.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let mut variables = vec![("ADMIN_KEY", ADMIN_KEY)];
    variables.extend_from_slice(overrides);
    let env = TestEnvironment::new(&variables).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    start(env).await
}

/// As `spawn_app_with`, reaching Postgres through a proxy the test can
/// cut or slow down.
pub async fn spawn_app_behind_proxy(overrides: &[(&str, &str)]) -> (TestApp, PgProxy) {
    let mut variables = vec![("ADMIN_KEY", ADMIN_KEY)];
    variables.extend_from_slice(overrides);
    let (env, proxy) = TestEnvironment::behind_proxy(&variables)
        .await
        .expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    (start(env).await, proxy)
}

/// The service against a database only: for brokers that are down.
pub async fn spawn_app_without_topics(overrides: &[(&str, &str)]) -> TestApp {
    let mut variables = vec![("ADMIN_KEY", ADMIN_KEY)];
    variables.extend_from_slice(overrides);
    let env = TestEnvironment::new(&variables).expect("test settings are valid");
    infra::postgres::ensure_database_exists(&env.settings.database)
        .await
        .unwrap();
    let pool = infra::postgres::connect(&env.settings.database)
        .await
        .unwrap();
    infra::postgres::migrate(&pool, &env.settings.database)
        .await
        .unwrap();
    start(env).await
}

async fn start(env: TestEnvironment) -> TestApp {
    start_on(Arc::new(env), ReferenceClock::default()).await
}

async fn start_on(env: Arc<TestEnvironment>, clock: ReferenceClock) -> TestApp {
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry, "command-api");
    let application = Application::build_on(env.settings.clone(), clock)
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            // Never a hang: whatever the service does, a test ends.
            .timeout(PATIENCE)
            .build()
            .unwrap(),
        _env: env,
    }
}

/// A projector running in this process against the app's environment.
pub struct TestProjector {
    stop: StopHandle,
    task: tokio::task::JoinHandle<Result<(), projector::error::RunError>>,
}

impl TestProjector {
    pub async fn stop(self) {
        self.stop.stop();
        let _ = tokio::time::timeout(PATIENCE, self.task).await;
    }
}

impl TestApp {
    /// A second instance on the same database, topics and keys, reading
    /// `host` as its host's wall clock.
    pub async fn sibling_on(&self, host: HostClock) -> TestApp {
        start_on(self._env.clone(), ReferenceClock::on_host(host)).await
    }

    pub fn settings(&self) -> &Settings {
        &self._env.settings
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// `POST` as `user` with `token` (if any) and a JSON body.
    pub fn command(
        &self,
        path: &str,
        user: Uuid,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .post(path)
            .header("X-User-Id", user.to_string())
            .json(body);
        if let Some(token) = token {
            request = request.header("X-Queue-Token", token);
        }
        request
    }

    /// `POST /v1/reservations` for `seat` as `user` with `token`, waiting
    /// up to 10 s for the decision.
    pub async fn hold(
        &self,
        user: Uuid,
        token: &str,
        schedule_id: Uuid,
        seat: i64,
    ) -> reqwest::Response {
        self.command(
            "/v1/reservations",
            user,
            Some(token),
            &json!({"schedule_id": schedule_id, "seat_number": seat}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap()
    }

    /// `POST /v1/balance/charges` of `amount` as `user`, waiting up to 10 s.
    pub async fn charge(&self, user: Uuid, amount: i64) -> reqwest::Response {
        self.command(
            "/v1/balance/charges",
            user,
            None,
            &json!({ "amount": amount }),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap()
    }

    pub fn admin(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.post(path).header("X-Admin-Key", ADMIN_KEY).json(body)
    }

    pub async fn spawn_projector(&self) -> TestProjector {
        self.spawn_projector_with(self.settings().clone()).await
    }

    /// A projector with settings of the test's (e.g. another Redis user).
    pub async fn spawn_projector_with(&self, settings: Settings) -> TestProjector {
        let application = projector::startup::Application::build(settings)
            .await
            .expect("the projector builds");
        let stop = application.stop_handle();
        let task = tokio::spawn(application.run_until_stopped());
        TestProjector { stop, task }
    }

    /// `POST /v1/queue/tokens` as `user`: status and body.
    pub async fn join_queue(&self, user: Uuid) -> (u16, Value) {
        let response = self
            .post("/v1/queue/tokens")
            .header("X-User-Id", user.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// A token for `user` once the app's admitter has made it ACTIVE.
    pub async fn active_token(&self, user: Uuid) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let (status, body) = self.join_queue(user).await;
            assert!(status == 200 || status == 201, "{status}: {body}");
            if body["status"] == "ACTIVE" {
                return body["token"].as_str().unwrap().to_owned();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{user} never became active: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The read-model entry under `key` (without the prefix), if any, with
    /// its remaining lifetime in ms.
    pub async fn read_model_entry(&self, key: &str) -> Option<(read_model::Entry, i64)> {
        let client = redis::Client::open(self.settings().redis.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let key = format!("{}{key}", self.settings().redis.key_prefix);
        let (raw, ttl): (Option<Vec<u8>>, i64) = redis::pipe()
            .get(&key)
            .pttl(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let entry = read_model::Entry::decode(raw?.into()).expect("a read-model entry");
        Some((entry, ttl))
    }

    /// Every read-model key of this test, without the prefix.
    pub async fn read_model_keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.settings().redis.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let prefix = &self.settings().redis.key_prefix;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}rm:*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        keys.into_iter()
            .map(|key| key.trim_start_matches(prefix.as_str()).to_owned())
            .collect()
    }

    /// How many records the three topics hold, from their end offsets.
    pub async fn log_size(&self) -> i64 {
        let kafka = self.settings().kafka.clone();
        tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer = infra::kafka::client_config(&kafka)
                .create()
                .expect("a consumer");
            let topics = Topics::from_settings(&kafka);
            topics
                .with_partitions(&kafka)
                .iter()
                .map(|(topic, partitions)| {
                    (0..*partitions)
                        .map(|partition| {
                            consumer
                                .fetch_watermarks(topic, partition, Duration::from_secs(10))
                                .expect("watermarks")
                                .1
                        })
                        .sum::<i64>()
                })
                .sum()
        })
        .await
        .unwrap()
    }

    /// Every record of `topic` (a prefixed name), in partition order:
    /// `(partition, offset, envelope)`.
    pub async fn read_topic(&self, topic: &str) -> Vec<(i32, i64, Envelope)> {
        self.read_records(topic)
            .await
            .into_iter()
            .map(|record| (record.partition, record.offset, record.envelope))
            .collect()
    }

    /// Every record of `topic` (a prefixed name) with its headers, in
    /// partition order.
    pub async fn read_records(&self, topic: &str) -> Vec<LoggedRecord> {
        let kafka = self.settings().kafka.clone();
        let topic = topic.to_owned();
        tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer = infra::kafka::client_config(&kafka)
                .set("group.id", "command-api-tests")
                .set("enable.auto.commit", "false")
                .create()
                .expect("a consumer");
            let partitions = Topics::from_settings(&kafka)
                .with_partitions(&kafka)
                .into_iter()
                .find(|(name, _)| *name == topic)
                .map(|(_, count)| count)
                .expect("one of the three topics");
            let mut assignment = TopicPartitionList::new();
            let mut ends = std::collections::HashMap::new();
            for partition in 0..partitions {
                assignment
                    .add_partition_offset(&topic, partition, Offset::Beginning)
                    .unwrap();
                let (_, high) = consumer
                    .fetch_watermarks(&topic, partition, Duration::from_secs(10))
                    .unwrap();
                ends.insert(partition, high);
            }
            consumer.assign(&assignment).unwrap();
            let mut records = Vec::new();
            // Next offset to read per partition; done once each reaches its end.
            let mut next: std::collections::HashMap<i32, i64> =
                ends.keys().map(|partition| (*partition, 0)).collect();
            let deadline = std::time::Instant::now() + PATIENCE;
            while ends.iter().any(|(partition, end)| next[partition] < *end) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "reading {topic} stalled"
                );
                let Some(message) = consumer.poll(Duration::from_millis(200)) else {
                    continue;
                };
                let message = message.expect("a record");
                next.insert(message.partition(), message.offset() + 1);
                let envelope = Envelope::from_bytes(message.payload().unwrap()).unwrap();
                let headers = message
                    .headers()
                    .map(|headers| {
                        headers
                            .iter()
                            .map(|header| {
                                (
                                    header.key.to_owned(),
                                    header.value.unwrap_or_default().to_vec(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                records.push(LoggedRecord {
                    partition: message.partition(),
                    offset: message.offset(),
                    envelope,
                    headers,
                });
            }
            records.sort_by_key(|record| (record.partition, record.offset));
            records
        })
        .await
        .unwrap()
    }

    /// Registers a concert and adds a schedule open for booking since
    /// yesterday, with `seats` seats priced 10,000 KRW + 1,000 per number.
    /// Needs a running projector. Answers the schedule id.
    pub async fn open_schedule(&self, seats: i64) -> Uuid {
        self.schedule_opening_at(seats, chrono::Utc::now() - chrono::Duration::days(1))
            .await
    }

    /// As `open_schedule`, with booking opening at `opens_at`.
    pub async fn schedule_opening_at(
        &self,
        seats: i64,
        opens_at: chrono::DateTime<chrono::Utc>,
    ) -> Uuid {
        let response = self
            .admin(
                "/v1/admin/concerts",
                &json!({"title": "Test Live", "venue": "Hall"}),
            )
            .header("Prefer", "wait=10")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        let concert_id = body["concert_id"].as_str().unwrap().to_owned();
        let now = chrono::Utc::now();
        let schedule = json!({
            "starts_at": (now + chrono::Duration::days(30)).to_rfc3339(),
            "booking_opens_at": opens_at.to_rfc3339(),
            "seats": (1..=seats).map(|n| json!({"number": n, "price": 10_000 + n * 1000})).collect::<Vec<_>>(),
        });
        let response = self
            .admin(
                &format!("/v1/admin/concerts/{concert_id}/schedules"),
                &schedule,
            )
            .header("Prefer", "wait=10")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body["schedule_id"].as_str().unwrap().parse().unwrap()
    }
}

pub fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Asserts a problem+json answer with `status` and `code`; answers its body.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    let got = response.status().as_u16();
    let kind = content_type(&response).to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    assert_eq!(kind, "application/problem+json");
    assert_eq!(body["status"], status);
    body
}

/// Sends `request` and asserts it was refused with `status` and `code`
/// without anything being appended to the log.
pub async fn assert_refused_without_append(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    status: u16,
    code: &str,
) -> Value {
    let before = app.log_size().await;
    let body = assert_problem(request.send().await.expect("request sent"), status, code).await;
    assert_eq!(app.log_size().await, before, "a refused request appended");
    body
}
