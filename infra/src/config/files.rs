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

/// Refuses a secret given both as itself and as a file. Reads no file:
/// a file is read only when a section that uses its secret is read
/// ([`read_secret_files`]), so a command never needs a secret it does not use.
pub(super) fn check_secret_files(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (name, file_variable) in SECRET_VARIABLES {
        if file_of(lookup, file_variable).is_some()
            && lookup(name).is_some_and(|value| !value.trim().is_empty())
        {
            return Err(ConfigError::invalid(
                file_variable,
                format!("{name} is set too; set one of them"),
            ));
        }
    }
    Ok(())
}

/// The contents of the files that `secrets` (some of `SECRET_VARIABLES`)
/// are given in, by secret name (trailing newline and spaces trimmed, as
/// `echo` and editors leave them). A missing or unreadable file fails with
/// its variable's name.
pub(super) fn read_secret_files(
    lookup: &impl Fn(&str) -> Option<String>,
    secrets: &[&str],
) -> Result<HashMap<&'static str, String>, ConfigError> {
    let mut from_files = HashMap::new();
    for (name, file_variable) in SECRET_VARIABLES {
        if !secrets.contains(&name) {
            continue;
        }
        let Some(path) = file_of(lookup, file_variable) else {
            continue;
        };
        let contents = std::fs::read_to_string(path.trim()).map_err(|error| {
            ConfigError::invalid(file_variable, format!("cannot read {path:?}: {error}"))
        })?;
        from_files.insert(name, contents.trim_end().to_owned());
    }
    Ok(from_files)
}

fn file_of(lookup: &impl Fn(&str) -> Option<String>, file_variable: &str) -> Option<String> {
    lookup(file_variable).filter(|path| !path.trim().is_empty())
}
