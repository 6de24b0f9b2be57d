//! The queue handle services share: cheap to clone, one Redis connection.

use std::sync::Arc;
use std::time::Duration;

use prometheus::Registry;

use std::future::Future;

use super::error::QueueError;
use super::keys::QueueKeys;
use super::metrics::QueueMetrics;
use super::settings::{millis, QueueSettings};
use super::token::TokenSigner;
use infra::redis::{KeySpace, Redis};
use redis::aio::ConnectionManager;

/// How long the record of an ended token is kept, so that polling it shows
/// EXPIRED with the time it ended rather than nothing.
const ENDED_RECORD_TTL: Duration = Duration::from_secs(60 * 60);

#[derive(Clone)]
pub struct Queue {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub redis: Redis,
    pub keys: QueueKeys,
    pub settings: QueueSettings,
    pub signer: TokenSigner,
    pub metrics: QueueMetrics,
}

impl Queue {
    /// Does not touch Redis: the connection is made on first use, so a service
    /// starts while Redis is down and answers `503 UNAVAILABLE` meanwhile.
    /// `key_prefix` is REDIS_KEY_PREFIX (`tf:` by default; tests use `t<uuid>:`).
    pub fn new(
        redis: redis::Client,
        key_prefix: impl AsRef<str>,
        settings: QueueSettings,
        registry: &Registry,
    ) -> Result<Self, QueueError> {
        settings.validate().map_err(QueueError::Settings)?;
        let keys = KeySpace::new(key_prefix.as_ref());
        let metrics = QueueMetrics::register(registry)?;
        Ok(Self {
            inner: Arc::new(Inner {
                redis: Redis::from_client(redis, keys.clone(), settings.redis_timeout),
                keys: QueueKeys::new(&keys),
                signer: TokenSigner::new(&settings.token_secret),
                settings,
                metrics,
            }),
        })
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.inner.settings
    }

    /// For `/readyz`: is Redis reachable within the timeout?
    pub async fn ping(&self) -> Result<(), QueueError> {
        self.inner
            .run(|mut connection| async move {
                redis::cmd("PING")
                    .query_async::<()>(&mut connection)
                    .await?;
                Ok(())
            })
            .await
    }

    pub(super) fn waiting_record_ttl_ms(&self) -> u64 {
        // Twice the idle timeout, renewed on every poll: a waiting user's
        // records outlive their place, never the other way round.
        millis(self.inner.settings.waiting_idle_timeout).saturating_mul(2)
    }

    pub(super) fn ended_record_ttl_ms(&self) -> u64 {
        millis(ENDED_RECORD_TTL)
    }
}

impl Inner {
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
}
