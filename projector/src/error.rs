//! Every failure this service can report, in one place.

use infra::kafka::TopicAdminError;
use infra::postgres::DatabaseError;

/// Why the projector could not start. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("DATABASE_URL: cannot read the stored offsets (did `projector setup` run?): {0}")]
    Offsets(#[source] sqlx::Error),
    #[error("REDIS_URL: {0}")]
    Redis(#[source] redis::RedisError),
    #[error("KAFKA_BROKERS: cannot create a Kafka client: {0}")]
    Kafka(#[source] rdkafka::error::KafkaError),
    #[error("PROJECTOR_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("REDIS_URL: cannot build the queue handle: {0}")]
    Queue(#[source] waiting_room::QueueError),
    #[error("cannot register metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Why `projector setup` failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("KAFKA_BROKERS: {0}")]
    Topics(#[from] TopicAdminError),
}

/// Why a running projector stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the HTTP server failed: {0}")]
    Http(#[source] std::io::Error),
}
