//! The W3C trace context (`traceparent`, `tracestate`) as it crosses the
//! log: read from an HTTP request, written into the headers of every record
//! appended, read back from a record's headers by the projector, so one
//! trace runs from the request through the append, the fold and the
//! announcement of the decision.
//!
//! It works whether or not traces are exported (see `traces.rs`): spans
//! always carry an OpenTelemetry context, so a caller's trace id reaches the
//! records unchanged even when nothing is sent to a collector.

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// A span's place in a trace, in its W3C text form. Empty when there is
/// none (no tracing subscriber, a disabled span, a record appended before
/// records carried it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    traceparent: Option<String>,
    tracestate: Option<String>,
}

impl TraceContext {
    /// Where `span` is: its own id under its trace's.
    pub fn of(span: &Span) -> Self {
        let mut context = Self::default();
        TraceContextPropagator::new().inject_context(&span.context(), &mut context);
        context
    }

    /// Where the current span is.
    pub fn current() -> Self {
        Self::of(&Span::current())
    }

    /// Read from headers (an HTTP request's, a Kafka record's): names
    /// compared without case, values that are not UTF-8 ignored.
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut context = Self::default();
        for (name, value) in headers {
            if let Ok(value) = std::str::from_utf8(value) {
                context.set(&name.to_ascii_lowercase(), value.to_owned());
            }
        }
        context
    }

    pub fn is_empty(&self) -> bool {
        self.traceparent.is_none()
    }

    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_deref()
    }

    /// `(name, value)` of each header to send on.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (TRACEPARENT, self.traceparent.as_deref()),
            (TRACESTATE, self.tracestate.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }

    /// Makes `span`, not yet entered, a child of this context. An empty or
    /// malformed context leaves it where it was (a root, or the child of
    /// the span it was created in).
    pub fn adopt(&self, span: &Span) {
        if self.is_empty() {
            return;
        }
        let parent = TraceContextPropagator::new().extract(self);
        if let Err(error) = span.set_parent(parent) {
            // Only a disabled span or one already entered: a bug in the
            // caller, not worth failing a request for.
            tracing::debug!(%error, "cannot set a span's remote parent");
        }
    }
}

impl Injector for TraceContext {
    fn set(&mut self, key: &str, value: String) {
        let value = Some(value).filter(|value| !value.is_empty());
        match key {
            TRACEPARENT => self.traceparent = value,
            TRACESTATE => self.tracestate = value,
            _ => {}
        }
    }
}

impl Extractor for TraceContext {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            TRACEPARENT => self.traceparent.as_deref(),
            TRACESTATE => self.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.headers().map(|(name, _)| name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn headers_are_read_without_case_and_written_back_in_lower_case() {
        let context = TraceContext::from_headers([
            ("Traceparent", PARENT.as_bytes()),
            ("TRACESTATE", b"vendor=1".as_slice()),
            ("x-other", b"ignored".as_slice()),
        ]);
        assert_eq!(
            context.headers().collect::<Vec<_>>(),
            vec![(TRACEPARENT, PARENT), (TRACESTATE, "vendor=1")]
        );
    }

    #[test]
    fn no_subscriber_means_no_context() {
        assert!(TraceContext::current().is_empty());
    }
}
