//! The first look at an entry, the same under either strategy: one round
//! trip to Redis, after which the strategy finishes the read
//! (`Strategy::finish`). For kinds the strategy keeps copies of, Redis only
//! confirms the copy is current (or sends the new one), so a hot seat map
//! is not shipped over again per read.
//!
//! A guard can ride in that round trip: `look` sends the guard's command
//! (an `Escort`) together with the first look; the caller judges the
//! guard's reply; `serve_look` then finishes the read exactly as `serve`
//! would have (stale entries, misses, leases, single flight, Postgres,
//! either strategy). A caller the guard refuses costs no load.

use std::sync::Arc;

use redis::{RedisError, Value};
use uuid::Uuid;

use super::clock::now_ms;
use super::entry::{Entry, Served};
use super::error::ReadError;
use super::keys::EntryKey;
use super::shared::Shared;
use super::source::Source;
use super::store::{Escort, Fetched};
use super::strategy::{Looked, Strategy};

/// What the first look at an entry found; finish it with `serve_look`.
pub struct Look {
    source: Source,
    found: Option<Entry>,
}

/// The escort's reply and the look, from one round trip; `None` when
/// Redis could not be asked (skipped after a failure, or failing now),
/// so the escort has no answer and the caller asks it on its own.
pub(crate) async fn look(
    shared: &Shared,
    strategy: &dyn Strategy,
    source: Source,
    escort: Escort,
) -> Option<(Value, Look)> {
    let cache = &shared.cache;
    let now = now_ms();
    if !cache.usable(now) {
        return None;
    }
    let key = source.key(&cache.keys);
    match fetch_escorted(shared, strategy, &key, escort).await {
        Ok((reply, found)) => Some((reply, Look { source, found })),
        Err(error) => {
            cache.failed(&error, now);
            None
        }
    }
}

/// The answer for the look's source as of now, as `serve` gives it.
pub(crate) async fn serve_look(
    shared: &Arc<Shared>,
    strategy: &dyn Strategy,
    look: Look,
    caller: Option<Uuid>,
) -> Result<Served, ReadError> {
    let entry = strategy
        .finish(shared, look.source, Looked::Found(look.found))
        .await?;
    Ok(answer(&entry, caller))
}

/// The first look of a read with no escort.
pub(crate) async fn first_look(shared: &Shared, strategy: &dyn Strategy, source: Source) -> Looked {
    let cache = &shared.cache;
    if !cache.usable(now_ms()) {
        return Looked::Skipped;
    }
    match fetch(shared, strategy, &source.key(&cache.keys)).await {
        Ok(found) => Looked::Found(found),
        Err(error) => Looked::Failed(error),
    }
}

/// The entry in Redis, if any: one round trip.
async fn fetch(
    shared: &Shared,
    strategy: &dyn Strategy,
    key: &EntryKey,
) -> Result<Option<Entry>, RedisError> {
    let cache = &shared.cache;
    if !strategy.keeps_copy(key.kind) {
        return Ok(cache.get(&key.key).await?.and_then(Entry::decode));
    }
    let copy = shared.copies.get(&key.key);
    let fetched = match &copy {
        Some(copy) => cache.revalidate(&key.key, &copy.version).await?,
        None => cache.get(&key.key).await?.map(Fetched::Changed),
    };
    Ok(keep_copy(shared, key, copy, fetched))
}

/// As `fetch`, with `escort` in the same round trip: its reply too.
async fn fetch_escorted(
    shared: &Shared,
    strategy: &dyn Strategy,
    key: &EntryKey,
    escort: Escort,
) -> Result<(Value, Option<Entry>), RedisError> {
    let cache = &shared.cache;
    if !strategy.keeps_copy(key.kind) {
        let (reply, raw) = cache.get_escorted(&key.key, escort).await?;
        return Ok((reply, raw.and_then(Entry::decode)));
    }
    let copy = shared.copies.get(&key.key);
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
    Ok((reply, keep_copy(shared, key, copy, fetched)))
}

/// The entry `fetched` describes, given the `copy` it was asked about;
/// the copy kept follows it.
fn keep_copy(
    shared: &Shared,
    key: &EntryKey,
    copy: Option<Entry>,
    fetched: Option<Fetched>,
) -> Option<Entry> {
    match fetched {
        Some(Fetched::Current) => copy,
        Some(Fetched::Changed(raw)) => {
            let entry = Entry::decode(raw);
            match &entry {
                Some(entry) => shared.copies.keep(&key.key, entry),
                None => shared.copies.forget(&key.key),
            }
            entry
        }
        None => {
            shared.copies.forget(&key.key);
            None
        }
    }
}

/// The entry's answer as of now; with `caller`, an entry owned by someone
/// else is not found.
pub(crate) fn answer(entry: &Entry, caller: Option<Uuid>) -> Served {
    let now = now_ms();
    match caller {
        Some(caller) => entry.serve_to(caller, now),
        None => entry.serve(now),
    }
}
