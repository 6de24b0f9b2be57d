//! A room's state, as operators read it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::actions::Limits;
use crate::control_record::load_record;
use crate::error::QueueError;
use crate::pacing::RateControl;
use crate::room::Room;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"room": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "mode": "adaptive", "rate_per_second": 40.0, "paused": false, "waiting": 1200, "prequeued": 0, "active": 350, "limits": {"rate_per_second": null, "active_max": 500, "challenge_bits": null}, "opens_at": "2026-12-05T10:00:00Z", "opened_at": "2026-12-05T10:00:01Z", "shuffle_seed": "9f86d081884c7d65", "shuffled": 830}))]
pub struct RoomView {
    /// `global` or the schedule id.
    #[schema(example = "global")]
    pub room: String,
    /// `adaptive` or `fixed` (QUEUE_ADMISSION).
    #[schema(example = "adaptive")]
    pub mode: String,
    /// Admissions per second in use: the controller's (or the fixed) rate,
    /// narrowed by the room's limit.
    pub rate_per_second: f64,
    pub paused: bool,
    /// In line.
    pub waiting: u64,
    /// Joined before the opening, not placed yet.
    pub prequeued: u64,
    pub active: u64,
    pub limits: Limits,
    /// When the room's booking opens (schedule rooms).
    pub opens_at: Option<DateTime<Utc>>,
    /// When the pre-queued fans were placed.
    pub opened_at: Option<DateTime<Utc>>,
    /// The seed of the opening's shuffle: with the sorted list of the
    /// pre-queued fans it reproduces their order (`waiting_room::fair_order`).
    pub shuffle_seed: Option<String>,
    /// Fans the opening placed.
    pub shuffled: Option<u64>,
}

type Sizes = (
    u64,
    u64,
    u64,
    HashMap<String, String>,
    HashMap<String, String>,
);

pub(crate) async fn view(store: &Store, room: Room) -> Result<RoomView, QueueError> {
    let keys = &store.keys.room(room);
    let (waiting, prequeued, active, limits, meta): Sizes = store
        .run(|mut connection| async move {
            Ok(redis::pipe()
                .zcard(&keys.line)
                .scard(&keys.prequeue)
                .zcard(&keys.active)
                .hgetall(&keys.limits)
                .hgetall(&keys.meta)
                .query_async(&mut connection)
                .await?)
        })
        .await?;
    let settings = &store.settings;
    let (mode, rate) = match settings.rate_control {
        RateControl::Fixed => ("fixed", f64::from(settings.admit_per_second)),
        RateControl::Adaptive(targets) => {
            let rate = load_record(store)
                .await?
                .map_or(f64::from(targets.floor_per_second), |record| record.rate);
            ("adaptive", rate)
        }
    };
    let number = |map: &HashMap<String, String>, name: &str| -> Option<u64> {
        map.get(name).and_then(|value| value.parse().ok())
    };
    let time = |name: &str| {
        number(&meta, name)
            .and_then(|ms| i64::try_from(ms).ok())
            .and_then(DateTime::from_timestamp_millis)
    };
    let paused = limits.get("paused").is_some_and(|paused| paused == "1");
    let limits = Limits {
        rate_per_second: number(&limits, "rate").and_then(|rate| u32::try_from(rate).ok()),
        active_max: number(&limits, "active_max").and_then(|max| u32::try_from(max).ok()),
        challenge_bits: number(&limits, "challenge_bits").and_then(|bits| u8::try_from(bits).ok()),
    };
    Ok(RoomView {
        room: room.to_string(),
        mode: mode.into(),
        rate_per_second: limits
            .rate_per_second
            .map_or(rate, |limit| rate.min(f64::from(limit))),
        paused,
        waiting,
        prequeued,
        active,
        limits,
        opens_at: time("opens_at"),
        opened_at: time("opened_at"),
        shuffle_seed: meta.get("seed").cloned(),
        shuffled: number(&meta, "shuffled"),
    })
}
