//! Every failure this service can answer with, mapped to problem+json here
//! and nowhere else.

use actix_web::{HttpResponse, ResponseError};
use infra::postgres::DatabaseError;
use infra::problem::Problem;

/// Why the service could not start. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("REDIS_URL: {0}")]
    Redis(#[source] redis::RedisError),
    #[error("QUEUE_*: {0}")]
    Queue(#[source] infra::queue::QueueError),
    #[error("QUERY_API_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Errors handlers return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{dependency} is unavailable: {reason}")]
    Unavailable {
        dependency: &'static str,
        reason: String,
    },
    #[error("unexpected failure: {0}")]
    Internal(String),
}

impl From<&ApiError> for Problem {
    fn from(error: &ApiError) -> Self {
        match error {
            ApiError::Unavailable { dependency, .. } => {
                Problem::unavailable(format!("{dependency} is unavailable"))
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
        if let ApiError::Internal(detail) = self {
            tracing::error!(%detail, "request failed");
        }
        Problem::from(self).error_response()
    }
}
