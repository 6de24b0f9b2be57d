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
    pub projector: String,
    stop: StopHandle,
}

pub async fn spawn_stack(overrides: &[(&str, &str)]) -> Stack {
    let mut variables = vec![("ADMIN_KEY", ADMIN_KEY)];
    variables.extend_from_slice(overrides);
    let env = TestEnvironment::new(&variables).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    let env = Arc::new(env);
    let commands = command_api::startup::Application::build(env.settings.clone())
        .await
        .expect("command-api builds");
    let commands_url = format!("http://127.0.0.1:{}", commands.port());
    tokio::spawn(commands.run_until_stopped());
    let projector = projector::startup::Application::build(env.settings.clone())
        .await
        .expect("the projector builds");
    let projector_url = format!("http://127.0.0.1:{}", projector.port());
    let stop = projector.stop_handle();
    tokio::spawn(projector.run_until_stopped());
    Stack {
        query: start(env, None).await,
        commands: commands_url,
        projector: projector_url,
        stop,
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

impl Stack {
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
