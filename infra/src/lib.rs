//! The thin platform every service stands on: configuration, telemetry, the
//! HTTP base and problem+json rendering, Postgres, Redis (one connection
//! type, one key space), the decisions channel, hand-offs of appended records, and Kafka behind the
//! `kafka` feature. Features live in crates of their own (`waiting-room`,
//! `read-model`).

pub mod auth;
pub mod clock;
#[cfg(feature = "testing")]
pub mod committed_spec;
pub mod config;
pub mod decision;
pub mod flight;
pub mod handoff;
pub mod http;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod postgres;
pub mod problem;
pub mod redis;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
