//! The admission lease: admission runs in exactly one place at a time, so the
//! rate holds cluster-wide. A plain key with an owner id and a PX expiry;
//! only the owner may renew or release it (checked inside Lua).

use super::error::QueueError;
use super::scripts::{LEASE, RELEASE};
use super::settings::millis;
use super::store::Store;

/// Acquires the lease if it is free, renews it if `owner` holds it.
/// Returns whether `owner` holds it now.
pub(crate) async fn hold_lease(store: &Store, owner: &str) -> Result<bool, QueueError> {
    let lease = &store.keys.lease;
    let ttl = millis(store.settings.lease_ttl);
    let held: i64 = store
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
pub(crate) async fn release_lease(store: &Store, owner: &str) -> Result<bool, QueueError> {
    let lease = &store.keys.lease;
    let released: i64 = store
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
