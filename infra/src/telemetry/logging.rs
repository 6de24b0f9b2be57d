use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogFormat, TelemetrySettings};

/// Installs the global tracing subscriber. A second call (e.g. from a
/// second test in the same process) keeps the first subscriber.
pub fn init_tracing(settings: &TelemetrySettings) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(&settings.log_filter)
        .map_err(|e| ConfigError::invalid("RUST_LOG", format!("not a valid filter ({e})")))?;
    // Colours only for a person at a terminal, never in files or collectors.
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _already_installed = match settings.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    Ok(())
}
