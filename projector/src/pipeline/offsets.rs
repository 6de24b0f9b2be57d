//! Where each partition resumes, stored in Postgres next to the effects.

use infra::kafka::TopicPartition;
use sqlx::{PgConnection, PgPool};

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

pub async fn store(
    conn: &mut PgConnection,
    group: &str,
    at: &TopicPartition,
    next: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE projector_offsets SET next_offset = $4, updated_at = now()
         WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
    )
    .bind(group)
    .bind(&at.topic)
    .bind(at.partition)
    .bind(next)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
