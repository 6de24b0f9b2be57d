//! Snapshot rows in Postgres (`projector_snapshots`), beside the offsets.

use infra::kafka::TopicPartition;
use sqlx::PgConnection;

use super::codec::Encoded;

/// Snapshots kept per partition: the newest, and older ones to fall back on
/// when the newest cannot be read (written by a newer build, say, before a
/// roll-back).
pub const KEPT: i64 = 3;

/// A stored snapshot, not yet checked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredSnapshot {
    pub next_offset: i64,
    pub format_version: i32,
    pub digest: Vec<u8>,
    pub body: Vec<u8>,
}

/// Stores the partition's state as it stands before `next_offset`, inside
/// the caller's transaction (the one storing that offset), and drops the
/// snapshots older than the newest [`KEPT`].
pub async fn save(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    next_offset: i64,
    snapshot: &Encoded,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projector_snapshots
             (consumer_group, topic, partition, next_offset, format_version, digest, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (consumer_group, topic, partition, next_offset)
         DO UPDATE SET format_version = EXCLUDED.format_version, digest = EXCLUDED.digest,
                       body = EXCLUDED.body, taken_at = now()",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(next_offset)
    .bind(snapshot.format_version)
    .bind(&snapshot.digest)
    .bind(&snapshot.body)
    .execute(&mut *conn)
    .await?;
    if let Some(oldest) = oldest_kept(conn, group, at).await? {
        sqlx::query(
            "DELETE FROM projector_snapshots
             WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset < $4",
        )
        .bind(group)
        .bind(&at.topic)
        .bind(at.partition)
        .bind(oldest)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The offset of the oldest snapshot of the partition still kept (the
/// oldest a take-over may start from), if it has any.
pub async fn oldest_kept(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT min(next_offset) FROM (
             SELECT next_offset FROM projector_snapshots
             WHERE consumer_group = $1 AND topic = $2 AND partition = $3
             ORDER BY next_offset DESC LIMIT $4
         ) AS kept",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(KEPT)
    .fetch_one(&mut *conn)
    .await
}

/// The newest snapshot of the partition standing for an offset in
/// `(above, at_most]`.
pub async fn newest_between(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    above: i64,
    at_most: i64,
) -> Result<Option<StoredSnapshot>, sqlx::Error> {
    sqlx::query_as(
        "SELECT next_offset, format_version, digest, body FROM projector_snapshots
         WHERE consumer_group = $1 AND topic = $2 AND partition = $3
           AND next_offset > $4 AND next_offset <= $5
         ORDER BY next_offset DESC LIMIT 1",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(above)
    .bind(at_most)
    .fetch_optional(&mut *conn)
    .await
}
