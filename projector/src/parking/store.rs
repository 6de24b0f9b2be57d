//! Parked aggregates in Postgres (`projector_parked`): letting go, reading
//! back, and dropping the rows no take-over can need.

use std::collections::BTreeSet;

use infra::kafka::TopicPartition;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::folds::{record_key, Parked, PartitionState};
use crate::record::Record;
use crate::snapshots::{oldest_kept, FORMAT_VERSION};

/// The most aggregates one batch lets go of: the rest follow in the next
/// sweeps, so a partition that has just taken a large state over does not
/// hold one batch up encoding all of it.
pub const MOST_PER_BATCH: usize = 4096;

/// Writes the aggregates of `state` last touched before `below` as rows
/// standing at the state's position, inside the caller's transaction (the
/// one storing that position), and drops them from memory. Answers how
/// many left.
pub async fn let_go(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    state: &mut PartitionState,
    below: i64,
) -> Result<usize, sqlx::Error> {
    let mut keys = state.untouched_since(below);
    keys.truncate(MOST_PER_BATCH);
    if keys.is_empty() {
        return Ok(0);
    }
    let (mut parked_keys, mut bodies) = (Vec::new(), Vec::new());
    for key in keys {
        let Some(parked) = state.park(key) else {
            continue;
        };
        match serde_json::to_vec(&parked) {
            Ok(body) => {
                parked_keys.push(key);
                bodies.push(body);
            }
            // A bug in a state's serialization: it stays in memory.
            Err(error) => {
                tracing::error!(%error, %key, "cannot encode an aggregate to park it");
                state.unpark(key, parked);
            }
        }
    }
    // The same aggregate at the same offset is the same state, whoever
    // wrote it first.
    sqlx::query(
        "INSERT INTO projector_parked
             (consumer_group, topic, partition, key, parked_at, format_version, body)
         SELECT $1, $2, $3, key, $4, $5, body FROM UNNEST($6::uuid[], $7::bytea[]) AS t(key, body)
         ON CONFLICT DO NOTHING",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(state.next_offset())
    .bind(FORMAT_VERSION)
    .bind(&parked_keys)
    .bind(&bodies)
    .execute(&mut *conn)
    .await?;
    Ok(parked_keys.len())
}

/// Reads back, as they stood at the state's position, the parked
/// aggregates that `records` (the partition's next ones) name and `state`
/// does not hold. Answers how many came back.
pub async fn bring_back<'r>(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    state: &mut PartitionState,
    records: impl IntoIterator<Item = &'r Record>,
) -> Result<usize, sqlx::Error> {
    if !state.parks() {
        // Nothing was ever let go since this state began: an aggregate not
        // in memory was never touched.
        return Ok(0);
    }
    let keys: BTreeSet<Uuid> = records
        .into_iter()
        .filter(|record| record.offset >= state.next_offset())
        .filter_map(record_key)
        .collect();
    bring_back_keys(conn, group, at, state, keys).await
}

/// Reads back the parked aggregates `keys` that `state` does not hold, as
/// they stood at the state's position.
pub async fn bring_back_keys(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    state: &mut PartitionState,
    keys: impl IntoIterator<Item = Uuid>,
) -> Result<usize, sqlx::Error> {
    let keys: BTreeSet<Uuid> = keys.into_iter().filter(|key| !state.holds(key)).collect();
    let keys: Vec<Uuid> = keys.into_iter().collect();
    if keys.is_empty() {
        return Ok(0);
    }
    // One descent of the primary key per key, newest row first, whatever
    // the table's size or statistics: with `key = ANY($4)` beside the
    // others, a planner trusting statistics from when the table was small
    // filtered every parked row of the partition instead (8-80 ms a batch
    // at 18,000 rows, `EXPLAIN ANALYZE`), a cost that grew with history.
    let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
        "SELECT wanted.key, newest.body FROM UNNEST($4::uuid[]) AS wanted(key)
         CROSS JOIN LATERAL (
             SELECT body FROM projector_parked
             WHERE consumer_group = $1 AND topic = $2 AND partition = $3
               AND key = wanted.key AND parked_at <= $5 AND format_version = $6
             ORDER BY parked_at DESC
             LIMIT 1
         ) AS newest",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(&keys)
    .bind(state.next_offset())
    .bind(FORMAT_VERSION)
    .fetch_all(&mut *conn)
    .await?;
    let found = rows.len();
    for (key, body) in rows {
        // Written by this build's format: unreadable only through a bug or
        // a damaged row. Deciding without it would be deciding wrong, so
        // the batch fails (and is retried) instead.
        let parked: Parked =
            serde_json::from_slice(&body).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        state.unpark(key, parked);
    }
    Ok(found)
}

/// Deletes the rows of `at` no take-over can read: those older than
/// another row of the same aggregate that stands at or before the oldest
/// kept snapshot. A take-over starts from a kept snapshot (or from offset
/// 0, where it needs no row), so the newest row at or before its start and
/// every row after it are all it may look for. One pass over the
/// partition's rows in key order (the primary key's), whatever their
/// number.
pub async fn prune(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
) -> Result<u64, sqlx::Error> {
    let oldest = oldest_kept(conn, group, at).await?;
    let Some(oldest) = oldest else {
        return Ok(0);
    };
    let deleted = sqlx::query(
        // The rows found in one pass, then deleted by their place: a plan
        // the planner cannot turn into a nested loop over the partition's
        // rows squared, whatever it guesses of a table that grew since it
        // was last analyzed (a join form once took minutes at 16,000 rows).
        "DELETE FROM projector_parked WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM (
                 SELECT ctid, row_number() OVER (PARTITION BY key, format_version
                                                 ORDER BY parked_at DESC) AS newer
                 FROM projector_parked
                 WHERE consumer_group = $1 AND topic = $2 AND partition = $3
                   AND parked_at <= $4
             ) AS ranked
             WHERE newer > 1
         ))",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(oldest)
    .execute(&mut *conn)
    .await?;
    Ok(deleted.rows_affected())
}
