//! Ending a place at once: what a completed payment does to the payer's token.

use infra::redis::Redis;
use uuid::Uuid;

use super::error::QueueError;
use super::keys::QueueKeys;
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

    /// Expires the user's token now, waiting or active, and frees the slot
    /// for the next in line. Returns whether there was a live place to end.
    pub async fn complete(&self, user_id: Uuid) -> Result<bool, QueueError> {
        end_place(&self.redis, &self.keys, user_id).await
    }
}

pub(crate) async fn end_place(
    redis: &Redis,
    keys: &QueueKeys,
    user_id: Uuid,
) -> Result<bool, QueueError> {
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
