//! A read in two steps, so that a guard rides in the read's round trip:
//! `look` sends the guard's command (an `Escort`) together with the first
//! look at the entry; the caller judges the guard's reply; `serve_look`
//! then finishes the read exactly as `serve` would have (stale entries,
//! misses, leases, single flight, Postgres, either strategy). A caller the
//! guard refuses costs no load.

use redis::Value;
use uuid::Uuid;

use super::entry::{Entry, Served};
use super::error::ReadError;
use super::store::Escort;
use super::{now_ms, ReadModel, Source};
use infra::config::CacheStrategy;

/// What the first look at an entry found; finish it with `serve_look`.
pub struct Look {
    source: Source,
    found: Option<Entry>,
}

impl ReadModel {
    /// The escort's reply and the look, from one round trip; `None` when
    /// Redis could not be asked (skipped after a failure, or failing now),
    /// so the escort has no answer and the caller asks it on its own.
    pub async fn look(&self, source: Source, escort: Escort) -> Option<(Value, Look)> {
        let cache = &self.inner.cache;
        let now = now_ms();
        if !cache.usable(now) {
            return None;
        }
        let key = source.key(&cache.keys);
        let looked = match self.inner.policy.strategy {
            CacheStrategy::Protected => self.fetch_escorted(&key, escort).await,
            CacheStrategy::Naive => cache
                .get_escorted(&key.key, escort)
                .await
                .map(|(reply, raw)| (reply, raw.and_then(Entry::decode))),
        };
        match looked {
            Ok((reply, found)) => Some((reply, Look { source, found })),
            Err(error) => {
                cache.failed(&error, now);
                None
            }
        }
    }

    /// The answer for the look's source as of now, as `serve` gives it.
    pub async fn serve_look(&self, look: Look, caller: Option<Uuid>) -> Result<Served, ReadError> {
        let entry = match self.inner.policy.strategy {
            CacheStrategy::Protected => self.finish_protected(look.source, Ok(look.found)).await,
            CacheStrategy::Naive => self.finish_naive(look.source, look.found).await,
        }?;
        Ok(answer(&entry, caller))
    }
}

/// The entry's answer as of now; with `caller`, an entry owned by someone
/// else is not found.
pub(super) fn answer(entry: &Entry, caller: Option<Uuid>) -> Served {
    let now = now_ms();
    match caller {
        Some(caller) => entry.serve_to(caller, now),
        None => entry.serve(now),
    }
}
