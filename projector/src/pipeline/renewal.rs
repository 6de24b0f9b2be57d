//! Work that runs while the leases stay renewed: a batch may take longer
//! than the lease session may stay silent (a first batch that rebuilds a
//! long history, a batch retried while Redis is away), and ownership is
//! only reconsidered between batches.

use std::future::Future;

use tokio::time::{interval_at, Instant, MissedTickBehavior};

use super::leases::{PartitionLeases, RENEW_EVERY};

/// Runs `work` to its end, renewing `leases` every `RENEW_EVERY` meanwhile.
/// A renewal is awaited whole (a query cut short would leave the session
/// mid-answer), pausing `work` for one round trip.
pub async fn renewing<F: Future>(leases: &mut PartitionLeases, work: F) -> F::Output {
    tokio::pin!(work);
    let mut ticks = interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            done = &mut work => return done,
            _ = ticks.tick() => leases.renew().await,
        }
    }
}
