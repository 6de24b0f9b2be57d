//! Who callers are (AUTH_MODE and AUTH_JWT_*): the gateway's `X-User-Id`,
//! trusted as given (the default, as before), or a bearer JWT each request
//! carries and the APIs verify themselves (`infra::auth`).
//!
//! Keys are read and parsed here, at start-up, so a missing file or a key
//! that does not parse stops the service naming its variable:
//! - `AUTH_JWT_HS256_SECRET` (or `_FILE`): an HS256 shared secret (≥ 32 bytes);
//! - `AUTH_JWT_RS256_PUBLIC_KEY_FILE`: an RS256 public key, PEM;
//! - `AUTH_JWKS_FILE`: a JWKS document (`{"keys": [...]}`), its RSA keys
//!   verifying RS256 and its `oct` keys HS256, matched by `kid` when the
//!   token names one. Keys of other algorithms are skipped.
//!
//! Any of them may be set together. `AUTH_JWT_ISSUER` / `AUTH_JWT_AUDIENCE`,
//! when set, must match `iss` / `aud`; `AUTH_JWT_LEEWAY_SECONDS` (default 30)
//! is the clock skew allowed on `exp` and `nbf`.

use std::fmt;

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::read::{Choice, Variables};
use super::ConfigError;

/// An HS256 secret shorter than the hash output weakens the signature.
pub const MIN_HS256_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `nbf` unless AUTH_JWT_LEEWAY_SECONDS says otherwise.
pub const DEFAULT_JWT_LEEWAY_SECONDS: u64 = 30;

/// How callers are identified (AUTH_MODE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `X-User-Id`, set by a gateway that authenticated the caller.
    Gateway,
    /// `Authorization: Bearer <JWT>`, its `sub` the user id.
    Jwt,
}

impl Choice for AuthMode {
    const NAMES: &'static [(&'static str, Self)] =
        &[("gateway", Self::Gateway), ("jwt", Self::Jwt)];
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub mode: AuthMode,
    /// The verification settings; `Some` exactly when the mode is `Jwt`.
    pub jwt: Option<JwtSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            mode: AuthMode::Gateway,
            jwt: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// At least one.
    pub keys: Vec<JwtKey>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway_seconds: u64,
}

/// One key a bearer token may be signed with.
#[derive(Clone)]
pub struct JwtKey {
    /// The JWKS `kid`; a token naming a kid is checked against that key only.
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
    /// The variable it came from, for logs and errors.
    pub source: &'static str,
}

impl fmt::Debug for JwtKey {
    // Never the key material: an HS256 key is a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("source", &self.source)
            .finish()
    }
}

const JWT_VARIABLES: [&str; 6] = [
    "AUTH_JWT_HS256_SECRET",
    "AUTH_JWT_RS256_PUBLIC_KEY_FILE",
    "AUTH_JWKS_FILE",
    "AUTH_JWT_ISSUER",
    "AUTH_JWT_AUDIENCE",
    "AUTH_JWT_LEEWAY_SECONDS",
];

pub(super) fn read<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<AuthSettings, ConfigError> {
    let mode = vars.choice("AUTH_MODE", AuthMode::Gateway)?;
    if mode == AuthMode::Gateway {
        // Keys without the mode would look like verification and be none:
        // X-User-Id would still be taken as given.
        if let Some(set) = JWT_VARIABLES.iter().find(|name| vars.text(name).is_some()) {
            return Err(ConfigError::invalid(
                "AUTH_MODE",
                format!("is gateway (the default) but {set} is set; set AUTH_MODE=jwt or unset it"),
            ));
        }
        return Ok(AuthSettings::default());
    }
    let mut keys = Vec::new();
    if let Some(secret) = vars.text("AUTH_JWT_HS256_SECRET") {
        if secret.len() < MIN_HS256_SECRET_BYTES {
            return Err(ConfigError::invalid(
                "AUTH_JWT_HS256_SECRET",
                format!(
                    "must be at least {MIN_HS256_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ),
            ));
        }
        keys.push(JwtKey {
            kid: None,
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret.as_bytes()),
            source: "AUTH_JWT_HS256_SECRET",
        });
    }
    if let Some(path) = vars.text("AUTH_JWT_RS256_PUBLIC_KEY_FILE") {
        let name = "AUTH_JWT_RS256_PUBLIC_KEY_FILE";
        let pem = read_file(name, &path)?;
        let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|error| {
            ConfigError::invalid(
                name,
                format!("{path:?} is not an RSA public key in PEM ({error})"),
            )
        })?;
        keys.push(JwtKey {
            kid: None,
            algorithm: Algorithm::RS256,
            key,
            source: name,
        });
    }
    if let Some(path) = vars.text("AUTH_JWKS_FILE") {
        keys.extend(jwks_keys(&path, &read_file("AUTH_JWKS_FILE", &path)?)?);
    }
    if keys.is_empty() {
        return Err(ConfigError::invalid(
            "AUTH_MODE",
            "is jwt but no key is set: set AUTH_JWT_HS256_SECRET(_FILE), AUTH_JWT_RS256_PUBLIC_KEY_FILE or AUTH_JWKS_FILE",
        ));
    }
    Ok(AuthSettings {
        mode,
        jwt: Some(JwtSettings {
            keys,
            issuer: vars.text("AUTH_JWT_ISSUER"),
            audience: vars.text("AUTH_JWT_AUDIENCE"),
            leeway_seconds: vars.at_least(
                "AUTH_JWT_LEEWAY_SECONDS",
                DEFAULT_JWT_LEEWAY_SECONDS,
                0,
            )?,
        }),
    })
}

