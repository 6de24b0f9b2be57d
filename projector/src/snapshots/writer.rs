//! Snapshots written off the fold's path. At a million records a
//! partition's state is a body of 155 MB (reservations) or 65 MB (wallets),
//! and its INSERT alone took 1.6-7.8 s: written inside the batch
//! transaction, it held up every decision of the partition that long, once
//! a minute (issue 19). A snapshot stands for the records before its offset
//! whatever commits later, so it needs none of the batch's transaction: the
//! state is copied once the batch has committed (its offset is stored, so a
//! take-over may restore it), then encoded and stored by a task of its own,
//! one at a time per partition.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use infra::kafka::TopicPartition;
use sqlx::PgPool;
use tokio::task::JoinHandle;

use super::codec::encode;
use super::store::save;
use crate::folds::PartitionState;

/// The snapshot writes in flight, per partition. Shared by the clones of a
/// projection.
#[derive(Debug, Clone, Default)]
pub struct SnapshotWrites {
    running: Arc<Mutex<HashMap<TopicPartition, JoinHandle<()>>>>,
}

impl SnapshotWrites {
    /// Whether the partition's last snapshot is still being written.
    pub fn busy(&self, at: &TopicPartition) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.get(at).is_some_and(|write| !write.is_finished())
    }

    /// Encodes and stores `state`, the partition's state standing at
    /// `next_offset`, on a task of its own. A write that fails is logged and
    /// lost: the next one is due after the schedule's period again, and a
    /// take-over meanwhile folds from an older snapshot.
    pub fn start(
        &self,
        pool: PgPool,
        group: String,
        at: TopicPartition,
        next_offset: i64,
        state: PartitionState,
    ) {
        let key = at.clone();
        let write = tokio::spawn(async move {
            let started = Instant::now();
            let encoded = match tokio::task::spawn_blocking(move || encode(&state)).await {
                Ok(Ok(encoded)) => encoded,
                // A bug in a state's serialization: take-overs are only
                // slower until it is fixed.
                Ok(Err(error)) => {
                    tracing::error!(%error, topic = %at.topic, partition = at.partition, "cannot encode a snapshot");
                    return;
                }
                Err(error) => {
                    tracing::error!(%error, topic = %at.topic, partition = at.partition, "the snapshot encoder stopped");
                    return;
                }
            };
            let stored = async {
                let mut tx = pool.begin().await?;
                save(&mut tx, &group, &at, next_offset, &encoded).await?;
                tx.commit().await
            };
            match stored.await {
                Ok(()) => tracing::info!(
                    topic = %at.topic,
                    partition = at.partition,
                    next_offset,
                    bytes = encoded.body.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "snapshot stored"
                ),
                Err(error) => {
                    tracing::warn!(%error, topic = %at.topic, partition = at.partition, next_offset, "snapshot not stored")
                }
            }
        });
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(key, write);
    }

    /// Waits up to `patience` for the writes in flight, so a projector that
    /// stops leaves its last snapshots behind; the ones still running then
    /// are abandoned.
    pub async fn settle(&self, patience: Duration) {
        let writes: Vec<JoinHandle<()>> = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.drain().map(|(_, write)| write).collect()
        };
        let deadline = tokio::time::Instant::now() + patience;
        for mut write in writes {
            if tokio::time::timeout_at(deadline, &mut write).await.is_err() {
                tracing::warn!("a snapshot write was still running at the stop; abandoned");
                write.abort();
            }
        }
    }
}
