//! Where each partition resumes, stored in Postgres next to the effects.

use infra::kafka::TopicPartition;
use sqlx::{PgConnection, PgPool};

use crate::changes::RoundTrip;

/// Every stored position of `group`, to seed the consumer at start-up.
pub async fn load(pool: &PgPool, group: &str) -> Result<Vec<(TopicPartition, i64)>, sqlx::Error> {
    let rows: Vec<(String, i32, i64)> = sqlx::query_as(
        "SELECT topic, partition, next_offset FROM projector_offsets WHERE consumer_group = $1",
    )
    .bind(group)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(topic, partition, next)| (TopicPartition::new(topic, partition), next))
        .collect())
}

/// The partition's stored position, locked until the transaction ends, so
/// two members briefly owning one partition (during a rebalance) apply each
/// record once: the second waits, then sees the first's position. One round
/// trip: the no-op update takes the row lock and returns the latest value.
pub async fn lock(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO projector_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
         ON CONFLICT (consumer_group, topic, partition)
         DO UPDATE SET next_offset = projector_offsets.next_offset
         RETURNING next_offset",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .fetch_one(&mut *conn)
    .await
}

/// Stores the partitions' next offsets with the rest of the batch's
/// writes (their rows are locked since the batch began, see `lock`).
pub fn store(trip: &mut RoundTrip, group: &str, next: &[(TopicPartition, i64)]) {
    if next.is_empty() {
        return;
    }
    let topics: Vec<&str> = next.iter().map(|(at, _)| at.topic.as_str()).collect();
    let partitions: Vec<i32> = next.iter().map(|(at, _)| at.partition).collect();
    let offsets: Vec<i64> = next.iter().map(|(_, next)| *next).collect();
    trip.add(
        "UPDATE projector_offsets o SET next_offset = u.next_offset, updated_at = now()
         FROM UNNEST($2::text[], $3::int[], $4::bigint[]) AS u (topic, partition, next_offset)
         WHERE o.consumer_group = $1 AND o.topic = u.topic AND o.partition = u.partition",
        |b| b.bind(group).bind(topics).bind(partitions).bind(offsets),
    );
}
