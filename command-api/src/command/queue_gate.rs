//! The waiting-queue check of the guarded commands (holds, releases,
//! payments), with the contract's one exception: a retry under an
//! `Idempotency-Key` whose first use got through still gets that first
//! answer when the caller's token has expired or gone back to waiting
//! since (a retried payment gets its 201 again, though paying expired the
//! token). It still needs a genuine token of the same user.
//!
//! The exception needs the body and the key, which the contract checks
//! after the token, so a lapsed token is not refused by the extractor: its
//! refusal is kept as a `Lapse`, which the submission settles before
//! anything else about the request is looked at.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use domain::UserId;
use futures::future::LocalBoxFuture;
use waiting_room::{OfferedToken, Queue, QueueError};

use super::answer::Answer;
use super::caller::Caller;
use super::idempotency::{KeyClaim, Scope};
use super::intake::Intake;
use super::principal::Principal;
use super::write_path::Commands;
use crate::error::ApiError;

/// The caller of a guarded command, whose queue token is ACTIVE, or has
/// lapsed (see `lapse`). Refused outright: `X-User-Id` (401), a missing,
/// forged or another user's token (401/403), Redis down (503).
pub struct GuardedCaller {
    pub caller: Caller,
    lapse: Option<Lapse>,
}

/// A genuine token the queue found expired or waiting: the refusal to
/// answer unless an earlier answer is replayed. Expiry outranks ownership,
/// so the token is not yet known to be the caller's; `replay` makes sure.
pub struct Lapse {
    user: UserId,
    refusal: QueueError,
    token: OfferedToken,
    queue: web::Data<Queue>,
}

impl FromRequest for GuardedCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(request, payload).into_inner();
        let token = OfferedToken::of(request);
        let queue = request.app_data::<web::Data<Queue>>().cloned();
        Box::pin(async move {
            let caller = caller?;
            let queue = queue.ok_or(QueueError::NotMounted)?;
            let user = caller.user();
            let lapse = match queue.active_pass(user.as_uuid(), token.as_deref()).await {
                Ok(_) => None,
                Err(refusal @ (QueueError::TokenExpired | QueueError::NotActive)) => Some(Lapse {
                    user,
                    refusal,
                    token,
                    queue,
                }),
                Err(other) => return Err(other.into()),
            };
            Ok(GuardedCaller { caller, lapse })
        })
    }
}

impl Principal for GuardedCaller {
    fn scope(&self) -> Scope {
        self.caller.scope()
    }

    fn lapse(&mut self) -> Option<Lapse> {
        self.lapse.take()
    }
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
