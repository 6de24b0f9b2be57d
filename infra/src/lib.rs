//! Adapters shared by the services: configuration, Kafka, Postgres, Redis,
//! telemetry, the waiting queue, and the problem+json error type.

pub mod config;
pub mod decision;
pub mod http;
pub mod kafka;
pub mod postgres;
pub mod problem;
pub mod queue;
pub mod read_model;
pub mod redis_store;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
