//! What the projector calls right after a batch commits, before it
//! announces the batch's decisions: every entry the batch changed is
//! rewritten from the committed tables, so a query that starts after a
//! command's answer sees its effect. What a change does to its entries is
//! the strategy's: the naive one deletes them instead (cache-aside
//! invalidation, as the original design).

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::WriteError;
use super::shared::Shared;
use super::source::Source;
use super::store::Put;
use super::strategy::Strategy;

/// Loads running at once for one write-through.
const CONCURRENT_LOADS: usize = 4;

/// What a batch changed, by entity. A seat-map change also changes its
/// concert's schedule list (available counts): that follows by itself.
/// Serialized where a batch records what it owes the read model until it
/// is readable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    /// The list of concerts.
    pub concerts: bool,
    /// Concerts whose schedule list changed.
    pub schedules: BTreeSet<Uuid>,
    /// Schedules whose seats changed.
    pub seat_maps: BTreeSet<Uuid>,
    /// Users whose balance changed.
    pub balances: BTreeSet<Uuid>,
    pub reservations: BTreeSet<Uuid>,
    pub payments: BTreeSet<Uuid>,
    /// `(user, charge)`.
    pub charges: BTreeSet<(Uuid, Uuid)>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        *self == Changed::default()
    }

    /// How many entries it names (before the concert lists seat maps imply).
    pub fn len(&self) -> usize {
        usize::from(self.concerts)
            + self.schedules.len()
            + self.seat_maps.len()
            + self.balances.len()
            + self.reservations.len()
            + self.payments.len()
            + self.charges.len()
    }

    /// Adds what `other` names, e.g. to write later what failed now.
    pub fn merge(&mut self, other: Changed) {
        self.concerts |= other.concerts;
        self.schedules.extend(other.schedules);
        self.seat_maps.extend(other.seat_maps);
        self.balances.extend(other.balances);
        self.reservations.extend(other.reservations);
        self.payments.extend(other.payments);
        self.charges.extend(other.charges);
    }

    fn sources(&self) -> Vec<Source> {
        let mut sources = self.state_sources();
        sources.extend(self.outcome_sources());
        sources
    }

    /// What the decisions changed: catalogs, seat maps, balances.
    fn state_sources(&self) -> Vec<Source> {
        let mut sources = Vec::new();
        if self.concerts {
            sources.push(Source::Concerts);
        }
        sources.extend(self.schedules.iter().copied().map(Source::Schedules));
        sources.extend(self.seat_maps.iter().copied().map(Source::Seats));
        sources.extend(self.balances.iter().copied().map(Source::Balance));
        sources
    }

    /// What a caller polls for its command's outcome: reservations,
    /// payments, charges.
    fn outcome_sources(&self) -> Vec<Source> {
        let mut sources = Vec::new();
        sources.extend(self.reservations.iter().copied().map(Source::Reservation));
        sources.extend(self.payments.iter().copied().map(Source::Payment));
        sources.extend(
            self.charges
                .iter()
                .map(|(user, charge)| Source::Charge(*user, *charge)),
        );
        sources
    }
}

/// Writes every entry `changed` names through to Redis (protected), or
/// deletes them (naive). Answers how many entries it wrote or deleted.
pub(crate) async fn write_changes(
    shared: &Arc<Shared>,
    strategy: &dyn Strategy,
    changed: &Changed,
) -> Result<usize, WriteError> {
    if changed.is_empty() {
        return Ok(0);
    }
    let changed = with_schedule_lists(shared, changed).await?;
    // The state first, then the outcomes: a caller who polls its charge as
    // COMPLETED then reads the new balance, never the old one.
    let state = strategy
        .apply_changes(shared, &changed.state_sources())
        .await?;
    let outcomes = strategy
        .apply_changes(shared, &changed.outcome_sources())
        .await?;
    Ok(state + outcomes)
}

/// `changed` and the schedule lists of the concerts whose seat maps
/// changed (their available counts).
async fn with_schedule_lists(shared: &Shared, changed: &Changed) -> Result<Changed, WriteError> {
    let mut changed = changed.clone();
    if !changed.seat_maps.is_empty() {
        let concerts = shared
            .concert_of
            .concerts(&shared.pool, &changed.seat_maps)
            .await?;
        changed.schedules.extend(concerts);
    }
    Ok(changed)
}

/// Deletes every entry `changed` names, with its fill lease, so each is
/// loaded afresh from the committed tables on its next read: what a
/// write-through that failed (Redis refusing writes, say) still owes its
/// readers, since DEL goes through where SET does not (`maxmemory`).
/// Answers how many entries it deleted.
pub(crate) async fn forget_changes(
    shared: &Shared,
    changed: &Changed,
) -> Result<usize, WriteError> {
    let changed = with_schedule_lists(shared, changed).await?;
    let keys = &shared.cache.keys;
    let entries: Vec<_> = changed
        .sources()
        .into_iter()
        .map(|source| source.key(keys))
        .collect();
    let doomed: Vec<String> = entries
        .iter()
        .flat_map(|entry| [keys.lease(entry), entry.key.clone()])
        .collect();
    shared.cache.delete(&doomed).await?;
    Ok(entries.len())
}

/// Deletes every read-model entry (never the queue's keys), so each is
/// loaded afresh on its next read: for a writer that lost track of what
/// it failed to write. Answers how many it deleted.
pub(crate) async fn forget_all(shared: &Shared) -> Result<u64, WriteError> {
    Ok(shared
        .cache
        .delete_matching(&shared.cache.keys.pattern())
        .await?)
}

/// Loads `sources` from Postgres and writes them to Redis.
pub(crate) async fn write(
    shared: &Shared,
    strategy: &dyn Strategy,
    sources: &[Source],
) -> Result<usize, WriteError> {
    let window = shared.window();
    let puts: Vec<Put> = futures::stream::iter(sources.iter().copied())
        .map(|source| async move {
            let started = std::time::Instant::now();
            let view = source.load(&shared.pool, &window).await?;
            let delta_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
            let (_, value, expire_ms) = strategy.stamp(&view, delta_ms);
            Ok::<_, sqlx::Error>(Put {
                key: source.key(&shared.cache.keys),
                value,
                expire_ms,
            })
        })
        .buffer_unordered(CONCURRENT_LOADS)
        .try_collect()
        .await?;
    shared.cache.put(&puts).await?;
    Ok(puts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_changes_name_everything_either_named() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut changed = Changed {
            seat_maps: BTreeSet::from([a]),
            ..Changed::default()
        };
        changed.merge(Changed {
            concerts: true,
            seat_maps: BTreeSet::from([a, b]),
            charges: BTreeSet::from([(a, b)]),
            ..Changed::default()
        });
        assert_eq!(changed.len(), 4);
        assert!(changed.concerts && changed.seat_maps.contains(&b));
        assert!(Changed::default().is_empty());
    }
}
