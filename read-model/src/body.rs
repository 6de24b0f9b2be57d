//! Writing JSON bodies by hand, so the byte offsets of the parts that
//! change with time (hold statuses, available counts) are known.

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::entry::{Lapsed, Patch};

#[derive(Default)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub patches: Vec<Patch>,
}

impl Body {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(capacity),
            patches: Vec::new(),
        }
    }

    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.bytes.extend_from_slice(text.as_bytes());
        self
    }

    /// `"name":` (names are plain identifiers, never escaped).
    pub fn name(&mut self, name: &str) -> &mut Self {
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(b"\":");
        self
    }

    pub fn string(&mut self, value: &str) -> &mut Self {
        // Serializing a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.bytes, value);
        self
    }

    pub fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(
            value
                .hyphenated()
                .encode_lower(&mut Uuid::encode_buffer())
                .as_bytes(),
        );
        self.bytes.push(b'"');
        self
    }

    /// RFC 3339 UTC, as chrono's serde writes it.
    pub fn time(&mut self, value: DateTime<Utc>) -> &mut Self {
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(
            value
                .to_rfc3339_opts(SecondsFormat::AutoSi, true)
                .as_bytes(),
        );
        self.bytes.push(b'"');
        self
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.bytes.extend_from_slice(value.to_string().as_bytes());
        self
    }

    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int(value),
            None => self.raw("null"),
        }
    }

    pub fn opt_string(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.string(value),
            None => self.raw("null"),
        }
    }

    /// A status; a `HELD` that lapses at `lapses_at` reads `to` from then on.
    pub fn status(&mut self, status: &str, lapse: Option<(DateTime<Utc>, Lapsed)>) -> &mut Self {
        if let (Some((at, to)), "HELD") = (lapse, status) {
            self.patches.push(Patch::Flip {
                at: self.bytes.len() as u32,
                lapses_at_ms: at.timestamp_millis(),
                to,
            });
        }
        self.string(status)
    }

    /// A count that grows by one as each of `lapses` passes.
    pub fn count(&mut self, base: i64, mut lapses_ms: Vec<i64>) -> &mut Self {
        let at = self.bytes.len() as u32;
        let digits = base.max(0).to_string();
        if !lapses_ms.is_empty() {
            lapses_ms.sort_unstable();
            self.patches.push(Patch::Count {
                at,
                len: digits.len() as u8,
                base: base.max(0) as u32,
                lapses_ms,
            });
        }
        self.bytes.extend_from_slice(digits.as_bytes());
        self
    }
}
