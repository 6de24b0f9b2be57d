//! This service's view of `infra::config`.

use std::time::Duration;

pub use infra::config::{ConfigError, Settings};
use infra::queue::QueueSettings;

/// The settings from the process environment.
pub fn load() -> Result<Settings, ConfigError> {
    Settings::from_env()
}

/// The waiting queue's tunables from the QUEUE_* variables; everything
/// else keeps the queue's production defaults.
pub fn queue_settings(settings: &Settings) -> QueueSettings {
    let queue = &settings.queue;
    QueueSettings::new(
        queue.active_max,
        queue.admit_per_second,
        Duration::from_secs(queue.active_ttl_seconds),
        queue.token_secret.expose().as_bytes(),
    )
}
