//! Records the projector cannot fold, kept for inspection and replay.

use sqlx::PgConnection;

use super::Record;

pub async fn record(
    conn: &mut PgConnection,
    record: &Record,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projector_dead_letters (topic, partition, record_offset, record_key, payload, reason)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (topic, partition, record_offset) DO NOTHING",
    )
    .bind(&record.topic)
    .bind(record.partition)
    .bind(record.offset)
    .bind(record.key.as_deref())
    .bind(record.payload.as_deref())
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}
