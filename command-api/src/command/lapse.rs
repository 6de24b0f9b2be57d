//! A lapsed token's refusal, held back: the contract lets a retry with a
//! known `Idempotency-Key` replay its earlier answer even after the token
//! lapsed, and that needs the body and key, which are checked after the
//! token. The submission settles it before anything else is looked at.

use actix_web::web;
use domain::UserId;
use waiting_room::{OfferedToken, Queue, QueueError};

use super::answer::Answer;
use super::idempotency::KeyClaim;
use super::intake::Intake;
use super::write_path::Commands;
use crate::error::ApiError;

/// A genuine token the queue found expired or waiting: the refusal to
/// answer unless an earlier answer is replayed. Expiry outranks ownership,
/// so the token is not yet known to be the caller's; `replay` makes sure.
pub struct Lapse {
    pub user: UserId,
    pub refusal: QueueError,
    pub token: OfferedToken,
    pub queue: web::Data<Queue>,
}

impl Lapse {
    /// The answer of an earlier use of `claim`'s key, when there is one and
    /// the token is genuinely the caller's; the queue's refusal (401/403)
    /// otherwise, or 503.
    pub async fn replay(
        self,
        claim: Option<KeyClaim>,
        commands: &Commands,
        intake: &Intake,
    ) -> Result<Answer, ApiError> {
        if let Some(claim) = claim {
            // `pass` proves the token is genuine and the caller's own.
            if self
                .queue
                .pass(self.user.as_uuid(), self.token.as_deref())
                .await
                .is_ok()
            {
                if let Some(answer) = commands.resume(intake, &claim).await? {
                    return Ok(answer);
                }
            }
        }
        Err(self.refusal.into())
    }
}
