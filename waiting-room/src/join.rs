//! Joining the line (`POST /v1/queue/tokens`).

use uuid::Uuid;

use super::error::QueueError;
use super::room::{Entry, Room};
use super::scripts::JOIN;
use super::settings::millis;
use super::state::{ScriptState, TokenState};
use super::store::Store;
use super::stretch::{keep_place, Poll};
use super::token::TokenClaims;

/// A token handed out by `join`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub token: String,
    /// True when this call made a new place at the back of the line (201);
    /// false when it handed back the place the user already had (200).
    pub created: bool,
    pub state: TokenState,
}

type JoinReply = (i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

/// Puts the user at the back of the line, unless they are already waiting
/// or active: then the same token and place come back, never a new place.
/// A user whose token expired gets a new token at the back. Before the
/// room's opening a new fan is pre-queued: placed at random at the opening.
pub(crate) async fn join(inner: &Store, user_id: Uuid, entry: Entry) -> Result<Ticket, QueueError> {
    let settings = &inner.settings;
    let keys = &inner.keys.room(entry.room);
    let rooms = &inner.keys.rooms;
    let opens_at = entry.opens_at.map_or(-1, |at| at.timestamp_millis());
    let room_id = match entry.room {
        Room::Global => String::new(),
        Room::Schedule(id) => id.to_string(),
    };
    let room_id = &room_id;
    let fresh = Uuid::now_v7();
    let waiting_ttl = inner.waiting_record_ttl_ms();
    let reply: JoinReply = inner
        .run(|mut connection| async move {
            let mut invocation = JOIN.prepare_invoke();
            invocation
                .key(&keys.seq)
                .key(&keys.line)
                .key(&keys.seen)
                .key(&keys.active)
                .key(&keys.admissions)
                .key(&keys.prequeue)
                .key(&keys.meta)
                .key(rooms)
                .arg(&keys.base)
                .arg(user_id.to_string())
                .arg(fresh.to_string())
                .arg(millis(settings.waiting_idle_timeout))
                .arg(waiting_ttl)
                .arg(millis(settings.rate_window))
                .arg(opens_at)
                .arg(room_id);
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    let (
        created,
        token_id,
        issued_at,
        status,
        position,
        expires_at,
        now,
        admitted,
        oldest,
        opening,
    ) = reply;
    let claims = TokenClaims {
        user_id,
        token_id: Uuid::parse_str(&token_id)
            .map_err(|_| QueueError::Reply(format!("token id {token_id:?}")))?,
        issued_at_ms: u64::try_from(issued_at)
            .map_err(|_| QueueError::Reply(format!("issued at {issued_at}")))?,
        room: entry.room,
    };
    let state = ScriptState {
        status,
        position,
        expires_at_ms: expires_at,
        now_ms: now,
        admitted_in_window: admitted,
        oldest_admission_ms: oldest,
        opens_at_ms: opening,
    }
    .into_state(settings)?;
    // Joining counts as a poll.
    let poll = Poll {
        user_id,
        token_id: claims.token_id,
        room: entry.room,
        now_ms: now,
    };
    let state = keep_place(inner, poll, state).await?;
    Ok(Ticket {
        token: inner.signer.sign(&claims),
        created: created == 1,
        state,
    })
}
