//! The protected strategy, what ticketfold runs: the projector writes
//! every change through and warms each schedule before its booking opens
//! (`writer`, `warmer`), entries live as long as `policy` says, and a read
//! that misses cannot stampede:
//!
//! 1. One look at Redis (`look`). Fresh: served (and, close to expiry, refreshed early in
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

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use infra::config::CacheSettings;
use infra::flight::SingleFlight;

use super::clock::now_ms;
use super::entry::Entry;
use super::error::{ReadError, WriteError};
use super::kind::Kind;
use super::metrics::Outcome;
use super::policy::{random_u64, refresh_early, Lifetime, Policy};
use super::shared::Shared;
use super::source::Source;
use super::store::{Acquired, Filled};
use super::strategy::{Looked, Strategy};
use super::writer::write;

/// How long a loader may hold a key's lease; longer than any sane load.
const LEASE_MS: u64 = 2_000;
/// How often a caller waiting on another instance's lease looks again.
const LEASE_POLL: Duration = Duration::from_millis(5);

/// Cheap to clone: a background refresh takes a clone along, sharing the
/// loads in flight.
#[derive(Clone)]
pub struct Protected {
    policy: Policy,
    /// Loads in flight in this process, by key.
    flights: Arc<SingleFlight<Result<Entry, ReadError>>>,
}

impl Strategy for Protected {
    fn keeps_copy(&self, kind: Kind) -> bool {
        kind.keeps_copy()
    }

    fn finish<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        source: Source,
        looked: Looked,
    ) -> BoxFuture<'a, Result<Entry, ReadError>> {
        self.settle(shared, source, looked).boxed()
    }

    /// Write-through: each entry is rewritten from the committed tables,
    /// so a hot key is updated, never expired, and a query that starts
    /// after a command's answer sees its effect.
    fn apply_changes<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        sources: &'a [Source],
    ) -> BoxFuture<'a, Result<usize, WriteError>> {
        write(shared, self, sources).boxed()
    }

    /// The first wave of readers at a booking opening must find the
    /// entries there: that is the incident this strategy exists for.
    fn warms(&self) -> bool {
        true
    }

    fn lifetime(&self, now_ms: i64, not_found: bool, hot_until_ms: Option<i64>) -> Lifetime {
        self.policy.lifetime(now_ms, not_found, hot_until_ms)
    }
}

impl Protected {
    pub fn new(settings: &CacheSettings) -> Self {
        Self {
            policy: Policy::new(settings.ttl_seconds),
            flights: Arc::default(),
        }
    }

    /// Steps 1 (what to do with the entry found) to 3, after the first look.
    async fn settle(
        &self,
        shared: &Arc<Shared>,
        source: Source,
        looked: Looked,
    ) -> Result<Entry, ReadError> {
        let inner = shared;
        let kind = source.kind();
        let key = source.key(&inner.cache.keys);
        let now = now_ms();
        match looked {
            Looked::Found(Some(entry)) if entry.pending => {
                inner.metrics.request(kind, Outcome::Miss);
                return self.read_behind_pending(shared, source, entry).await;
            }
            Looked::Found(Some(entry)) => {
                if now < entry.fresh_until_ms {
                    if refresh_early(now, entry.fresh_until_ms, entry.delta_ms) {
                        self.refresh_in_background(shared, source, entry.version);
                    }
                    inner.metrics.request(kind, Outcome::Hit);
                } else {
                    inner.metrics.request(kind, Outcome::Stale);
                    self.refresh_in_background(shared, source, entry.version);
                }
                return Ok(entry);
            }
            Looked::Found(None) => {}
            Looked::Failed(error) => {
                inner.cache.failed(&error, now);
                inner.metrics.request(kind, Outcome::Miss);
                return self.read_database(shared, source, false).await;
            }
            Looked::Skipped => {
                inner.metrics.request(kind, Outcome::Miss);
                return self.read_database(shared, source, false).await;
            }
        }
        inner.metrics.request(kind, Outcome::Miss);
        let landed = self
            .flights
            .run(&key.key, || self.load_and_fill(shared, source, None, false))
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
        shared: &Arc<Shared>,
        source: Source,
        pending: Entry,
    ) -> Result<Entry, ReadError> {
        let key = source.key(&shared.cache.keys);
        let landed = self
            .flights
            .run(&key.key, || {
                self.load_and_fill(shared, source, Some(pending.version), true)
            })
            .await;
        if landed.joined {
            shared.metrics.single_flight_wait(source.kind());
        }
        match landed.value {
            Ok(loaded) if loaded.not_found => Ok(pending),
            other => other,
        }
    }

    /// Postgres without Redis, one load per key at a time in this process.
    async fn read_database(
        &self,
        shared: &Arc<Shared>,
        source: Source,
        behind_pending: bool,
    ) -> Result<Entry, ReadError> {
        let flight = format!("db|{}", source.key(&shared.cache.keys).key);
        let landed = self
            .flights
            .run(&flight, || async {
                let (view, delta_ms) = shared.load(source, behind_pending).await?;
                Ok(self.stamp(&view, delta_ms).0)
            })
            .await;
        if landed.joined {
            shared.metrics.single_flight_wait(source.kind());
        }
        landed.value
    }

    /// The lease dance. Without `stale`, the entry was missing: one found
    /// meanwhile is the answer. With it, a refresh of that version: done
    /// already if the entry has another version by now (someone refreshed
    /// it), and left to whoever holds the lease. `behind_pending`: the
    /// entry is a pending one, which only a readable decision replaces
    /// (`Shared::load`).
    async fn load_and_fill(
        &self,
        shared: &Arc<Shared>,
        source: Source,
        mut stale: Option<[u8; 8]>,
        behind_pending: bool,
    ) -> Result<Entry, ReadError> {
        let inner = shared;
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
                    None => return self.read_database(shared, source, behind_pending).await,
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
                        return self.read_database(shared, source, behind_pending).await;
                    }
                    tokio::time::sleep(LEASE_POLL).await;
                }
                Err(error) => {
                    inner.cache.failed(&error, now_ms());
                    return self.read_database(shared, source, behind_pending).await;
                }
            }
        }
        let loaded = shared.load(source, behind_pending).await;
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
    fn refresh_in_background(&self, shared: &Arc<Shared>, source: Source, version: [u8; 8]) {
        let key = source.key(&shared.cache.keys).key;
        if self.flights.in_flight(&key) {
            return;
        }
        let (strategy, shared) = (self.clone(), shared.clone());
        tokio::spawn(async move {
            let landed = strategy
                .flights
                .run(&key, || {
                    strategy.load_and_fill(&shared, source, Some(version), false)
                })
                .await;
            if let Err(error) = landed.value {
                tracing::warn!(%error, key, "refreshing a read-shared entry failed");
            }
        });
    }
}
