//! The passes the queue grants: what a guarded endpoint receives once the
//! checks below have passed (the extractors are in `extract`).
//!
//! `X-User-Id` is trusted as set by the upstream gateway that authenticated
//! the user; this service never sees credentials. The checks run in the
//! contract's order, the first failure answering:
//! 1. `X-User-Id` present and a UUID, else `401 UNAUTHENTICATED`;
//! 2. `X-Queue-Token` present and genuine (pure HMAC check, no Redis), else
//!    `401 QUEUE_TOKEN_INVALID`;
//! 3. unexpired (Redis), else `401 QUEUE_TOKEN_INVALID`;
//! 4. issued to the same user, else `403 FORBIDDEN`;
//! 5. ACTIVE, else `403 QUEUE_TOKEN_NOT_ACTIVE`.
//!
//! The cheap ACTIVE check (`active`) answers 3 and 5 at once for the common
//! case; only a token it does not find ACTIVE is inspected in full, to give
//! the refusal in the order above. `QueuePass` (any status) skips 3 and 5.
//! Redis trouble answers `503 UNAVAILABLE` with Retry-After, within the
//! Redis timeout.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::QueueError;
use super::room::Room;
use super::state::{TokenState, TokenStatus};

pub use infra::auth::USER_ID_HEADER;
pub const QUEUE_TOKEN_HEADER: &str = "X-Queue-Token";

/// A genuine token of the caller, in any status (`GET /v1/queue/tokens/current`,
/// or an idempotent replay whose token may have expired since).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePass {
    pub user_id: Uuid,
    pub token_id: Uuid,
    /// The room the token waits in.
    pub room: Room,
    pub state: TokenState,
}

/// A genuine, unexpired, ACTIVE token of the caller: what the guarded
/// endpoints (holds, releases, payments, seat maps) require.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveQueuePass {
    pub user_id: Uuid,
    pub token_id: Uuid,
    /// A schedule's room admits to that schedule only (`admits_to`).
    pub room: Room,
    pub expires_at: Option<DateTime<Utc>>,
}

impl ActiveQueuePass {
    /// `403 FORBIDDEN` for a schedule room's token used on another schedule.
    pub fn admits_to(&self, schedule_id: Uuid) -> Result<(), QueueError> {
        if self.room.admits_to(schedule_id) {
            Ok(())
        } else {
            Err(QueueError::OtherRoom)
        }
    }
}

impl QueuePass {
    /// The ACTIVE requirement on a pass already taken, e.g. after an
    /// idempotency lookup found nothing to replay.
    pub fn require_active(&self) -> Result<ActiveQueuePass, QueueError> {
        match self.state.status {
            TokenStatus::Expired => Err(QueueError::TokenExpired),
            TokenStatus::Waiting => Err(QueueError::NotActive),
            TokenStatus::Active => Ok(ActiveQueuePass {
                user_id: self.user_id,
                token_id: self.token_id,
                room: self.room,
                expires_at: self.state.expires_at,
            }),
        }
    }
}
