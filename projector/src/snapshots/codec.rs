//! A partition state as the bytes of a snapshot, and back.
//!
//! The body is the state in JSON (Postgres compresses it in TOAST), under a
//! format version and a SHA-256 digest. [`FORMAT_VERSION`] must change
//! whenever a snapshot written by an older build could read back as a
//! different state than a fold of the same records by this one: a field
//! added, removed or renamed in `PartitionState` or the domain states, or a
//! decider or evolve change that folds the same records into another
//! state. A build reads only its own version, so after such a change every
//! older snapshot is skipped (the partition is folded from offset 0 once)
//! rather than trusted.

use sha2::{Digest, Sha256};

use crate::folds::PartitionState;

/// The snapshot format this build writes and reads, parked aggregates'
/// bodies included. See the module's doc for when it changes; 2: seen ids
/// filed per aggregate, which can leave memory (issue 14 point 2).
pub const FORMAT_VERSION: i32 = 2;

/// A snapshot ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub format_version: i32,
    /// SHA-256 of `body`.
    pub digest: Vec<u8>,
    pub body: Vec<u8>,
}

/// Why a stored snapshot was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("format version {0}; this build reads version {FORMAT_VERSION} only")]
    Version(i32),
    #[error("the body does not match its digest")]
    Digest,
    #[error("the body cannot be decoded: {0}")]
    Body(String),
    #[error("the body stands for offset {found}, its row for offset {row}")]
    Offset { row: i64, found: i64 },
}

impl Unreadable {
    /// The `reason` label of `ticketfold_projector_snapshots_unreadable_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            Unreadable::Version(_) => "format_version",
            Unreadable::Digest => "digest",
            Unreadable::Body(_) => "body",
            Unreadable::Offset { .. } => "offset",
        }
    }
}

/// Fails only if the state holds something JSON cannot (a bug): the
/// caller then goes on without a snapshot.
pub fn encode(state: &PartitionState) -> Result<Encoded, serde_json::Error> {
    let body = serde_json::to_vec(state)?;
    Ok(Encoded {
        format_version: FORMAT_VERSION,
        digest: Sha256::digest(&body).to_vec(),
        body,
    })
}

/// The state a snapshot row holds, if this build can trust it to stand for
/// the records before `next_offset`.
pub fn decode(
    next_offset: i64,
    format_version: i32,
    digest: &[u8],
    body: &[u8],
) -> Result<PartitionState, Unreadable> {
    if format_version != FORMAT_VERSION {
        return Err(Unreadable::Version(format_version));
    }
    if Sha256::digest(body).as_slice() != digest {
        return Err(Unreadable::Digest);
    }
    let state: PartitionState =
        serde_json::from_slice(body).map_err(|e| Unreadable::Body(e.to_string()))?;
    if state.next_offset() != next_offset {
        return Err(Unreadable::Offset {
            row: next_offset,
            found: state.next_offset(),
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(encoded: &Encoded) -> Result<PartitionState, Unreadable> {
        decode(0, encoded.format_version, &encoded.digest, &encoded.body)
    }

    #[test]
    fn a_state_reads_back_equal() {
        let state = PartitionState::default();
        let encoded = encode(&state).unwrap();
        assert_eq!(encoded.format_version, FORMAT_VERSION);
        assert_eq!(read(&encoded).unwrap(), state);
    }

    #[test]
    fn another_version_is_not_read() {
        let mut encoded = encode(&PartitionState::default()).unwrap();
        encoded.format_version = FORMAT_VERSION + 1;
        assert_eq!(read(&encoded), Err(Unreadable::Version(FORMAT_VERSION + 1)));
    }

    #[test]
    fn a_body_that_changed_is_not_read() {
        let mut encoded = encode(&PartitionState::default()).unwrap();
        encoded.body[0] ^= 0xff;
        assert_eq!(read(&encoded), Err(Unreadable::Digest));
    }

    #[test]
    fn a_body_that_is_not_a_state_is_not_read_even_with_its_digest() {
        let body = b"{\"not\":\"a state\"}".to_vec();
        let encoded = Encoded {
            format_version: FORMAT_VERSION,
            digest: Sha256::digest(&body).to_vec(),
            body,
        };
        assert!(matches!(read(&encoded), Err(Unreadable::Body(_))));
    }

    #[test]
    fn a_body_for_another_offset_is_not_read() {
        let encoded = encode(&PartitionState::default()).unwrap();
        let read = decode(7, encoded.format_version, &encoded.digest, &encoded.body);
        assert_eq!(read, Err(Unreadable::Offset { row: 7, found: 0 }));
    }
}
