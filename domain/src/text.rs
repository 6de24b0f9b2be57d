//! Short human-entered labels. Stored trimmed, so " Seoul " and "Seoul" are
//! the same venue, and bounded so one admin typo cannot bloat every read.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

const MAX_CHARS: usize = 200;

fn bounded(field: &'static str, raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let got = trimmed.chars().count();
    if got == 0 || got > MAX_CHARS {
        return Err(InvalidValue::TextLength {
            field,
            max: MAX_CHARS,
            got,
        });
    }
    Ok(trimmed.to_owned())
}

macro_rules! label {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = MAX_CHARS;

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidValue;

            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                bounded($field, raw).map($name)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::try_from(raw.as_str())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

label!(
    /// A concert's title.
    Title,
    "title"
);
label!(
    /// Where a concert takes place.
    Venue,
    "venue"
);
