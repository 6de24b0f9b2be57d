//! Making committed batches readable and announcing their decisions
//! (`Effects::make_readable`) beside the fold rather than in its way. The
//! consumer loop hands each committed batch over and folds on; one task
//! writes them through in commit order. Batches that queued up while the
//! last write-through ran are merged into one: their entries are loaded
//! once, their decisions announced together, still only once every entry
//! is readable.
//!
//! Nothing here decides anything, so nothing a replay sees changes: the
//! fold needs only the committed state in memory, never the read model.
//! What a batch owes Redis is recorded in its transaction (see `owed`), so
//! a projector that dies with write-throughs queued leaves them to the
//! next owner's repair, as one that died mid-write-through always did.

use std::time::Duration;

use infra::decision::Decision;
use read_model::Changed;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Effects;
use crate::folds::Payer;

/// Committed batches waiting for their write-through, past which the
/// consumer loop waits: a Redis much slower than the folds slows the folds
/// rather than growing memory.
const QUEUE: usize = 1_000;

/// What one committed batch owes the read model and its callers.
#[derive(Debug, Default)]
pub struct Readable {
    pub changed: Changed,
    pub decisions: Vec<Decision>,
    pub payers: Vec<Payer>,
    pub owed: Vec<i64>,
}

impl Readable {
    fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.decisions.is_empty()
            && self.payers.is_empty()
            && self.owed.is_empty()
    }

    fn merge(&mut self, later: Readable) {
        self.changed.merge(later.changed);
        self.decisions.extend(later.decisions);
        self.payers.extend(later.payers);
        self.owed.extend(later.owed);
    }
}

pub struct WriteBehind {
    queue: mpsc::Sender<Readable>,
    task: JoinHandle<()>,
}

impl WriteBehind {
    pub fn start(effects: Effects) -> Self {
        let (queue, batches) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_through(effects, batches));
        Self { queue, task }
    }

    /// Queues a committed batch's write-through; waits only while the
    /// queue is full.
    pub async fn send(&self, readable: Readable) {
        if readable.is_empty() {
            return;
        }
        if self.queue.send(readable).await.is_err() {
            // Only after `finish`: the batch's owed row stays for a repair.
            tracing::warn!("a committed batch came after the write-through stopped");
        }
    }

    /// Writes what is queued, for up to `patience`; what is left is owed
    /// (see the module's note).
    pub async fn finish(self, patience: Duration) {
        drop(self.queue);
        if tokio::time::timeout(patience, self.task).await.is_err() {
            tracing::warn!(
                "write-throughs still queued at the stop; left to the next owner's repair"
            );
        }
    }
}

async fn write_through(effects: Effects, mut batches: mpsc::Receiver<Readable>) {
    let mut queued = Vec::new();
    while batches.recv_many(&mut queued, QUEUE).await > 0 {
        let mut merged = Readable::default();
        for readable in queued.drain(..) {
            merged.merge(readable);
        }
        effects
            .make_readable(
                &merged.changed,
                &merged.decisions,
                &merged.payers,
                &merged.owed,
            )
            .await;
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn merged_batches_owe_everything_each_owed_in_commit_order() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let mut merged = Readable::default();
        assert!(merged.is_empty());
        let mut a = Readable {
            owed: vec![1],
            ..Default::default()
        };
        a.changed.seat_maps.insert(first);
        let mut b = Readable {
            owed: vec![2],
            ..Default::default()
        };
        b.changed.seat_maps.insert(second);
        b.changed.balances.insert(first);
        merged.merge(a);
        merged.merge(b);
        assert_eq!(merged.owed, [1, 2]);
        assert_eq!(merged.changed.seat_maps.len(), 2);
        assert_eq!(merged.changed.balances.len(), 1);
        assert!(!merged.is_empty());
    }
}
