//! The record of operator actions: who did what to which room, and when.

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::error::QueueError;
use crate::store::Store;

/// Actions kept; older ones fall off (the logs keep them all).
const KEPT: isize = 1000;

/// One operator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"action": "pause", "room": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "by": "ops-on-call", "at": "2026-12-05T09:58:12Z", "detail": "paused"}))]
pub struct ControlEntry {
    /// `pause`, `resume`, `queue_everyone` or `limits`.
    #[schema(example = "pause")]
    pub action: String,
    /// `global` or a schedule id.
    #[schema(example = "global")]
    pub room: String,
    /// The operator, from `X-Operator` (or `admin` when not given).
    #[schema(example = "alice")]
    pub by: String,
    pub at: DateTime<Utc>,
    /// What the action did, in words (e.g. "12 fans sent back to the head").
    #[schema(example = "admission paused")]
    pub detail: String,
}

pub(crate) async fn record(store: &Store, entry: &ControlEntry) -> Result<(), QueueError> {
    tracing::info!(
        action = %entry.action,
        room = %entry.room,
        by = %entry.by,
        detail = %entry.detail,
        "waiting room operator action"
    );
    let key = &store.keys.controls;
    let json =
        serde_json::to_string(entry).map_err(|error| QueueError::Reply(error.to_string()))?;
    store
        .run(|mut connection| async move {
            redis::pipe()
                .lpush(key, json)
                .ignore()
                .ltrim(key, 0, KEPT - 1)
                .ignore()
                .query_async::<()>(&mut connection)
                .await?;
            Ok(())
        })
        .await
}

/// The latest `count` actions, newest first.
pub(crate) async fn recent(store: &Store, count: usize) -> Result<Vec<ControlEntry>, QueueError> {
    let key = &store.keys.controls;
    let last = isize::try_from(count).unwrap_or(KEPT).min(KEPT) - 1;
    let lines: Vec<String> = store
        .run(|mut connection| async move { Ok(connection.lrange(key, 0, last).await?) })
        .await?;
    // A line that does not parse was not written by this code; skip it.
    Ok(lines
        .iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}
