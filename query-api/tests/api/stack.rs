//! The whole system in this process: command-api, projector and query-api
//! on one test environment, for tests that follow a command's effect into
//! the read model.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use infra::testing::TestEnvironment;
use projector::startup::StopHandle;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{start, TestApp, PATIENCE};

pub const ADMIN_KEY: &str = "test-admin-key-for-query-api";

pub struct Stack {
    /// query-api.
    pub query: TestApp,
    pub commands: String,
    /// The running projector's address (empty while it is stopped).
    pub projector: String,
    projection: Option<Projection>,
    env: Arc<TestEnvironment>,
}

/// The projector running in this process.
struct Projection {
    stop: StopHandle,
    task: tokio::task::JoinHandle<Result<(), projector::error::RunError>>,
}

pub async fn spawn_stack(overrides: &[(&str, &str)]) -> Stack {
    let mut variables = vec![("ADMIN_KEY", ADMIN_KEY)];
    variables.extend_from_slice(overrides);
    let env = TestEnvironment::new(&variables).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    let env = Arc::new(env);
    let query = start(env.clone(), None).await;
    // command-api's `Location` headers name this query-api, as
    // PUBLIC_QUERY_URL does in a deployment.
    let mut command_settings = env.settings.clone();
    command_settings.http.public_query_url = query.url("");
    let commands = command_api::startup::Application::build(command_settings)
        .await
        .expect("command-api builds");
    let commands_url = format!("http://127.0.0.1:{}", commands.port());
    tokio::spawn(commands.run_until_stopped());
    let mut stack = Stack {
        query,
        commands: commands_url,
        projector: String::new(),
        projection: None,
        env,
    };
    stack.start_projector().await;
    stack
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(projection) = &self.projection {
            projection.stop.stop();
        }
    }
}

impl Stack {
    /// Starts a projector (again): it resumes from the committed offsets.
    pub async fn start_projector(&mut self) {
        assert!(self.projection.is_none(), "a projector is running");
        let projector = projector::startup::Application::build(self.env.settings.clone())
            .await
            .expect("the projector builds");
        self.projector = format!("http://127.0.0.1:{}", projector.port());
        let stop = projector.stop_handle();
        let task = tokio::spawn(projector.run_until_stopped());
        self.projection = Some(Projection { stop, task });
    }

    /// Stops the projector gracefully (it leaves its consumer group), so
    /// commands are appended but nothing decides them until it restarts.
    pub async fn stop_projector(&mut self) {
        let projection = self.projection.take().expect("a projector is running");
        projection.stop.stop();
        tokio::time::timeout(PATIENCE, projection.task)
            .await
            .expect("the projector stops")
            .expect("the projector task ends")
            .expect("the projector stops cleanly");
        self.projector.clear();
    }

    /// A command to command-api, waiting up to 10 s for its decision:
    /// status and body.
    pub async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<(Uuid, &str)>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .query
            .client
            .request(method, format!("{}{path}", self.commands))
            .header("Prefer", "wait=10")
            .header("X-Admin-Key", ADMIN_KEY);
        if let Some((user, token)) = user {
            request = request.header("X-User-Id", user.to_string());
            if !token.is_empty() {
                request = request.header("X-Queue-Token", token);
            }
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("command sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A command to command-api with `Prefer: wait=0`: status, `Location`
    /// and body. A 202 is answered as soon as the record is in the log.
    pub async fn post_without_waiting(
        &self,
        path: &str,
        user: (Uuid, &str),
        body: Value,
    ) -> (u16, String, Value) {
        let (user, token) = user;
        let mut request = self
            .query
            .client
            .post(format!("{}{path}", self.commands))
            .header("Prefer", "wait=0")
            .header("X-User-Id", user.to_string())
            .json(&body);
        if !token.is_empty() {
            request = request.header("X-Queue-Token", token);
        }
        let response = request.send().await.expect("command sent");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            location,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn post(&self, path: &str, user: Option<(Uuid, &str)>, body: Value) -> (u16, Value) {
        self.command(reqwest::Method::POST, path, user, Some(body))
            .await
    }

    /// A token for a new user once command-api's admitter made it ACTIVE.
    pub async fn active_user(&self) -> (Uuid, String) {
        let user = Uuid::new_v4();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let (status, body) = self
                .command(
                    reqwest::Method::POST,
                    "/v1/queue/tokens",
                    Some((user, "")),
                    None,
                )
                .await;
            assert!(status == 200 || status == 201, "{status}: {body}");
            if body["status"] == "ACTIVE" {
                return (user, body["token"].as_str().unwrap().to_owned());
            }
            assert!(tokio::time::Instant::now() < deadline, "never admitted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Registers a concert with a schedule opening at `opens`, seats priced
    /// 10,000 KRW + 1,000 per number: `(concert, schedule)`.
    pub async fn schedule(&self, seats: i64, opens: chrono::DateTime<chrono::Utc>) -> (Uuid, Uuid) {
        let (status, body) = self
            .post(
                "/v1/admin/concerts",
                None,
                json!({"title": "Live", "venue": "Hall"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let concert: Uuid = body["concert_id"].as_str().unwrap().parse().unwrap();
        let (status, body) = self
            .post(
                &format!("/v1/admin/concerts/{concert}/schedules"),
                None,
                json!({
                    "starts_at": (opens + chrono::Duration::days(30)).to_rfc3339(),
                    "booking_opens_at": opens.to_rfc3339(),
                    "seats": (1..=seats).map(|n| json!({"number": n, "price": 10_000 + n * 1_000})).collect::<Vec<_>>(),
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            concert,
            body["schedule_id"].as_str().unwrap().parse().unwrap(),
        )
    }

    /// A metric of the projector.
    pub async fn projector_metric(&self, series: &str) -> f64 {
        let text = self
            .query
            .client
            .get(format!("{}/metrics", self.projector))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(|value| value.trim().parse().unwrap())
            .unwrap_or(0.0)
    }
}
