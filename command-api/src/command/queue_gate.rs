//! The waiting-queue check of the guarded commands (holds, releases,
//! payments), with the contract's one exception: a retry under an
//! `Idempotency-Key` whose first use got through still gets that first
//! answer when the caller's token has expired or gone back to waiting
//! since (a retried payment gets its 201 again, though paying expired the
//! token). It still needs a genuine token of the same user.

use actix_web::HttpRequest;
use domain::UserId;
use waiting_room::{Queue, QueueError, QUEUE_TOKEN_HEADER};

use super::answer::Answer;
use super::idempotency::Scope;
use super::intake::Intake;
use super::write_path::Commands;
use crate::error::ApiError;

/// `Ok(None)`: the token is ACTIVE, go on. `Ok(Some(..))`: the answer of an
/// earlier use of the key. `Err`: the queue's refusal (401/403), or 503.
pub async fn check(
    request: &HttpRequest,
    queue: &Queue,
    commands: &Commands,
    intake: &Intake,
    user: UserId,
    body: &[u8],
) -> Result<Option<Answer>, ApiError> {
    // Read as `waiting_room`'s extractors do: not text is not a token.
    let token = request
        .headers()
        .get(QUEUE_TOKEN_HEADER)
        .map(|value| value.to_str().unwrap_or_default().trim().to_owned());
    match queue.active_pass(user.as_uuid(), token.as_deref()).await {
        Ok(_) => Ok(None),
        Err(refusal @ (QueueError::TokenExpired | QueueError::NotActive)) => {
            if let Ok(Some(claim)) = intake.claim(&Scope::User(user), body) {
                // `pass` proves the token is genuine and the caller's own.
                if queue.pass(user.as_uuid(), token.as_deref()).await.is_ok() {
                    if let Some(answer) = commands.resume(intake, &claim).await? {
                        return Ok(Some(answer));
                    }
                }
            }
            Err(refusal.into())
        }
        Err(other) => Err(other.into()),
    }
}
