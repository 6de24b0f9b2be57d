//! How many bits a room asks for: the operator's `challenge_bits` in the
//! room's `limits` hash, else the global `QUEUE_CHALLENGE_BITS`.

use crate::error::QueueError;
use crate::handle::Queue;
use crate::room::Room;

/// The field of the room's `limits` hash (see `keys`).
pub(crate) const CHALLENGE_BITS_FIELD: &str = "challenge_bits";

pub(crate) async fn required_bits(queue: &Queue, room: Room) -> Result<u8, QueueError> {
    let store = queue.store();
    let key = store.keys.room(room).limits;
    let set: Option<u8> = store
        .run(|mut connection| async move {
            Ok(redis::cmd("HGET")
                .arg(&key)
                .arg(CHALLENGE_BITS_FIELD)
                .query_async::<Option<u8>>(&mut connection)
                .await?)
        })
        .await?;
    Ok(set.unwrap_or(queue.settings().challenge_bits))
}
