//! This service's view of `infra::config`.

pub use infra::config::{ConfigError, Settings};

/// The settings from the process environment.
pub fn load() -> Result<Settings, ConfigError> {
    Settings::from_env()
}
