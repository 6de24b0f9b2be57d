//! Queue tokens: opaque to clients, signed so that verification is pure.
//!
//! Four layouts before encoding, then URL-safe base64 without padding. The
//! unnamed key (`QUEUE_TOKEN_SECRET` alone) signs the two it always has:
//! - global room, version 1 (73 bytes):
//!   `1 | user_id(16) | token_id(16) | issued_at_ms(8, big-endian) | mac(32)`
//! - a schedule's room, version 2 (89 bytes):
//!   `2 | user_id(16) | token_id(16) | issued_at_ms(8) | schedule_id(16) | mac(32)`
//!
//! A named key (`QUEUE_TOKEN_KEYS`) signs the same with its id after the
//! version, so a verifier knows which key to check and keys can rotate:
//! - global room, version 3: `3 | id_len(1) | id | <version 1's fields> | mac(32)`
//! - a schedule's room, version 4: `4 | id_len(1) | id | <version 2's fields> | mac(32)`
//!
//! where `mac = HMAC-SHA256(secret, DOMAIN | everything before the mac)`, so
//! the key id is signed too and cannot be swapped. Global tokens of the
//! unnamed key keep version 1, so tokens issued before rooms or named keys
//! existed stay valid and mean what they meant.
//!
//! Anything forged, truncated, tampered with, signed with another secret or
//! naming a key this service does not hold is refused here, before any Redis
//! lookup, so junk never costs a round trip and still answers 401 when Redis
//! is down.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::room::Room;
use super::token_keys::TokenKeys;

type HmacSha256 = Hmac<Sha256>;

const GLOBAL_VERSION: u8 = 1;
const ROOM_VERSION: u8 = 2;
const NAMED_GLOBAL_VERSION: u8 = 3;
const NAMED_ROOM_VERSION: u8 = 4;
/// Keeps a MAC from this key meaning anything anywhere else the secret is reused.
const DOMAIN: &[u8] = b"ticketfold.queue-token";
const GLOBAL_SIGNED_LEN: usize = 1 + 16 + 16 + 8;
const ROOM_SIGNED_LEN: usize = GLOBAL_SIGNED_LEN + 16;
const MAC_LEN: usize = 32;
/// Length of every genuine global-room token of the unnamed key (73 bytes, unpadded base64).
pub const TOKEN_LEN: usize = ((GLOBAL_SIGNED_LEN + MAC_LEN) * 4).div_ceil(3);
/// Length of every genuine schedule-room token of the unnamed key (89 bytes, unpadded base64).
pub const ROOM_TOKEN_LEN: usize = ((ROOM_SIGNED_LEN + MAC_LEN) * 4).div_ceil(3);
/// The longest genuine token: a schedule room's, under the longest key id.
pub const MAX_TOKEN_LEN: usize =
    ((ROOM_SIGNED_LEN + 1 + infra::config::MAX_KEY_ID_LEN + MAC_LEN) * 4).div_ceil(3);

/// What a genuine token says. Whether it is still WAITING, ACTIVE or EXPIRED
/// is decided by the record in Redis, never by the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    pub user_id: Uuid,
    pub token_id: Uuid,
    /// Redis server time when the token was issued, in Unix milliseconds.
    pub issued_at_ms: u64,
    pub room: Room,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    #[error("the queue token is malformed")]
    Malformed,
    #[error("the queue token is not signed by this system")]
    BadSignature,
    /// Signed by a key this service no longer (or never) held: after a
    /// rotation removed it, the fan asks for their token again and keeps
    /// their place (a re-issue finds them by user).
    #[error("the queue token is signed with a key this system does not hold (rotated out?)")]
    UnknownKey,
}

/// One key: its id (`None` for the unnamed key) and its HMAC state.
#[derive(Clone)]
struct Key {
    id: Option<String>,
    mac: HmacSha256,
}

/// Signs tokens with the signing key and verifies them with whichever held
/// key they name.
#[derive(Clone)]
pub struct TokenSigner {
    signing: Key,
    keys: Vec<Key>,
}

impl TokenSigner {
    /// The unnamed key alone, as `QUEUE_TOKEN_SECRET` by itself configures.
    pub fn new(secret: &[u8]) -> Self {
        Self::with_keys(&TokenKeys::single(secret))
    }

