//! The seam between the read model and its cache strategy.
//!
//! `CACHE_STRATEGY` picks one of two, once, when the read model is built:
//! the protected strategy (`protected`), which is what ticketfold runs, and
//! the naive one (`naive`), the cache-aside design behind the incident,
//! kept so that load runs can put the two side by side. Everything in which
//! they differ is one method of [`Strategy`]; the rest of the read model
//! (keys, encoding, loaders, the Redis commands, the warmer's bookkeeping)
//! is shared and never asks which one runs.
//!
//! The methods return boxed futures so that the strategy can be a trait
//! object. A read calls one of them (`finish`), after a first look at Redis
//! that both strategies share (`look`): one small allocation per read,
//! beside a Redis round trip, and a guarded seat-map read stays one round
//! trip.

use std::sync::Arc;

use futures::future::BoxFuture;
use redis::RedisError;

use super::clock::now_ms;
use super::entry::{Entry, View};
use super::error::{ReadError, WriteError};
use super::kind::Kind;
use super::policy::Lifetime;
use super::shared::Shared;
use super::source::Source;

/// How the read model answers reads and keeps its entries. Each method is
/// handed the state both strategies share (Redis, Postgres, metrics,
/// copies).
pub trait Strategy: Send + Sync {
    /// Whether this process keeps a copy of `kind`'s entries, which Redis
    /// then only revalidates by version instead of sending whole (`look`).
    fn keeps_copy(&self, kind: Kind) -> bool;

    /// The entry for `source`, after the first look at Redis (`look`) saw
    /// `looked`: served from it, or loaded from Postgres.
    fn finish<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        source: Source,
        looked: Looked,
    ) -> BoxFuture<'a, Result<Entry, ReadError>>;

    /// What a committed batch does to the entries of `sources` it changed,
    /// before its decisions are announced; answers how many entries it
    /// wrote or dropped.
    fn apply_changes<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        sources: &'a [Source],
    ) -> BoxFuture<'a, Result<usize, WriteError>>;

    /// Whether schedules are loaded into Redis ahead of their booking
    /// window; if not, the warmer only counts them cold.
    fn warms(&self) -> bool;

    /// The lifetime of an entry written at `now_ms`: `not_found` when it
    /// says nothing exists, `hot_until_ms` the end of the booking window it
    /// belongs to, if any.
    fn lifetime(&self, now_ms: i64, not_found: bool, hot_until_ms: Option<i64>) -> Lifetime;

    /// The entry as it is written now, its lifetime from this strategy:
    /// the entry, its encoded bytes and its expiry in milliseconds.
    fn stamp(&self, view: &View, delta_ms: u32) -> (Entry, Vec<u8>, i64) {
        let lifetime = self.lifetime(now_ms(), view.body.is_none(), view.hot_until_ms);
        let bytes = Entry::encode(view, lifetime.fresh_until_ms, delta_ms);
        let entry = Entry::decode(bytes.clone().into())
            .unwrap_or_else(|| unreachable!("an encoded entry always decodes"));
        (entry, bytes, lifetime.expire_ms)
    }
}

/// What the first look at an entry's key saw.
pub enum Looked {
    /// Redis answered: the entry, if there is a readable one.
    Found(Option<Entry>),
    /// Redis failed just now.
    Failed(RedisError),
    /// Redis was not asked: it is being skipped after a failure.
    Skipped,
}
