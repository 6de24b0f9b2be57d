//! The queue-token keys (QUEUE_TOKEN_SECRET, QUEUE_TOKEN_KEYS,
//! QUEUE_TOKEN_SIGNING_KEY): one key signs new tokens, every key held
//! verifies, so a key can be rotated without refusing the tokens it signed
//! while they are still live.
//!
//! - `QUEUE_TOKEN_SECRET` alone: the unnamed key signs, tokens carry no key
//!   id (the layout tokens always had).
//! - `QUEUE_TOKEN_KEYS=id:secret,id:secret` (commas or newlines between
//!   entries, so a `_FILE` may hold one per line): named keys, whose tokens
//!   carry their id. `QUEUE_TOKEN_SIGNING_KEY` names the signing one; it may
//!   be left unset when there is one key only, or when `QUEUE_TOKEN_SECRET`
//!   is set too, which then keeps signing (the first step of moving to
//!   named keys: every instance learns the new key before any signs with it).
//! - Both: `QUEUE_TOKEN_SECRET` is held as the unnamed key beside them, so
//!   tokens issued before the move still verify until it is dropped.

use super::read::Variables;
use super::secret::Secret;
use super::ConfigError;

/// HMAC keys shorter than the hash output weaken the queue-token signature.
pub const MIN_TOKEN_SECRET_BYTES: usize = 32;
/// The longest key id: it travels in every token, so it stays short.
pub const MAX_KEY_ID_LEN: usize = 32;

/// One key: `id` is `None` for the unnamed key (QUEUE_TOKEN_SECRET).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTokenKey {
    pub id: Option<String>,
    pub secret: Secret,
}

/// Every key held, and the id of the one that signs (`None`: the unnamed key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTokenKeys {
    pub keys: Vec<QueueTokenKey>,
    pub signing: Option<String>,
}

impl QueueTokenKeys {
    /// The secret new tokens (and proof-of-work challenges) are signed with.
    pub fn signing_secret(&self) -> &Secret {
        self.keys
            .iter()
            .find(|key| key.id == self.signing)
            .map(|key| &key.secret)
            // `read` only builds key sets whose signing key is among them.
            .expect("the signing key is held")
    }
}

/// A key id is 1 to `MAX_KEY_ID_LEN` ASCII letters, digits, `.`, `_` or `-`:
/// it is written into tokens and named in variables and logs.
pub fn check_key_id(id: &str) -> Result<(), String> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if well_formed {
        Ok(())
    } else {
        // The id is not echoed: a forgotten `id:` would put a secret here.
        Err(format!(
            "a key id must be 1 to {MAX_KEY_ID_LEN} letters, digits, '.', '_' or '-'"
        ))
    }
}

pub(super) fn read<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<QueueTokenKeys, ConfigError> {
    let unnamed = match vars.text("QUEUE_TOKEN_SECRET") {
        Some(_) => Some(vars.secret("QUEUE_TOKEN_SECRET", MIN_TOKEN_SECRET_BYTES)?),
        None => None,
    };
    let signing = vars.text("QUEUE_TOKEN_SIGNING_KEY");
    let Some(listed) = vars.text("QUEUE_TOKEN_KEYS") else {
        if signing.is_some() {
            return Err(ConfigError::invalid(
                "QUEUE_TOKEN_SIGNING_KEY",
                "names a key but QUEUE_TOKEN_KEYS is not set",
            ));
        }
        let secret = unnamed.ok_or(ConfigError::missing("QUEUE_TOKEN_SECRET"))?;
        return Ok(QueueTokenKeys {
            keys: vec![QueueTokenKey { id: None, secret }],
            signing: None,
        });
    };
    let named = named_keys(&listed)?;
    let signing = match signing {
        Some(id)
            if named
                .iter()
                .any(|key| key.id.as_deref() == Some(id.as_str())) =>
        {
            Some(id)
        }
        Some(id) => {
            return Err(ConfigError::invalid(
                "QUEUE_TOKEN_SIGNING_KEY",
                format!("{id:?} is not a key id of QUEUE_TOKEN_KEYS"),
            ))
        }
        None if unnamed.is_some() => None,
        None if named.len() == 1 => named[0].id.clone(),
        None => {
            return Err(ConfigError::invalid(
                "QUEUE_TOKEN_SIGNING_KEY",
                "is required when QUEUE_TOKEN_KEYS holds several keys",
            ))
        }
    };
    let keys = unnamed
        .map(|secret| QueueTokenKey { id: None, secret })
        .into_iter()
        .chain(named)
        .collect();
    Ok(QueueTokenKeys { keys, signing })
}

