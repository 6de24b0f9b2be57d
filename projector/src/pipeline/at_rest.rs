//! Letting go of the aggregates of partitions that fold nothing: a batch
//! sweeps its own partitions as it commits, but a partition gone quiet
//! after a burst (the minute a booking window sold out, a fill) would
//! otherwise hold the burst's aggregates until its next record, which may
//! never come (issue 14 point 2: memory bounded by live state). Once
//! swept, the partition is snapshotted as it now stands, so a projector
//! that takes it next does not bring the burst back into memory.

use infra::kafka::TopicPartition;

use super::batch::Projection;
use super::{offsets, States};
use crate::parking;

/// Lets go of one partition's rested aggregates, in a transaction that
/// locks its stored offset and writes them standing there, as a batch
/// storing that offset would; nothing when the state in hand is not at
/// the stored offset (another instance moved it: the next batch
/// rebuilds). One partition per call, so the fold waits for one short
/// transaction at most. Answers how many aggregates left memory. A
/// partition whose sweep fails loses its state, to be rebuilt, as after
/// a failed batch: its memory may lack what Postgres did not take.
pub async fn let_rested_go(projection: &Projection, states: &mut States) -> u64 {
    let due = states.iter().find_map(|(at, state)| {
        projection
            .parking
            .rested_below(at, state.next_offset())
            .map(|below| (at.clone(), below))
    });
    let Some((at, below)) = due else {
        snapshot_slimmed(projection, states);
        return 0;
    };
    match sweep(projection, states, &at, below).await {
        Ok(let_go) => {
            if let_go > 0 {
                projection.snapshots.slimmed(&at);
            }
            let_go
        }
        Err(error) => {
            tracing::warn!(%error, topic = %at.topic, partition = at.partition, "cannot let rested aggregates go; the partition's state is rebuilt");
            states.remove(&at);
            projection.parking.forget(&at);
            0
        }
    }
}

/// Once no partition has rested aggregates left to let go, snapshots one
/// that let some go since its last snapshot. Between batches a state in
/// hand stands at an offset already stored (a batch that fails to commit
/// drops the states it moved), and the aggregates its sweeps let go were
/// written at or before it, so a take-over that restores this snapshot
/// reads them back from those rows.
fn snapshot_slimmed(projection: &Projection, states: &States) {
    let owed = states.iter().find(|(at, _)| projection.snapshots.owed(at));
    if let Some((at, state)) = owed {
        projection.snapshot(at, state);
    }
}

async fn sweep(
    projection: &Projection,
    states: &mut States,
    at: &TopicPartition,
    below: i64,
) -> Result<u64, sqlx::Error> {
    let Some(state) = states.get_mut(at) else {
        return Ok(0);
    };
    if !state.any_untouched_since(below) {
        // The partition's batches swept it already (it is not quiet).
        projection.parking.drained(at, below);
        return Ok(0);
    }
    let mut tx = projection.pool.begin().await?;
    if offsets::lock(&mut tx, &projection.group, at).await? != state.next_offset() {
        return Ok(0);
    }
    let let_go = parking::let_go(&mut tx, &projection.group, at, state, below).await?;
    tx.commit().await?;
    state.shrink();
    if let_go < parking::MOST_PER_BATCH {
        projection.parking.drained(at, below);
    }
    Ok(let_go as u64)
}
