//! Every failure this service can answer with, mapped to problem+json here
//! and nowhere else.

use actix_web::{HttpResponse, ResponseError};
use infra::postgres::DatabaseError;
use infra::problem::Problem;
use read_model::ReadError;
use waiting_room::QueueError;

/// Why the service could not start. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("REDIS_URL: {0}")]
    Redis(#[source] redis::RedisError),
    #[error("QUEUE_*: {0}")]
    Queue(#[source] QueueError),
    #[error("cannot register metrics: {0}")]
    Metrics(#[source] prometheus::Error),
    #[error("QUERY_API_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Errors handlers return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `X-User-Id` and `X-Queue-Token` refusals, or the queue's Redis down,
    /// already in the contract's terms (`waiting_room` maps them).
    #[error(transparent)]
    Queue(Problem),
    /// Nothing under that id, or not the caller's (existence is not revealed).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{dependency} is unavailable: {reason}")]
    Unavailable {
        dependency: &'static str,
        reason: String,
    },
    #[error("unexpected failure: {0}")]
    Internal(String),
}

impl From<QueueError> for ApiError {
    fn from(error: QueueError) -> Self {
        ApiError::Queue(Problem::from(error))
    }
}

impl From<ReadError> for ApiError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Unavailable(reason) => ApiError::Unavailable {
                dependency: "postgres",
                reason: reason.to_string(),
            },
            ReadError::Database(reason) => ApiError::Internal(format!("postgres: {reason}")),
        }
    }
}

impl From<&ApiError> for Problem {
    fn from(error: &ApiError) -> Self {
        match error {
            ApiError::Queue(problem) => problem.clone(),
            ApiError::NotFound(_) => Problem::not_found(error.to_string()),
            ApiError::Unavailable { dependency, .. } => {
                Problem::unavailable(format!("{dependency} is unavailable; retry shortly"))
            }
            // Details of a bug stay in the logs, not in the answer.
            ApiError::Internal(_) => Problem::internal("unexpected failure"),
        }
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
