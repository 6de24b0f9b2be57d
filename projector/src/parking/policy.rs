//! When a partition's resting aggregates leave memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use infra::config::SnapshotSettings;
use infra::kafka::TopicPartition;
use sqlx::PgPool;

use super::store::prune;

/// How often a partition's position is noted, and so how often it is
/// swept: each sweep walks the aggregates in memory.
const MARK_EVERY: Duration = Duration::from_secs(1);

/// Per partition, where it stood when, so "untouched for a minute" can be
/// asked of the offsets aggregates remember. Shared by the clones of a
/// projection.
#[derive(Debug, Clone)]
pub struct Parking {
    after: Duration,
    marks: Arc<Mutex<HashMap<TopicPartition, Marks>>>,
    /// Partitions whose rows are being pruned: one prune at a time each.
    pruning: Arc<Mutex<HashSet<TopicPartition>>>,
}

#[derive(Debug, Default)]
struct Marks {
    /// `(when, next offset)`, oldest first, at most one per `MARK_EVERY`.
    points: VecDeque<(Instant, i64)>,
    /// The offset the last sweep let go below.
    swept_below: i64,
    /// The offset below which a sweep of the partition at rest found
    /// nothing more to let go.
    drained_below: i64,
}

impl Parking {
    pub fn new(settings: &SnapshotSettings) -> Self {
        Self {
            after: Duration::from_secs(settings.park_after_seconds),
            marks: Arc::default(),
            pruning: Arc::default(),
        }
    }

    /// The partition stands at `next` after a batch. Answers the offset
    /// below which aggregates untouched since have rested long enough to
    /// leave memory, when that moved since the last sweep.
    pub fn due(&self, at: &TopicPartition, next: i64) -> Option<i64> {
        self.due_at(at, next, Instant::now())
    }

    fn due_at(&self, at: &TopicPartition, next: i64, now: Instant) -> Option<i64> {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let marks = marks.entry(at.clone()).or_default();
        let below = self.rested(marks, next, now)?;
        (below > marks.swept_below).then(|| {
            marks.swept_below = below;
            below
        })
    }

    /// For a partition that may fold nothing more for a long while (a
    /// burst ended): the offset below which its aggregates have rested,
    /// while some may be left there. A batch sweeps only when its partition
    /// moves, and at most `MOST_PER_BATCH` at a time; without this sweep a
    /// quiet partition would hold its last burst for good.
    pub fn rested_below(&self, at: &TopicPartition, next: i64) -> Option<i64> {
        self.rested_below_at(at, next, Instant::now())
    }

    fn rested_below_at(&self, at: &TopicPartition, next: i64, now: Instant) -> Option<i64> {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let marks = marks.entry(at.clone()).or_default();
        let below = self.rested(marks, next, now)?;
        (below > marks.drained_below).then_some(below)
    }

    /// A sweep at rest left nothing below `below`.
    pub fn drained(&self, at: &TopicPartition, below: i64) {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let marks = marks.entry(at.clone()).or_default();
        marks.drained_below = marks.drained_below.max(below);
    }

    /// Notes where the partition stands now and answers the offset it
    /// stood at `after` ago, if it has been watched that long.
    fn rested(&self, marks: &mut Marks, next: i64, now: Instant) -> Option<i64> {
        if self.after.is_zero() {
            return Some(next);
        }
        if marks
            .points
            .back()
            .is_none_or(|(when, _)| now.duration_since(*when) >= MARK_EVERY)
        {
            marks.points.push_back((now, next));
        }
        let rested = now.checked_sub(self.after)?;
        // The newest mark old enough; older ones are no longer needed.
        while marks.points.get(1).is_some_and(|(when, _)| *when <= rested) {
            marks.points.pop_front();
        }
        match marks.points.front() {
            Some((when, offset)) if *when <= rested => Some(*offset),
            _ => None,
        }
    }

