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
use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use uuid::Uuid;
use waiting_room::{OfferedToken, Queue, QueueError, Room};

use super::caller::Caller;
use super::idempotency::Scope;
use super::lapse::Lapse;
use super::principal::Principal;
use crate::error::ApiError;

/// The caller of a guarded command, whose queue token is ACTIVE, or has
/// lapsed (see `lapse`). Refused outright: `X-User-Id` (401), a missing,
/// forged or another user's token (401/403), Redis down (503).
pub struct GuardedCaller {
    pub caller: Caller,
    lapse: Option<Lapse>,
    /// The token's room (the global room for a lapsed token, which only
    /// replays what its first use was allowed).
    room: Room,
    queue: Queue,
}

impl GuardedCaller {
    /// Keeps the caller's ACTIVE slot from being given back as idle before
    /// `until`, a hold's expiry: a fan holding a seat keeps the slot until
    /// the hold is paid, released or lapses (the token's own lapse still
    /// ends it). Redis trouble refuses the command (503) before anything is
    /// appended, so no hold is taken without its slot kept.
    pub async fn keep_active_until(&self, until: DateTime<Utc>) -> Result<(), ApiError> {
        self.queue
            .keep_active_until(self.caller.user().as_uuid(), self.room, until)
            .await?;
        Ok(())
    }

    /// A schedule room's token acts on that schedule only: `403 FORBIDDEN`
    /// for another.
    pub fn admits_to(&self, schedule_id: Uuid) -> Result<(), ApiError> {
        if self.room.admits_to(schedule_id) {
            Ok(())
        } else {
            Err(QueueError::OtherRoom.into())
        }
    }
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
            let (lapse, room) = match queue.active_pass(user.as_uuid(), token.as_deref()).await {
                Ok(pass) => (None, pass.room),
                Err(refusal @ (QueueError::TokenExpired | QueueError::NotActive)) => (
                    Some(Lapse {
                        user,
                        refusal,
                        token,
                        queue: queue.clone(),
                    }),
                    Room::Global,
                ),
                Err(other) => return Err(other.into()),
            };
            Ok(GuardedCaller {
                caller,
                lapse,
                room,
                queue: queue.get_ref().clone(),
            })
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
