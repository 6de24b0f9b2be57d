//! Ending a place at once: what a completed payment does to the payer's token.

use infra::redis::Redis;
use uuid::Uuid;

use super::error::QueueError;
use super::keys::QueueKeys;
use super::room::Room;
use super::scripts::COMPLETE;

/// The one part of the waiting room the projector needs: ending payers'
/// places. It carries no tokens, settings or metrics, so a process that only
/// ends places does not build (or register) a whole `Queue`.
#[derive(Clone)]
pub struct Departures {
    redis: Redis,
    keys: QueueKeys,
}

impl Departures {
    pub fn new(redis: Redis) -> Self {
        let keys = QueueKeys::new(redis.keys());
        Self { redis, keys }
    }

    /// Ends the payer's place in the global room and in the room of the
    /// schedule they paid for (whichever token they paid with). Returns
    /// whether a live place ended.
    pub async fn complete(&self, user_id: Uuid, schedule_id: Uuid) -> Result<bool, QueueError> {
        // The two places are separate keys, each ended atomically by its
        // own script: at once rather than one round trip after the other,
        // since a payment's answer waits for both.
        let (global, room) = tokio::try_join!(
            end_place(&self.redis, &self.keys, user_id, Room::Global),
            end_place(
                &self.redis,
                &self.keys,
                user_id,
                Room::Schedule(schedule_id),
            ),
        )?;
        Ok(global || room)
    }
}

pub(crate) async fn end_place(
    redis: &Redis,
    keys: &QueueKeys,
    user_id: Uuid,
    room: Room,
) -> Result<bool, QueueError> {
    let keys = &keys.room(room);
    let ended: i64 = redis
        .bounded(|mut connection| async move {
            let mut invocation = COMPLETE.prepare_invoke();
            invocation
                .key(&keys.line)
                .key(&keys.seen)
                .key(&keys.active)
                .key(&keys.active_seen)
                .arg(&keys.base)
                .arg(user_id.to_string());
            Ok::<_, QueueError>(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    Ok(ended == 1)
}
