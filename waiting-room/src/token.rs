//! Queue tokens: opaque to clients, signed so that verification is pure.
//!
//! Two layouts before encoding, then URL-safe base64 without padding:
//! - global room, version 1 (73 bytes):
//!   `1 | user_id(16) | token_id(16) | issued_at_ms(8, big-endian) | mac(32)`
//! - a schedule's room, version 2 (89 bytes):
//!   `2 | user_id(16) | token_id(16) | issued_at_ms(8) | schedule_id(16) | mac(32)`
//!
//! where `mac = HMAC-SHA256(secret, DOMAIN | everything before the mac)`.
//! Global tokens keep version 1, so tokens issued before rooms existed stay
//! valid and mean what they meant.
//!
//! Anything forged, truncated, tampered with or signed with another secret is
//! refused here, before any Redis lookup, so junk never costs a round trip and
//! still answers 401 when Redis is down.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::room::Room;

type HmacSha256 = Hmac<Sha256>;

const GLOBAL_VERSION: u8 = 1;
const ROOM_VERSION: u8 = 2;
/// Keeps a MAC from this key meaning anything anywhere else the secret is reused.
const DOMAIN: &[u8] = b"ticketfold.queue-token";
const GLOBAL_SIGNED_LEN: usize = 1 + 16 + 16 + 8;
const ROOM_SIGNED_LEN: usize = GLOBAL_SIGNED_LEN + 16;
const MAC_LEN: usize = 32;
/// Length of every genuine global-room token on the wire (73 bytes, unpadded base64).
pub const TOKEN_LEN: usize = ((GLOBAL_SIGNED_LEN + MAC_LEN) * 4).div_ceil(3);
/// Length of every genuine schedule-room token (89 bytes, unpadded base64).
pub const ROOM_TOKEN_LEN: usize = ((ROOM_SIGNED_LEN + MAC_LEN) * 4).div_ceil(3);

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
}

/// Signs and verifies tokens with the queue secret.
#[derive(Clone)]
pub struct TokenSigner {
    key: HmacSha256,
}

impl TokenSigner {
    pub fn new(secret: &[u8]) -> Self {
        // HMAC takes keys of any length, so this cannot fail.
        let key = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
        Self { key }
    }

    /// The same claims always give the same token, which is how a re-issue
    /// hands back the token the user already has.
    pub fn sign(&self, claims: &TokenClaims) -> String {
        let mut raw = Vec::with_capacity(ROOM_SIGNED_LEN + MAC_LEN);
        raw.push(match claims.room {
            Room::Global => GLOBAL_VERSION,
            Room::Schedule(_) => ROOM_VERSION,
        });
        raw.extend_from_slice(claims.user_id.as_bytes());
        raw.extend_from_slice(claims.token_id.as_bytes());
        raw.extend_from_slice(&claims.issued_at_ms.to_be_bytes());
        if let Room::Schedule(schedule_id) = claims.room {
            raw.extend_from_slice(schedule_id.as_bytes());
        }
        let mac = self.mac(&raw);
        raw.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Pure: no I/O, constant-time MAC comparison.
    pub fn verify(&self, token: &str) -> Result<TokenClaims, TokenRejected> {
        // Checking the length first bounds the work an attacker can cause.
        let signed_len = match token.len() {
            TOKEN_LEN => GLOBAL_SIGNED_LEN,
            ROOM_TOKEN_LEN => ROOM_SIGNED_LEN,
            _ => return Err(TokenRejected::Malformed),
        };
        let raw = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenRejected::Malformed)?;
        let version = match signed_len {
            GLOBAL_SIGNED_LEN => GLOBAL_VERSION,
            _ => ROOM_VERSION,
        };
        if raw.len() != signed_len + MAC_LEN || raw[0] != version {
            return Err(TokenRejected::Malformed);
        }
        let (signed, mac) = raw.split_at(signed_len);
        let mut check = self.key.clone();
        check.update(DOMAIN);
        check.update(signed);
        check
            .verify_slice(mac)
            .map_err(|_| TokenRejected::BadSignature)?;
        let uuid_at = |at: usize| {
            let bytes: [u8; 16] = signed[at..at + 16].try_into().expect("16 bytes");
            Uuid::from_bytes(bytes)
        };
        let issued: [u8; 8] = signed[33..41].try_into().expect("8 bytes");
        let room = if version == ROOM_VERSION {
            // A version-2 token always names a schedule; a nil one is forged
            // by nobody (it is signed) but means nothing either.
            match Room::from_uuid(uuid_at(41)) {
                Room::Global => return Err(TokenRejected::Malformed),
                room => room,
            }
        } else {
            Room::Global
        };
        Ok(TokenClaims {
            user_id: uuid_at(1),
            token_id: uuid_at(17),
            issued_at_ms: u64::from_be_bytes(issued),
            room,
        })
    }

    fn mac(&self, signed: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = self.key.clone();
        mac.update(DOMAIN);
        mac.update(signed);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
