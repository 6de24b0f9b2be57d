//! One span per HTTP request, around everything the service does for it:
//! `request{method route correlation_id command_id status latency_ms}`.
//! Whatever is logged while the request is handled (an error with its
//! causes, a dependency down) carries those fields, and one `answered` line
//! closes each request.
//!
//! The span continues the caller's trace when the request carries a W3C
//! `traceparent` (and `tracestate`); the records a command appends carry
//! it on (see `telemetry::TraceContext`).
//!
//! The correlation id is the caller's `X-Correlation-Id` when it is a UUID.
//! A service that mints one when the caller sent none (command-api, for the
//! records a command appends) records it on `Span::current()`, as handlers
//! run inside this span; command-api records the command's id the same way.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use tracing::field::Empty;
use tracing::Instrument;
use uuid::Uuid;

use crate::telemetry::{TraceContext, TRACEPARENT, TRACESTATE};

/// Shared by a request and every record it causes (see `API.md`).
pub const CORRELATION_HEADER: &str = "X-Correlation-Id";

/// The target of the `answered` line closing each request, so that line can
/// be filtered on its own (`RUST_LOG=info,access=warn`) while the span, and
/// every line logged inside it, stays.
pub const ACCESS_TARGET: &str = "access";

/// Polled by orchestrators and scrapers every few seconds: their `answered`
/// line is debug, unless they fail.
const PROBES: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// Middleware (`from_fn`), outermost in `base_app`.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The pattern, not the path: no ids in the field, as in the metrics.
    let route = req.match_pattern();
    let probe = route
        .as_deref()
        .is_some_and(|route| PROBES.contains(&route));
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route.as_deref().unwrap_or("unmatched"),
        correlation_id = correlation_id(req.headers()).map(tracing::field::display),
        command_id = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    caller_trace(req.headers()).adopt(&span);
    let result = span
        .in_scope(|| next.call(req))
        .instrument(span.clone())
        .await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    span.record("status", status.as_u16());
    span.record("latency_ms", milliseconds(started));
    let _entered = span.enter();
    if probe && status.is_success() {
        tracing::debug!(target: ACCESS_TARGET, "answered");
    } else {
        tracing::info!(target: ACCESS_TARGET, "answered");
    }
    result
}

/// The caller's correlation id, read as command-api reads it.
fn correlation_id(headers: &HeaderMap) -> Option<Uuid> {
    headers
        .get(CORRELATION_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value.trim()).ok())
}

/// The caller's trace context, if it sent one.
fn caller_trace(headers: &HeaderMap) -> TraceContext {
    TraceContext::from_headers(
        [TRACEPARENT, TRACESTATE]
            .into_iter()
            .filter_map(|name| Some((name, headers.get(name)?.as_bytes()))),
    )
}

/// Elapsed milliseconds, to the microsecond.
fn milliseconds(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0
}
