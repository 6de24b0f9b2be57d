//! Ending a place at once: what a completed payment does to the payer's token.

use uuid::Uuid;

use super::error::QueueError;
use super::handle::Queue;
use super::scripts::COMPLETE;

impl Queue {
    /// Expires the user's token now, waiting or active, and frees the slot
    /// for the next in line. Returns whether there was a live place to end.
    pub async fn expire_user(&self, user_id: Uuid) -> Result<bool, QueueError> {
        let keys = &self.inner.keys;
        let ended: i64 = self
            .inner
            .link
            .run(|mut connection| async move {
                let mut invocation = COMPLETE.prepare_invoke();
                invocation
                    .key(&keys.line)
                    .key(&keys.seen)
                    .key(&keys.active)
                    .arg(&keys.base)
                    .arg(user_id.to_string());
                Ok(invocation.invoke_async(&mut connection).await?)
            })
            .await?;
        Ok(ended == 1)
    }

    /// What the payment path calls once a payment has completed, before it
    /// answers 201.
    pub async fn complete(&self, user_id: Uuid) -> Result<bool, QueueError> {
        self.expire_user(user_id).await
    }
}
