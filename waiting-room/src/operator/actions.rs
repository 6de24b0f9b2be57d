//! What an operator can do to a room.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::journal::{record, ControlEntry};
use crate::error::QueueError;
use crate::room::Room;
use crate::scripts::REQUEUE;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorAction {
    /// Admit nobody new; ACTIVE fans keep their slots.
    Pause,
    /// Admit again.
    Resume,
    /// Pause, and send every ACTIVE fan without a live hold back to the
    /// head of the line (they are admitted first on resume).
    QueueEveryone,
}

impl OperatorAction {
    fn name(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::QueueEveryone => "queue_everyone",
        }
    }
}

/// A room's operator limits: they narrow the global rate and cap, never
/// widen them. `None` clears a limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rate_per_second": 50, "active_max": 500, "challenge_bits": null}))]
pub struct Limits {
    /// Admissions per second into this room, at most.
    #[schema(minimum = 1, example = 20)]
    pub rate_per_second: Option<u32>,
    /// Fans ACTIVE in this room at once, at most.
    #[schema(minimum = 1, example = 200)]
    pub active_max: Option<u32>,
    /// Proof-of-work bits a token request into this room must show, in
    /// place of `QUEUE_CHALLENGE_BITS` (0 turns the proof off here).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 32, example = 20)]
    pub challenge_bits: Option<u8>,
}

pub(crate) async fn act(
    store: &Store,
    room: Room,
    action: OperatorAction,
    by: &str,
) -> Result<ControlEntry, QueueError> {
    let keys = &store.keys.room(room);
    let detail = match action {
        OperatorAction::Pause => {
            set_paused(store, &keys.limits, true).await?;
            "admission paused".to_string()
        }
        OperatorAction::Resume => {
            set_paused(store, &keys.limits, false).await?;
            "admission resumed".to_string()
        }
        OperatorAction::QueueEveryone => {
            set_paused(store, &keys.limits, true).await?;
            let (back, kept): (i64, i64) = store
                .run(|mut connection| async move {
                    Ok(REQUEUE
                        .key(&keys.active)
                        .key(&keys.active_seen)
                        .key(&keys.line)
                        .key(&keys.seen)
                        .arg(&keys.base)
                        .invoke_async(&mut connection)
                        .await?)
                })
                .await?;
            format!(
                "admission paused; {back} active fans sent back to the head of the line, {kept} holding a seat kept their slots"
            )
        }
    };
    let entry = ControlEntry {
        action: action.name().into(),
        room: room.to_string(),
        by: by.into(),
        at: Utc::now(),
        detail,
    };
    record(store, &entry).await?;
    Ok(entry)
}

async fn set_paused(store: &Store, limits: &str, paused: bool) -> Result<(), QueueError> {
    store
        .run(|mut connection| async move {
            let command = if paused {
                let mut command = redis::cmd("HSET");
                command.arg(limits).arg("paused").arg("1");
                command
            } else {
                let mut command = redis::cmd("HDEL");
                command.arg(limits).arg("paused");
                command
            };
            command.query_async::<()>(&mut connection).await?;
            Ok(())
        })
        .await
}

pub(crate) async fn set_limits(
    store: &Store,
    room: Room,
    limits: Limits,
    by: &str,
) -> Result<ControlEntry, QueueError> {
    if limits.rate_per_second == Some(0) || limits.active_max == Some(0) {
        return Err(QueueError::InvalidRequest(
            "limits must be at least 1 (or null to clear them)".into(),
        ));
    }
    if limits
        .challenge_bits
        .is_some_and(|bits| bits > infra::config::MAX_CHALLENGE_BITS)
    {
        return Err(QueueError::InvalidRequest(format!(
            "challenge_bits must be 0 to {} (or null for QUEUE_CHALLENGE_BITS)",
            infra::config::MAX_CHALLENGE_BITS
        )));
    }
    let key = &store.keys.room(room).limits;
    store
        .run(|mut connection| async move {
            let mut pipe = redis::pipe();
            for (field, value) in [
                ("rate", limits.rate_per_second),
                ("active_max", limits.active_max),
                ("challenge_bits", limits.challenge_bits.map(u32::from)),
            ] {
                match value {
                    Some(value) => pipe.hset(key, field, value).ignore(),
                    None => pipe.hdel(key, field).ignore(),
                };
            }
            pipe.query_async::<()>(&mut connection).await?;
            Ok(())
        })
        .await?;
    let shown = |value: Option<u32>| value.map_or("none".to_string(), |value| value.to_string());
    let entry = ControlEntry {
        action: "limits".into(),
        room: room.to_string(),
        by: by.into(),
        at: Utc::now(),
        detail: format!(
            "rate {} per second, active max {}, challenge bits {}",
            shown(limits.rate_per_second),
            shown(limits.active_max),
            shown(limits.challenge_bits.map(u32::from))
        ),
    };
    record(store, &entry).await?;
    Ok(entry)
}
