//! Folding one batch of records in one Postgres transaction: their effects,
//! their dead letters and the partitions' next offsets commit together, so
//! a crash at any point neither loses nor repeats an effect.

use std::collections::BTreeMap;

use infra::kafka::TopicPartition;
use sqlx::{Connection, PgConnection, PgPool};

use super::{dead_letters, offsets, Record};
use crate::folds::{Folds, Outcome};

/// What a committed batch did, for metrics and the resume positions.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// `(topic, event_type)` per folded or ignored record.
    pub folded: Vec<(String, String)>,
    /// Topic per record sent to dead letters.
    pub dead_lettered: Vec<String>,
    /// Topic per record whose effects were already committed.
    pub skipped: Vec<String>,
    /// The next offset per partition touched.
    pub positions: Vec<(TopicPartition, i64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Postgres is unreachable or failed; retry the same batch later.
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
    /// A fold broke a constraint or fed bad data; the whole transaction is
    /// void. Retried one record at a time, that record goes to dead letters.
    #[error("folding {topic}/{partition}@{offset} failed: {source}")]
    Record {
        topic: String,
        partition: i32,
        offset: i64,
        source: sqlx::Error,
    },
}

/// Folds `records` (in log order per partition) and commits. With
/// `isolate`, each record runs in its own savepoint so one bad record is
/// dead-lettered instead of failing the batch; without, a bad record fails
/// the batch fast and cheaply, and the caller retries with `isolate`.
pub async fn apply(
    pool: &PgPool,
    group: &str,
    folds: &Folds,
    records: &[Record],
    isolate: bool,
) -> Result<BatchOutcome, BatchError> {
    let mut by_partition: BTreeMap<TopicPartition, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_partition.entry(record.at()).or_default().push(record);
    }
    let mut outcome = BatchOutcome::default();
    let mut tx = pool.begin().await?;
    for (at, records) in by_partition {
        let stored = offsets::lock(&mut tx, group, &at).await?;
        let mut next = stored;
        for record in records {
            if record.offset < stored {
                outcome.skipped.push(record.topic.clone());
                continue;
            }
            let result = if isolate {
                fold_in_savepoint(&mut tx, folds, record).await?
            } else {
                fold(&mut tx, folds, record).await?
            };
            match result {
                Outcome::Folded { event_type } | Outcome::Ignored { event_type } => {
                    outcome.folded.push((record.topic.clone(), event_type))
                }
                Outcome::Undecodable { reason } => {
                    dead_letter(&mut tx, record, &reason).await?;
                    outcome.dead_lettered.push(record.topic.clone());
                }
            }
            next = next.max(record.offset + 1);
        }
        if next != stored {
            offsets::store(&mut tx, group, &at, next).await?;
        }
        outcome.positions.push((at, next));
    }
    tx.commit().await?;
    Ok(outcome)
}

async fn fold(
    conn: &mut PgConnection,
    folds: &Folds,
    record: &Record,
) -> Result<Outcome, BatchError> {
    folds
        .apply(conn, record)
        .await
        .map_err(|source| classify(record, source))
}

async fn fold_in_savepoint(
    conn: &mut PgConnection,
    folds: &Folds,
    record: &Record,
) -> Result<Outcome, BatchError> {
    let mut savepoint = conn.begin().await?;
    match folds
        .apply(&mut savepoint, record)
        .await
        .map_err(|source| classify(record, source))
    {
        Ok(outcome) => {
            savepoint.commit().await?;
            Ok(outcome)
        }
        Err(BatchError::Record { source, .. }) => {
            savepoint.rollback().await?;
            Ok(Outcome::Undecodable {
                reason: format!("fold failed: {source}"),
            })
        }
        Err(other) => Err(other),
    }
}

async fn dead_letter(
    conn: &mut PgConnection,
    record: &Record,
    reason: &str,
) -> Result<(), BatchError> {
    tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, %reason, "record sent to dead letters");
    dead_letters::record(conn, record, reason).await?;
    Ok(())
}

/// Data and constraint errors (SQLSTATE classes 22 and 23) are the record's
/// fault and will fail again on retry; anything else is Postgres's.
fn classify(record: &Record, source: sqlx::Error) -> BatchError {
    let record_fault = match &source {
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        _ => false,
    };
    if record_fault {
        BatchError::Record {
            topic: record.topic.clone(),
            partition: record.partition,
            offset: record.offset,
            source,
        }
    } else {
        BatchError::Database(source)
    }
}
