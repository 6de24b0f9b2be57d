//! Every failure this service can answer with, mapped to problem+json here
//! and nowhere else.

use actix_web::{HttpResponse, ResponseError};
use infra::postgres::DatabaseError;
use infra::problem::{ErrorCode, Problem};
use infra::queue::QueueError;

/// Why the service could not start. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("REDIS_URL: {0}")]
    Redis(#[source] redis::RedisError),
    #[error("QUEUE_*: {0}")]
    Queue(#[source] QueueError),
    #[error("KAFKA_BROKERS: cannot create a Kafka client: {0}")]
    Kafka(#[source] rdkafka::error::KafkaError),
    #[error("{variable}: {reason}")]
    Policy {
        variable: &'static str,
        reason: String,
    },
    #[error("cannot register metrics: {0}")]
    Metrics(#[source] prometheus::Error),
    #[error("COMMAND_API_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Errors handlers return: refusals before anything is appended, and
/// dependencies failing.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `X-User-Id` and `X-Queue-Token` refusals, or the queue's Redis down,
    /// already in the contract's terms (`infra::queue` maps them).
    #[error(transparent)]
    Queue(Problem),
    #[error("X-Admin-Key is missing or wrong, or no admin key is configured")]
    AdminKeyRefused,
    #[error("{0}")]
    Invalid(String),
    #[error("{amount} KRW is over the single-charge limit of {limit} KRW")]
    ChargeLimitExceeded { amount: i64, limit: i64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the reservation belongs to another user")]
    Forbidden,
    #[error("this Idempotency-Key was already used with another body")]
    IdempotencyKeyReused,
    #[error("{dependency} is unavailable: {reason}")]
    Unavailable {
        dependency: &'static str,
        reason: String,
    },
    #[error("unexpected failure: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn unavailable(dependency: &'static str, reason: impl ToString) -> Self {
        ApiError::Unavailable {
            dependency,
            reason: reason.to_string(),
        }
    }

    /// A Postgres failure: the database being unreachable, starting, shutting
    /// down or out of resources is a 503; anything else (a missing table, a
    /// bad query) is a bug.
    pub fn database(error: sqlx::Error) -> Self {
        if infra::postgres::is_unavailable(&error) {
            ApiError::unavailable("postgres", error)
        } else {
            ApiError::Internal(format!("postgres: {error}"))
        }
    }

    /// The `outcome` label of `commands_total` for a command refused or
    /// failed before it was decided.
    pub fn outcome(&self) -> &'static str {
        match Problem::from(self).code {
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused.as_str(),
            _ => "rejected_4xx",
        }
    }
}

impl From<&ApiError> for Problem {
    fn from(error: &ApiError) -> Self {
        match error {
            ApiError::Queue(problem) => problem.clone(),
            ApiError::AdminKeyRefused => {
                Problem::new(ErrorCode::Unauthenticated, error.to_string())
            }
            ApiError::Invalid(detail) => Problem::validation(detail.clone()),
            ApiError::ChargeLimitExceeded { .. } => {
                Problem::new(ErrorCode::ChargeLimitExceeded, error.to_string())
            }
            ApiError::NotFound(_) => Problem::not_found(error.to_string()),
            ApiError::Forbidden => Problem::new(ErrorCode::Forbidden, error.to_string()),
            ApiError::IdempotencyKeyReused => {
                Problem::new(ErrorCode::IdempotencyKeyReused, error.to_string())
            }
            ApiError::Unavailable { dependency, .. } => {
                Problem::unavailable(format!("{dependency} is unavailable; retry shortly"))
            }
            // Details of a bug stay in the logs, not in the answer.
            ApiError::Internal(_) => Problem::internal("unexpected failure"),
        }
    }
}

impl From<QueueError> for ApiError {
    fn from(error: QueueError) -> Self {
        ApiError::Queue(Problem::from(error))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        Problem::from(self).status_code()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(detail) => tracing::error!(%detail, "request failed"),
            ApiError::Unavailable { dependency, reason } => {
                tracing::warn!(dependency, %reason, "dependency unavailable")
            }
            _ => {}
        }
        Problem::from(self).error_response()
    }
}
