//! The proof of work's challenge on the wire, and the proof's check (pure:
//! the routes and the Redis-held difficulty are in `challenge/`).
//!
//! Layout before URL-safe base64 without padding (91 bytes):
//! `1 | user_id(16) | room kind(1: 0 global, 1 schedule) | schedule_id(16,
//! zeros for global) | bits(1) | expires_at_ms(8, big-endian) | nonce(16) |
//! mac(32)`, where `mac = HMAC-SHA256(queue secret, DOMAIN | the rest)`.
//! The random nonce makes every challenge new, so no work can be done
//! before one is issued; the expiry bounds how long a solved one is worth
//! anything; user and room keep one fan's work from serving another.
//!
//! A proof is `<challenge>.<counter>` (counter: decimal, 0..2^64); it holds
//! when SHA-256 of those exact ASCII bytes has `bits` leading zero bits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::room::Room;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
/// Keeps a challenge's MAC from meaning anything where the secret is also
/// used (queue tokens sign under another domain).
const DOMAIN: &[u8] = b"ticketfold.queue-challenge";
const SIGNED_LEN: usize = 1 + 16 + 1 + 16 + 1 + 8 + 16;
const MAC_LEN: usize = 32;
/// Length of every genuine challenge on the wire.
const WIRE_LEN: usize = ((SIGNED_LEN + MAC_LEN) * 4).div_ceil(3);

/// What a genuine challenge says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    pub user_id: Uuid,
    pub room: Room,
    pub bits: u8,
    pub expires_at: DateTime<Utc>,
    pub nonce: [u8; 16],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofRejected {
    #[error("this waiting room asks for a proof of work: get a challenge from GET /v1/queue/challenge and send X-Queue-Proof: <challenge>.<counter>")]
    Missing,
    #[error("X-Queue-Proof must be <challenge>.<counter> with a decimal counter")]
    Malformed,
    #[error("the challenge in X-Queue-Proof was not issued by this system")]
    BadSignature,
    #[error("the challenge in X-Queue-Proof has expired; get a new one")]
    Expired,
    #[error("the challenge in X-Queue-Proof was issued to another user")]
    OtherUser,
    #[error("the challenge in X-Queue-Proof is for another waiting room")]
    OtherRoom,
    #[error("the challenge in X-Queue-Proof is easier than this room now asks; get a new one")]
    TooEasy,
    #[error("SHA-256 of X-Queue-Proof does not start with the challenge's zero bits")]
    Unsolved,
}

/// Signs challenges and checks proofs with the queue secret.
#[derive(Clone)]
pub struct ChallengeSigner {
    key: HmacSha256,
}

impl ChallengeSigner {
    pub fn new(secret: &[u8]) -> Self {
        // HMAC takes keys of any length, so this cannot fail.
        let key = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
        Self { key }
    }

