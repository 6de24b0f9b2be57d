//! Secrets from files: each secret may be given as `<NAME>_FILE`, the path
//! of a file holding it (a Kubernetes or Docker secret mounted as a file),
//! instead of `<NAME>` itself, so it never sits in the process environment
//! or a manifest. Setting both is refused: which one wins would be a guess.

use std::collections::HashMap;

use super::ConfigError;

/// The variables that may hold a secret, each with the variable naming its
/// file: the two URLs because they may carry a password.
pub const SECRET_VARIABLES: [(&str, &str); 6] = [
    ("DATABASE_URL", "DATABASE_URL_FILE"),
    ("REDIS_URL", "REDIS_URL_FILE"),
    ("ADMIN_KEY", "ADMIN_KEY_FILE"),
    ("QUEUE_TOKEN_SECRET", "QUEUE_TOKEN_SECRET_FILE"),
    ("QUEUE_TOKEN_KEYS", "QUEUE_TOKEN_KEYS_FILE"),
    ("AUTH_JWT_HS256_SECRET", "AUTH_JWT_HS256_SECRET_FILE"),
];

/// Wraps `lookup` so each secret variable left unset answers the contents
/// of its `_FILE` (trailing newline and spaces trimmed, as `echo` and
/// editors leave them). Reads every named file now, so a missing or
/// unreadable one fails start-up with its variable's name.
pub(super) fn with_secret_files(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<impl Fn(&str) -> Option<String>, ConfigError> {
    let mut from_files = HashMap::new();
    for (name, file_variable) in SECRET_VARIABLES {
        let Some(path) = lookup(file_variable).filter(|path| !path.trim().is_empty()) else {
            continue;
        };
        if lookup(name).is_some_and(|value| !value.trim().is_empty()) {
            return Err(ConfigError::invalid(
                file_variable,
                format!("{name} is set too; set one of them"),
            ));
        }
        let contents = std::fs::read_to_string(path.trim()).map_err(|error| {
            ConfigError::invalid(file_variable, format!("cannot read {path:?}: {error}"))
        })?;
        from_files.insert(name, contents.trim_end().to_owned());
    }
    Ok(move |name: &str| lookup(name).or_else(|| from_files.get(name).cloned()))
}
