//! Every failure this service can answer with, mapped to problem+json here
//! and nowhere else.

use actix_web::{HttpResponse, ResponseError};
use infra::postgres::DatabaseError;
use infra::problem::{ErrorCode, Problem};
use infra::telemetry::ErrorChain;
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
    /// already in the contract's terms (`waiting_room` maps them).
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
    #[error("{dependency} is unavailable: {source}")]
    Unavailable {
        dependency: &'static str,
        #[source]
        source: Cause,
    },
    #[error("unexpected failure: {0}")]
    Internal(#[source] Cause),
}

impl ApiError {
    /// `dependency` is down; `cause` (an error, or a sentence) says how.
    pub fn unavailable(dependency: &'static str, cause: impl Into<Cause>) -> Self {
        ApiError::Unavailable {
            dependency,
            source: cause.into(),
        }
    }

    /// A Postgres failure: the database being unreachable, starting, shutting
    /// down or out of resources is a 503; anything else (a missing table, a
    /// bad query) is a bug.
    pub fn database(error: sqlx::Error) -> Self {
        if infra::postgres::is_unavailable(&error) {
            ApiError::unavailable("postgres", error)
        } else {
            ApiError::Internal(Box::new(error))
        }
    }

    /// The `outcome` label of `ticketfold_commands_total` for a command refused or
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
    use super::*;

    fn refused() -> sqlx::Error {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused by 10.0.0.7:5432",
        ))
    }

    #[test]
    fn a_dependency_down_answers_503_and_only_the_log_says_why() {
        let error = ApiError::database(refused());
        let problem = Problem::from(&error);
        assert_eq!(problem.code, ErrorCode::Unavailable);
        assert_eq!(problem.detail, "postgres is unavailable; retry shortly");
        let logged = ErrorChain(&error).to_string();
        assert!(logged.starts_with("postgres is unavailable: "), "{logged}");
        assert!(logged.contains("10.0.0.7:5432"), "{logged}");
        assert_eq!(logged.matches("10.0.0.7").count(), 1, "{logged}");
    }

    #[test]
    fn a_bug_answers_500_and_only_the_log_says_what() {
        let error = ApiError::database(sqlx::Error::ColumnNotFound("secret_column".into()));
        let problem = Problem::from(&error);
        assert_eq!(problem.code, ErrorCode::Internal);
        assert_eq!(problem.detail, "unexpected failure");
        assert!(ErrorChain(&error).to_string().contains("secret_column"));
        assert!(std::error::Error::source(&error).is_some());
    }
}
