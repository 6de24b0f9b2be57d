use std::sync::Arc;

/// Why a read could not be answered. Redis trouble never shows up here: the
/// reader falls back to Postgres, so only Postgres can fail a read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    /// Unreachable, starting, shutting down or out of resources: a 503.
    #[error("postgres is unavailable: {0}")]
    Unavailable(Arc<sqlx::Error>),
    /// Anything else (a missing table, a bad query) is a bug: a 500.
    #[error("postgres: {0}")]
    Database(Arc<sqlx::Error>),
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

/// Whether a Postgres failure means "down for now" rather than "our bug".
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        // SQLSTATE classes 08 (connection), 53 (resources), 57 (operator
        // intervention, e.g. shutting down) and 40001/40P01 (retry).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57")
                || code == "40001"
                || code == "40P01"
        }),
        _ => false,
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
