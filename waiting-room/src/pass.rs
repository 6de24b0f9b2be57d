//! Enforcement: extractors both APIs put on the endpoints the queue guards.
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

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use uuid::Uuid;

use infra::problem::Problem;

use super::error::QueueError;
use super::handle::Queue;
use super::state::{TokenState, TokenStatus};
use super::token::TokenClaims;

pub const USER_ID_HEADER: &str = "X-User-Id";
pub const QUEUE_TOKEN_HEADER: &str = "X-Queue-Token";

/// A genuine token of the caller, in any status (`GET /v1/queue/tokens/current`,
/// or an idempotent replay whose token may have expired since).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePass {
    pub user_id: Uuid,
    pub token_id: Uuid,
    pub state: TokenState,
}

/// A genuine, unexpired, ACTIVE token of the caller: what the guarded
/// endpoints (holds, releases, payments, seat maps) require.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveQueuePass {
    pub user_id: Uuid,
    pub token_id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
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
                expires_at: self.state.expires_at,
            }),
        }
    }
}

impl Queue {
    /// Checks for `QueuePass`, for callers outside an extractor.
    pub async fn pass(&self, user_id: Uuid, token: Option<&str>) -> Result<QueuePass, QueueError> {
        let claims = self
            .inner
            .signer
            .verify(token.ok_or(QueueError::TokenMissing)?)?;
        if claims.user_id != user_id {
            return Err(QueueError::OtherUsersToken);
        }
        let state = self.inspect(&claims, true).await?;
        Ok(QueuePass {
            user_id,
            token_id: claims.token_id,
            state,
        })
    }

    /// Checks for `ActiveQueuePass`, for callers outside an extractor: the
    /// cheap ACTIVE check (`active`), inspecting in full only a token it
    /// does not find ACTIVE.
    pub async fn active_pass(
        &self,
        user_id: Uuid,
        token: Option<&str>,
    ) -> Result<ActiveQueuePass, QueueError> {
        let check = self.active_check(user_id, token)?;
        self.check_active(check).await
    }

    /// `ActiveQueuePass` decided by the full inspection, in the contract's
    /// order.
    pub(super) async fn inspected_pass(
        &self,
        user_id: Uuid,
        claims: &TokenClaims,
    ) -> Result<ActiveQueuePass, QueueError> {
        let own = claims.user_id == user_id;
        // Expiry outranks ownership in the contract, so Redis is asked first.
        let state = self.inspect(claims, own).await?;
        if state.status == TokenStatus::Expired {
            return Err(QueueError::TokenExpired);
        }
        if !own {
            return Err(QueueError::OtherUsersToken);
        }
        QueuePass {
            user_id,
            token_id: claims.token_id,
            state,
        }
        .require_active()
    }
}

/// The caller named by `X-User-Id`.
pub fn caller_id(request: &HttpRequest) -> Result<Uuid, QueueError> {
    request
        .headers()
        .get(USER_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value.trim()).ok())
        .ok_or(QueueError::Unauthenticated)
}

/// What the extractors read synchronously, in the contract's order.
fn read(request: &HttpRequest) -> Result<(Queue, Uuid, Option<String>), QueueError> {
    let user_id = caller_id(request)?;
    let queue = mounted_queue(request)?;
    // A header that is not even text cannot be a token; an empty string is
    // refused as malformed by verification.
    let token = request
        .headers()
        .get(QUEUE_TOKEN_HEADER)
        .map(|value| value.to_str().unwrap_or_default().trim().to_string());
    Ok((queue, user_id, token))
}

pub(super) fn mounted_queue(request: &HttpRequest) -> Result<Queue, QueueError> {
    request
        .app_data::<web::Data<Queue>>()
        .map(|data| data.get_ref().clone())
        .ok_or(QueueError::NotMounted)
}

impl FromRequest for QueuePass {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = read(request);
        Box::pin(async move {
            let (queue, user_id, token) = read?;
            Ok(queue.pass(user_id, token.as_deref()).await?)
        })
    }
}

impl FromRequest for ActiveQueuePass {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = read(request);
        Box::pin(async move {
            let (queue, user_id, token) = read?;
            Ok(queue.active_pass(user_id, token.as_deref()).await?)
        })
    }
}
