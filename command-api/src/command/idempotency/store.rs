//! Idempotency keys in Postgres (`idempotency_keys`), so they hold across
//! restarts and instances.

use std::time::Duration;

use infra::decision::CommandType;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::KeyClaim;
use crate::command::record::CommandRecord;

/// How long a key answers with its first final answer.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Keys one purge statement deletes: a few milliseconds of work, far
/// inside the request pool's statement timeout.
const PURGE_SLICE: i64 = 1000;

/// A final answer as stored for replays.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

/// What a key was first used for.
#[derive(Debug, Clone)]
pub struct StoredCommand {
    pub request_hash: Vec<u8>,
    pub record: CommandRecord,
    pub appended: bool,
    pub answer: Option<StoredAnswer>,
}

pub enum Claimed {
    /// The key is ours: append the record.
    Won,
    /// The key was used before (within its lifetime).
    Taken(Box<StoredCommand>),
}

#[derive(Clone)]
pub struct IdempotencyStore {
    pool: PgPool,
}

type Row = (
    Vec<u8>,
    Uuid,
    String,
    String,
    String,
    Vec<u8>,
    Value,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<i16>,
    Option<String>,
    Option<Value>,
);

const LIVE: &str = "created_at > now() - make_interval(secs => $5)";

impl IdempotencyStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Claims the key for `record` unless it is in use: one statement, so of
    /// two requests racing on a key exactly one wins. A key past its
    /// lifetime is claimed afresh.
    pub async fn claim(
        &self,
        claim: &KeyClaim,
        record: &CommandRecord,
    ) -> Result<Claimed, sqlx::Error> {
        // A claim can vanish between the insert and the read (its command
        // was decided with an answer that is not kept); then try again.
        for _ in 0..3 {
            let won: Option<Uuid> = sqlx::query_scalar(
                "INSERT INTO idempotency_keys (scope, method, path, idempotency_key, request_hash, \
                     command_id, command_type, topic, record_key, record, pending_body, location) \
                 VALUES ($1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (scope, method, path, idempotency_key) DO UPDATE SET \
                     request_hash = EXCLUDED.request_hash, command_id = EXCLUDED.command_id, \
                     command_type = EXCLUDED.command_type, topic = EXCLUDED.topic, \
                     record_key = EXCLUDED.record_key, record = EXCLUDED.record, \
                     pending_body = EXCLUDED.pending_body, location = EXCLUDED.location, \
                     claimed_at = now(), appended_at = NULL, response_status = NULL, \
                     response_content_type = NULL, response_body = NULL, created_at = now() \
                 WHERE idempotency_keys.created_at <= now() - make_interval(secs => $5) \
                 RETURNING command_id",
            )
            .bind(&claim.scope)
            .bind(&claim.method)
            .bind(&claim.path)
            .bind(claim.key.as_str())
            .bind(KEY_LIFETIME.as_secs_f64())
            .bind(claim.fingerprint.as_bytes())
            .bind(record.command_id)
            .bind(record.command_type.as_str())
            .bind(&record.topic)
            .bind(&record.key)
            .bind(&record.payload)
            .bind(&record.pending_body)
            .bind(&record.location)
            .fetch_optional(&self.pool)
            .await?;
            if won == Some(record.command_id) {
                return Ok(Claimed::Won);
            }
            if let Some(stored) = self.find(claim).await? {
                return Ok(Claimed::Taken(Box::new(stored)));
            }
        }
        Err(sqlx::Error::Protocol(
            "an idempotency key kept changing hands".into(),
        ))
    }

    /// The live use of the key, if any (whatever the body was).
    pub async fn find(&self, claim: &KeyClaim) -> Result<Option<StoredCommand>, sqlx::Error> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT request_hash, command_id, command_type, topic, record_key, record, \
                 pending_body, location, appended_at, response_status, response_content_type, \
                 response_body \
             FROM idempotency_keys \
             WHERE scope = $1 AND method = $2 AND path = $3 AND idempotency_key = $4 AND {LIVE}"
        ))
        .bind(&claim.scope)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(claim.key.as_str())
        .bind(KEY_LIFETIME.as_secs_f64())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(stored))
    }

    pub async fn mark_appended(
        &self,
        claim: &KeyClaim,
        command_id: Uuid,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET appended_at = now() \
             WHERE scope = $1 AND method = $2 AND path = $3 AND idempotency_key = $4 \
                 AND command_id = $5 AND appended_at IS NULL",
        )
        .bind(&claim.scope)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(claim.key.as_str())
        .bind(command_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes over appending a record whose first append was never
    /// acknowledged (it failed, or its instance died) once `grace` has
    /// passed since the last attempt. At most one caller wins each time.
    pub async fn take_over_append(
        &self,
        claim: &KeyClaim,
        command_id: Uuid,
        grace: Duration,
    ) -> Result<bool, sqlx::Error> {
        let taken = sqlx::query(
            "UPDATE idempotency_keys SET claimed_at = now() \
             WHERE scope = $1 AND method = $2 AND path = $3 AND idempotency_key = $4 \
                 AND command_id = $5 AND appended_at IS NULL \
                 AND claimed_at <= now() - make_interval(secs => $6)",
        )
        .bind(&claim.scope)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(claim.key.as_str())
        .bind(command_id)
        .bind(grace.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Keeps the first final answer; later ones (the same, from a retry
    /// that waited on the same command) change nothing.
    pub async fn keep_answer(
        &self,
        claim: &KeyClaim,
        command_id: Uuid,
        answer: &StoredAnswer,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET response_status = $6, response_content_type = $7, \
                 response_body = $8, appended_at = COALESCE(appended_at, now()) \
             WHERE scope = $1 AND method = $2 AND path = $3 AND idempotency_key = $4 \
                 AND command_id = $5 AND response_status IS NULL",
        )
        .bind(&claim.scope)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(claim.key.as_str())
        .bind(command_id)
        .bind(i16::try_from(answer.status).unwrap_or(i16::MAX))
        .bind(&answer.content_type)
        .bind(&answer.body)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives the key back: its command was decided with an answer that is
    /// not replayed (e.g. 404), so a retry runs afresh.
    pub async fn release(&self, claim: &KeyClaim, command_id: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM idempotency_keys \
             WHERE scope = $1 AND method = $2 AND path = $3 AND idempotency_key = $4 \
                 AND command_id = $5 AND response_status IS NULL",
        )
        .bind(&claim.scope)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(claim.key.as_str())
        .bind(command_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes keys past their lifetime; answers how many.
    pub async fn purge_expired(&self) -> Result<u64, sqlx::Error> {
        // In slices: the pool's statement timeout (DATABASE_STATEMENT_TIMEOUT_MS)
        // would cancel one DELETE of a day's worth of keys, and a short
        // statement holds its row locks only briefly, so a retry claiming an
        // old key is never kept waiting long.
        let mut purged = 0;
        loop {
            let deleted = sqlx::query(
                "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
                     SELECT ctid FROM idempotency_keys
                     WHERE created_at <= now() - make_interval(secs => $1)
                     LIMIT $2))",
            )
            .bind(KEY_LIFETIME.as_secs_f64())
            .bind(PURGE_SLICE)
            .execute(&self.pool)
            .await?
            .rows_affected();
            purged += deleted;
            if deleted < PURGE_SLICE as u64 {
                return Ok(purged);
            }
        }
    }
}

fn stored(row: Row) -> Option<StoredCommand> {
    let (
        request_hash,
        command_id,
        command_type,
        topic,
        key,
        payload,
        pending_body,
        location,
        appended_at,
        status,
        content_type,
        body,
    ) = row;
    let command_type: CommandType = serde_json::from_value(Value::String(command_type)).ok()?;
    let answer = match (status, content_type, body) {
        (Some(status), Some(content_type), Some(body)) => Some(StoredAnswer {
            status: u16::try_from(status).ok()?,
            content_type,
            body,
        }),
        _ => None,
    };
    Some(StoredCommand {
        request_hash,
        record: CommandRecord {
            command_id,
            command_type,
            topic,
            key,
            payload,
            pending_body,
            location,
        },
        appended: appended_at.is_some(),
        answer,
    })
}
