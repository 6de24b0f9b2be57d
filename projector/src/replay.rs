//! `projector replay`: folds the three topics from offset 0 into a fresh
//! schema, with the same deciders and writes as the live pipeline but no
//! follow-ups (they are on the log already) and no announcements, then
//! prints the checksum of what it built. Equal to `projector checksum` of
//! the live tables once the live projector has folded the same records.
//!
//! Reading (one reader per topic), deciding and writing overlap: partitions
//! are independent, so the order chunks of different topics arrive in does
//! not matter, and rows are whole images, so how the log is cut into
//! transactions does not matter either; chunks folded while the writer is
//! busy are merged into one write (`Changes::absorb`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use infra::config::{DatabaseSettings, KafkaSettings};
use infra::kafka::{TopicPartition, Topics};
use infra::postgres::{quote_identifier, DatabaseError};
use sqlx::migrate::MigrateError;
use sqlx::{Executor, PgPool};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::changes::{self, Changes};
use crate::checksum::{self, Checksum};
use crate::folds::{Engine, Produced};
use crate::pipeline::States;
use crate::reader::{whole_topics, LogReader, ReadError, Stretch};
use crate::record::Record;

/// Records per chunk read.
const CHUNK: usize = 5000;
/// Records whose changes are merged, at most, while the writer is busy:
/// bounds what a replay far ahead of its writer holds.
const MOST_MERGED: usize = 100_000;

#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Fold only records appended at or before this time (broker time).
    pub until: Option<DateTime<Utc>>,
    /// The schema to build; `replay_<time>` when not given. Must not exist.
    pub schema: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReplayReport {
    pub schema: String,
    pub records: u64,
    /// Reading, folding and writing, from opening the log to the last commit.
    pub elapsed: Duration,
    pub checksum: Checksum,
}

