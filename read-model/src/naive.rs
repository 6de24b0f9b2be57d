//! The original design, kept to measure what protection buys: cache-aside
//! with a flat 120 s TTL. Every miss reads Postgres itself, however many
//! other requests are missing the same key at that moment; a change
//! deletes the entries it touched instead of writing them; nothing is
//! warmed before booking opens.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;

use super::clock::now_ms;
use super::entry::Entry;
use super::error::{ReadError, WriteError};
use super::kind::Kind;
use super::metrics::Outcome;
use super::policy::Lifetime;
use super::shared::Shared;
use super::source::Source;
use super::strategy::{Looked, Strategy};

/// The original design's fixed TTL, whatever `CACHE_TTL_SECONDS` says.
const NAIVE_TTL: Duration = Duration::from_secs(120);

pub struct Naive;

impl Strategy for Naive {
    /// The original design fetched every entry whole on every read.
    fn keeps_copy(&self, _kind: Kind) -> bool {
        false
    }

    fn finish<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        source: Source,
        looked: Looked,
    ) -> BoxFuture<'a, Result<Entry, ReadError>> {
        let found = match looked {
            Looked::Found(found) => found,
            Looked::Failed(error) => {
                shared.cache.failed(&error, now_ms());
                None
            }
            Looked::Skipped => None,
        };
        finish(self, shared, source, found).boxed()
    }

    /// Cache-aside invalidation: the next read of each entry misses and
    /// loads it, as the original design did.
    fn apply_changes<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        sources: &'a [Source],
    ) -> BoxFuture<'a, Result<usize, WriteError>> {
        async move {
            let cache = &shared.cache;
            let keys: Vec<String> = sources
                .iter()
                .map(|source| source.key(&cache.keys).key)
                .collect();
            cache.delete(&keys).await?;
            Ok(keys.len())
        }
        .boxed()
    }

    /// The original design had no warming: its cold windows are the
    /// incident, and the warmer's count shows them.
    fn warms(&self) -> bool {
        false
    }

    /// Flat: no jitter, no grace, no booking window.
    fn lifetime(&self, now_ms: i64, _not_found: bool, _hot_until_ms: Option<i64>) -> Lifetime {
        let ttl = NAIVE_TTL.as_millis() as i64;
        Lifetime {
            fresh_until_ms: now_ms + ttl,
            expire_ms: ttl,
        }
    }
}

/// What follows the `GET`: the entry `found`, or a load and a fill.
async fn finish(
    naive: &Naive,
    shared: &Arc<Shared>,
    source: Source,
    found: Option<Entry>,
) -> Result<Entry, ReadError> {
    let inner = shared;
    let kind = source.kind();
    // A pending entry is no cached answer: the projector deletes entries
    // instead of writing them here, so one written after the decision
    // would otherwise hide it. It is served only if Postgres has nothing.
    let mut pending = None;
    match found {
        Some(entry) if entry.pending => pending = Some(entry),
        Some(entry) => {
            inner.metrics.request(kind, Outcome::Hit);
            return Ok(entry);
        }
        None => {}
    }
    inner.metrics.request(kind, Outcome::Miss);
    let (view, delta_ms) = shared.load(source, pending.is_some()).await?;
    let (entry, bytes, expire_ms) = naive.stamp(&view, delta_ms);
    if view.body.is_some() && inner.cache.usable(now_ms()) {
        let key = source.key(&inner.cache.keys);
        if let Err(error) = inner.cache.set(&key.key, &bytes, expire_ms).await {
            inner.cache.failed(&error, now_ms());
        }
    }
    Ok(match pending {
        Some(pending) if entry.not_found => pending,
        _ => entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_is_a_flat_two_minutes() {
        let life = Naive.lifetime(10, false, Some(i64::MAX));
        assert_eq!(
            life,
            Lifetime {
                fresh_until_ms: 120_010,
                expire_ms: 120_000
            }
        );
    }
}
