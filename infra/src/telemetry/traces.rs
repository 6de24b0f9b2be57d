//! The OpenTelemetry tracer behind the `tracing` spans.
//!
//! Off by default: with no OTLP endpoint the provider has no exporter, so
//! spans are dropped where they end. They still carry trace and span ids,
//! which is what lets a caller's `traceparent` flow on into the records
//! (`trace_context.rs`). With `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, spans are batched and sent
//! with OTLP over HTTP/protobuf; `OTEL_TRACES_SAMPLER` and the other
//! standard `OTEL_*` variables the SDK reads apply.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use crate::config::{ConfigError, TelemetrySettings};

/// How long shutting down waits for the last spans to reach the collector.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// The tracer provider, for `main` to shut down on its way out, sending
/// the spans still batched. Dropping it does nothing: the tracer keeps
/// working (tests drop it at once).
pub struct Tracing {
    provider: Option<SdkTracerProvider>,
}

impl Tracing {
    /// Nothing to shut down: a second `init_tracing` in one process (tests).
    pub(super) fn inert() -> Self {
        Self { provider: None }
    }

    pub(super) fn new(provider: SdkTracerProvider) -> Self {
        Self {
            provider: Some(provider),
        }
    }
}

impl Tracing {
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            if let Err(error) = provider.shutdown_with_timeout(FLUSH_TIMEOUT) {
                eprintln!("flushing traces failed: {error}");
            }
        }
    }
}

/// The provider for `service`: exporting when an endpoint is configured,
/// otherwise only giving spans their ids.
pub(super) fn provider(
    settings: &TelemetrySettings,
    service: &str,
) -> Result<SdkTracerProvider, ConfigError> {
    let name = settings.service_name.as_deref().unwrap_or(service);
    let resource = Resource::builder()
        .with_service_name(name.to_owned())
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = &settings.otlp_traces_endpoint else {
        return Ok(builder.build());
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| {
            ConfigError::invalid(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("cannot export traces there ({e})"),
            )
        })?;
    // The batch processor exports from a thread of its own, off the
    // request path; a collector that is down costs dropped spans, not
    // latency.
    Ok(builder.with_batch_exporter(exporter).build())
}

pub(super) fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer("ticketfold")
}