    /// Prunes the partition's parked rows ([`prune`]) on a task of its own,
    /// unless a prune of it is still running; a failure is logged and left
    /// for the next snapshot's turn.
    pub fn prune_later(&self, pool: PgPool, group: String, at: TopicPartition) {
        if !self
            .pruning
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(at.clone())
        {
            return;
        }
        let pruning = self.pruning.clone();
        tokio::spawn(async move {
            let pruned = async {
                let mut conn = pool.acquire().await?;
                prune(&mut conn, &group, &at).await
            };
            match pruned.await {
                Ok(deleted) => {
                    tracing::debug!(topic = %at.topic, partition = at.partition, deleted, "parked rows pruned")
                }
                Err(error) => {
                    tracing::warn!(%error, topic = %at.topic, partition = at.partition, "parked rows not pruned")
                }
            }
            pruning
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&at);
        });
    }

    /// Forgets where the partition stood: its state was thrown away or
    /// handed over, and aggregates read back count from now.
    pub fn forget(&self, at: &TopicPartition) {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        marks.remove(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parking(after: u64) -> Parking {
        Parking::new(&SnapshotSettings {
            every_records: 1,
            every_seconds: 1,
            park_after_seconds: after,
        })
    }

    #[test]
    fn nothing_leaves_before_it_rested_the_whole_while_then_what_was_there_then() {
        let parking = parking(60);
        let at = TopicPartition::new("t", 0);
        let start = Instant::now();
        assert_eq!(parking.due_at(&at, 100, start), None);
        assert_eq!(
            parking.due_at(&at, 250, start + Duration::from_secs(30)),
            None
        );
        // A minute after the first mark: what was untouched then has rested.
        assert_eq!(
            parking.due_at(&at, 400, start + Duration::from_secs(60)),
            Some(100)
        );
        // Asked again at once: nothing moved, no sweep.
        assert_eq!(
            parking.due_at(&at, 400, start + Duration::from_secs(60)),
            None
        );
        assert_eq!(
            parking.due_at(&at, 500, start + Duration::from_secs(95)),
            Some(250)
        );
    }

    #[test]
    fn with_no_wait_every_batch_lets_go_of_everything_folded_so_far() {
        let parking = parking(0);
        let at = TopicPartition::new("t", 0);
        assert_eq!(parking.due(&at, 5), Some(5));
        assert_eq!(parking.due(&at, 5), None);
        assert_eq!(parking.due(&at, 9), Some(9));
    }

    #[test]
    fn a_quiet_partition_is_swept_at_rest_until_drained_then_not_again() {
        let parking = parking(60);
        let at = TopicPartition::new("t", 0);
        let start = Instant::now();
        // A burst to 400, then nothing: the batches' marks end there.
        assert_eq!(parking.due_at(&at, 400, start), None);
        assert_eq!(
            parking.rested_below_at(&at, 400, start + Duration::from_secs(30)),
            None
        );
        // A minute after the burst everything below 400 has rested, and it
        // stays due (a sweep lets a bounded number go) until drained.
        let later = start + Duration::from_secs(61);
        assert_eq!(parking.rested_below_at(&at, 400, later), Some(400));
        assert_eq!(parking.rested_below_at(&at, 400, later), Some(400));
        parking.drained(&at, 400);
        assert_eq!(
            parking.rested_below_at(&at, 400, later + Duration::from_secs(5)),
            None
        );
        // Records again: what rested below the new mark is due once more.
        assert_eq!(
            parking.rested_below_at(&at, 450, later + Duration::from_secs(6)),
            None
        );
        assert_eq!(
            parking.rested_below_at(&at, 450, later + Duration::from_secs(67)),
            Some(450)
        );
    }

    #[test]
    fn a_forgotten_partition_counts_again_from_its_next_mark() {
        let parking = parking(10);
        let at = TopicPartition::new("t", 0);
        let start = Instant::now();
        parking.due_at(&at, 10, start);
        parking.forget(&at);
        assert_eq!(
            parking.due_at(&at, 20, start + Duration::from_secs(10)),
            None
        );
        assert_eq!(
            parking.due_at(&at, 30, start + Duration::from_secs(20)),
            Some(20)
        );
    }
}
