use std::sync::Arc;

use infra::postgres::is_unavailable;

/// Why a read could not be answered. Redis trouble never shows up here: the
/// reader falls back to Postgres, so only Postgres can fail a read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    /// Unreachable, starting, shutting down or out of resources: a 503.
    #[error("postgres is unavailable: {0}")]
    Unavailable(#[source] Arc<sqlx::Error>),
    /// Anything else (a missing table, a bad query) is a bug: a 500.
    #[error("postgres: {0}")]
    Database(#[source] Arc<sqlx::Error>),
}

impl From<sqlx::Error> for ReadError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            ReadError::Unavailable(Arc::new(error))
        } else {
            ReadError::Database(Arc::new(error))
        }
    }
}

/// Why a write-through or a warm-up did not reach Redis.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}
