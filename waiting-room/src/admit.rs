//! One admission step: in every room, purge lapsed, abandoned and idle
//! places, open a room whose booking has just opened (its pre-queued fans
//! placed in a fair random order), then move users from the head of each
//! line into its active set, within the room's rate and cap and the global
//! ceiling and cap. Rooms take turns going first, so the ceiling never
//! starves the same room.

use std::time::Duration;

use redis::AsyncCommands;
use uuid::Uuid;

use super::admission::{Admission, Admitted};
use super::error::QueueError;
use super::room::Room;
use super::scripts::{ADMIT, LIVE, OPEN};
use super::settings::{millis, QueueSettings};
use super::shuffle::{fair_order, new_seed};
use super::store::Store;

type AdmitReply = (i64, i64, i64, i64, i64, Vec<(String, i64)>, i64, i64, i64);

/// How long a schedule's room nobody is in stays registered after its last
/// join: rooms of past booking windows leave the admitter's rounds.
const ROOM_KEEP: Duration = Duration::from_secs(60 * 60);
/// Most rooms one step visits; more would make a tick outlast its period.
const ROOMS_MAX: isize = 2000;

/// The admission rate of one step: per second, and the most one step may
/// release after a quiet spell (one second's worth).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub per_second: u32,
    pub burst: u32,
}

impl Pace {
    /// The configured fixed rate and burst.
    pub fn fixed(settings: &QueueSettings) -> Self {
        Self {
            per_second: settings.admit_per_second,
            burst: settings.admit_burst,
        }
    }

    /// A controller's rate, with a quarter second's worth of burst: enough
    /// to carry the rate across a late tick (they come every 100 ms), not
    /// enough for a second's tokens saved up while the active cap bound to
    /// land on the stack at once when places free up (a full second's burst
    /// let 310 fans in within one second at a rate of 187 in an overload run).
    pub fn adaptive(per_second: u32) -> Self {
        let per_second = per_second.max(1);
        Self {
            per_second,
            burst: per_second.div_ceil(4),
        }
    }
}

/// What a room's step found besides its admissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomState {
    Admitting,
    Paused,
    AwaitingOpening,
    OpeningDue,
}

/// Every room, the global one first. `rotation` picks which goes first
/// this step. `owner` non-empty: admit only while that owner holds the lease.
pub(crate) async fn admit_step(
    store: &Store,
    owner: &str,
    pace: Pace,
    rotation: usize,
) -> Result<Admission, QueueError> {
    let mut rooms = rooms(store).await?;
    let first = rotation % rooms.len();
    rooms.rotate_left(first);
    let (active, lines) = census(store, &rooms).await?;
    let mut headroom = i64::from(store.settings.active_max) - active;
    // Rooms with a line share a second's worth of the ceiling evenly, so
    // the room that goes first cannot take it all; taking turns going first
    // hands the remainder round.
    let share = i64::from(pace.burst).div_euclid(lines.max(1)).max(1);
    let mut total = Admission::default();
    for room in rooms {
        let allowance = headroom.min(share);
        let (mut admission, state) = admit_room(store, owner, room, pace, allowance).await?;
        if state == RoomState::OpeningDue && admission.led {
            // Placed now, admitted from in the same step.
            let placed = open_room(store, room).await?;
            (admission, _) = admit_room(store, owner, room, pace, allowance).await?;
            admission.placed = placed;
        }
        headroom -= admission.admitted.len() as i64;
        total.absorb(admission);
    }
    Ok(total)
}

/// The global room and every registered schedule room.
pub(crate) async fn rooms(store: &Store) -> Result<Vec<Room>, QueueError> {
    let key = &store.keys.rooms;
    let ids: Vec<String> = store
        .run(|mut connection| async move { Ok(connection.zrange(key, 0, ROOMS_MAX - 1).await?) })
        .await?;
    let mut rooms = vec![Room::Global];
    rooms.extend(
        ids.iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .map(Room::from_uuid)
            .filter(|room| *room != Room::Global),
    );
    Ok(rooms)
}