fn read_file(variable: &'static str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|error| ConfigError::invalid(variable, format!("cannot read {path:?}: {error}")))
}

/// The RS256 and HS256 signing keys of a JWKS document.
fn jwks_keys(path: &str, document: &str) -> Result<Vec<JwtKey>, ConfigError> {
    let name = "AUTH_JWKS_FILE";
    let set: JwkSet = serde_json::from_str(document).map_err(|error| {
        ConfigError::invalid(name, format!("{path:?} is not a JWKS document ({error})"))
    })?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::OctetKey(_), None | Some(KeyAlgorithm::HS256)) => {
                Algorithm::HS256
            }
            // Other algorithms are not accepted here; an IdP's set may hold them.
            _ => continue,
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|error| {
            ConfigError::invalid(
                name,
                format!(
                    "key {:?} of {path:?} does not parse ({error})",
                    jwk.common.key_id
                ),
            )
        })?;
        keys.push(JwtKey {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
            source: name,
        });
    }
    if keys.is_empty() {
        return Err(ConfigError::invalid(
            name,
            format!("{path:?} holds no RS256 or HS256 signing key"),
        ));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Settings;
    use super::*;

    const HS: &str = "an HS256 secret of at least 32 bytes!";

    fn auth(pairs: &[(&str, &str)]) -> Result<AuthSettings, ConfigError> {
        let mut vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.insert("QUEUE_TOKEN_SECRET".into(), "q".repeat(32));
        Settings::load(|name| vars.get(name).cloned()).map(|s| s.auth)
    }

    #[test]
    fn gateway_is_the_default_and_refuses_jwt_settings_it_would_ignore() {
        assert_eq!(auth(&[]).unwrap().mode, AuthMode::Gateway);
        let err = auth(&[("AUTH_JWT_HS256_SECRET", HS)]).unwrap_err();
        assert_eq!(err.variable, "AUTH_MODE");
        assert!(err.reason.contains("AUTH_JWT_HS256_SECRET"), "{err}");
    }

    #[test]
    fn jwt_mode_needs_a_key_that_parses() {
        let err = auth(&[("AUTH_MODE", "jwt")]).unwrap_err();
        assert_eq!(err.variable, "AUTH_MODE");
        let err = auth(&[("AUTH_MODE", "jwt"), ("AUTH_JWT_HS256_SECRET", "short")]).unwrap_err();
        assert_eq!(err.variable, "AUTH_JWT_HS256_SECRET");
        let dir = std::env::temp_dir().join(format!("tf-auth-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk");
        std::fs::write(&junk, "not a key").unwrap();
        let junk = junk.to_str().unwrap();
        for variable in ["AUTH_JWT_RS256_PUBLIC_KEY_FILE", "AUTH_JWKS_FILE"] {
            let err = auth(&[("AUTH_MODE", "jwt"), (variable, junk)]).unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
        let err = auth(&[
            ("AUTH_MODE", "jwt"),
            ("AUTH_JWKS_FILE", "/nonexistent/jwks"),
        ])
        .unwrap_err();
        assert!(err.reason.contains("cannot read"), "{err}");
        // A set of only other algorithms' keys gives nothing to verify with.
        let ec = dir.join("ec.json");
        std::fs::write(
            &ec,
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","alg":"ES256"}]}"#,
        )
        .unwrap();
        let err = auth(&[
            ("AUTH_MODE", "jwt"),
            ("AUTH_JWKS_FILE", ec.to_str().unwrap()),
        ])
        .unwrap_err();
        assert!(err.reason.contains("no RS256 or HS256"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn jwt_settings_carry_issuer_audience_leeway_and_never_print_keys() {
        let settings = auth(&[
            ("AUTH_MODE", "JWT"),
            ("AUTH_JWT_HS256_SECRET", HS),
            ("AUTH_JWT_ISSUER", "https://id.example"),
            ("AUTH_JWT_LEEWAY_SECONDS", "0"),
        ])
        .unwrap();
        let jwt = settings.jwt.as_ref().unwrap();
        assert_eq!(jwt.issuer.as_deref(), Some("https://id.example"));
        assert_eq!((jwt.audience.as_deref(), jwt.leeway_seconds), (None, 0));
        assert_eq!(jwt.keys[0].algorithm, Algorithm::HS256);
        assert!(!format!("{settings:?}").contains("HS256 secret"));
    }
}
