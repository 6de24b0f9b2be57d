//! Kafka adapters: topic names, the event appender, the consumer the
//! projector reads with, and topic administration.
//!
//! Nothing here depends on a particular broker implementation; the same
//! settings work against Apache Kafka, Redpanda or tansu.

mod admin;
mod appender;
mod client;
mod consumer;
mod topics;

pub use admin::{ensure_topics, BrokerProbe, TopicAdminError};
pub use appender::{
    AppendError, Appended, Appender, DEFAULT_APPEND_TIMEOUT, DELIVERY_REPORT_SLACK,
};
pub use client::client_config;
pub use consumer::{assign_at, consumer_config, ResumeFrom, StoredPositions, TopicPartition};
pub use topics::{Topic, Topics, CATALOG, RESERVATIONS, WALLETS};

pub use rdkafka;
