//! When each partition is snapshotted next.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use infra::config::SnapshotSettings;
use infra::kafka::TopicPartition;

use super::writer::SnapshotWrites;

/// Per partition, where its last snapshot (or the state it was rebuilt
/// from) stands, and since when. Shared by the clones of a projection.
#[derive(Debug, Clone)]
pub struct SnapshotSchedule {
    every_records: i64,
    every: Duration,
    last: Arc<Mutex<HashMap<TopicPartition, Last>>>,
    /// Partitions whose newest snapshot holds aggregates that have left
    /// memory since: a take-over would bring them all back.
    slimmed: Arc<Mutex<HashSet<TopicPartition>>>,
    writes: SnapshotWrites,
}

#[derive(Debug, Clone, Copy)]
struct Last {
    next_offset: i64,
    at: Instant,
}

impl SnapshotSchedule {
    pub fn new(settings: &SnapshotSettings) -> Self {
        Self {
            every_records: i64::try_from(settings.every_records).unwrap_or(i64::MAX),
            every: Duration::from_secs(settings.every_seconds),
            last: Arc::default(),
            slimmed: Arc::default(),
            writes: SnapshotWrites::default(),
        }
    }

    /// The partition's state was just restored or rebuilt and stands at
    /// `next_offset`, which is as good as a snapshot there: a take-over
    /// would fold the same records from its snapshot.
    pub fn started_at(&self, at: &TopicPartition, next_offset: i64) {
        self.set(at, next_offset);
    }

    /// A snapshot standing at `next_offset` was taken (handed to
    /// `writes`, which stores it).
    pub fn taken(&self, at: &TopicPartition, next_offset: i64) {
        self.slimmed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(at);
        self.set(at, next_offset);
    }

    /// Aggregates of the partition left memory while it folded nothing:
    /// its newest snapshot still holds them, and a projector taking it
    /// would hold them again until they rested once more (projectors B
    /// and C of the growth benchmark held a whole fill's aggregates).
    pub fn slimmed(&self, at: &TopicPartition) {
        self.slimmed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(at.clone());
    }

    /// Whether the partition is owed a snapshot of its slimmer state, and
    /// its last snapshot is no longer being written.
    pub fn owed(&self, at: &TopicPartition) -> bool {
        !self.writes.busy(at)
            && self
                .slimmed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(at)
    }

    /// The snapshots being written.
    pub fn writes(&self) -> &SnapshotWrites {
        &self.writes
    }

    /// Whether the partition, now standing at `next_offset`, is due a
    /// snapshot: `every_records` records since the last one, or any record
    /// and `every` since then, and the last one is no longer being written.
    /// A partition never seen counts from offset 0 and from now.
    pub fn due(&self, at: &TopicPartition, next_offset: i64) -> bool {
        if self.writes.busy(at) {
            return false;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let last = last.entry(at.clone()).or_insert(Last {
            next_offset: 0,
            at: Instant::now(),
        });
        let records = next_offset - last.next_offset;
        records >= self.every_records || (records > 0 && last.at.elapsed() >= self.every)
    }

    fn set(&self, at: &TopicPartition, next_offset: i64) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.insert(
            at.clone(),
            Last {
                next_offset,
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(every_records: u64, every_seconds: u64) -> SnapshotSchedule {
        SnapshotSchedule::new(&SnapshotSettings {
            every_records,
            every_seconds,
            park_after_seconds: 60,
        })
    }

    #[test]
    fn a_partition_is_due_after_every_records_folded_since_its_last_snapshot() {
        let schedule = schedule(10, 3600);
        let at = TopicPartition::new("t", 0);
        assert!(!schedule.due(&at, 9));
        assert!(schedule.due(&at, 10));
        schedule.taken(&at, 10);
        assert!(!schedule.due(&at, 19));
        assert!(schedule.due(&at, 25));
        schedule.started_at(&at, 100);
        assert!(!schedule.due(&at, 105));
        assert!(!schedule.due(&TopicPartition::new("t", 1), 3));
    }

    #[test]
    fn a_slimmed_partition_is_owed_a_snapshot_until_one_is_taken() {
        let schedule = schedule(10, 3600);
        let at = TopicPartition::new("t", 0);
        assert!(!schedule.owed(&at));
        schedule.slimmed(&at);
        assert!(schedule.owed(&at));
        assert!(!schedule.owed(&TopicPartition::new("t", 1)));
        schedule.started_at(&at, 4);
        assert!(schedule.owed(&at), "a rebuild is no snapshot");
        schedule.taken(&at, 4);
        assert!(!schedule.owed(&at));
    }

    #[test]
    fn a_partition_that_folded_something_is_due_once_the_period_has_passed() {
        // A zero period has always passed: no clock is waited on.
        let schedule = schedule(1_000_000, 0);
        let at = TopicPartition::new("t", 0);
        schedule.taken(&at, 5);
        assert!(!schedule.due(&at, 5), "nothing folded since");
        assert!(schedule.due(&at, 6));
    }
}
