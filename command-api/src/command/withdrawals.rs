//! Withdrawals this instance owes the log. A request whose append was sent
//! but never confirmed may be in the log, or land there later; it is
//! answered `202` (never `503`, which promises it never applies), and its
//! withdrawal is appended after it until the broker acknowledges one. Of
//! the two, the one its partition holds first decides (see
//! `schemas::v1::withdrawals`), so the command's `Location` always reaches
//! a final outcome: its decision, or `UNAVAILABLE`.
//!
//! The debt is written to `owed_withdrawals` before the `202`, so if this
//! process dies before paying it, any instance's sweep pays it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use infra::kafka::Appender;
use schemas::Envelope;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::deadlines::by;
use super::record::CommandRecord;

/// How long the owing instance has a debt to itself before the sweep of
/// any instance takes it up.
const OWNER_FIRST: Duration = Duration::from_secs(30);
/// How often the table is swept for debts nobody is paying.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// Retries of one withdrawal: from this, doubling up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Debts one sweep takes up at most.
const SWEEP_BATCH: i64 = 100;

/// A withdrawal to append: where, and its bytes.
#[derive(Debug, Clone)]
struct Owed {
    command_id: Uuid,
    topic: String,
    key: String,
    payload: Vec<u8>,
}

/// When a withdrawal may be appended.
#[derive(Debug, Clone, Copy)]
pub enum Start {
    /// At once: the request's own append is over, unconfirmed.
    Now,
    /// Not before this long: another attempt at the request's append may
    /// still be under way, and must end (confirmed, or unconfirmed and
    /// withdrawn by its owner) before a withdrawal can only settle it.
    After(Duration),
}

#[derive(Debug, Clone, Copy)]
enum Attempts {
    Once,
    UntilPaid,
}

#[derive(Clone)]
pub struct Withdrawals {
    pool: PgPool,
    appender: Appender,
}

/// The sweep, stopped with the application.
pub struct SweepHandle(JoinHandle<()>);

impl SweepHandle {
    pub fn stop(self) {
        self.0.abort();
    }
}

impl Withdrawals {
    pub fn new(pool: PgPool, appender: Appender) -> Self {
        Self { pool, appender }
    }

    /// Sweeps `owed_withdrawals` for debts whose owner stopped paying
    /// them (it died, or gave up) every few seconds.
    pub fn sweep(&self) -> SweepHandle {
        let withdrawals = self.clone();
        SweepHandle(tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match withdrawals.take_due().await {
                    // One attempt each: one not acknowledged now is taken
                    // up again when its lease runs out.
                    Ok(due) => {
                        for owed in due {
                            withdrawals.pay(owed, Attempts::Once).await;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the withdrawals owed")
                    }
                }
            }
        }))
    }

    /// Owes the withdrawal of `record`, stamped `at`: written down by
    /// `closing` (if Postgres answers by then) and paid from `start` on,
    /// in the background.
    pub async fn owe(
        &self,
        record: &CommandRecord,
        at: DateTime<Utc>,
        closing: Instant,
        start: Start,
    ) {
        let owed = match withdrawal_of(record, at) {
            Ok(owed) => owed,
            Err(error) => {
                // Our own record, built a moment ago: it always opens.
                tracing::error!(%error, command_id = %record.command_id, "cannot build a withdrawal");
                return;
            }
        };
        let turn = match start {
            Start::Now => OWNER_FIRST,
            Start::After(wait) => wait,
        };
        let written = match by(closing, self.write_down(&owed, turn)).await {
            Some(Ok(())) => true,
            Some(Err(error)) => {
                tracing::warn!(%error, command_id = %owed.command_id, "cannot write a withdrawal down; only this process pays it");
                false
            }
            None => {
                tracing::warn!(command_id = %owed.command_id, "no withdrawal written down within the closing window; only this process pays it");
                false
            }
        };
        let withdrawals = self.clone();
        match start {
            Start::Now => {
                tokio::spawn(async move { withdrawals.pay(owed, Attempts::UntilPaid).await });
            }
            // Written down: a sweep pays it when its turn comes.
            Start::After(_) if written => {}
            Start::After(wait) => {
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    withdrawals.pay(owed, Attempts::UntilPaid).await
                });
            }
        }
    }

    async fn write_down(&self, owed: &Owed, turn: Duration) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO owed_withdrawals (command_id, topic, record_key, payload, attempt_after) \
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) \
             ON CONFLICT (command_id) DO NOTHING",
        )
        .bind(owed.command_id)
        .bind(&owed.topic)
        .bind(&owed.key)
        .bind(&owed.payload)
        .bind(turn.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends `owed` (until the broker acknowledges it, or once), then
    /// strikes the debt off. Every attempt appends the same bytes: a
    /// withdrawal that lands twice is dropped the second time as seen.
    async fn pay(&self, owed: Owed, attempts: Attempts) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self
                .appender
                .append(&owed.topic, &owed.key, &owed.payload, &[])
                .await
            {
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, command_id = %owed.command_id, "a withdrawal is not appended yet");
                    match attempts {
                        Attempts::Once => return,
                        Attempts::UntilPaid => {
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                        }
                    }
                }
            }
        }
        tracing::info!(command_id = %owed.command_id, "withdrawal appended");
        let mut backoff = FIRST_BACKOFF;
        loop {
            match sqlx::query("DELETE FROM owed_withdrawals WHERE command_id = $1")
                .bind(owed.command_id)
                .execute(&self.pool)
                .await
            {
                Ok(_) => return,
                // Harmless if it stays: a sweep appends it once more.
                Err(error) if backoff >= MAX_BACKOFF => {
                    tracing::warn!(%error, command_id = %owed.command_id, "cannot strike a paid withdrawal off");
                    return;
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Debts past their owner's turn, leased to this instance for a while.
    async fn take_due(&self) -> Result<Vec<Owed>, sqlx::Error> {
        let rows: Vec<(Uuid, String, String, Vec<u8>)> = sqlx::query_as(
            "UPDATE owed_withdrawals SET attempt_after = now() + make_interval(secs => $1) \
             WHERE command_id IN (SELECT command_id FROM owed_withdrawals \
                                  WHERE attempt_after <= now() \
                                  ORDER BY attempt_after LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING command_id, topic, record_key, payload",
        )
        .bind(OWNER_FIRST.as_secs_f64())
        .bind(SWEEP_BATCH)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(command_id, topic, key, payload)| Owed {
                command_id,
                topic,
                key,
                payload,
            })
            .collect())
    }
}

fn withdrawal_of(record: &CommandRecord, at: DateTime<Utc>) -> Result<Owed, schemas::SchemaError> {
    let request = Envelope::from_bytes(&record.payload)?;
    let withdrawal = schemas::withdrawal(&request, at)?;
    Ok(Owed {
        command_id: record.command_id,
        topic: record.topic.clone(),
        key: record.key.clone(),
        payload: withdrawal.to_bytes(),
    })
}
