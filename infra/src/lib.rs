//! Adapters shared by the services: configuration, Kafka, Postgres, Redis,
//! telemetry, and the problem+json error type.

pub mod problem;
