//! command-api: validates commands, appends their events to Kafka and
//! answers with the projector's decision.

pub mod configuration;
pub mod error;
pub mod routes;
pub mod startup;
