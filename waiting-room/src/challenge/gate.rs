//! The one check `issue_token` makes: when the room asks for a proof of
//! work, the request carries a valid one.

use actix_web::HttpRequest;
use chrono::Utc;
use uuid::Uuid;

use super::difficulty::required_bits;
use crate::error::QueueError;
use crate::handle::Queue;
use crate::proof::{ChallengeSigner, ProofRejected};
use crate::room::Room;

/// `<challenge>.<counter>`, see `proof.rs`.
pub const PROOF_HEADER: &str = "X-Queue-Proof";

/// Ok when the room asks for no proof, or the request's proof holds.
pub async fn require_proof(
    request: &HttpRequest,
    queue: &Queue,
    user_id: Uuid,
    room: Room,
) -> Result<(), QueueError> {
    let bits = required_bits(queue, room).await?;
    if bits == 0 {
        return Ok(());
    }
    let proof = request
        .headers()
        .get(PROOF_HEADER)
        .ok_or(ProofRejected::Missing)?
        .to_str()
        .map_err(|_| ProofRejected::Malformed)?;
    ChallengeSigner::new(&queue.settings().token_secret).verify(
        proof.trim(),
        user_id,
        room,
        bits,
        Utc::now(),
    )?;
    Ok(())
}
