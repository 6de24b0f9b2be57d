//! Rebuilding partition state from the log: the records before the stored
//! offset (after the snapshot the state started from, if any) are folded
//! again, decide-only (their effects are committed and
//! their follow-ups are on the log already), so the state is exactly what
//! it was when those records were first folded, on whichever instance.

use std::collections::BTreeMap;

use infra::config::KafkaSettings;
use infra::kafka::TopicPartition;
use sqlx::PgConnection;

use super::States;
use crate::folds::{Engine, Produced};
use crate::parking;
use crate::reader::{LogReader, ReadError, Stretch};
use crate::record::Record;

/// Records folded between throwing away what they produced.
const SCRATCH_RECORDS: u64 = 4096;
/// Records read before they are folded, so the parked aggregates they
/// touch are read back in one query per partition.
const CHUNK_RECORDS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    #[error("{0}")]
    Read(#[from] ReadError),
    /// Reading parked aggregates back failed.
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
}

#[derive(Clone)]
pub struct CatchUp {
    kafka: KafkaSettings,
    client_id: String,
}

impl CatchUp {
    pub fn new(kafka: &KafkaSettings, group: &str) -> Self {
        Self {
            kafka: kafka.clone(),
            client_id: format!("{group}-rebuild"),
        }
    }

    /// Brings each partition's state from its own next offset up to `to`,
    /// reading back through `conn` the parked aggregates of `group` the
    /// records touch. Answers how many records were folded again.
    pub async fn run(
        &self,
        conn: &mut PgConnection,
        group: &str,
        engine: &Engine,
        states: &mut States,
        stretches: &[(TopicPartition, i64, i64)],
    ) -> Result<u64, CatchUpError> {
        tracing::info!(?stretches, "rebuilding partition state from the log");
        let wanted: Vec<Stretch> = stretches
            .iter()
            .map(|(at, from, to)| Stretch {
                at: at.clone(),
                from: *from,
                to: Some(*to),
            })
            .collect();
        let engine = engine.untraced();
        let mut reader = LogReader::open(&self.kafka, &self.client_id, &wanted)?;
        let mut scratch = Produced::without_follow_ups();
        let mut folded = 0;
        let mut chunk = Vec::with_capacity(CHUNK_RECORDS);
        loop {
            chunk.clear();
            while chunk.len() < CHUNK_RECORDS {
                match reader.next().await? {
                    Some(record) => chunk.push(record),
                    None => break,
                }
            }
            if chunk.is_empty() {
                break;
            }
            let mut by_partition: BTreeMap<TopicPartition, Vec<&Record>> = BTreeMap::new();
            for record in &chunk {
                by_partition.entry(record.at()).or_default().push(record);
            }
            for (at, records) in by_partition {
                if let Some(state) = states.get_mut(&at) {
                    parking::bring_back(conn, group, &at, state, records).await?;
                }
            }
            for record in &chunk {
                let Some(state) = states.get_mut(&record.at()) else {
                    continue;
                };
                if record.offset < state.next_offset() {
                    continue;
                }
                engine.fold(state, record, &mut scratch);
                folded += 1;
                if folded % SCRATCH_RECORDS == 0 {
                    scratch = Produced::without_follow_ups();
                }
            }
        }
        for (at, _, to) in stretches {
            let reached = states.get(at).map_or(0, |s| s.next_offset());
            if reached != *to {
                return Err(CatchUpError::Read(ReadError::Short {
                    topic: at.topic.clone(),
                    partition: at.partition,
                    reached,
                    wanted: *to,
                }));
            }
        }
        Ok(folded)
    }

    /// The records of `at` in `[from, to)`, as the log holds them: those a
    /// live batch lacks before its first record of the partition (a
    /// consumer started inside a producer's batch on tansu is handed the
    /// batches after it; see `crate::reader`).
    pub async fn read(
        &self,
        at: &TopicPartition,
        from: i64,
        to: i64,
    ) -> Result<Vec<Record>, ReadError> {
        let stretch = Stretch {
            at: at.clone(),
            from,
            to: Some(to),
        };
        let mut reader = LogReader::open(&self.kafka, &self.client_id, &[stretch])?;
        let mut records = Vec::new();
        while let Some(record) = reader.next().await? {
            records.push(record);
        }
        Ok(records)
    }
}
