use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::filter::{filter_fn, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use super::traces::{self, Tracing};
use crate::config::{ConfigError, LogFormat, TelemetrySettings};

/// The crates whose spans make up a trace. Libraries' spans (the HTTP client
/// the exporter itself uses among them) stay out of it.
const TRACED_CRATES: &[&str] = &[
    "infra",
    "command_api",
    "query_api",
    "projector",
    "read_model",
    "waiting_room",
];

/// Installs the global subscriber: logs to stderr, filtered by `RUST_LOG`,
/// and spans to OpenTelemetry as `service` (see `traces.rs`). A second call
/// (e.g. from a second test in the same process) keeps the first subscriber.
///
/// The two have filters of their own: `RUST_LOG=warn` quiets the log but
/// keeps the `info` spans a trace is made of, so a `traceparent` still goes
/// from a request into its records.
pub fn init_tracing(settings: &TelemetrySettings, service: &str) -> Result<Tracing, ConfigError> {
    let filter = EnvFilter::try_new(&settings.log_filter)
        .map_err(|e| ConfigError::invalid("RUST_LOG", format!("not a valid filter ({e})")))?;
    let provider = traces::provider(settings, service)?;
    let exporting = settings.otlp_traces_endpoint.is_some();
    // Colours only for a person at a terminal, never in files or collectors.
    let ansi = std::io::stderr().is_terminal();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let logs = match settings.log_format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_filter(filter)
            .boxed(),
        LogFormat::Text => fmt.with_filter(filter).boxed(),
    };
    let traced = Targets::new().with_targets(TRACED_CRATES.iter().map(|name| (*name, Level::INFO)));
    let spans = tracing_opentelemetry::layer()
        .with_tracer(traces::tracer(&provider))
        .with_tracked_inactivity(false)
        .with_threads(false)
        .with_filter(traced)
        // Not exported, log lines would only be copied into spans and
        // dropped with them.
        .with_filter(filter_fn(move |metadata| exporting || metadata.is_span()));
    let installed = Registry::default().with(logs).with(spans).try_init();
    Ok(match installed {
        Ok(()) => Tracing::new(provider),
        Err(_already_installed) => Tracing::inert(),
    })
}