    pub fn sign(&self, challenge: &Challenge) -> String {
        let mut raw = Vec::with_capacity(SIGNED_LEN + MAC_LEN);
        raw.push(VERSION);
        raw.extend_from_slice(challenge.user_id.as_bytes());
        match challenge.room {
            Room::Global => raw.extend_from_slice(&[0; 17]),
            Room::Schedule(id) => {
                raw.push(1);
                raw.extend_from_slice(id.as_bytes());
            }
        }
        raw.push(challenge.bits);
        let expires_ms = u64::try_from(challenge.expires_at.timestamp_millis()).unwrap_or(0);
        raw.extend_from_slice(&expires_ms.to_be_bytes());
        raw.extend_from_slice(&challenge.nonce);
        let mac = self.mac().chain_update(&raw).finalize().into_bytes();
        raw.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Checks a proof for `user_id` entering `room` at `now`, where the room
    /// asks for `required_bits`. Cheapest checks first; the hash of the
    /// whole proof last, after the MAC (compared in constant time) has
    /// shown the challenge is ours.
    pub fn verify(
        &self,
        proof: &str,
        user_id: Uuid,
        room: Room,
        required_bits: u8,
        now: DateTime<Utc>,
    ) -> Result<Challenge, ProofRejected> {
        let (wire, counter) = proof.split_once('.').ok_or(ProofRejected::Malformed)?;
        if wire.len() != WIRE_LEN
            || counter.is_empty()
            || counter.len() > 20
            || !counter.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(ProofRejected::Malformed);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(wire)
            .map_err(|_| ProofRejected::Malformed)?;
        if raw.len() != SIGNED_LEN + MAC_LEN || raw[0] != VERSION {
            return Err(ProofRejected::Malformed);
        }
        let (signed, mac) = raw.split_at(SIGNED_LEN);
        self.mac()
            .chain_update(signed)
            .verify_slice(mac)
            .map_err(|_| ProofRejected::BadSignature)?;
        let challenge = decode(signed).ok_or(ProofRejected::Malformed)?;
        if challenge.expires_at <= now {
            return Err(ProofRejected::Expired);
        }
        if challenge.user_id != user_id {
            return Err(ProofRejected::OtherUser);
        }
        if challenge.room != room {
            return Err(ProofRejected::OtherRoom);
        }
        if challenge.bits < required_bits {
            return Err(ProofRejected::TooEasy);
        }
        if leading_zero_bits(&Sha256::digest(proof.as_bytes())) < u32::from(challenge.bits) {
            return Err(ProofRejected::Unsolved);
        }
        Ok(challenge)
    }

    fn mac(&self) -> HmacSha256 {
        let mut mac = self.key.clone();
        mac.update(DOMAIN);
        mac
    }
}

/// The fields of a signed, genuine challenge.
fn decode(signed: &[u8]) -> Option<Challenge> {
    let user_id = Uuid::from_slice(&signed[1..17]).ok()?;
    let schedule = Uuid::from_slice(&signed[18..34]).ok()?;
    let room = match signed[17] {
        0 => Room::Global,
        1 => Room::Schedule(schedule),
        _ => return None,
    };
    let bits = signed[34];
    let expires_ms = u64::from_be_bytes(signed[35..43].try_into().ok()?);
    let expires_at = Utc
        .timestamp_millis_opt(i64::try_from(expires_ms).ok()?)
        .single()?;
    let nonce = signed[43..59].try_into().ok()?;
    Some(Challenge {
        user_id,
        room,
        bits,
        expires_at,
        nonce,
    })
}

/// Leading zero bits of a digest.
pub fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// What a client does: the first counter whose proof holds. For tests, the
/// bench and as the reference for client developers; `None` only if no
/// counter below `2^64` works, which does not happen for sane bits.
pub fn solve(challenge: &str, bits: u8) -> Option<String> {
    (0..=u64::MAX).find_map(|counter| {
        let proof = format!("{challenge}.{counter}");
        (leading_zero_bits(&Sha256::digest(proof.as_bytes())) >= u32::from(bits)).then_some(proof)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a queue secret of at least thirty-two bytes";

    fn challenge(bits: u8) -> Challenge {
        Challenge {
            user_id: Uuid::new_v4(),
            room: Room::Schedule(Uuid::new_v4()),
            bits,
            // The wire carries milliseconds.
            expires_at: Utc
                .timestamp_millis_opt(
                    (Utc::now() + chrono::Duration::seconds(60)).timestamp_millis(),
                )
                .unwrap(),
            nonce: *Uuid::new_v4().as_bytes(),
        }
    }

    #[test]
    fn a_solved_challenge_holds_for_its_user_and_room_only() {
        let signer = ChallengeSigner::new(SECRET);
        let issued = challenge(8);
        let proof = solve(&signer.sign(&issued), 8).unwrap();
        let now = Utc::now();
        assert_eq!(
            signer.verify(&proof, issued.user_id, issued.room, 8, now),
            Ok(issued)
        );
        assert_eq!(
            signer.verify(&proof, Uuid::new_v4(), issued.room, 8, now),
            Err(ProofRejected::OtherUser)
        );
        assert_eq!(
            signer.verify(&proof, issued.user_id, Room::Global, 8, now),
            Err(ProofRejected::OtherRoom)
        );
        assert_eq!(
            signer.verify(&proof, issued.user_id, issued.room, 9, now),
            Err(ProofRejected::TooEasy)
        );
        let later = issued.expires_at;
        assert_eq!(
            signer.verify(&proof, issued.user_id, issued.room, 8, later),
            Err(ProofRejected::Expired)
        );
    }

    #[test]
    fn unsolved_forged_and_malformed_proofs_are_refused() {
        let signer = ChallengeSigner::new(SECRET);
        let issued = challenge(16);
        let wire = signer.sign(&issued);
        let (user, room, now) = (issued.user_id, issued.room, Utc::now());
        // The first counter that fails 16 bits (almost every one does).
        let unsolved = (0..)
            .map(|counter| format!("{wire}.{counter}"))
            .find(|proof| leading_zero_bits(&Sha256::digest(proof.as_bytes())) < 16)
            .unwrap();
        assert_eq!(
            signer.verify(&unsolved, user, room, 16, now),
            Err(ProofRejected::Unsolved)
        );
        let other = ChallengeSigner::new(b"another secret of at least thirty-two bytes!");
        let forged = solve(&other.sign(&issued), 4).unwrap();
        assert_eq!(
            signer.verify(&forged, user, room, 0, now),
            Err(ProofRejected::BadSignature)
        );
        for junk in [
            "",
            ".",
            "abc.1",
            &format!("{wire}."),
            &format!("{wire}.-1"),
            &format!("{wire}.1e3"),
            &format!("{wire}.99999999999999999999999"),
        ] {
            assert_eq!(
                signer.verify(junk, user, room, 0, now),
                Err(ProofRejected::Malformed),
                "{junk}"
            );
        }
    }

    #[test]
    fn zero_bits_count_whole_bytes_then_the_first_set_bit() {
        assert_eq!(leading_zero_bits(&[0, 0, 0x0f, 0xff]), 20);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }
}