    pub fn with_keys(keys: &TokenKeys) -> Self {
        let key = |id: Option<&str>, secret: &[u8]| Key {
            id: id.map(str::to_owned),
            // HMAC takes keys of any length, so this cannot fail.
            mac: HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length"),
        };
        let signing = keys.signing();
        Self {
            signing: key(signing.id.as_deref(), &signing.secret),
            keys: keys
                .all()
                .iter()
                .map(|held| key(held.id.as_deref(), &held.secret))
                .collect(),
        }
    }

    /// The same claims under the same key always give the same token, which
    /// is how a re-issue hands back the token the user already has.
    pub fn sign(&self, claims: &TokenClaims) -> String {
        let mut raw = Vec::with_capacity(MAX_TOKEN_LEN);
        let room = matches!(claims.room, Room::Schedule(_));
        match &self.signing.id {
            None => raw.push(if room { ROOM_VERSION } else { GLOBAL_VERSION }),
            Some(id) => {
                raw.push(if room {
                    NAMED_ROOM_VERSION
                } else {
                    NAMED_GLOBAL_VERSION
                });
                // Key ids are at most MAX_KEY_ID_LEN bytes (checked when the
                // keys are configured), so the length fits a byte.
                raw.push(id.len() as u8);
                raw.extend_from_slice(id.as_bytes());
            }
        }
        raw.extend_from_slice(claims.user_id.as_bytes());
        raw.extend_from_slice(claims.token_id.as_bytes());
        raw.extend_from_slice(&claims.issued_at_ms.to_be_bytes());
        if let Room::Schedule(schedule_id) = claims.room {
            raw.extend_from_slice(schedule_id.as_bytes());
        }
        let mut mac = self.signing.mac.clone();
        mac.update(DOMAIN);
        mac.update(&raw);
        let mac: [u8; MAC_LEN] = mac.finalize().into_bytes().into();
        raw.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Pure: no I/O, constant-time MAC comparison.
    pub fn verify(&self, token: &str) -> Result<TokenClaims, TokenRejected> {
        // Bounding the length first bounds the work an attacker can cause.
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenRejected::Malformed);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenRejected::Malformed)?;
        let layout = Layout::of(&raw).ok_or(TokenRejected::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|key| key.id.as_deref().map(str::as_bytes) == layout.key_id)
            .ok_or(TokenRejected::UnknownKey)?;
        let (signed, mac) = raw.split_at(raw.len() - MAC_LEN);
        let mut check = key.mac.clone();
        check.update(DOMAIN);
        check.update(signed);
        check
            .verify_slice(mac)
            .map_err(|_| TokenRejected::BadSignature)?;
        let fields = &signed[layout.fields_at..];
        let uuid_at = |at: usize| {
            let bytes: [u8; 16] = fields[at..at + 16].try_into().expect("16 bytes");
            Uuid::from_bytes(bytes)
        };
        let issued: [u8; 8] = fields[32..40].try_into().expect("8 bytes");
        let room = if layout.room {
            // A room token always names a schedule; a nil one is forged by
            // nobody (it is signed) but means nothing either.
            match Room::from_uuid(uuid_at(40)) {
                Room::Global => return Err(TokenRejected::Malformed),
                room => room,
            }
        } else {
            Room::Global
        };
        Ok(TokenClaims {
            user_id: uuid_at(0),
            token_id: uuid_at(16),
            issued_at_ms: u64::from_be_bytes(issued),
            room,
        })
    }
}

/// Where a decoded token's parts are, read from its version (and key id
/// length); `None` for any version or length no genuine token has.
struct Layout<'a> {
    /// The named key's id; `None` for the unnamed key's versions 1 and 2.
    key_id: Option<&'a [u8]>,
    room: bool,
    /// Where user_id starts.
    fields_at: usize,
}

