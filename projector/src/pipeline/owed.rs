//! What committed batches still owe the read model, kept beside their
//! effects in Postgres: a batch records the entries it changed in its own
//! transaction, and the row goes once those entries are readable. A
//! projector that dies in between (after its commit, before its Redis
//! writes) leaves the row behind, and whoever takes one of its partitions
//! next drops the entries it names, so no reader is served the state from
//! before a decision the tables already hold.

use infra::kafka::TopicPartition;
use read_model::Changed;
use sqlx::{PgConnection, PgPool};

/// A batch's debt: its row, and the entries it names.
#[derive(Debug)]
pub struct Owed {
    pub id: i64,
    pub changed: Changed,
}

fn label(at: &TopicPartition) -> String {
    format!("{}/{}", at.topic, at.partition)
}

/// Records, in the batch's transaction, that `changed` is owed.
pub async fn record<'p>(
    conn: &mut PgConnection,
    group: &str,
    partitions: impl IntoIterator<Item = &'p TopicPartition>,
    changed: &Changed,
) -> Result<i64, sqlx::Error> {
    let partitions: Vec<String> = partitions.into_iter().map(label).collect();
    sqlx::query_scalar(
        "INSERT INTO projector_owed_entries (consumer_group, partitions, changed)
         VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(group)
    .bind(partitions)
    .bind(sqlx::types::Json(changed))
    .fetch_one(conn)
    .await
}

/// The debts that name any of `partitions`, oldest first.
pub async fn naming(
    pool: &PgPool,
    group: &str,
    partitions: &[TopicPartition],
) -> Result<Vec<Owed>, sqlx::Error> {
    let partitions: Vec<String> = partitions.iter().map(label).collect();
    let rows: Vec<(i64, sqlx::types::Json<Changed>)> = sqlx::query_as(
        "SELECT id, changed FROM projector_owed_entries
         WHERE consumer_group = $1 AND partitions && $2 ORDER BY id",
    )
    .bind(group)
    .bind(partitions)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, changed)| Owed {
            id,
            changed: changed.0,
        })
        .collect())
}

/// Forgets debts whose entries are readable now.
pub async fn settle(pool: &PgPool, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM projector_owed_entries WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}
