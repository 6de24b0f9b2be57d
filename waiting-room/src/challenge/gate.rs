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
    // Challenges carry no key id (they live two minutes): the signing key
    // is tried first, then every other held key, so a challenge issued just
    // before a rotation switched the signing key still counts.
    let keys = &queue.settings().token_keys;
    let signing = keys.signing();
    let others = keys.all().iter().filter(|key| *key != signing);
    let mut verdict = Err(ProofRejected::BadSignature);
    for key in std::iter::once(signing).chain(others) {
        verdict =
            ChallengeSigner::new(&key.secret).verify(proof.trim(), user_id, room, bits, Utc::now());
        if verdict != Err(ProofRejected::BadSignature) {
            break;
        }
    }
    verdict?;
    Ok(())
}
