//! What every queue operation needs: Redis, the key layout, the settings,
//! the token signer and the gauges. Each operation is a function over it in
//! a file of its own (join, inspect, active, admit, lease, expire); `Queue`
//! is the face services hold, and calls them. Nothing here knows `Queue`,
//! so no operation file depends on the handle that calls it.

use std::future::Future;
use std::time::Duration;

use infra::redis::Redis;
use redis::aio::ConnectionManager;

use super::error::QueueError;
use super::keys::QueueKeys;
use super::metrics::QueueMetrics;
use super::settings::{millis, QueueSettings};
use super::token::TokenSigner;

/// How long the record of an ended token is kept, so that polling it shows
/// EXPIRED with the time it ended rather than nothing.
const ENDED_RECORD_TTL: Duration = Duration::from_secs(60 * 60);

pub(crate) struct Store {
    pub redis: Redis,
    pub keys: QueueKeys,
    pub settings: QueueSettings,
    pub signer: TokenSigner,
    pub metrics: QueueMetrics,
    /// Which room goes first in the next unfenced step (`Queue::admit_once`).
    pub turns: std::sync::atomic::AtomicUsize,
}

impl Store {
    /// Runs `operation` with a connection; the whole thing, connecting
    /// included, gets at most the queue's Redis timeout.
    pub async fn run<T, F, Fut>(&self, operation: F) -> Result<T, QueueError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, QueueError>>,
    {
        self.redis
            .bounded(operation)
            .await
            .map_err(QueueError::from)
    }

    pub fn waiting_record_ttl_ms(&self) -> u64 {
        // Twice the idle timeout, renewed on every poll: a waiting user's
        // records outlive their place, never the other way round.
        millis(self.settings.waiting_idle_timeout).saturating_mul(2)
    }

    pub fn ended_record_ttl_ms(&self) -> u64 {
        millis(ENDED_RECORD_TTL)
    }
}
