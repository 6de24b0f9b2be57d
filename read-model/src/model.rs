//! The read model's handle, the one type services hold: the shared state
//! and the strategy `CACHE_STRATEGY` picked, once, here. Each method is an
//! operation of its own file (`look`, `writer`, `warmer`) over the two.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use infra::config::{CacheSettings, CacheStrategy, RedisSettings};
use redis::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::concert_of::ConcertOf;
use super::copies::Copies;
use super::entry::{Entry, Served};
use super::error::{ReadError, WriteError};
use super::keys::ReadKeys;
use super::look::{self, Look};
use super::metrics::CacheMetrics;
use super::naive::Naive;
use super::protected::Protected;
use super::shared::Shared;
use super::source::Source;
use super::store::{Cache, Escort};
use super::strategy::Strategy;
use super::warmer::{self, WarmFailure, WarmRound};
use super::writer::{self, Changed};

/// Cheap to clone; one per process is enough.
#[derive(Clone)]
pub struct ReadModel {
    shared: Arc<Shared>,
    /// Picked once from `CACHE_STRATEGY`; nothing else asks which it is.
    strategy: Arc<dyn Strategy>,
}

impl ReadModel {
    /// Does not touch Redis: connections are made on first use, so a
    /// service starts while Redis is down (and reads from Postgres).
    pub fn new(
        redis: &RedisSettings,
        pool: PgPool,
        settings: &CacheSettings,
        metrics: CacheMetrics,
    ) -> Result<Self, redis::RedisError> {
        Ok(Self {
            shared: Arc::new(Shared {
                cache: Cache::new(redis)?,
                pool,
                warm_lead: chrono::Duration::seconds(
                    i64::try_from(settings.warm_lead_seconds).unwrap_or(i64::MAX / 1000),
                ),
                metrics,
                copies: Copies::default(),
                load_limit_ms: AtomicU64::new(0),
                concert_of: ConcertOf::default(),
            }),
            strategy: chosen(settings),
        })
    }

    /// Bounds every load from Postgres on a read path by `limit`
    /// (`DatabaseSettings::request_call_limit`: a pooled connection and its
    /// statement). Unbounded until called: the projector's writes through
    /// are not request paths.
    pub fn bounded_by(self, limit: Duration) -> Self {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).max(1);
        self.shared.load_limit_ms.store(ms, Ordering::Relaxed);
        self
    }

    pub fn keys(&self) -> &ReadKeys {
        &self.shared.cache.keys
    }

    pub fn metrics(&self) -> &CacheMetrics {
        &self.shared.metrics
    }

    /// The entry for `source`, by the configured strategy.
    pub async fn read(&self, source: Source) -> Result<Entry, ReadError> {
        let looked = look::first_look(&self.shared, self.strategy.as_ref(), source).await;
        self.strategy.finish(&self.shared, source, looked).await
    }

    /// The answer for `source` as of now; with `caller`, an entry owned by
    /// someone else is not found.
    pub async fn serve(&self, source: Source, caller: Option<Uuid>) -> Result<Served, ReadError> {
        let entry = self.read(source).await?;
        Ok(look::answer(&entry, caller))
    }

    /// The escort's reply and the look, from one round trip; `None` when
    /// Redis could not be asked, so the escort has no answer and the caller
    /// asks it on its own.
    pub async fn look(&self, source: Source, escort: Escort) -> Option<(Value, Look)> {
        look::look(&self.shared, self.strategy.as_ref(), source, escort).await
    }

    /// The answer for the look's source as of now, as `serve` gives it.
    pub async fn serve_look(&self, look: Look, caller: Option<Uuid>) -> Result<Served, ReadError> {
        look::serve_look(&self.shared, self.strategy.as_ref(), look, caller).await
    }

    /// Writes every entry `changed` names through to Redis (protected), or
    /// deletes them (naive). Answers how many entries it wrote or deleted.
    pub async fn write_changes(&self, changed: &Changed) -> Result<usize, WriteError> {
        writer::write_changes(&self.shared, self.strategy.as_ref(), changed).await
    }

    /// Deletes every entry `changed` names, so each is loaded afresh from
    /// the committed tables on its next read: for a write-through that
    /// failed. Answers how many it deleted.
    pub async fn forget_changes(&self, changed: &Changed) -> Result<usize, WriteError> {
        writer::forget_changes(&self.shared, changed).await
    }

    /// Deletes every read-model entry (never the queue's keys), so each is
    /// loaded afresh on its next read: for a writer that lost track of what
    /// it failed to write. Answers how many it deleted.
    pub async fn forget_all(&self) -> Result<u64, WriteError> {
        writer::forget_all(&self.shared).await
    }

    /// Loads every schedule inside its window whose entries are not all in
    /// Redis. Under a strategy that does not warm (the naive one) it only
    /// counts them.
    pub async fn warm_due(&self) -> Result<WarmRound, WarmFailure> {
        warmer::warm_due(&self.shared, self.strategy.as_ref()).await
    }
}

/// The strategy `settings` name: the only place that asks.
fn chosen(settings: &CacheSettings) -> Arc<dyn Strategy> {
    match settings.strategy {
        CacheStrategy::Protected => Arc::new(Protected::new(settings)),
        CacheStrategy::Naive => Arc::new(Naive),
    }
}
