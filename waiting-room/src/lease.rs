//! The admission lease: admission runs in exactly one place at a time, so the
//! rate holds cluster-wide. A plain key with an owner id and a PX expiry;
//! only the owner may renew or release it (checked inside Lua).

use super::error::QueueError;
use super::handle::Queue;
use super::scripts::{LEASE, RELEASE};
use super::settings::millis;

impl Queue {
    /// Acquires the lease if it is free, renews it if `owner` holds it.
    /// Returns whether `owner` holds it now.
    pub(super) async fn hold_lease(&self, owner: &str) -> Result<bool, QueueError> {
        let lease = &self.inner.keys.lease;
        let ttl = millis(self.inner.settings.lease_ttl);
        let held: i64 = self
            .inner
            .run(|mut connection| async move {
                Ok(LEASE
                    .key(lease)
                    .arg(owner)
                    .arg(ttl)
                    .invoke_async(&mut connection)
                    .await?)
            })
            .await?;
        Ok(held == 1)
    }

    /// Gives the lease up at once (on shutdown) so the next admitter does not
    /// wait for it to lapse.
    pub(super) async fn release_lease(&self, owner: &str) -> Result<bool, QueueError> {
        let lease = &self.inner.keys.lease;
        let released: i64 = self
            .inner
            .run(|mut connection| async move {
                Ok(RELEASE
                    .key(lease)
                    .arg(owner)
                    .invoke_async(&mut connection)
                    .await?)
            })
            .await?;
        Ok(released == 1)
    }
}
