//! Reading one variable as one typed value.

use std::fmt::Display;
use std::net::SocketAddr;
use std::str::FromStr;

use super::secret::Secret;
use super::ConfigError;

/// An enum read from a variable by name, case-insensitively.
pub(super) trait Choice: Sized + Copy + 'static {
    const NAMES: &'static [(&'static str, Self)];
}

pub(super) struct Variables<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    pub(super) fn new(lookup: F) -> Self {
        Self { lookup }
    }

    /// The trimmed value; empty counts as unset so `FOO=` in an env file
    /// means "use the default".
    pub(super) fn text(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn text_or(&self, name: &str, default: &str) -> String {
        self.text(name).unwrap_or_else(|| default.to_owned())
    }

    /// A whole number of at least 1.
    pub(super) fn positive<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + From<u8> + Display,
    {
        let Some(raw) = self.text(name) else {
            return Ok(default);
        };
        match raw.parse::<T>() {
            Ok(value) if value >= T::from(1) => Ok(value),
            _ => Err(ConfigError::invalid(
                name,
                format!("must be a whole number of at least 1, got {raw:?}"),
            )),
        }
    }

    /// A whole number of at least `floor`.
    pub(super) fn at_least(
        &self,
        name: &'static str,
        default: u64,
        floor: u64,
    ) -> Result<u64, ConfigError> {
        let Some(raw) = self.text(name) else {
            return Ok(default);
        };
        match raw.parse::<u64>() {
            Ok(value) if value >= floor => Ok(value),
            _ => Err(ConfigError::invalid(
                name,
                format!("must be a whole number of at least {floor}, got {raw:?}"),
            )),
        }
    }

    pub(super) fn socket_addr(
        &self,
        name: &'static str,
        default: &str,
    ) -> Result<SocketAddr, ConfigError> {
        let raw = self.text_or(name, default);
        raw.parse().map_err(|_| {
            ConfigError::invalid(
                name,
                format!("must be an IP address and port like 0.0.0.0:8080, got {raw:?}"),
            )
        })
    }

    pub(super) fn choice<T: Choice>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        let Some(raw) = self.text(name) else {
            return Ok(default);
        };
        T::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&raw))
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<_> = T::NAMES.iter().map(|(n, _)| *n).collect();
                ConfigError::invalid(
                    name,
                    format!("must be one of {}, got {raw:?}", names.join("|")),
                )
            })
    }

    pub(super) fn secret(
        &self,
        name: &'static str,
        min_bytes: usize,
    ) -> Result<Secret, ConfigError> {
        let value = self.text(name).ok_or(ConfigError::missing(name))?;
        if value.len() < min_bytes {
            return Err(ConfigError::invalid(
                name,
                format!("must be at least {min_bytes} bytes, got {}", value.len()),
            ));
        }
        Ok(Secret::new(value))
    }

    pub(super) fn redis_url(
        &self,
        name: &'static str,
        default: &str,
    ) -> Result<String, ConfigError> {
        let raw = self.text_or(name, default);
        if !(raw.starts_with("redis://") || raw.starts_with("rediss://")) {
            return Err(ConfigError::invalid(
                name,
                "must be a redis:// or rediss:// URL",
            ));
        }
        redis::Client::open(raw.as_str())
            .map_err(|e| ConfigError::invalid(name, format!("not a valid Redis URL ({e})")))?;
        Ok(raw)
    }

    /// Comma-separated origins like `https://tickets.example`; a trailing
    /// slash or a path would never match a browser's `Origin` header.
    pub(super) fn origins(&self, name: &'static str) -> Result<Vec<String>, ConfigError> {
        let Some(raw) = self.text(name) else {
            return Ok(Vec::new());
        };
        raw.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|origin| {
                let well_formed = (origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin
                        .split_once("://")
                        .map(|(_, rest)| rest)
                        .unwrap_or_default()
                        .contains('/');
                if well_formed {
                    Ok(origin.to_owned())
                } else {
                    Err(ConfigError::invalid(
                        name,
                        format!("{origin:?} is not an origin like https://example.com"),
                    ))
                }
            })
            .collect()
    }

    /// An absolute http(s) base URL, without a trailing slash, so paths can
    /// be appended to it as they are.
    pub(super) fn base_url(
        &self,
        name: &'static str,
        default: &str,
    ) -> Result<String, ConfigError> {
        let url = self.text_or(name, default);
        let url = url.trim_end_matches('/');
        let host = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .unwrap_or_default();
        let authority = host.split('/').next().unwrap_or_default();
        if authority.is_empty() || url.contains(['?', '#', ' ']) {
            return Err(ConfigError::invalid(
                name,
                format!("{url:?} is not a base URL like https://api.example.com"),
            ));
        }
        Ok(url.to_owned())
    }
}
