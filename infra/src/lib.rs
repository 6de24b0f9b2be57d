//! Adapters shared by the services: configuration, Kafka, Postgres, Redis,
//! telemetry, the waiting queue, and the problem+json error type.

pub mod problem;
pub mod queue;
