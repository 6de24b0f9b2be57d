//! A view's body is its type serialized with serde_json (the type is the
//! one owner of the shape, see `views`). The parts that change with time
//! (hold statuses, available counts) are then found in those bytes, so a
//! read can patch them without parsing (see `entry`).
//!
//! A member is found by its name: `"name":` in serde_json's compact output
//! is always a member name, never text inside a string, because a string's
//! own `"` are escaped (`\"`). The loaders pick names that occur once per
//! object they patch, so the i-th match belongs to the i-th such object.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::entry::{Lapsed, Patch};

/// `"HELD"`, the only status a lapse flips.
const HELD: &[u8] = b"\"HELD\"";

/// `view` as the JSON a reader is served.
pub fn serialize<T: Serialize>(view: &T) -> Vec<u8> {
    // Views hold ids, integers, times, strings and enums: serializing
    // them into a Vec cannot fail.
    serde_json::to_vec(view).unwrap_or_default()
}

/// Where the value of each `"name":` member of `body` starts, in document
/// order. `name` is a plain identifier (nothing to escape).
pub fn members<'a>(body: &'a [u8], name: &str) -> impl Iterator<Item = usize> + 'a {
    let key = format!("\"{name}\":").into_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = body
            .get(from..)?
            .windows(key.len())
            .position(|window| window == key.as_slice())
        {
            let at = from + found;
            from = at + key.len();
            // Belt and braces: a member name follows `{` or `,`.
            if at > 0 && matches!(body[at - 1], b'{' | b',') {
                return Some(from);
            }
        }
        None
    })
}

/// The `"HELD"` at `at` reads `to` from `lapses_at` on; `None` when the
/// value at `at` is not `"HELD"` (nothing to flip).
pub fn flip(body: &[u8], at: usize, lapses_at: DateTime<Utc>, to: Lapsed) -> Option<Patch> {
    (body.get(at..at + HELD.len())? == HELD).then(|| Patch::Flip {
        at: at as u32,
        lapses_at_ms: lapses_at.timestamp_millis(),
        to,
    })
}

/// The count at `at` grows by one as each of `lapses_ms` passes; `None`
/// when nothing lapses or no count (non-negative integer) is at `at`.
pub fn count(body: &[u8], at: usize, mut lapses_ms: Vec<i64>) -> Option<Patch> {
    let digits = body
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if lapses_ms.is_empty() || digits == 0 {
        return None;
    }
    let base = std::str::from_utf8(&body[at..at + digits])
        .ok()?
        .parse()
        .ok()?;
    lapses_ms.sort_unstable();
    Some(Patch::Count {
        at: at as u32,
        len: u8::try_from(digits).ok()?,
        base,
        lapses_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Tricky {
        note: String,
        status: &'static str,
        items: Vec<Item>,
    }

    #[derive(Serialize)]
    struct Item {
        label: String,
        status: &'static str,
        left: i64,
    }

    #[test]
    fn members_are_found_by_name_never_inside_strings() {
        let view = Tricky {
            note: r#"{"status":"HELD"},"status":"HELD""#.into(),
            status: "SOLD",
            items: vec![
                Item {
                    label: r#","left":1"#.into(),
                    status: "HELD",
                    left: 42,
                },
                Item {
                    label: "\\".into(),
                    status: "AVAILABLE",
                    left: 7,
                },
            ],
        };
        let body = serialize(&view);
        let text = std::str::from_utf8(&body).unwrap();
        let statuses: Vec<&str> = members(&body, "status")
            .map(|at| text[at..].split([',', '}']).next().unwrap())
            .collect();
        assert_eq!(statuses, [r#""SOLD""#, r#""HELD""#, r#""AVAILABLE""#]);
        let lefts: Vec<usize> = members(&body, "left").collect();
        assert_eq!(lefts.len(), 2);
        assert_eq!(&text[lefts[0]..lefts[0] + 2], "42");
        assert_eq!(&text[lefts[1]..lefts[1] + 1], "7");
        assert_eq!(members(&body, "stat").count(), 0);
    }

    #[test]
    fn only_a_held_status_flips_and_only_a_count_with_lapses_grows() {
        let body = br#"{"a":"HELD","b":"SOLD","n":12}"#;
        let at = |name| members(body, name).next().unwrap();
        let lapse = DateTime::from_timestamp_millis(5).unwrap();
        assert_eq!(
            flip(body, at("a"), lapse, Lapsed::Expired),
            Some(Patch::Flip {
                at: 5,
                lapses_at_ms: 5,
                to: Lapsed::Expired
            })
        );
        assert_eq!(flip(body, at("b"), lapse, Lapsed::Expired), None);
        assert_eq!(
            count(body, at("n"), vec![9, 3]),
            Some(Patch::Count {
                at: 27,
                len: 2,
                base: 12,
                lapses_ms: vec![3, 9]
            })
        );
        assert_eq!(count(body, at("n"), vec![]), None);
        assert_eq!(count(body, at("a"), vec![1]), None);
    }
}