impl<'a> Layout<'a> {
    fn of(raw: &'a [u8]) -> Option<Self> {
        let (&version, rest) = raw.split_first()?;
        let (key_id, room, fields_at) = match version {
            GLOBAL_VERSION => (None, false, 1),
            ROOM_VERSION => (None, true, 1),
            NAMED_GLOBAL_VERSION | NAMED_ROOM_VERSION => {
                let (&id_len, rest) = rest.split_first()?;
                let id_len = usize::from(id_len);
                if id_len == 0 || id_len > infra::config::MAX_KEY_ID_LEN {
                    return None;
                }
                let id = rest.get(..id_len)?;
                (Some(id), version == NAMED_ROOM_VERSION, 2 + id_len)
            }
            _ => return None,
        };
        let fields_len = if room {
            ROOM_SIGNED_LEN - 1
        } else {
            GLOBAL_SIGNED_LEN - 1
        };
        (raw.len() == fields_at + fields_len + MAC_LEN).then_some(Self {
            key_id,
            room,
            fields_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token_keys::TokenKey;

    fn signer() -> TokenSigner {
        TokenSigner::new(b"0123456789abcdef0123456789abcdef")
    }

    fn claims() -> TokenClaims {
        TokenClaims {
            user_id: Uuid::new_v4(),
            token_id: Uuid::now_v7(),
            issued_at_ms: 1_767_225_600_123,
            room: Room::Global,
        }
    }

    #[test]
    fn a_signed_token_verifies_to_its_claims_and_is_url_safe() {
        let claims = claims();
        let token = signer().sign(&claims);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(signer().verify(&token), Ok(claims));
    }

    #[test]
    fn signing_is_deterministic_so_reissue_returns_the_same_token() {
        let claims = claims();
        assert_eq!(signer().sign(&claims), signer().sign(&claims));
    }

    #[test]
    fn another_secret_is_refused() {
        let token = TokenSigner::new(b"another secret of thirty-two byte").sign(&claims());
        assert_eq!(signer().verify(&token), Err(TokenRejected::BadSignature));
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let token = signer().sign(&claims());
        for at in 0..token.len() {
            let mut tampered = token.clone().into_bytes();
            tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(tampered).unwrap();
            assert!(
                signer().verify(&tampered).is_err(),
                "change at {at} accepted"
            );
        }
    }

    #[test]
    fn truncated_extended_and_padded_tokens_are_malformed() {
        let token = signer().sign(&claims());
        for bad in [
            token[..token.len() - 1].to_string(),
            token[..10].to_string(),
            format!("{token}A"),
            format!("{token}="),
            String::new(),
        ] {
            assert_eq!(signer().verify(&bad), Err(TokenRejected::Malformed));
        }
    }

    #[test]
    fn garbage_of_the_right_length_is_refused() {
        let not_base64 = "!".repeat(TOKEN_LEN);
        assert_eq!(signer().verify(&not_base64), Err(TokenRejected::Malformed));
        let forged = URL_SAFE_NO_PAD.encode([GLOBAL_VERSION; GLOBAL_SIGNED_LEN + MAC_LEN]);
        assert_eq!(signer().verify(&forged), Err(TokenRejected::BadSignature));
    }

    #[test]
    fn a_forged_mac_over_new_claims_is_refused() {
        let token = signer().sign(&claims());
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        // Claim someone else's identity but keep the original MAC.
        raw[1..17].copy_from_slice(Uuid::new_v4().as_bytes());
        let forged = URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(signer().verify(&forged), Err(TokenRejected::BadSignature));
    }

    #[test]
    fn an_unknown_version_is_malformed() {
        let token = signer().sign(&claims());
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        raw[0] = 2;
        let other = URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(signer().verify(&other), Err(TokenRejected::Malformed));
    }

    #[test]
    fn a_room_token_carries_its_schedule_and_cannot_be_turned_global() {
        let schedule = Uuid::new_v4();
        let claims = TokenClaims {
            room: Room::Schedule(schedule),
            ..claims()
        };
        let token = signer().sign(&claims);
        assert_eq!(token.len(), ROOM_TOKEN_LEN);
        assert_eq!(signer().verify(&token), Ok(claims));
        // Dropping the schedule and relabelling it version 1 breaks the MAC.
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let mut global = raw[..GLOBAL_SIGNED_LEN].to_vec();
        global[0] = GLOBAL_VERSION;
        global.extend_from_slice(&raw[ROOM_SIGNED_LEN..]);
        let stripped = URL_SAFE_NO_PAD.encode(global);
        assert_eq!(stripped.len(), TOKEN_LEN);
        assert_eq!(signer().verify(&stripped), Err(TokenRejected::BadSignature));
    }

    fn named(id: &str) -> TokenKey {
        TokenKey {
            id: Some(id.into()),
            secret: format!("secret of key {id} padded to thirty-two bytes").into_bytes(),
        }
    }

    fn keyring(keys: Vec<TokenKey>, signing: Option<&str>) -> TokenSigner {
        TokenSigner::with_keys(&TokenKeys::new(keys, signing).unwrap())
    }

    #[test]
    fn a_named_key_signs_its_id_into_the_token() {
        let claims = claims();
        let token = keyring(vec![named("2026-12")], Some("2026-12")).sign(&claims);
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert_eq!(raw[0], NAMED_GLOBAL_VERSION);
        assert_eq!(&raw[2..2 + usize::from(raw[1])], b"2026-12");
        let room = TokenClaims {
            room: Room::Schedule(Uuid::new_v4()),
            ..claims
        };
        let signer = keyring(vec![named("2026-12")], Some("2026-12"));
        assert_eq!(signer.verify(&signer.sign(&room)), Ok(room));
        assert_eq!(signer.verify(&token), Ok(claims));
    }

    #[test]
    fn a_rotation_keeps_old_tokens_until_their_key_is_dropped() {
        let claims = claims();
        let old = keyring(vec![named("a")], Some("a")).sign(&claims);
        let unnamed = signer().sign(&claims);
        let legacy = TokenKey {
            id: None,
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
        };
        // Both old keys held, the new one signing: every old token verifies.
        let rotated = keyring(vec![legacy, named("a"), named("b")], Some("b"));
        assert_eq!(rotated.verify(&old), Ok(claims));
        assert_eq!(rotated.verify(&unnamed), Ok(claims));
        let new = rotated.sign(&claims);
        assert_ne!(new, old);
        assert_eq!(rotated.verify(&new), Ok(claims));
        // The old keys dropped: their tokens are refused, the new one holds.
        let after = keyring(vec![named("b")], Some("b"));
        assert_eq!(after.verify(&old), Err(TokenRejected::UnknownKey));
        assert_eq!(after.verify(&unnamed), Err(TokenRejected::UnknownKey));
        assert_eq!(after.verify(&new), Ok(claims));
    }

    #[test]
    fn a_token_relabelled_with_another_held_key_id_is_refused() {
        let both = keyring(vec![named("a"), named("b")], Some("a"));
        let token = both.sign(&claims());
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        raw[2] = b'b';
        let relabelled = URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(both.verify(&relabelled), Err(TokenRejected::BadSignature));
    }

    #[test]
    fn every_single_character_change_of_a_named_token_is_refused() {
        let signer = keyring(vec![named("k1")], Some("k1"));
        let token = signer.sign(&TokenClaims {
            room: Room::Schedule(Uuid::new_v4()),
            ..claims()
        });
        for at in 0..token.len() {
            let mut tampered = token.clone().into_bytes();
            tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(tampered).unwrap();
            assert!(signer.verify(&tampered).is_err(), "change at {at} accepted");
        }
    }

    #[test]
    fn named_layouts_with_impossible_id_lengths_are_malformed() {
        let signer = keyring(vec![named("k1")], Some("k1"));
        let token = signer.sign(&claims());
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for id_len in [0u8, 1, 3, 33, 255] {
            let mut bad = raw.clone();
            bad[1] = id_len;
            let bad = URL_SAFE_NO_PAD.encode(bad);
            assert_eq!(
                signer.verify(&bad),
                Err(TokenRejected::Malformed),
                "{id_len}"
            );
        }
        let id = "k".repeat(infra::config::MAX_KEY_ID_LEN);
        let longest = keyring(vec![named(&id)], Some(&id));
        let room = longest.sign(&TokenClaims {
            room: Room::Schedule(Uuid::new_v4()),
            ..claims()
        });
        assert_eq!(room.len(), MAX_TOKEN_LEN);
        assert_eq!(
            signer.verify(&"A".repeat(MAX_TOKEN_LEN + 1)),
            Err(TokenRejected::Malformed)
        );
    }
}
