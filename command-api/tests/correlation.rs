//! One grep of a correlation id finds a command's whole path through both
//! processes, at the default log level: command-api's request span (with
//! the command's id, status and latency) and the projector's fold of the
//! command and of the follow-up it caused.
//!
//! Its own test binary: it installs the process's global log subscriber,
//! which no other test may have installed first.

// The test is the caller: its clock is the real one (command-api/clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use infra::testing::TestEnvironment;
use serde_json::{json, Value};
use tracing_subscriber::fmt::MakeWriter;
use uuid::Uuid;

const ADMIN_KEY: &str = "test-admin-key-for-correlation";
const PATIENCE: Duration = Duration::from_secs(30);

/// Every log line of this process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// Installs it as the global subscriber, with the services' default
    /// filter (`RUST_LOG=info`) and text format.
    fn install() -> Captured {
        let logs = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(logs.clone())
            .init();
        logs
    }

    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The lines naming `correlation_id` once `done` holds for them.
    async fn naming(&self, correlation_id: Uuid, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let needle = format!("correlation_id={correlation_id}");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let lines: Vec<String> = self
                .lines()
                .into_iter()
                .filter(|line| line.contains(&needle))
                .collect();
            if done(&lines) {
                return lines;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no complete path for {correlation_id} in the logs: {lines:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The value of `field=` in a log line.
fn field<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    let start = [' ', '{']
        .iter()
        .find_map(|before| line.find(&format!("{before}{field}=")))?
        + field.len()
        + 2;
    let value = line[start..].split(' ').next()?;
    // The span's last field ends with the span: `...latency_ms=1.2}:`.
    Some(value.strip_suffix("}:").unwrap_or(value))
}

fn is_request(line: &str) -> bool {
    line.contains("request{") && line.contains("access: answered")
}

fn is_fold(line: &str) -> bool {
    line.contains("fold{") && line.contains("folded")
}

#[tokio::test]
async fn one_grep_of_a_correlation_id_finds_the_request_and_every_fold_it_caused() {
    let logs = Captured::install();
    let env = TestEnvironment::new(&[("ADMIN_KEY", ADMIN_KEY)]).unwrap();
    env.provision().await.expect("provisioning");
    let api = command_api::startup::Application::build(env.settings.clone())
        .await
        .expect("command-api builds");
    let address = format!("http://127.0.0.1:{}", api.port());
    tokio::spawn(api.run_until_stopped());
    let projector = projector::startup::Application::build(env.settings.clone())
        .await
        .expect("the projector builds");
    let stop = projector.stop_handle();
    let folding = tokio::spawn(projector.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .unwrap();

    // The caller names the correlation id.
    let sent = Uuid::now_v7();
    let response = client
        .post(format!("{address}/v1/admin/concerts"))
        .header("X-Admin-Key", ADMIN_KEY)
        .header("X-Correlation-Id", sent.to_string())
        .header("Prefer", "wait=10")
        .json(&json!({"title": "Spans Live", "venue": "Hall"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-correlation-id"], sent.to_string());
    let body: Value = response.json().await.unwrap();
    let concert_id = body["concert_id"].as_str().unwrap().to_owned();

    // command-api mints one: a schedule, whose fold causes a follow-up (its
    // seat inventory opens on the reservations topic).
    let now = chrono::Utc::now();
    let response = client
        .post(format!(
            "{address}/v1/admin/concerts/{concert_id}/schedules"
        ))
        .header("X-Admin-Key", ADMIN_KEY)
        .header("Prefer", "wait=10")
        .json(&json!({
            "starts_at": (now + chrono::Duration::days(30)).to_rfc3339(),
            "booking_opens_at": (now - chrono::Duration::days(1)).to_rfc3339(),
            "seats": [{"number": 1, "price": 10_000}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let minted: Uuid = response.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .parse()
        .expect("a minted correlation id");
    assert_ne!(minted, sent);

    // The concert: its request and its fold, under one command id.
    let path = logs
        .naming(sent, |lines| {
            lines.iter().any(|l| is_request(l)) && lines.iter().any(|l| is_fold(l))
        })
        .await;
    let request = path.iter().find(|l| is_request(l)).unwrap();
    assert_eq!(field(request, "method"), Some("POST"), "{request}");
    assert_eq!(
        field(request, "route"),
        Some("/v1/admin/concerts"),
        "{request}"
    );
    assert_eq!(field(request, "status"), Some("201"), "{request}");
    assert!(field(request, "latency_ms").is_some(), "{request}");
    let command_id = field(request, "command_id").expect("the command's id");
    let fold = path.iter().find(|l| is_fold(l)).unwrap();
    assert_eq!(field(fold, "command_id"), Some(command_id), "{fold}");
    assert_eq!(
        field(fold, "event_type"),
        Some("ConcertRegistered"),
        "{fold}"
    );

    // The schedule: the id minted reaches both processes, and the saga hop
    // its fold appended is found by the same grep, caused by the command.
    let path = logs
        .naming(minted, |lines| {
            lines.iter().any(|l| is_request(l)) && lines.iter().filter(|l| is_fold(l)).count() >= 2
        })
        .await;
    let request = path.iter().find(|l| is_request(l)).unwrap();
    assert_eq!(
        field(request, "route"),
        Some("/v1/admin/concerts/{concert_id}/schedules"),
        "{request}"
    );
    let command_id = field(request, "command_id").expect("the command's id");
    let folds: Vec<&String> = path.iter().filter(|l| is_fold(l)).collect();
    assert!(
        folds
            .iter()
            .any(|l| field(l, "command_id") == Some(command_id)),
        "{folds:#?}"
    );
    assert!(
        folds
            .iter()
            .any(|l| field(l, "causation_id") == Some(command_id)),
        "{folds:#?}"
    );

    stop.stop();
    let _ = tokio::time::timeout(PATIENCE, folding).await;
}
