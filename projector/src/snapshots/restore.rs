//! Finding the newest snapshot of a partition that this build can read.

use infra::kafka::TopicPartition;
use sqlx::PgConnection;

use super::codec::{decode, Unreadable};
use super::store::newest_between;
use crate::folds::PartitionState;

/// What looking for a snapshot found.
#[derive(Debug, Default)]
pub struct Restored {
    /// The newest readable snapshot's state, if any was newer than the
    /// state in hand.
    pub state: Option<PartitionState>,
    /// The snapshots passed over, newest first.
    pub unreadable: Vec<Unreadable>,
}

/// The newest readable snapshot of `at` standing for an offset in
/// `(above, at_most]`: `above` is where the state in hand stands (an
/// older snapshot would only be more work), `at_most` the stored offset
/// (a snapshot past it would stand for records whose effects did not
/// commit). Snapshots that cannot be read are logged and skipped.
pub async fn restore(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    above: i64,
    at_most: i64,
) -> Result<Restored, sqlx::Error> {
    let mut restored = Restored::default();
    let mut below = at_most;
    while let Some(row) = newest_between(conn, group, at, above, below).await? {
        match decode(row.next_offset, row.format_version, &row.digest, &row.body) {
            Ok(state) => {
                restored.state = Some(state);
                break;
            }
            Err(unreadable) => {
                tracing::warn!(
                    topic = %at.topic,
                    partition = at.partition,
                    next_offset = row.next_offset,
                    reason = unreadable.reason(),
                    error = %unreadable,
                    "snapshot cannot be read; trying an older one"
                );
                restored.unreadable.push(unreadable);
                below = row.next_offset - 1;
            }
        }
    }
    Ok(restored)
}
