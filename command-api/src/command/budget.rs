//! How long a command waits for its decision: `Prefer: wait=<seconds>`
//! (RFC 7240), clamped to 0..=10, 3 s when absent or unreadable.

use std::time::Duration;

use actix_web::http::header::HeaderMap;

pub const DEFAULT_WAIT_SECONDS: u64 = 3;
pub const MAX_WAIT_SECONDS: u64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitBudget {
    seconds: u64,
    /// Whether the client asked, so the answer can say `Preference-Applied`.
    preferred: bool,
}

impl WaitBudget {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let asked = headers
            .get_all("prefer")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .find_map(wait_preference);
        match asked {
            Some(seconds) => Self {
                seconds: seconds.clamp(0, MAX_WAIT_SECONDS as i128) as u64,
                preferred: true,
            },
            None => Self {
                seconds: DEFAULT_WAIT_SECONDS,
                preferred: false,
            },
        }
    }

    pub fn duration(self) -> Duration {
        Duration::from_secs(self.seconds)
    }

    pub fn is_zero(self) -> bool {
        self.seconds == 0
    }

    /// `Preference-Applied: wait=<n>` when the client sent `Prefer: wait`.
    pub fn applied(self) -> Option<String> {
        self.preferred.then(|| format!("wait={}", self.seconds))
    }
}

/// `wait=5` (parameters after `;` ignored, the value possibly quoted); a
/// number too large for anything still clamps rather than being dropped.
fn wait_preference(preference: &str) -> Option<i128> {
    let token = preference.split(';').next()?.trim();
    let (name, value) = token.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("wait") {
        return None;
    }
    let value = value.trim().trim_matches('"');
    if value.starts_with('-') {
        return value.parse::<i128>().ok().map(|_| 0);
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse::<i128>().unwrap_or(i128::MAX));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn budget(values: &[&str]) -> WaitBudget {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                HeaderName::from_static("prefer"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        WaitBudget::from_headers(&headers)
    }

    #[test]
    fn absent_or_unreadable_means_three_seconds() {
        assert_eq!(budget(&[]).duration(), Duration::from_secs(3));
        assert_eq!(budget(&[]).applied(), None);
        assert_eq!(budget(&["wait=soon"]).duration(), Duration::from_secs(3));
        assert_eq!(budget(&["wait=1.5"]).duration(), Duration::from_secs(3));
        assert_eq!(
            budget(&["respond-async"]).duration(),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn wait_is_read_among_other_preferences_and_clamped() {
        assert_eq!(budget(&["wait=0"]).duration(), Duration::ZERO);
        assert!(budget(&["wait=0"]).is_zero());
        assert_eq!(
            budget(&["respond-async, WAIT=5"]).duration(),
            Duration::from_secs(5)
        );
        assert_eq!(
            budget(&["handling=lenient", "wait=\"7\""])
                .applied()
                .unwrap(),
            "wait=7"
        );
        assert_eq!(budget(&["wait=60"]).duration(), Duration::from_secs(10));
        assert_eq!(
            budget(&["wait=99999999999999999999999999999999999999999"]).duration(),
            Duration::from_secs(10)
        );
        assert_eq!(budget(&["wait=-4"]).duration(), Duration::ZERO);
    }
}
