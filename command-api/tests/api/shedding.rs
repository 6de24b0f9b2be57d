//! The in-flight bound through the real service: work past
//! `HTTP_MAX_IN_FLIGHT` is answered `503 UNAVAILABLE` with `Retry-After`
//! on a connection that stays usable, and probes and scrapes still answer.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app_with, TestApp};

const PATIENCE: Duration = Duration::from_secs(20);

/// `ticketfold_http_requests_in_flight` as `/metrics` reads it.
async fn in_flight(app: &TestApp) -> i64 {
    metric(app, "ticketfold_http_requests_in_flight ").await
}

async fn metric(app: &TestApp, prefix: &str) -> i64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
}

#[tokio::test]
async fn work_past_the_bound_is_answered_503_with_retry_after_and_probes_still_answer() {
    let app = spawn_app_with(&[("HTTP_MAX_IN_FLIGHT", "2")]).await;
    // No projector runs, so a charge waits out its whole budget: two of
    // them fill the bound.
    let charge = |user: Uuid| {
        app.command("/v1/balance/charges", user, None, &json!({"amount": 1000}))
            .header("Prefer", "wait=10")
            .send()
    };
    let holding = futures::future::join(charge(Uuid::new_v4()), charge(Uuid::new_v4()));
    let shed = async {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while in_flight(&app).await < 2 {
            assert!(tokio::time::Instant::now() < deadline, "never 2 in flight");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Probes and scrapes are not shed.
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
        // Every request past the bound is answered, none dropped; the same
        // client (and its pooled connections) keeps working.
        let refused = futures::future::join_all((0..8).map(|_| {
            app.post("/v1/queue/tokens")
                .header("X-User-Id", Uuid::new_v4().to_string())
                .send()
        }))
        .await;
        for response in refused {
            let response = response.expect("answered, not dropped");
            assert_eq!(response.headers().get("retry-after").unwrap(), "1");
            let body = assert_problem(response, 503, "UNAVAILABLE").await;
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains("limit of 2 requests"), "{detail}");
        }
        assert!(metric(&app, "ticketfold_http_requests_shed_total ").await >= 8);
    };
    let ((first, second), ()) = futures::future::join(holding, shed).await;
    // The two held requests were never disturbed by the shedding.
    assert_eq!(first.unwrap().status(), 202);
    assert_eq!(second.unwrap().status(), 202);
    // Their places are given back: new work is taken again.
    assert_eq!(in_flight(&app).await, 0);
    let (status, body): (u16, Value) = app.join_queue(Uuid::new_v4()).await;
    assert!(status == 200 || status == 201, "{status}: {body}");
}