/// Fans ACTIVE (unlapsed) across `rooms`, and the rooms with a line, in
/// one round trip.
async fn census(store: &Store, rooms: &[Room]) -> Result<(i64, i64), QueueError> {
    let keys: Vec<String> = rooms
        .iter()
        .flat_map(|room| {
            let keys = store.keys.room(*room);
            [keys.active, keys.line]
        })
        .collect();
    store
        .run(|mut connection| async move {
            let mut invocation = LIVE.prepare_invoke();
            for key in &keys {
                invocation.key(key);
            }
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await
}

async fn admit_room(
    store: &Store,
    owner: &str,
    room: Room,
    pace: Pace,
    allowance: i64,
) -> Result<(Admission, RoomState), QueueError> {
    let settings = &store.settings;
    let keys = &store.keys.room(room);
    let queue_keys = &store.keys;
    let ended_ttl = store.ended_record_ttl_ms();
    let room_id = match room {
        Room::Global => String::new(),
        Room::Schedule(id) => id.to_string(),
    };
    let room_id = &room_id;
    let reply: AdmitReply = store
        .run(|mut connection| async move {
            let mut invocation = ADMIT.prepare_invoke();
            invocation
                .key(&keys.line)
                .key(&keys.seen)
                .key(&keys.active)
                .key(&keys.admissions)
                .key(&keys.bucket)
                .key(&queue_keys.lease)
                .key(&keys.active_seen)
                .key(&queue_keys.ceiling)
                .key(&keys.limits)
                .key(&keys.meta)
                .key(&keys.prequeue)
                .key(&queue_keys.rooms)
                .arg(&keys.base)
                .arg(owner)
                .arg(settings.active_max)
                .arg(pace.per_second)
                .arg(pace.burst)
                .arg(millis(settings.active_ttl))
                .arg(millis(settings.waiting_idle_timeout))
                .arg(millis(settings.rate_window))
                .arg(settings.admit_batch_max)
                .arg(ended_ttl)
                .arg(millis(settings.active_idle_timeout))
                .arg(pace.per_second)
                .arg(pace.burst)
                .arg(allowance.max(0))
                .arg(room_id)
                .arg(millis(ROOM_KEEP));
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    let (led, lapsed, abandoned, active, waiting, admitted, idle, state, prequeued) = reply;
    let admitted = admitted
        .into_iter()
        .map(|(user_id, waited_ms)| {
            Ok(Admitted {
                user_id: Uuid::parse_str(&user_id)
                    .map_err(|_| QueueError::Reply(format!("user id {user_id:?}")))?,
                waited: Duration::from_millis(u64::try_from(waited_ms).unwrap_or(0)),
            })
        })
        .collect::<Result<_, QueueError>>()?;
    let count = |value: i64| u64::try_from(value).unwrap_or(0);
    let state = match state {
        0 => RoomState::Admitting,
        1 => RoomState::Paused,
        2 => RoomState::AwaitingOpening,
        3 => RoomState::OpeningDue,
        other => return Err(QueueError::Reply(format!("room state {other}"))),
    };
    Ok((
        Admission {
            led: led == 1,
            admitted,
            lapsed: count(lapsed),
            abandoned: count(abandoned),
            idle: count(idle),
            active: count(active),
            waiting: count(waiting),
            prequeued: count(prequeued),
            placed: 0,
        },
        state,
    ))
}

/// The opening: the pre-queued fans, in the order a fresh seed shuffles
/// them to, take the head of the line. The seed is logged and filed with the
/// room, so the order can be reproduced from it (`shuffle::fair_order`).
async fn open_room(store: &Store, room: Room) -> Result<u64, QueueError> {
    let keys = &store.keys.room(room);
    let prequeue = &keys.prequeue;
    let fans: Vec<String> = store
        .run(|mut connection| async move { Ok(connection.smembers(prequeue).await?) })
        .await?;
    let fans: Vec<Uuid> = fans
        .iter()
        .filter_map(|fan| Uuid::parse_str(fan).ok())
        .collect();
    let seed = new_seed();
    let order = fair_order(fans, seed);
    let idle = millis(store.settings.waiting_idle_timeout);
    let order = &order;
    let placed: i64 = store
        .run(|mut connection| async move {
            let mut invocation = OPEN.prepare_invoke();
            invocation
                .key(&keys.line)
                .key(&keys.prequeue)
                .key(&keys.meta)
                .key(&keys.seen)
                .key(&keys.seq)
                .arg(&keys.base)
                .arg(seed.to_string())
                .arg(idle);
            for fan in order {
                invocation.arg(fan.to_string());
            }
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    if placed >= 0 {
        tracing::info!(%room, seed, pre_queued = order.len(), placed, "booking opened: pre-queued fans placed in a seeded random order");
    }
    Ok(u64::try_from(placed).unwrap_or(0))
}
