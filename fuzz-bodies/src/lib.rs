//! The fuzz targets' bodies, apart from libFuzzer so the corpus tests
//! (`tests/corpus.rs`) run them as plain functions. Each asserts what must
//! hold for any input: no panic, and whatever is accepted means what it says.

use projector::folds::decode;
use projector::record::Record;
use uuid::Uuid;
use waiting_room::{TokenKey, TokenKeys, TokenSigner, MAX_TOKEN_LEN};

/// The keys the queue-token target verifies with: the unnamed key and two
/// named ones (the seeds in `corpus/queue_token` are signed with them).
pub fn token_signer(signing: Option<&str>) -> TokenSigner {
    let key = |id: Option<&str>, secret: &str| TokenKey {
        id: id.map(str::to_owned),
        secret: secret.as_bytes().to_vec(),
    };
    let keys = vec![
        key(None, "fuzz: the unnamed key, 32 bytes long"),
        key(Some("a"), "fuzz: key a, at least 32 bytes long"),
        key(Some("2026-12.b"), "fuzz: key b, at least 32 bytes long"),
    ];
    TokenSigner::with_keys(&TokenKeys::new(keys, signing).expect("valid fuzz keys"))
}

/// Any bytes as an `X-Queue-Token`: verification never panics, rejects
/// anything longer than a genuine token, and what it accepts signs back to
/// the very same text (so no two texts carry one token's claims).
pub fn queue_token(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verifier = token_signer(None);
    let Ok(claims) = verifier.verify(text) else {
        return;
    };
    assert!(text.len() <= MAX_TOKEN_LEN);
    let signers = [None, Some("a"), Some("2026-12.b")].map(token_signer);
    assert!(
        signers.iter().any(|signer| signer.sign(&claims) == text),
        "an accepted token is not what its key signs for its claims"
    );
}

/// Any bytes as a record: `key_len(1) | key | payload` (no key byte: no
/// key, no payload). Decoding never panics, and what it accepts has the
/// record key as its envelope key.
pub fn record_decoder(data: &[u8]) {
    let (key, payload) = match data.split_first() {
        None => (None, None),
        Some((&len, rest)) => {
            let len = usize::from(len).min(rest.len());
            let (key, payload) = rest.split_at(len);
            (Some(key.to_vec()), Some(payload.to_vec()))
        }
    };
    let record = Record {
        topic: "concert.reservations.v1".to_owned(),
        partition: 0,
        offset: 0,
        timestamp_ms: None,
        key,
        payload,
        trace: Default::default(),
    };
    if let Ok(decoded) = decode(&record) {
        assert_eq!(
            record.key.as_deref(),
            Some(decoded.envelope.key.as_bytes()),
            "accepted a record whose key is not its envelope's"
        );
    }
}

/// A genuine token for the seeds.
pub fn seed_token(signing: Option<&str>, room: Option<Uuid>) -> String {
    token_signer(signing).sign(&waiting_room::TokenClaims {
        user_id: Uuid::new_v4(),
        token_id: Uuid::now_v7(),
        issued_at_ms: 1_767_225_600_123,
        room: room.map_or(waiting_room::Room::Global, waiting_room::Room::Schedule),
    })
}
