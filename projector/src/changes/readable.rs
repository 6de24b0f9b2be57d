//! Text made safe for a Postgres `text` or `jsonb` column. A dead letter's
//! reason or a refusal's detail may quote the poison record itself, and
//! Postgres rejects U+0000 in both: a reason it cannot store would fail the
//! batch that was meant to set the record aside, and the batch would be
//! retried forever.

/// The longest reason kept: enough for any parser's message, while a
/// reason quoting an oversized value stays a reason, not a copy of it.
pub const MAX_REASON_CHARS: usize = 1000;

/// `text` with each NUL written as `\0`, cut to `MAX_REASON_CHARS`.
pub fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_REASON_CHARS));
    for c in text.chars().take(MAX_REASON_CHARS) {
        match c {
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    if text.chars().nth(MAX_REASON_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_escaped_and_long_text_cut() {
        assert_eq!(readable("a\0b"), "a\\0b");
        assert_eq!(readable("plain"), "plain");
        let long = "x".repeat(MAX_REASON_CHARS + 5);
        assert_eq!(readable(&long).chars().count(), MAX_REASON_CHARS + 1);
    }
}
