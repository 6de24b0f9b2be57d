//! Keeping an ACTIVE fan's slot while they hold a seat: the idle give-back
//! counts from the fan's last guarded request, or from the expiry of a hold
//! they placed, whichever is later. So a fan who holds a seat and then reads
//! nothing keeps the slot until the hold is paid, released or lapses (and
//! the idle period after, to place another). The slot still ends when the
//! token lapses (`active_ttl`) or the payment completes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::QueueError;
use super::room::Room;
use super::scripts::KEEP;
use super::store::Store;

/// Moves the user's activity mark forward to `until` (never back). Returns
/// whether the user is ACTIVE; for anyone else it does nothing.
pub(crate) async fn keep_active_until(
    store: &Store,
    user_id: Uuid,
    room: Room,
    until: DateTime<Utc>,
) -> Result<bool, QueueError> {
    let keys = &store.keys.room(room);
    let kept: i64 = store
        .run(|mut connection| async move {
            let mut invocation = KEEP.prepare_invoke();
            invocation
                .key(&keys.active)
                .key(&keys.active_seen)
                .arg(user_id.to_string())
                .arg(until.timestamp_millis());
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    Ok(kept == 1)
}
