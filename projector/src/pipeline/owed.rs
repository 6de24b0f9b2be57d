//! What committed batches still owe Redis, kept beside their effects in
//! Postgres: a batch records the read-model entries it changed and the
//! payers whose queue places end in its own transaction, and the row goes
//! once those entries are readable and those places ended. A projector that
//! dies in between (after its commit, before its Redis writes) leaves the
//! row behind, and whoever takes one of its partitions next drops the
//! entries it names and ends the places, so no reader is served the state
//! from before a decision the tables already hold, and no payer keeps a
//! working token.

use infra::kafka::TopicPartition;
use read_model::Changed;
use sqlx::types::Json;
use sqlx::PgPool;

use uuid::Uuid;

use crate::changes::RoundTrip;
use crate::folds::Payer;

/// A batch's debt: its row, the entries it names, the places to end.
#[derive(Debug)]
pub struct Owed {
    pub id: i64,
    pub changed: Changed,
    pub payers: Vec<Payer>,
}

fn label(at: &TopicPartition) -> String {
    format!("{}/{}", at.topic, at.partition)
}

/// What a batch owes, as it records it.
pub struct Debt<'a> {
    pub changed: &'a Changed,
    pub payers: &'a [Payer],
    /// The commands whose outcomes wait on it.
    pub commands: Vec<Uuid>,
}

/// Records, with the batch's other writes, what it owes: the trip
/// answers the row's id.
pub fn record<'p>(
    trip: &mut RoundTrip,
    group: &str,
    partitions: impl IntoIterator<Item = &'p TopicPartition>,
    debt: Debt<'_>,
) {
    let partitions: Vec<String> = partitions.into_iter().map(label).collect();
    trip.add_returning(
        "INSERT INTO projector_owed_entries (consumer_group, partitions, changed, payers, commands)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        |b| {
            b.bind(group)
                .bind(partitions)
                .bind(Json(debt.changed))
                .bind(Json(debt.payers))
                .bind(debt.commands)
        },
    );
}

/// The debts that name any of `partitions`, oldest first.
pub async fn naming(
    pool: &PgPool,
    group: &str,
    partitions: &[TopicPartition],
) -> Result<Vec<Owed>, sqlx::Error> {
    let partitions: Vec<String> = partitions.iter().map(label).collect();
    let rows: Vec<(i64, Json<Changed>, Json<Vec<Payer>>)> = sqlx::query_as(
        "SELECT id, changed, payers FROM projector_owed_entries
         WHERE consumer_group = $1 AND partitions && $2 ORDER BY id",
    )
    .bind(group)
    .bind(partitions)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, changed, payers)| Owed {
            id,
            changed: changed.0,
            payers: payers.0,
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
