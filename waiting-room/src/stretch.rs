//! Keeping a far-back fan's place for as long as its poll interval needs.
//!
//! A poll keeps a waiting place for the grace (in the poll's own script).
//! A fan told to poll again later than a third of the grace allows (see
//! `poll`) gets its place kept for three of its intervals instead, by a
//! second, small script: only fans far back need it, and they poll rarely,
//! so the round trip costs little, while the interval itself stays a pure
//! function of the position's ETA.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::QueueError;
use super::poll::place_kept_for;
use super::room::Room;
use super::scripts::STRETCH;
use super::settings::millis;
use super::state::{TokenState, TokenStatus};
use super::store::Store;

/// The place just polled, by Redis's clock.
pub(crate) struct Poll {
    pub user_id: Uuid,
    pub token_id: Uuid,
    pub room: Room,
    pub now_ms: i64,
}

/// Keeps the place of a WAITING fan who was just told to poll later than a
/// third of the grace for three of those intervals, and says so in
/// `expires_at`. Anything else comes back as it was.
pub(crate) async fn keep_place(
    store: &Store,
    poll: Poll,
    mut state: TokenState,
) -> Result<TokenState, QueueError> {
    let grace = store.settings.waiting_idle_timeout;
    let kept = place_kept_for(state.poll_after_seconds, grace);
    if state.status != TokenStatus::Waiting || kept <= grace {
        return Ok(state);
    }
    // The seen mark is compared with the grace: a mark this far ahead of the
    // poll makes the place lapse `kept` after it.
    let mark = poll.now_ms.saturating_add(ms(kept - grace));
    // Records outlive the place, as a poll's own do (twice its life).
    let record_ttl = millis(kept).saturating_mul(2);
    let keys = &store.keys.room(poll.room);
    let user = poll.user_id.to_string();
    let token = poll.token_id.to_string();
    let (user, token) = (&user, &token);
    let kept_place: i64 = store
        .run(|mut connection| async move {
            let mut invocation = STRETCH.prepare_invoke();
            invocation
                .key(&keys.seen)
                .arg(&keys.base)
                .arg(user)
                .arg(token)
                .arg(mark)
                .arg(record_ttl);
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    if kept_place == 1 {
        state.expires_at =
            DateTime::<Utc>::from_timestamp_millis(poll.now_ms.saturating_add(ms(kept)))
                .or(state.expires_at);
    }
    Ok(state)
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(millis(duration)).unwrap_or(i64::MAX)
}