fn named_keys(listed: &str) -> Result<Vec<QueueTokenKey>, ConfigError> {
    let invalid = |reason: String| ConfigError::invalid("QUEUE_TOKEN_KEYS", reason);
    let mut keys: Vec<QueueTokenKey> = Vec::new();
    for (at, entry) in listed.split([',', '\n']).map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        // Never echo an entry: it holds a secret.
        let (id, secret) = entry
            .split_once(':')
            .ok_or_else(|| invalid("each entry must be <key id>:<secret>".into()))?;
        let (id, secret) = (id.trim(), secret.trim());
        check_key_id(id).map_err(|reason| invalid(format!("entry {}: {reason}", at + 1)))?;
        if secret.len() < MIN_TOKEN_SECRET_BYTES {
            return Err(invalid(format!(
                "the secret of key {id:?} must be at least {MIN_TOKEN_SECRET_BYTES} bytes, got {}",
                secret.len()
            )));
        }
        if keys.iter().any(|key| key.id.as_deref() == Some(id)) {
            return Err(invalid(format!("key id {id:?} is given twice")));
        }
        keys.push(QueueTokenKey {
            id: Some(id.to_owned()),
            secret: Secret::new(secret),
        });
    }
    if keys.is_empty() {
        return Err(invalid("holds no key".into()));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Settings;
    use super::*;

    const OLD: &str = "the old unnamed secret of 32 bytes or more";
    const A: &str = "secret of key a: thirty-two bytes long";
    const B: &str = "secret of key b: thirty-two bytes long";

    fn keys(pairs: &[(&str, &str)]) -> Result<QueueTokenKeys, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(|name| vars.get(name).cloned()).map(|s| s.queue.token_keys)
    }

    fn ids(keys: &QueueTokenKeys) -> Vec<Option<&str>> {
        keys.keys.iter().map(|key| key.id.as_deref()).collect()
    }

    #[test]
    fn the_secret_alone_is_the_unnamed_signing_key() {
        let keys = keys(&[("QUEUE_TOKEN_SECRET", OLD)]).unwrap();
        assert_eq!(ids(&keys), [None]);
        assert_eq!(keys.signing, None);
        assert_eq!(keys.signing_secret().expose(), OLD);
    }

    #[test]
    fn named_keys_sign_with_the_named_one_and_keep_the_unnamed_to_verify() {
        let listed = format!("a:{A}, b:{B}");
        let both = keys(&[
            ("QUEUE_TOKEN_SECRET", OLD),
            ("QUEUE_TOKEN_KEYS", &listed),
            ("QUEUE_TOKEN_SIGNING_KEY", "b"),
        ])
        .unwrap();
        assert_eq!(ids(&both), [None, Some("a"), Some("b")]);
        assert_eq!(both.signing_secret().expose(), B);
        // The first step of a move: the new key is known, the old still signs.
        let announced =
            keys(&[("QUEUE_TOKEN_SECRET", OLD), ("QUEUE_TOKEN_KEYS", &listed)]).unwrap();
        assert_eq!(announced.signing, None);
        // One named key needs no signing variable.
        let one = keys(&[("QUEUE_TOKEN_KEYS", &format!("a:{A}\n"))]).unwrap();
        assert_eq!(one.signing.as_deref(), Some("a"));
        assert_eq!(ids(&one), [Some("a")]);
    }

    #[test]
    fn a_keys_file_holds_one_key_a_line() {
        let dir = std::env::temp_dir().join(format!("tf-keys-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("queue_token_keys");
        std::fs::write(&file, format!("a:{A}\nb:{B}\n")).unwrap();
        let keys = keys(&[
            ("QUEUE_TOKEN_KEYS_FILE", file.to_str().unwrap()),
            ("QUEUE_TOKEN_SIGNING_KEY", "a"),
        ])
        .unwrap();
        assert_eq!(ids(&keys), [Some("a"), Some("b")]);
        assert_eq!(keys.signing_secret().expose(), A);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ambiguous_or_broken_key_sets_are_refused_without_echoing_secrets() {
        let listed = format!("a:{A},b:{B}");
        for (pairs, variable) in [
            (
                vec![("QUEUE_TOKEN_KEYS", listed.as_str())],
                "QUEUE_TOKEN_SIGNING_KEY",
            ),
            (
                vec![
                    ("QUEUE_TOKEN_KEYS", listed.as_str()),
                    ("QUEUE_TOKEN_SIGNING_KEY", "c"),
                ],
                "QUEUE_TOKEN_SIGNING_KEY",
            ),
            (
                vec![
                    ("QUEUE_TOKEN_SECRET", OLD),
                    ("QUEUE_TOKEN_SIGNING_KEY", "a"),
                ],
                "QUEUE_TOKEN_SIGNING_KEY",
            ),
            (vec![("QUEUE_TOKEN_KEYS", "a:short")], "QUEUE_TOKEN_KEYS"),
            (vec![("QUEUE_TOKEN_KEYS", A)], "QUEUE_TOKEN_KEYS"),
            (
                vec![("QUEUE_TOKEN_KEYS", &format!("a b:{A}"))],
                "QUEUE_TOKEN_KEYS",
            ),
            (
                vec![("QUEUE_TOKEN_KEYS", &format!("a:{A},a:{B}"))],
                "QUEUE_TOKEN_KEYS",
            ),
            (vec![("QUEUE_TOKEN_KEYS", " , ")], "QUEUE_TOKEN_KEYS"),
        ] {
            let err = keys(&pairs).unwrap_err();
            assert_eq!(err.variable, variable, "{pairs:?}: {err}");
            assert!(!err.reason.contains("thirty-two"), "{err}");
        }
    }
}
