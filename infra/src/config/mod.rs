//! Typed configuration read from environment variables.
//!
//! Loading takes a lookup function rather than reading the process
//! environment directly, so tests feed a map and never race each other on
//! `std::env`. Every failure names the variable it is about.

mod error;
mod files;
mod read;
mod secret;
mod settings;

pub use error::ConfigError;
pub use files::SECRET_VARIABLES;
pub use secret::Secret;
pub use settings::*;

#[cfg(test)]
mod tests;
