//! The ACTIVE check on its own: what every guarded request asks, answered
//! from the token's record, the owner's current token and the active set,
//! with none of `inspect`'s position and rate statistics. An ACTIVE answer
//! also marks the fan active (`active_seen`), in the same script, so an
//! ACTIVE fan who keeps using the site keeps the slot while one who went
//! away gives it back after the idle period. It is a single
//! script call, so a caller can send it in the same round trip as its own
//! command (a seat-map read sends it with the read-model lookup).
//!
//! Only the ACTIVE answer is final. Any other goes through the full
//! inspection, which tells an expired token (401) from a waiting one or
//! another user's (403) exactly as before, and counts the owner's call as a
//! poll that keeps a waiting place alive.

use chrono::DateTime;
use redis::{Cmd, Script, Value};
use uuid::Uuid;

use super::error::QueueError;
use super::inspect::inspect;
use super::pass::{ActiveQueuePass, QueuePass};
use super::scripts::ACTIVE;
use super::state::TokenStatus;
use super::store::Store;
use super::token::TokenClaims;

/// A genuine token's ACTIVE check, ready to send.
pub struct ActiveCheck {
    /// The caller (`X-User-Id`), who may not be the token's owner.
    user_id: Uuid,
    claims: TokenClaims,
    /// Token record, the owner's current token, the active set, the
    /// activity marks.
    keys: [String; 4],
    /// The owner and the token.
    args: [String; 2],
}

impl ActiveCheck {
    /// The check as one command (`EVALSHA`), for a pipeline of the caller's.
    /// Redis answers NOSCRIPT until `script` has been loaded there.
    pub fn command(&self) -> Cmd {
        let mut command = redis::cmd("EVALSHA");
        command
            .arg(ACTIVE.get_hash())
            .arg(self.keys.len())
            .arg(&self.keys[..])
            .arg(&self.args[..]);
        command
    }

    /// The script `command` runs.
    pub fn script(&self) -> &'static Script {
        &ACTIVE
    }
}

/// Verifies the token (pure: a missing, forged or malformed one is `401`
/// before Redis is asked) and prepares its ACTIVE check.
pub(crate) fn active_check(
    store: &Store,
    user_id: Uuid,
    token: Option<&str>,
) -> Result<ActiveCheck, QueueError> {
    let claims = store
        .signer
        .verify(token.ok_or(QueueError::TokenMissing)?)?;
    let keys = &store.keys.room(claims.room);
    // The owner's state decides expiry, which outranks ownership.
    let owner = claims.user_id;
    Ok(ActiveCheck {
        user_id,
        claims,
        keys: [
            keys.token(claims.token_id),
            keys.user(owner),
            keys.active.clone(),
            keys.active_seen.clone(),
        ],
        args: [owner.to_string(), claims.token_id.to_string()],
    })
}

/// Sends the check on the queue's own connection, then settles it.
pub(crate) async fn check_active(
    store: &Store,
    check: ActiveCheck,
) -> Result<ActiveQueuePass, QueueError> {
    let mut invocation = ACTIVE.prepare_invoke();
    invocation.key(&check.keys[..]).arg(&check.args[..]);
    let reply: Value = store
        .run(|mut connection| async move { Ok(invocation.invoke_async(&mut connection).await?) })
        .await?;
    settle(store, check, reply).await
}

/// The pass, from the check's `reply` (however it was sent). A token the
/// check did not find ACTIVE is inspected in full for the refusal, or for
/// the pass if it was admitted in between.
pub(crate) async fn settle(
    store: &Store,
    check: ActiveCheck,
    reply: Value,
) -> Result<ActiveQueuePass, QueueError> {
    let lapse: i64 = redis::from_owned_redis_value(reply)?;
    if lapse <= 0 {
        return inspected_pass(store, check.user_id, &check.claims).await;
    }
    if check.claims.user_id != check.user_id {
        return Err(QueueError::OtherUsersToken);
    }
    Ok(ActiveQueuePass {
        user_id: check.user_id,
        token_id: check.claims.token_id,
        room: check.claims.room,
        expires_at: DateTime::from_timestamp_millis(lapse),
    })
}

/// `ActiveQueuePass` decided by the full inspection, in the contract's order.
async fn inspected_pass(
    store: &Store,
    user_id: Uuid,
    claims: &TokenClaims,
) -> Result<ActiveQueuePass, QueueError> {
    let own = claims.user_id == user_id;
    // Expiry outranks ownership in the contract, so Redis is asked first.
    let state = inspect(store, claims, own).await?;
    if state.status == TokenStatus::Expired {
        return Err(QueueError::TokenExpired);
    }
    if !own {
        return Err(QueueError::OtherUsersToken);
    }
    QueuePass {
        user_id,
        token_id: claims.token_id,
        room: claims.room,
        state,
    }
    .require_active()
}

/// A `QueuePass` (any status) for the caller's own genuine token.
pub(crate) async fn any_pass(
    store: &Store,
    user_id: Uuid,
    token: Option<&str>,
) -> Result<QueuePass, QueueError> {
    let claims = store
        .signer
        .verify(token.ok_or(QueueError::TokenMissing)?)?;
    if claims.user_id != user_id {
        return Err(QueueError::OtherUsersToken);
    }
    let state = inspect(store, &claims, true).await?;
    Ok(QueuePass {
        user_id,
        token_id: claims.token_id,
        room: claims.room,
        state,
    })
}
