//! `projector replay`: folds the three topics from offset 0 into a fresh
//! schema, with the same deciders and rows as the live pipeline (the
//! insert-only ones copied rather than inserted) but no follow-ups (they
//! are on the log already) and no announcements, then prints the checksum
//! of what it built. Equal to `projector checksum` of the live tables
//! once the live projector has folded the same records.
//!
//! Reading (one reader per topic), deciding and writing overlap: partitions
//! are independent, so the order chunks of different topics arrive in does
//! not matter, and rows are whole images, so how the log is cut into
//! transactions does not matter either; chunks folded while a writer is
//! busy are merged into one write (`Changes::absorb`). Each chunk's changes
//! are split by key between writers of their own (`Changes::split`), so a
//! row's images are written in order by one of them.

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

use crate::changes::{self, Changes, Inserts, Written};
use crate::checksum::{self, Checksum};
use crate::folds::{Engine, Produced};
use crate::pipeline::States;
use crate::reader::{whole_topics, LogReader, ReadError, Stretch};
use crate::record::Record;

/// Records per chunk read, at most. Each chunk is folded, split and offered
/// to the writers as one: on a 1,083,098-record log, 20,000 replayed at
/// 70-89k events/s against 60-69k with 5,000 (alternated four times each,
/// README); 50,000 was slower again (the writers start later).
const CHUNK: usize = 20_000;
/// Records whose changes are merged, at most, while a writer is busy:
/// bounds what a replay far ahead of its writers holds.
const MOST_MERGED: usize = 100_000;
/// Transactions written at once, each on rows of its own keys
/// (`Changes::split`): one Postgres backend alone left a third of this
/// machine's two cores idle during a replay.
pub const WRITERS: usize = 2;

#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Fold only records appended at or before this time (broker time).
    pub until: Option<DateTime<Utc>>,
    /// The schema to build; `replay_<time>` when not given. Must not exist.
    pub schema: Option<String>,
    /// Transactions written at once; [`WRITERS`] when not given.
    pub writers: Option<usize>,
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
    let parts = options.writers.unwrap_or(WRITERS).max(1);
    create_schema(database, &schema).await?;
    // A connection per writer, and one for the migration and the checksum.
    let pool = checksum::pool_of(database, Some(&schema), parts as u32 + 1);
    infra::postgres::MIGRATOR.run(&pool).await?;
    defer_availability_count(&pool).await?;

    let started = Instant::now();
    let topics = Topics::from_settings(kafka);
    let until_ms = options.until.map(|t| t.timestamp_millis());
    let mut chunks = read_all(kafka, &topics, until_ms).await?;
    let mut writers: Vec<Writer> = (0..parts).map(|_| Writer::spawn(pool.clone())).collect();
    let engine = Engine::new(&topics).untraced();
    let mut states = States::new();
    let mut records = 0u64;
    'chunks: while let Some(chunk) = chunks.recv().await {
        let chunk = chunk?;
        let mut produced = Produced::without_follow_ups();
        for record in &chunk {
            engine.fold(
                states.entry(record.at()).or_default(),
                record,
                &mut produced,
            );
            records += 1;
        }
        for (writer, part) in writers.iter_mut().zip(produced.changes.split(parts)) {
            if !writer.offer(part, chunk.len()).await {
                // The writer stopped on an error, which `finish` answers.
                break 'chunks;
            }
        }
    }
    for writer in writers {
        writer.finish().await?;
    }
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

/// One of the replay's writers: it writes its part of each chunk's changes
/// in a transaction of its own, while the next chunk is folded. Commits do
/// not wait for the disk: a replay that a crash cuts short is run again
/// into a fresh schema, never resumed. The schema is its writers' alone,
/// so insert-only rows are copied (`Inserts::CopyFirst`: 97-103k events/s
/// against 87-89k on a 1,083,108-record log, alternated three times), and
/// so are the other rows of keys this writer never wrote (`Written`:
/// 110-113k against 97-109k, alternated three times; README).
struct Writer {
    writes: mpsc::Sender<Changes>,
    task: JoinHandle<Result<(), sqlx::Error>>,
    /// What the writer has not taken yet: while it is busy, the chunks
    /// folded meanwhile are merged, so a row rewritten by many records (a
    /// seat held then sold, a wallet charged then debited) is written once.
    unwritten: Option<Changes>,
    /// Records folded into `unwritten`.
    merged: usize,
}

impl Writer {
    fn spawn(pool: PgPool) -> Writer {
        let (writes, mut receiver) = mpsc::channel::<Changes>(1);
        let task = tokio::spawn(async move {
            let mut written = Written::default();
            while let Some(mut changes) = receiver.recv().await {
                let mut tx = pool.begin().await?;
                tx.execute("SET LOCAL synchronous_commit = off").await?;
                let new = changes.take_new(&mut written);
                changes::flush_with(&mut tx, &changes, Inserts::CopyFirst).await?;
                changes::flush_new(&mut tx, &new).await?;
                tx.commit().await?;
            }
            Ok(())
        });
        Writer {
            writes,
            task,
            unwritten: None,
            merged: 0,
        }
    }

    /// Hands over the changes of `records` more records, or merges them
    /// while the writer is busy. False once the writer has stopped.
    async fn offer(&mut self, changes: Changes, records: usize) -> bool {
        let changes = match self.unwritten.take() {
            Some(mut earlier) => {
                earlier.absorb(changes);
                earlier
            }
            None => changes,
        };
        self.merged += records;
        if self.merged >= MOST_MERGED {
            // Far ahead of the writer: wait for it rather than hold more.
            self.merged = 0;
            return self.writes.send(changes).await.is_ok();
        }
        match self.writes.try_send(changes) {
            Ok(()) => self.merged = 0,
            Err(mpsc::error::TrySendError::Full(changes)) => self.unwritten = Some(changes),
            Err(mpsc::error::TrySendError::Closed(_)) => return false,
        }
        true
    }

    /// Writes what is left and waits for the last commit.
    async fn finish(self) -> Result<(), ReplayError> {
        if let Some(changes) = self.unwritten {
            // Closed: the writer stopped on an error, which it answers below.
            let _ = self.writes.send(changes).await;
        }
        drop(self.writes);
        self.task
            .await
            .map_err(|e| ReplayError::Task(e.to_string()))??;
        Ok(())
    }
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
