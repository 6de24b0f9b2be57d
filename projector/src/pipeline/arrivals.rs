//! Records that reach the consumer loop beside the fetch: a batch's own
//! follow-ups as their appends were acknowledged, and other appenders'
//! records handed off (see `infra::handoff`). Each is the log's own record
//! (same partition, offset, key and bytes), so folding it decides what a
//! replay decides, but only in log order: a record is folded once its
//! partition, as folded here, stands exactly at its offset. One that
//! arrives ahead of a record not seen yet waits here for it, and one
//! behind is dropped. The fetch brings every record anyway; these only
//! save waiting for it.

use std::collections::{BTreeMap, HashMap};

use infra::kafka::TopicPartition;

use crate::record::Record;

/// Records kept waiting for the ones before them, past which all are
/// dropped: the fetch brings them.
const MOST_WAITING: usize = 20_000;

/// How a record arrived, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A follow-up this instance appended.
    FollowUp,
    /// Handed off by its appender.
    HandedOff,
}

#[derive(Debug, Default)]
pub struct Arrivals {
    waiting: HashMap<TopicPartition, BTreeMap<i64, (Record, Arrival)>>,
    count: usize,
}

impl Arrivals {
    pub fn add(&mut self, record: Record, arrival: Arrival) {
        if self.count >= MOST_WAITING {
            self.waiting.clear();
            self.count = 0;
        }
        let waiting = self.waiting.entry(record.at()).or_default();
        if waiting.insert(record.offset, (record, arrival)).is_none() {
            self.count += 1;
        }
    }

    /// Takes the records that can be folded now, in log order per
    /// partition: each at the offset `next` says its partition stands at,
    /// or right after the one before it. `next` answers `None` for a
    /// partition not folded here, whose records are dropped; records
    /// behind where their partition stands are dropped as folded.
    pub fn take_foldable(
        &mut self,
        next: impl Fn(&TopicPartition) -> Option<i64>,
    ) -> Vec<(Record, Arrival)> {
        let mut foldable = Vec::new();
        let mut dropped = 0;
        self.waiting.retain(|at, waiting| {
            let Some(mut expected) = next(at) else {
                dropped += waiting.len();
                return false;
            };
            while let Some(entry) = waiting.first_entry() {
                let offset = *entry.key();
                if offset > expected {
                    break;
                }
                let (record, arrival) = entry.remove();
                if offset == expected {
                    foldable.push((record, arrival));
                    expected += 1;
                } else {
                    dropped += 1;
                }
            }
            !waiting.is_empty()
        });
        self.count -= foldable.len() + dropped;
        // Partitions in a stable order: batches name them sorted anyway.
        foldable.sort_by(|(a, _), (b, _)| {
            (&a.topic, a.partition, a.offset).cmp(&(&b.topic, b.partition, b.offset))
        });
        foldable
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use infra::telemetry::TraceContext;

    use super::*;

    fn record(partition: i32, offset: i64) -> Record {
        Record {
            topic: "reservations".into(),
            partition,
            offset,
            timestamp_ms: None,
            key: Some(b"k".to_vec()),
            payload: Some(format!("{partition}/{offset}").into_bytes()),
            trace: TraceContext::default(),
        }
    }

    fn offsets(taken: &[(Record, Arrival)]) -> Vec<(i32, i64)> {
        taken.iter().map(|(r, _)| (r.partition, r.offset)).collect()
    }

    fn standing_at(next: &[(i32, i64)]) -> impl Fn(&TopicPartition) -> Option<i64> + '_ {
        move |at| {
            next.iter()
                .find(|(partition, _)| *partition == at.partition)
                .map(|(_, offset)| *offset)
        }
    }

    #[test]
    fn a_record_where_its_partition_stands_is_foldable_and_taken_once() {
        let mut arrivals = Arrivals::default();
        arrivals.add(record(0, 5), Arrival::HandedOff);
        let taken = arrivals.take_foldable(standing_at(&[(0, 5)]));
        assert_eq!(offsets(&taken), [(0, 5)]);
        assert_eq!(taken[0].1, Arrival::HandedOff);
        assert!(arrivals.take_foldable(standing_at(&[(0, 5)])).is_empty());
        assert_eq!(arrivals.len(), 0);
    }

    #[test]
    fn records_ahead_of_a_gap_wait_for_it_then_come_in_log_order() {
        let mut arrivals = Arrivals::default();
        arrivals.add(record(0, 7), Arrival::HandedOff);
        arrivals.add(record(0, 6), Arrival::HandedOff);
        assert!(arrivals.take_foldable(standing_at(&[(0, 5)])).is_empty());
        assert_eq!(arrivals.len(), 2);
        arrivals.add(record(0, 5), Arrival::FollowUp);
        let taken = arrivals.take_foldable(standing_at(&[(0, 5)]));
        assert_eq!(offsets(&taken), [(0, 5), (0, 6), (0, 7)]);
        assert_eq!(arrivals.len(), 0);
    }

    #[test]
    fn a_gap_filled_by_the_fetch_lets_the_records_after_it_through() {
        let mut arrivals = Arrivals::default();
        arrivals.add(record(0, 4), Arrival::HandedOff);
        arrivals.add(record(0, 6), Arrival::HandedOff);
        arrivals.add(record(0, 7), Arrival::HandedOff);
        // The fetch folded 3..=5 meanwhile: 4 is behind, 6 and 7 are next.
        let taken = arrivals.take_foldable(standing_at(&[(0, 6)]));
        assert_eq!(offsets(&taken), [(0, 6), (0, 7)]);
        assert_eq!(arrivals.len(), 0);
    }

    #[test]
    fn records_of_partitions_not_folded_here_are_dropped() {
        let mut arrivals = Arrivals::default();
        arrivals.add(record(0, 1), Arrival::HandedOff);
        arrivals.add(record(1, 1), Arrival::HandedOff);
        let taken = arrivals.take_foldable(standing_at(&[(1, 1)]));
        assert_eq!(offsets(&taken), [(1, 1)]);
        assert_eq!(arrivals.len(), 0);
        assert!(arrivals.take_foldable(standing_at(&[(0, 1)])).is_empty());
    }

    #[test]
    fn the_same_place_told_twice_is_kept_once() {
        let mut arrivals = Arrivals::default();
        arrivals.add(record(2, 9), Arrival::FollowUp);
        arrivals.add(record(2, 9), Arrival::HandedOff);
        assert_eq!(arrivals.len(), 1);
        assert_eq!(
            offsets(&arrivals.take_foldable(standing_at(&[(2, 9)]))),
            [(2, 9)]
        );
    }

    #[test]
    fn too_many_waiting_are_all_dropped_rather_than_kept() {
        let mut arrivals = Arrivals::default();
        for offset in 1..=MOST_WAITING as i64 {
            arrivals.add(record(0, offset), Arrival::HandedOff);
        }
        assert_eq!(arrivals.len(), MOST_WAITING);
        arrivals.add(record(1, 0), Arrival::HandedOff);
        assert_eq!(arrivals.len(), 1);
        assert_eq!(
            offsets(&arrivals.take_foldable(standing_at(&[(0, 0), (1, 0)]))),
            [(1, 0)]
        );
    }
}
