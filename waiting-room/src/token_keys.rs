//! The keys queue tokens are signed and verified with: one signs, every one
//! verifies, so a key can be rotated without refusing the tokens already
//! out (`infra::config` reads them from QUEUE_TOKEN_SECRET / QUEUE_TOKEN_KEYS
//! / QUEUE_TOKEN_SIGNING_KEY; README "Rotating the queue-token key").

/// The contract asks for a secret of at least 32 bytes (a full HMAC-SHA256
/// block of entropy is 64, but 32 random bytes already make forging
/// hopeless); `infra::config` owns the number.
pub const MIN_SECRET_BYTES: usize = infra::config::MIN_TOKEN_SECRET_BYTES;

/// One key. `id` is `None` for the unnamed key (QUEUE_TOKEN_SECRET), whose
/// tokens carry no id and keep the layout tokens always had.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey {
    pub id: Option<String>,
    pub secret: Vec<u8>,
}

/// Every key held, and which one signs.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKeys {
    keys: Vec<TokenKey>,
    signing: usize,
}

impl TokenKeys {
    /// The unnamed key alone: what QUEUE_TOKEN_SECRET by itself means.
    pub fn single(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            keys: vec![TokenKey {
                id: None,
                secret: secret.into(),
            }],
            signing: 0,
        }
    }

    /// `keys` with the one whose id is `signing` signing (`None`: the unnamed
    /// key). Refuses an unknown signing id, a repeated id, a bad id or a
    /// short secret.
    pub fn new(keys: Vec<TokenKey>, signing: Option<&str>) -> Result<Self, String> {
        let at = keys
            .iter()
            .position(|key| key.id.as_deref() == signing)
            .ok_or_else(|| {
                format!(
                    "the signing token key {} is not among the keys",
                    signing.unwrap_or("(unnamed)")
                )
            })?;
        let keys = Self { keys, signing: at };
        keys.check()?;
        Ok(keys)
    }

    /// What every key set must hold (`QueueSettings::validate` asks again).
    pub fn check(&self) -> Result<(), String> {
        for (at, key) in self.keys.iter().enumerate() {
            let name = key.id.as_deref().unwrap_or("(unnamed)");
            if let Some(id) = &key.id {
                infra::config::check_key_id(id)?;
            }
            if key.secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "token_secret of key {name} must be at least {MIN_SECRET_BYTES} bytes"
                ));
            }
            if self.keys[..at].iter().any(|earlier| earlier.id == key.id) {
                return Err(format!("token key {name} is given twice"));
            }
        }
        Ok(())
    }

    pub fn signing(&self) -> &TokenKey {
        &self.keys[self.signing]
    }

    /// Every key held, the signing one included.
    pub fn all(&self) -> &[TokenKey] {
        &self.keys
    }

    /// The keys from the configuration, which checked them as it read them
    /// (`QueueSettings::validate` checks again).
    pub fn from_config(config: &infra::config::QueueTokenKeys) -> Self {
        let keys: Vec<TokenKey> = config
            .keys
            .iter()
            .map(|key| TokenKey {
                id: key.id.clone(),
                secret: key.secret.expose().as_bytes().to_vec(),
            })
            .collect();
        let signing = keys
            .iter()
            .position(|key| key.id == config.signing)
            .unwrap_or_default();
        Self { keys, signing }
    }
}

impl std::fmt::Debug for TokenKeys {
    // Ids only: the secrets never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<_> = self.keys.iter().map(|key| key.id.as_deref()).collect();
        f.debug_struct("TokenKeys")
            .field("ids", &ids)
            .field("signing", &self.signing().id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: Option<&str>) -> TokenKey {
        TokenKey {
            id: id.map(str::to_owned),
            secret: vec![b'k'; MIN_SECRET_BYTES],
        }
    }

    #[test]
    fn the_signing_key_must_be_held_and_ids_unique() {
        let keys = TokenKeys::new(vec![key(None), key(Some("b"))], Some("b")).unwrap();
        assert_eq!(keys.signing().id.as_deref(), Some("b"));
        assert_eq!(keys.all().len(), 2);
        assert!(TokenKeys::new(vec![key(Some("a"))], Some("b")).is_err());
        assert!(TokenKeys::new(vec![key(Some("a")), key(Some("a"))], Some("a")).is_err());
        assert!(TokenKeys::new(vec![key(Some("a b"))], Some("a b")).is_err());
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        let short = TokenKey {
            id: Some("a".into()),
            secret: b"short".to_vec(),
        };
        assert!(TokenKeys::new(vec![short], Some("a")).is_err());
        let printed = format!("{:?}", TokenKeys::single(vec![b'z'; 40]));
        assert!(!printed.contains("zzz"));
    }
}
