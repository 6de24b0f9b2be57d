use std::fmt;

/// Why the configuration could not be loaded, naming the variable at fault.
/// Displays as `<VAR>: <why>`, which `main` prefixes with
/// `configuration error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn missing(variable: &'static str) -> Self {
        Self {
            variable,
            reason: "is required but not set".into(),
        }
    }

    pub fn invalid(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ConfigError {}