impl ReplayReport {
    pub fn events_per_second(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("--schema {0:?}: use lower-case letters, digits and _, starting with a letter or _")]
    InvalidSchema(String),
    #[error("--schema {0:?}: the schema exists already; a replay builds a fresh one")]
    SchemaExists(String),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("DATABASE_URL: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("DATABASE_URL: migrating the replay schema failed: {0}")]
    Migrate(#[from] MigrateError),
    #[error("KAFKA_BROKERS: {0}")]
    Read(#[from] ReadError),
    #[error("a replay task stopped: {0}")]
    Task(String),
}

pub fn default_schema_name() -> String {
    format!("replay_{}", Utc::now().format("%Y%m%d_%H%M%S_%3f"))
}

/// Needs only the database and the broker: `projector replay` reads no
/// other setting.
pub async fn run(
    database: &DatabaseSettings,
    kafka: &KafkaSettings,
    options: ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    let schema = options.schema.unwrap_or_else(default_schema_name);
    if !checksum::valid_schema_name(&schema) {
        return Err(ReplayError::InvalidSchema(schema));
    }
    create_schema(database, &schema).await?;
    let pool = checksum::pool_for(database, Some(&schema));
    infra::postgres::MIGRATOR.run(&pool).await?;
    defer_availability_count(&pool).await?;

    let started = Instant::now();
    let topics = Topics::from_settings(kafka);
    let until_ms = options.until.map(|t| t.timestamp_millis());
    let mut chunks = read_all(kafka, &topics, until_ms).await?;
    let (writes, writer) = spawn_writer(pool.clone());
    let engine = Engine::new(&topics).untraced();
    let mut states = States::new();
    let mut records = 0u64;
    // What the writer has not taken yet: while it is busy, the chunks
    // folded meanwhile are merged, so a row rewritten by many records (a
    // seat held then sold, a wallet charged then debited) is written once.
    let mut unwritten: Option<Changes> = None;
    let mut merged = 0usize;
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk?;
        let chunk_len = chunk.len();
        let mut produced = Produced::without_follow_ups();
        for record in &chunk {
            engine.fold(
                states.entry(record.at()).or_default(),
                record,
                &mut produced,
            );
            records += 1;
        }
        let changes = match unwritten.take() {
            Some(mut earlier) => {
                earlier.absorb(produced.changes);
                earlier
            }
            None => produced.changes,
        };
        merged += chunk_len;
        if merged >= MOST_MERGED {
            // Far ahead of the writer: wait for it rather than hold more.
            if writes.send(changes).await.is_err() {
                break;
            }
            merged = 0;
            continue;
        }
        match writes.try_send(changes) {
            Ok(()) => merged = 0,
            Err(mpsc::error::TrySendError::Full(changes)) => unwritten = Some(changes),
            Err(mpsc::error::TrySendError::Closed(_)) => break,
        }
    }
    if let Some(changes) = unwritten {
        // Closed: the writer stopped on an error, which it answers below.
        let _ = writes.send(changes).await;
    }
    drop(writes);
    writer
        .await
        .map_err(|e| ReplayError::Task(e.to_string()))??;
    count_availability(&pool).await?;
    let elapsed = started.elapsed();
    let checksum = checksum::compute(&pool).await?;
    pool.close().await;
    Ok(ReplayReport {
        schema,
        records,
        elapsed,
        checksum,
    })
}

type Chunk = Result<Vec<Record>, ReadError>;

/// One reader per topic, each sending its chunks as they come.
async fn read_all(
    kafka: &KafkaSettings,
    topics: &Topics,
    until_ms: Option<i64>,
) -> Result<mpsc::Receiver<Chunk>, ReplayError> {
    let (sender, receiver) = mpsc::channel(4);
    let client_id = format!("{}projector-replay", kafka.topic_prefix);
    for stretches in whole_topics(kafka, &topics.all()).await? {
        let (kafka, client_id, sender) = (kafka.clone(), client_id.clone(), sender.clone());
        tokio::spawn(async move {
            if let Err(error) = read_topic(&kafka, &client_id, &stretches, until_ms, &sender).await
            {
                let _ = sender.send(Err(error)).await;
            }
        });
    }
    Ok(receiver)
}

async fn read_topic(
    kafka: &KafkaSettings,
    client_id: &str,
    stretches: &[Stretch],
    until_ms: Option<i64>,
    sender: &mpsc::Sender<Chunk>,
) -> Result<(), ReadError> {
    let mut reader = LogReader::open(kafka, client_id, stretches)?;
    let mut cut: HashSet<TopicPartition> = HashSet::new();
    loop {
        let mut chunk = reader.next_chunk(CHUNK).await?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(until) = until_ms {
            chunk.retain(|record| {
                let at = record.at();
                if record.timestamp_ms.is_some_and(|t| t > until) {
                    // The log as it stood then: nothing after this record either.
                    cut.insert(at.clone());
                }
                !cut.contains(&at)
            });
            for at in &cut {
                reader.finish(at);
            }
        }
        if sender.send(Ok(chunk)).await.is_err() {
            return Ok(());
        }
    }
}

/// Writes each chunk's changes in a transaction of its own, while the next
/// chunk is folded. Commits do not wait for the disk: a replay that a crash
/// cuts short is run again into a fresh schema, never resumed.
fn spawn_writer(pool: PgPool) -> (mpsc::Sender<Changes>, JoinHandle<Result<(), sqlx::Error>>) {
    let (sender, mut receiver) = mpsc::channel::<Changes>(1);
    let writer = tokio::spawn(async move {
        while let Some(changes) = receiver.recv().await {
            let mut tx = pool.begin().await?;
            tx.execute("SET LOCAL synchronous_commit = off").await?;
            changes::flush(&mut tx, &changes).await?;
            tx.commit().await?;
        }
        Ok(())
    });
    (sender, writer)
}

/// The live tables keep `schedule_availability` by triggers on every seat
/// statement; a replay, which writes every seat many times over, counts
/// once at the end instead (`count_availability`), as the table's
/// migration fills it: the same counts, for a fraction of the work.
async fn defer_availability_count(pool: &PgPool) -> Result<(), sqlx::Error> {
    pool.execute("ALTER TABLE schedule_seats DISABLE TRIGGER USER")
        .await?;
    Ok(())
}

async fn count_availability(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    tx.execute(
        "DELETE FROM schedule_availability;
         INSERT INTO schedule_availability (schedule_id, available)
         SELECT schedule_id, count(*) FILTER (WHERE status = 'AVAILABLE')
         FROM schedule_seats GROUP BY schedule_id;
         ALTER TABLE schedule_seats ENABLE TRIGGER USER;",
    )
    .await?;
    tx.commit().await
}

async fn create_schema(database: &DatabaseSettings, schema: &str) -> Result<(), ReplayError> {
    let admin = infra::postgres::connect(database).await?;
    let created = admin
        .execute(format!("CREATE SCHEMA {}", quote_identifier(schema)).as_str())
        .await;
    admin.close().await;
    match created {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P06") => {
            Err(ReplayError::SchemaExists(schema.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}
