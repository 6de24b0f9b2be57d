//! Every failure this service can answer with, mapped to problem+json here
//! and nowhere else.

use actix_web::{HttpResponse, ResponseError};
use infra::postgres::DatabaseError;
use infra::problem::Problem;
use infra::telemetry::ErrorChain;
use read_model::ReadError;
use waiting_room::QueueError;

/// What went wrong underneath, kept with its own causes for the logs.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

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
    #[error("{dependency} is unavailable: {source}")]
    Unavailable {
        dependency: &'static str,
        #[source]
        source: Cause,
    },
    #[error("unexpected failure: {0}")]
    Internal(#[source] Cause),
}

impl From<QueueError> for ApiError {
    fn from(error: QueueError) -> Self {
        ApiError::Queue(Problem::from(error))
    }
}

impl From<ReadError> for ApiError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Unavailable(cause) => ApiError::Unavailable {
                dependency: "postgres",
                source: Box::new(cause),
            },
            ReadError::Database(_) => ApiError::Internal(Box::new(error)),
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
        // With every cause, in the request's span; the answer says none of it.
        match self {
            ApiError::Internal(_) => {
                tracing::error!(error = %ErrorChain(self), "request failed")
            }
            ApiError::Unavailable { dependency, .. } => {
                tracing::warn!(dependency, error = %ErrorChain(self), "dependency unavailable")
            }
            _ => {}
        }
        Problem::from(self).error_response()
    }
}

#[cfg(test)]
mod tests {
    use infra::problem::ErrorCode;

    use super::*;

    #[test]
    fn a_read_failure_answers_without_its_causes_and_logs_them_all() {
        let refused = sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused by 10.0.0.7:5432",
        ));
        let error = ApiError::from(ReadError::from(refused));
        let problem = Problem::from(&error);
        assert_eq!(problem.code, ErrorCode::Unavailable);
        assert_eq!(problem.detail, "postgres is unavailable; retry shortly");
        let logged = ErrorChain(&error).to_string();
        assert!(logged.starts_with("postgres is unavailable: "), "{logged}");
        assert_eq!(logged.matches("10.0.0.7:5432").count(), 1, "{logged}");

        let bug = ApiError::from(ReadError::from(sqlx::Error::ColumnNotFound(
            "secret_column".into(),
        )));
        let problem = Problem::from(&bug);
        assert_eq!(problem.code, ErrorCode::Internal);
        assert_eq!(problem.detail, "unexpected failure");
        assert!(ErrorChain(&bug).to_string().contains("secret_column"));
    }
}
