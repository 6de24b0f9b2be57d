//! Typed configuration read from environment variables.
//!
//! Loading takes a lookup function rather than reading the process
//! environment directly, so tests feed a map and never race each other on
//! `std::env`. Every failure names the variable it is about.

mod auth;
mod error;
mod files;
mod kafka_properties;
mod read;
mod secret;
mod sections;
mod settings;
mod token_keys;

pub use auth::{
    AuthMode, AuthSettings, JwtKey, JwtSettings, DEFAULT_JWT_LEEWAY_SECONDS, MIN_HS256_SECRET_BYTES,
};
pub use error::ConfigError;
pub use files::SECRET_VARIABLES;
pub use kafka_properties::{KafkaProperties, PROPERTY_PREFIX};
pub use secret::Secret;
pub use sections::{Sections, Settings};
pub use settings::*;
pub use token_keys::{
    check_key_id, QueueTokenKey, QueueTokenKeys, MAX_KEY_ID_LEN, MIN_TOKEN_SECRET_BYTES,
};

#[cfg(test)]
mod tests;
