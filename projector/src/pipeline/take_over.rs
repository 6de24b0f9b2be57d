//! Bringing partitions' states up to their stored offsets before a batch
//! folds on them: from the newest readable snapshot when there is one that
//! is ahead of the state in hand, then the records after it, folded again
//! decide-only (see `catch_up`).

use std::collections::BTreeMap;
use std::time::Instant;

use infra::kafka::TopicPartition;
use sqlx::PgConnection;

use super::catch_up::CatchUpError;
use super::offsets;
use super::{CatchUp, States};
use crate::folds::Engine;
use crate::reader::ReadError;
use crate::snapshots::{self, SnapshotSchedule, Unreadable};

/// Where the partitions stood and what it took to reach them.
#[derive(Debug, Default)]
pub struct TakenOver {
    /// Each partition's stored offset, locked until the transaction ends.
    pub stored: BTreeMap<TopicPartition, i64>,
    /// Partitions whose state was read from a snapshot.
    pub restored: u64,
    /// Snapshots passed over because they could not be read.
    pub unreadable: Vec<Unreadable>,
    /// Records folded again to reach the stored offsets.
    pub rebuilt: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TakeOverError {
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
    #[error("rebuilding partition state: {0}")]
    Rebuild(#[from] ReadError),
}

impl From<CatchUpError> for TakeOverError {
    fn from(error: CatchUpError) -> Self {
        match error {
            CatchUpError::Read(error) => TakeOverError::Rebuild(error),
            CatchUpError::Database(error) => TakeOverError::Database(error),
        }
    }
}

/// What taking partitions over needs.
#[derive(Clone, Copy)]
pub struct Rebuilder<'a> {
    pub group: &'a str,
    pub engine: &'a Engine,
    pub catch_up: &'a CatchUp,
    pub schedule: &'a SnapshotSchedule,
}

impl Rebuilder<'_> {
    /// Locks the stored offsets of `partitions` (in key order: a second
    /// owner of a partition, mid-rebalance, waits here and then sees the
    /// first's offsets) and brings their states up to them.
    pub async fn take_over<'p>(
        &self,
        conn: &mut PgConnection,
        states: &mut States,
        partitions: impl IntoIterator<Item = &'p TopicPartition>,
    ) -> Result<TakenOver, TakeOverError> {
        let taking = Instant::now();
        let mut taken = TakenOver::default();
        let mut stale = Vec::new();
        for at in partitions {
            let offset = offsets::lock(conn, self.group, at).await?;
            let state = states.entry(at.clone()).or_default();
            if state.next_offset() > offset {
                // Ahead of what is committed: it folded records that never
                // committed. Start again from nothing.
                *state = Default::default();
            }
            if state.next_offset() < offset {
                let found =
                    snapshots::restore(conn, self.group, at, state.next_offset(), offset).await?;
                taken.unreadable.extend(found.unreadable);
                if let Some(restored) = found.state {
                    *state = restored;
                    taken.restored += 1;
                }
                self.schedule.started_at(at, state.next_offset());
            }
            if state.next_offset() < offset {
                stale.push((at.clone(), state.next_offset(), offset));
            }
            taken.stored.insert(at.clone(), offset);
        }
        if !stale.is_empty() {
            taken.rebuilt = self
                .catch_up
                .run(conn, self.group, self.engine, states, &stale)
                .await?;
        }
        if taken.restored > 0 || taken.rebuilt > 0 {
            // A hand-over's cost: what the waiting decisions paid for the
            // state they needed.
            tracing::info!(
                restored = taken.restored,
                rebuilt = taken.rebuilt,
                ms = taking.elapsed().as_millis() as u64,
                "partition states brought up to their stored offsets"
            );
        }
        Ok(taken)
    }
}
