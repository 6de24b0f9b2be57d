//! The original design, kept to measure what protection buys: cache-aside
//! with a flat 120 s TTL. Every miss reads Postgres itself, however many
//! other requests are missing the same key at that moment.

use super::entry::Entry;
use super::error::ReadError;
use super::metrics::Outcome;
use super::{now_ms, ReadModel, Source};

impl ReadModel {
    pub(super) async fn read_naive(&self, source: Source) -> Result<Entry, ReadError> {
        let inner = &self.inner;
        let key = source.key(&inner.cache.keys);
        let now = now_ms();
        let mut found = None;
        if inner.cache.usable(now) {
            match inner.cache.get(&key.key).await {
                Ok(raw) => found = raw.and_then(Entry::decode),
                Err(error) => inner.cache.failed(&error, now),
            }
        }
        self.finish_naive(source, found).await
    }

    /// What follows the `GET`: the entry `found`, or a load and a fill.
    pub(super) async fn finish_naive(
        &self,
        source: Source,
        found: Option<Entry>,
    ) -> Result<Entry, ReadError> {
        let inner = &self.inner;
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
        let (view, delta_ms) = self.load(source).await?;
        let (entry, bytes, expire_ms) = self.stamp(&view, delta_ms);
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
}
