//! The read model: what the query API serves, kept in Redis as
//! ready-to-serve JSON, with the Postgres read tables behind it.
//!
//! It is projected, not a passive cache: the projector writes every change
//! through right after its Postgres commit ([`ReadModel::write_changes`])
//! and loads each schedule ahead of its booking window
//! ([`ReadModel::warm_due`]), so during a booking rush hot keys are updated,
//! never expired. Entries still expire (TTL with jitter), so cold data
//! leaves memory; a read that misses cannot stampede (`protected`).
//! `CACHE_STRATEGY=naive` swaps all of that for the original cache-aside
//! design (`naive`), for side-by-side runs; `strategy` is the one seam
//! between the two.
//!
//! Between a command's `202` and its decision, command-api writes a
//! pending entry where the decision will go (`pending`); readers check
//! Postgres behind it on every read, so it never hides the decision.
//!
//! Key layout: see `keys`. Value encoding: see `entry`. Lifetimes: see
//! `policy`. A seat-map read is one `GET`; lapsed holds are flipped to
//! `AVAILABLE` from the expiries stored beside the body. A guard (the
//! seat map's queue-token check) can ride in that round trip: see `look`.

mod body;
mod copies;
mod entry;
mod error;

mod keys;
mod kind;
mod load;
mod look;
mod metrics;
mod naive;
mod pending;
mod policy;
mod protected;
mod source;
mod store;
mod strategy;
mod views;
mod warm_metrics;
mod warmer;
mod writer;

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

pub use entry::{Entry, Served};
pub use error::{ReadError, WriteError};
pub use keys::{EntryKey, ReadKeys};
pub use kind::Kind;
pub use load::BOOKING_RUSH;
pub use look::Look;
pub use metrics::CacheMetrics;
pub use pending::{PendingEntries, PendingEntry, PENDING_TTL};
pub use source::Source;
pub use store::Escort;
pub use views::*;
pub use warm_metrics::WarmMetrics;
pub use warmer::{WarmFailure, WarmRound, Warmed};
pub use writer::Changed;

use copies::Copies;
use entry::View;
use infra::config::{CacheSettings, RedisSettings};
use load::Window;
use store::Cache;
use strategy::Strategy;

/// Cheap to clone; one per process is enough.
#[derive(Clone)]
pub struct ReadModel {
    inner: Arc<Inner>,
}

struct Inner {
    cache: Cache,
    pool: PgPool,
    /// Picked once from `CACHE_STRATEGY`; nothing else asks which it is.
    strategy: Box<dyn Strategy>,
    /// How long before booking opens a schedule's entries are kept warm.
    warm_lead: chrono::Duration,
    metrics: CacheMetrics,
    /// Hot entries as last read, for kinds the strategy keeps copies of.
    copies: Copies,
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
            inner: Arc::new(Inner {
                cache: Cache::new(redis)?,
                pool,
                strategy: strategy::chosen(settings),
                warm_lead: chrono::Duration::seconds(
                    i64::try_from(settings.warm_lead_seconds).unwrap_or(i64::MAX / 1000),
                ),
                metrics,
                copies: Copies::default(),
            }),
        })
    }

    pub fn keys(&self) -> &ReadKeys {
        &self.inner.cache.keys
    }

    pub fn metrics(&self) -> &CacheMetrics {
        &self.inner.metrics
    }

    /// The entry for `source`, by the configured strategy.
    pub async fn read(&self, source: Source) -> Result<Entry, ReadError> {
        let looked = self.first_look(source).await;
        self.inner.strategy.finish(self, source, looked).await
    }

    /// The answer for `source` as of now; with `caller`, an entry owned by
    /// someone else is not found.
    pub async fn serve(&self, source: Source, caller: Option<Uuid>) -> Result<Served, ReadError> {
        let entry = self.read(source).await?;
        Ok(look::answer(&entry, caller))
    }

    fn window(&self) -> Window {
        Window {
            lead: self.inner.warm_lead,
            now: Utc::now(),
        }
    }

    /// Loads from Postgres, counted, timed.
    async fn load(&self, source: Source) -> Result<(View, u32), ReadError> {
        self.inner.metrics.db_fallback(source.kind());
        let started = Instant::now();
        let view = source.load(&self.inner.pool, &self.window()).await?;
        let delta_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok((view, delta_ms))
    }

    /// The entry as it is written now: its lifetime from the strategy.
    fn stamp(&self, view: &View, delta_ms: u32) -> (Entry, Vec<u8>, i64) {
        let lifetime =
            self.inner
                .strategy
                .lifetime(now_ms(), view.body.is_none(), view.hot_until_ms);
        let bytes = Entry::encode(view, lifetime.fresh_until_ms, delta_ms);
        let entry = Entry::decode(bytes.clone().into())
            .unwrap_or_else(|| unreachable!("an encoded entry always decodes"));
        (entry, bytes, lifetime.expire_ms)
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}
