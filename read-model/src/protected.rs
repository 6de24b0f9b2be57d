//! The protected reader: a miss cannot stampede.
//!
//! 1. One `GET`. Fresh: served (and, close to expiry, refreshed early in
//!    the background with XFetch's probability). Stale (past
//!    `fresh_until`, inside the grace period): served, and refreshed in the
//!    background by one loader.
//! 2. Missing: concurrent misses on the key in this process share one load
//!    (single flight). That load first takes the key's lease in Redis, so
//!    across instances one loader reads Postgres while the others poll for
//!    its fill, taking over only if it does not come within the lease.
//! 3. Redis failing: reads go to Postgres, still one load per key at a time
//!    in this process, and nothing is written back.
//! 4. A pending entry (an undecided command, see `pending`) is read like a
//!    miss whose "not found" is the pending entry.

use std::time::{Duration, Instant};

use super::entry::Entry;
use super::error::ReadError;
use super::keys::EntryKey;
use super::metrics::Outcome;
use super::policy::{random_u64, refresh_early};
use super::store::{Acquired, Escort, Fetched, Filled};
use super::{now_ms, ReadModel, Source};
use redis::{RedisError, Value};

/// How long a loader may hold a key's lease; longer than any sane load.
const LEASE_MS: u64 = 2_000;
/// How often a caller waiting on another instance's lease looks again.
const LEASE_POLL: Duration = Duration::from_millis(5);

impl ReadModel {
    pub(super) async fn read_protected(&self, source: Source) -> Result<Entry, ReadError> {
        let inner = &self.inner;
        if !inner.cache.usable(now_ms()) {
            inner.metrics.request(source.kind(), Outcome::Miss);
            return self.read_database(source).await;
        }
        let key = source.key(&inner.cache.keys);
        let fetched = self.fetch(&key).await;
        self.finish_protected(source, fetched).await
    }

    /// Steps 1 (what to do with the entry found) to 3, after the `GET`.
    pub(super) async fn finish_protected(
        &self,
        source: Source,
        fetched: Result<Option<Entry>, RedisError>,
    ) -> Result<Entry, ReadError> {
        let inner = &self.inner;
        let kind = source.kind();
        let key = source.key(&inner.cache.keys);
        let now = now_ms();
        match fetched {
            Ok(Some(entry)) if entry.pending => {
                inner.metrics.request(kind, Outcome::Miss);
                return self.read_behind_pending(source, entry).await;
            }
            Ok(Some(entry)) => {
                if now < entry.fresh_until_ms {
                    if refresh_early(now, entry.fresh_until_ms, entry.delta_ms) {
                        self.refresh_in_background(source, entry.version);
                    }
                    inner.metrics.request(kind, Outcome::Hit);
                } else {
                    inner.metrics.request(kind, Outcome::Stale);
                    self.refresh_in_background(source, entry.version);
                }
                return Ok(entry);
            }
            Ok(None) => {}
            Err(error) => {
                inner.cache.failed(&error, now);
                inner.metrics.request(kind, Outcome::Miss);
                return self.read_database(source).await;
            }
        }
        inner.metrics.request(kind, Outcome::Miss);
        let landed = inner
            .flights
            .run(&key.key, || self.load_and_fill(source, None))
            .await;
        if landed.joined {
            inner.metrics.single_flight_wait(kind);
        }
        landed.value
    }

    /// A pending entry is never the answer by itself. Postgres is asked, as
    /// for a miss (one loader per key, through the lease), and what it
    /// knows replaces the pending entry in Redis; only while it knows
    /// nothing is the pending entry served.
    async fn read_behind_pending(
        &self,
        source: Source,
        pending: Entry,
    ) -> Result<Entry, ReadError> {
        let key = source.key(&self.inner.cache.keys);
        let landed = self
            .inner
            .flights
            .run(&key.key, || {
                self.load_and_fill(source, Some(pending.version))
            })
            .await;
        if landed.joined {
            self.inner.metrics.single_flight_wait(source.kind());
        }
        match landed.value {
            Ok(loaded) if loaded.not_found => Ok(pending),
            other => other,
        }
    }

    /// The entry in Redis, if any: one round trip. For kinds this process
    /// keeps a copy of, Redis only confirms the copy is current (or sends
    /// the new one), so a hot seat map is not shipped over again per read.
    async fn fetch(&self, key: &EntryKey) -> Result<Option<Entry>, RedisError> {
        let cache = &self.inner.cache;
        if !key.kind.keeps_copy() {
            return Ok(cache.get(&key.key).await?.and_then(Entry::decode));
        }
        let copy = self.inner.copies.get(&key.key);
        let fetched = match &copy {
            Some(copy) => cache.revalidate(&key.key, &copy.version).await?,
            None => cache.get(&key.key).await?.map(Fetched::Changed),
        };
        Ok(self.keep_copy(key, copy, fetched))
    }

