//! The `Idempotency-Key` header and what it is scoped to.

use actix_web::http::header::HeaderMap;
use domain::UserId;
use sha2::{Digest, Sha256};

use super::Fingerprint;
use crate::error::ApiError;

pub const HEADER: &str = "Idempotency-Key";
pub const MAX_KEY_CHARS: usize = 255;

/// A client-chosen key of 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// `Ok(None)` when the header is absent; 400 when it is empty, too long
    /// or not text.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
        let Some(value) = headers.get(HEADER) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| ApiError::Invalid(format!("{HEADER} must be printable ASCII")))?;
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_KEY_CHARS {
            return Err(ApiError::Invalid(format!(
                "{HEADER} must be 1 to {MAX_KEY_CHARS} characters, got {chars}"
            )));
        }
        Ok(Some(IdempotencyKey(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whose keys these are: a user's, or the holder of the admin key (kept as
/// a hash, never in clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    User(UserId),
    Admin { key_sha256: [u8; 32] },
}

impl Scope {
    pub fn admin(key: &str) -> Scope {
        Scope::Admin {
            key_sha256: Sha256::digest(key.as_bytes()).into(),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Scope::User(user) => format!("user:{user}"),
            Scope::Admin { key_sha256 } => {
                let hex: String = key_sha256.iter().map(|b| format!("{b:02x}")).collect();
                format!("admin:{hex}")
            }
        }
    }
}

/// Everything that identifies one use of a key, and the body it came with.
#[derive(Debug, Clone)]
pub struct KeyClaim {
    pub scope: String,
    pub method: String,
    pub path: String,
    pub key: IdempotencyKey,
    pub fingerprint: Fingerprint,
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn read(value: &str) -> Result<Option<IdempotencyKey>, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("idempotency-key"),
            HeaderValue::from_str(value).unwrap(),
        );
        IdempotencyKey::from_headers(&headers)
    }

    #[test]
    fn one_to_255_characters() {
        assert!(IdempotencyKey::from_headers(&HeaderMap::new())
            .unwrap()
            .is_none());
        assert_eq!(read("k").unwrap().unwrap().as_str(), "k");
        assert!(read(&"k".repeat(255)).unwrap().is_some());
        assert!(read(&"k".repeat(256)).is_err());
        assert!(read("").is_err());
    }

    #[test]
    fn admin_scopes_never_show_the_key() {
        let label = Scope::admin("let-me-in").label();
        assert!(label.starts_with("admin:"));
        assert!(!label.contains("let-me-in"));
        assert_eq!(label.len(), "admin:".len() + 64);
    }
}
