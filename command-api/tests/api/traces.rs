//! The W3C trace context crosses the log: a command's record carries the
//! `traceparent` of the request that appended it, traces exported or not.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app, LoggedRecord, TestApp};

/// `(trace id, parent id, flags)` of a well-formed version-00 traceparent.
fn parse(traceparent: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    let (version, trace_id, parent_id, flags) = (parts[0], parts[1], parts[2], parts[3]);
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    assert_eq!(version, "00", "{traceparent}");
    assert!(
        hex(trace_id, 32) && trace_id.bytes().any(|b| b != b'0'),
        "{traceparent}"
    );
    assert!(
        hex(parent_id, 16) && parent_id.bytes().any(|b| b != b'0'),
        "{traceparent}"
    );
    assert!(hex(flags, 2), "{traceparent}");
    (trace_id, parent_id, flags)
}

async fn charge(app: &TestApp, traceparent: Option<&str>) -> LoggedRecord {
    let mut request = app
        .command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": 5000}),
        )
        .header("Prefer", "wait=0");
    if let Some(traceparent) = traceparent {
        request = request
            .header("traceparent", traceparent)
            .header("tracestate", "vendor=value");
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 202);
    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let mut records = app.read_records(&topic).await;
    assert_eq!(records.len(), 1);
    records.remove(0)
}

#[tokio::test]
async fn a_record_continues_the_trace_of_the_request_that_appended_it() {
    let app = spawn_app().await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let sent = format!("00-{trace_id}-{caller_span}-01");

    let record = charge(&app, Some(&sent)).await;

    let carried = record.header("traceparent").expect("a traceparent header");
    let (carried_trace, carried_parent, flags) = parse(carried);
    assert_eq!(carried_trace, trace_id, "{carried}");
    // The parent is the service's own append span, not the caller's.
    assert_ne!(carried_parent, caller_span, "{carried}");
    assert_eq!(flags, "01", "the caller's sampling decision is kept");
    assert_eq!(record.header("tracestate"), Some("vendor=value"));
}

#[tokio::test]
async fn a_request_without_a_trace_starts_one_its_record_carries() {
    let app = spawn_app().await;
    let record = charge(&app, None).await;
    let carried = record.header("traceparent").expect("a traceparent header");
    parse(carried);
}