    /// As `fetch`, with `escort` in the same round trip: its reply too.
    pub(super) async fn fetch_escorted(
        &self,
        key: &EntryKey,
        escort: Escort,
    ) -> Result<(Value, Option<Entry>), RedisError> {
        let cache = &self.inner.cache;
        if !key.kind.keeps_copy() {
            let (reply, raw) = cache.get_escorted(&key.key, escort).await?;
            return Ok((reply, raw.and_then(Entry::decode)));
        }
        let copy = self.inner.copies.get(&key.key);
        let (reply, fetched) = match &copy {
            Some(copy) => {
                cache
                    .revalidate_escorted(&key.key, &copy.version, escort)
                    .await?
            }
            None => {
                let (reply, raw) = cache.get_escorted(&key.key, escort).await?;
                (reply, raw.map(Fetched::Changed))
            }
        };
        Ok((reply, self.keep_copy(key, copy, fetched)))
    }

    /// The entry `fetched` describes, given the `copy` it was asked about;
    /// the copy kept follows it.
    fn keep_copy(
        &self,
        key: &EntryKey,
        copy: Option<Entry>,
        fetched: Option<Fetched>,
    ) -> Option<Entry> {
        match fetched {
            Some(Fetched::Current) => copy,
            Some(Fetched::Changed(raw)) => {
                let entry = Entry::decode(raw);
                match &entry {
                    Some(entry) => self.inner.copies.keep(&key.key, entry),
                    None => self.inner.copies.forget(&key.key),
                }
                entry
            }
            None => {
                self.inner.copies.forget(&key.key);
                None
            }
        }
    }

    /// Postgres without Redis, one load per key at a time in this process.
    async fn read_database(&self, source: Source) -> Result<Entry, ReadError> {
        let flight = format!("db|{}", source.key(&self.inner.cache.keys).key);
        let landed = self
            .inner
            .flights
            .run(&flight, || async {
                let (view, delta_ms) = self.load(source).await?;
                Ok(self.stamp(&view, delta_ms).0)
            })
            .await;
        if landed.joined {
            self.inner.metrics.single_flight_wait(source.kind());
        }
        landed.value
    }

    /// The lease dance. Without `stale`, the entry was missing: one found
    /// meanwhile is the answer. With it, a refresh of that version: done
    /// already if the entry has another version by now (someone refreshed
    /// it), and left to whoever holds the lease.
    async fn load_and_fill(
        &self,
        source: Source,
        mut stale: Option<[u8; 8]>,
    ) -> Result<Entry, ReadError> {
        let inner = &self.inner;
        let kind = source.kind();
        let key = source.key(&inner.cache.keys);
        let token = format!("{:016x}", random_u64());
        let give_up_at = Instant::now() + Duration::from_millis(LEASE_MS);
        let mut waited = false;
        loop {
            let acquired = inner.cache.acquire(&key, &token, LEASE_MS, stale).await;
            match acquired {
                Ok(Acquired::Present(raw)) => match Entry::decode(raw) {
                    Some(entry) => return Ok(entry),
                    None => return self.read_database(source).await,
                },
                Ok(Acquired::Lease) => break,
                Ok(Acquired::Busy) if stale.is_some() => {
                    // Someone else is refreshing it; what is there will do.
                    stale = None;
                }
                Ok(Acquired::Busy) => {
                    if !waited {
                        inner.metrics.lease_wait(kind);
                        waited = true;
                    }
                    if Instant::now() >= give_up_at {
                        // The other loader is stuck or gone: answer anyway.
                        return self.read_database(source).await;
                    }
                    tokio::time::sleep(LEASE_POLL).await;
                }
                Err(error) => {
                    inner.cache.failed(&error, now_ms());
                    return self.read_database(source).await;
                }
            }
        }
        let loaded = self.load(source).await;
        let (view, delta_ms) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                // Hand the lease back so others need not wait it out.
                let _ = inner.cache.fill(&key, &token, &[], 0).await;
                return Err(error);
            }
        };
        let (entry, bytes, expire_ms) = self.stamp(&view, delta_ms);
        let keep = view.body.is_some() || kind.caches_absence();
        let filled = inner
            .cache
            .fill(&key, &token, &bytes, if keep { expire_ms } else { 0 })
            .await;
        match filled {
            Ok(Filled::Superseded(raw)) => Ok(Entry::decode(raw).unwrap_or(entry)),
            Ok(Filled::Stored | Filled::Lost) => Ok(entry),
            Err(error) => {
                inner.cache.failed(&error, now_ms());
                Ok(entry)
            }
        }
    }

    /// Serve-then-refresh: one refresh per key at a time in this process,
    /// and only one across instances (the lease).
    fn refresh_in_background(&self, source: Source, version: [u8; 8]) {
        let key = source.key(&self.inner.cache.keys).key;
        if self.inner.flights.in_flight(&key) {
            return;
        }
        let model = self.clone();
        tokio::spawn(async move {
            let landed = model
                .inner
                .flights
                .run(&key, || model.load_and_fill(source, Some(version)))
                .await;
            if let Err(error) = landed.value {
                tracing::warn!(%error, key, "refreshing a read-model entry failed");
            }
        });
    }
}
