//! Bot friction: an optional hashcash-style proof of work a token request
//! must carry when its room asks for one (`QUEUE_CHALLENGE_BITS`, or the
//! room's operator limit `challenge_bits`; 0, the default, asks for none).
//!
//! `GET /v1/queue/challenge` hands the caller a signed, stateless challenge
//! (see `proof.rs` for the layout); the caller finds a counter such that
//! SHA-256(`<challenge>.<counter>`) starts with at least the challenge's
//! bits of zeros and sends `X-Queue-Proof: <challenge>.<counter>` with
//! `POST /v1/queue/tokens`. The server checks one HMAC (constant-time) and
//! one SHA-256: a few microseconds (see the README's figures), against the
//! caller's 2^bits hashes on average.

mod difficulty;
mod gate;
mod route;

pub use gate::{require_proof, PROOF_HEADER};
pub use route::{issue_challenge, ChallengeApi, IssuedChallenge};
