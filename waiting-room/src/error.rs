//! Everything the queue can refuse or fail with, and the one place where each
//! maps to the contract's status and code.

use std::time::Duration;

use infra::problem::{ErrorCode, Problem};

use super::proof::ProofRejected;
use super::token::TokenRejected;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("X-User-Id is missing or not a UUID")]
    Unauthenticated,
    /// AUTH_MODE=jwt: the bearer token is missing or does not verify.
    #[error(transparent)]
    BearerRefused(#[from] infra::auth::BearerRefused),
    #[error("X-Queue-Token is missing")]
    TokenMissing,
    #[error(transparent)]
    TokenRejected(#[from] TokenRejected),
    #[error(transparent)]
    ProofRejected(#[from] ProofRejected),
    #[error("the queue token has expired")]
    TokenExpired,
    #[error("the queue token was issued to another user")]
    OtherUsersToken,
    #[error("the queue token is still waiting; it is not active yet")]
    NotActive,
    #[error("this queue token is for another schedule's waiting room")]
    OtherRoom,
    #[error("no schedule {0}")]
    UnknownSchedule(uuid::Uuid),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the schedules cannot be read: {0}")]
    ScheduleLookup(String),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("unexpected answer from a queue script: {0}")]
    Reply(String),
    #[error("queue settings: {0}")]
    Settings(String),
    #[error("queue metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("the queue is not configured on this app (web::Data<Queue> missing)")]
    NotMounted,
}

impl From<infra::redis::Bounded<QueueError>> for QueueError {
    fn from(failure: infra::redis::Bounded<QueueError>) -> Self {
        match failure {
            infra::redis::Bounded::Failed(error) => error,
            infra::redis::Bounded::TimedOut(after) => QueueError::Timeout(after),
        }
    }
}

impl From<QueueError> for Problem {
    fn from(error: QueueError) -> Self {
        let code = match &error {
            QueueError::Unauthenticated | QueueError::BearerRefused(_) => {
                ErrorCode::Unauthenticated
            }
            QueueError::TokenMissing | QueueError::TokenRejected(_) | QueueError::TokenExpired => {
                ErrorCode::QueueTokenInvalid
            }
            QueueError::OtherUsersToken | QueueError::OtherRoom => ErrorCode::Forbidden,
            QueueError::ProofRejected(_) => ErrorCode::QueueProofInvalid,
            QueueError::UnknownSchedule(_) => ErrorCode::NotFound,
            QueueError::InvalidRequest(_) => ErrorCode::ValidationFailed,
            QueueError::ScheduleLookup(_) => ErrorCode::Unavailable,
            QueueError::NotActive => ErrorCode::QueueTokenNotActive,
            // A reply of the wrong shape is our bug, not Redis being down.
            QueueError::Redis(error) if error.kind() == redis::ErrorKind::TypeError => {
                ErrorCode::Internal
            }
            QueueError::Redis(_) | QueueError::Timeout(_) => ErrorCode::Unavailable,
            QueueError::Reply(_)
            | QueueError::Settings(_)
            | QueueError::Metrics(_)
            | QueueError::NotMounted => ErrorCode::Internal,
        };
        if code == ErrorCode::Unavailable || code == ErrorCode::Internal {
            tracing::warn!(error = %infra::telemetry::ErrorChain(&error), "queue operation failed");
        }
        let detail = match code {
            // Connection details stay in the logs, not in answers to clients.
            ErrorCode::Unavailable => "the waiting queue is unavailable; retry shortly".to_string(),
            ErrorCode::Internal => "internal error".to_string(),
            _ => error.to_string(),
        };
        let challenge = match &error {
            QueueError::BearerRefused(refused) => Some(refused.challenge()),
            _ => None,
        };
        Problem::new(code, detail).challenging(challenge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: QueueError) -> ErrorCode {
        Problem::from(error).code
    }

    #[test]
    fn refusals_map_to_the_contract_codes() {
        assert_eq!(
            code(QueueError::Unauthenticated),
            ErrorCode::Unauthenticated
        );
        assert_eq!(code(QueueError::TokenMissing), ErrorCode::QueueTokenInvalid);
        assert_eq!(
            code(QueueError::TokenRejected(TokenRejected::BadSignature)),
            ErrorCode::QueueTokenInvalid
        );
        assert_eq!(code(QueueError::TokenExpired), ErrorCode::QueueTokenInvalid);
        assert_eq!(code(QueueError::OtherUsersToken), ErrorCode::Forbidden);
        assert_eq!(code(QueueError::NotActive), ErrorCode::QueueTokenNotActive);
        assert_eq!(
            code(QueueError::ProofRejected(ProofRejected::Missing)),
            ErrorCode::QueueProofInvalid
        );
    }

    #[test]
    fn redis_trouble_is_unavailable_and_says_nothing_about_the_connection() {
        let refused =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let problem = Problem::from(QueueError::Redis(refused));
        assert_eq!(problem.code, ErrorCode::Unavailable);
        assert!(!problem.detail.contains("refused"));
        assert_eq!(
            code(QueueError::Timeout(Duration::from_secs(1))),
            ErrorCode::Unavailable
        );
    }

    #[test]
    fn a_reply_of_the_wrong_shape_is_a_bug() {
        let wrong = redis::RedisError::from((redis::ErrorKind::TypeError, "not an integer"));
        assert_eq!(code(QueueError::Redis(wrong)), ErrorCode::Internal);
        assert_eq!(code(QueueError::Reply("?".into())), ErrorCode::Internal);
    }
}
