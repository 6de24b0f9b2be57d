//! Where a genuine token stands, from its record in Redis.

use super::error::QueueError;
use super::scripts::INSPECT;
use super::settings::millis;
use super::state::{ScriptState, TokenState};
use super::store::Store;
use super::stretch::{keep_place, Poll};
use super::token::TokenClaims;

type InspectReply = (i64, i64, i64, i64, i64, i64, i64);

/// `touch` counts the call as the owner polling, which keeps a waiting
/// place from being given up as abandoned.
pub(crate) async fn inspect(
    inner: &Store,
    claims: &TokenClaims,
    touch: bool,
) -> Result<TokenState, QueueError> {
    let settings = &inner.settings;
    let keys = &inner.keys.room(claims.room);
    let waiting_ttl = inner.waiting_record_ttl_ms();
    let reply: InspectReply = inner
        .run(|mut connection| async move {
            let mut invocation = INSPECT.prepare_invoke();
            invocation
                .key(&keys.line)
                .key(&keys.seen)
                .key(&keys.active)
                .key(&keys.admissions)
                .key(&keys.prequeue)
                .key(&keys.meta)
                .arg(&keys.base)
                .arg(claims.user_id.to_string())
                .arg(claims.token_id.to_string())
                .arg(millis(settings.waiting_idle_timeout))
                .arg(waiting_ttl)
                .arg(millis(settings.rate_window))
                .arg(if touch { "1" } else { "0" });
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    let (status, position, expires_at, now, admitted, oldest, opening) = reply;
    let state = ScriptState {
        status,
        position,
        expires_at_ms: expires_at,
        now_ms: now,
        admitted_in_window: admitted,
        oldest_admission_ms: oldest,
        opens_at_ms: opening,
    }
    .into_state(settings)?;
    if !touch {
        return Ok(state);
    }
    let poll = Poll {
        user_id: claims.user_id,
        token_id: claims.token_id,
        room: claims.room,
        now_ms: now,
    };
    keep_place(inner, poll, state).await
}
