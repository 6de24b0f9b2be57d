//! This service's view of `infra::config`. `projector run` reads every
//! section; the one-shot commands read only the sections they use (see
//! `main.rs`), so an export needs no queue-token secret and no Redis.

pub use infra::config::{ConfigError, Sections, Settings};

/// Every setting, from the process environment: what `projector run` needs.
pub fn load() -> Result<Settings, ConfigError> {
    Settings::from_env()
}
