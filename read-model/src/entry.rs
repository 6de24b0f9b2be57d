//! The value of every read-model key: a ready-to-serve JSON body and what
//! the reader needs to finish it with no second round trip.
//!
//! A body is exact as of its load. Holds lapse later without any event, so
//! the body carries patches: a `"HELD"` that reads `"AVAILABLE"` (seat maps)
//! or `"EXPIRED"` (reservations) from a given instant, and available-seat
//! counts that grow as holds lapse. `lapse_at` is the earliest such instant;
//! before it the body is served as is (a zero-copy slice of the reply).
//!
//! A *pending* entry (flag) stands for a command in the log that is not
//! decided yet (see `pending`): readers never take it as the answer without
//! asking Postgres first.
//!
//! Layout (integers little-endian):
//! `"TF" 1 | flags u8 | version 8 bytes | fresh_until_ms i64 | delta_ms u32 |
//!  lapse_at_ms i64 | [owner 16 bytes] | body_len u32 | body | patch_count u32 |
//!  patches`. `version` is random per write, so a reader holding a copy can
//! ask Redis whether it is still current without fetching it again.

use bytes::Bytes;
use uuid::Uuid;

const MAGIC: &[u8; 3] = b"TF\x01";
/// Where `version` sits (after the magic and the flags).
pub const VERSION_AT: usize = 4;
const NOT_FOUND: u8 = 1;
const OWNED: u8 = 2;
const PENDING: u8 = 4;
const FLIP: u8 = 1;
const COUNT: u8 = 2;
/// `"HELD"`, the token a flip replaces.
const HELD: &[u8] = b"\"HELD\"";

/// What a flipped `"HELD"` reads once its hold has lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapsed {
    Available,
    Expired,
}

impl Lapsed {
    fn token(self) -> &'static [u8] {
        match self {
            Lapsed::Available => b"\"AVAILABLE\"",
            Lapsed::Expired => b"\"EXPIRED\"",
        }
    }
}

/// A change the reader applies to the body at read time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch {
    /// The `"HELD"` at byte `at` reads as `to` from `lapses_at_ms` on.
    Flip {
        at: u32,
        lapses_at_ms: i64,
        to: Lapsed,
    },
    /// The `len` digits at byte `at` read `base` plus the number of
    /// `lapses_ms` (sorted) already past.
    Count {
        at: u32,
        len: u8,
        base: u32,
        lapses_ms: Vec<i64>,
    },
}

impl Patch {
    fn at(&self) -> usize {
        match self {
            Patch::Flip { at, .. } | Patch::Count { at, .. } => *at as usize,
        }
    }

    fn first_lapse(&self) -> Option<i64> {
        match self {
            Patch::Flip { lapses_at_ms, .. } => Some(*lapses_at_ms),
            Patch::Count { lapses_ms, .. } => lapses_ms.first().copied(),
        }
    }
}

/// What a loader produced: the answer and its patches, before the cache
/// policy stamps freshness on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// `None`: nothing exists under this key (404).
    pub body: Option<Vec<u8>>,
    pub patches: Vec<Patch>,
    /// The user allowed to read it; anyone else gets 404.
    pub owner: Option<Uuid>,
    /// Until when it is part of a booking window: kept at least that long.
    pub hot_until_ms: Option<i64>,
}

impl View {
    pub fn found(body: Vec<u8>) -> Self {
        Self {
            body: Some(body),
            patches: Vec::new(),
            owner: None,
            hot_until_ms: None,
        }
    }

    pub fn not_found() -> Self {
        Self {
            body: None,
            patches: Vec::new(),
            owner: None,
            hot_until_ms: None,
        }
    }

    pub fn owned_by(mut self, owner: Uuid) -> Self {
        self.owner = Some(owner);
        self
    }
}

/// A decoded entry. `body` and `raw` share the reply's buffer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub not_found: bool,
    /// Written by command-api for an undecided command, not loaded from
    /// Postgres: only served while Postgres still knows nothing newer.
    pub pending: bool,
    /// Random per write: equal versions are equal entries.
    pub version: [u8; 8],
    pub fresh_until_ms: i64,
    /// How long the load behind it took (XFetch's delta).
    pub delta_ms: u32,
    pub lapse_at_ms: i64,
    pub owner: Option<Uuid>,
    pub body: Bytes,
    /// The encoded patches, parsed only when a lapse is due.
    patches: Bytes,
}

/// The answer a read gives: the body as of `now`, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    Found(Bytes),
    NotFound,
}

impl Entry {
    pub fn encode(view: &View, fresh_until_ms: i64, delta_ms: u32) -> Vec<u8> {
        Self::encode_flagged(view, fresh_until_ms, delta_ms, 0)
    }

    /// A pending entry: `view` as an undecided command reads, never fresh.
    pub fn encode_pending(view: &View, written_ms: i64) -> Vec<u8> {
        Self::encode_flagged(view, written_ms, 0, PENDING)
    }

    fn encode_flagged(view: &View, fresh_until_ms: i64, delta_ms: u32, mut flags: u8) -> Vec<u8> {
        let body = view.body.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(body.len() + 64 + view.patches.len() * 14);
        out.extend_from_slice(MAGIC);
        if view.body.is_none() {
            flags |= NOT_FOUND;
        }
        if view.owner.is_some() {
            flags |= OWNED;
        }
        out.push(flags);
        out.extend_from_slice(&super::policy::random_u64().to_le_bytes());
        out.extend_from_slice(&fresh_until_ms.to_le_bytes());
        out.extend_from_slice(&delta_ms.to_le_bytes());
        let lapse_at = view
            .patches
            .iter()
            .filter_map(Patch::first_lapse)
            .min()
            .unwrap_or(i64::MAX);
        out.extend_from_slice(&lapse_at.to_le_bytes());
        if let Some(owner) = view.owner {
            out.extend_from_slice(owner.as_bytes());
        }
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&(view.patches.len() as u32).to_le_bytes());
        for patch in &view.patches {
            match patch {
                Patch::Flip {
                    at,
                    lapses_at_ms,
                    to,
                } => {
                    out.push(FLIP);
                    out.extend_from_slice(&at.to_le_bytes());
                    out.extend_from_slice(&lapses_at_ms.to_le_bytes());
                    out.push(match to {
                        Lapsed::Available => 0,
                        Lapsed::Expired => 1,
                    });
                }
                Patch::Count {
                    at,
                    len,
                    base,
                    lapses_ms,
                } => {
                    out.push(COUNT);
                    out.extend_from_slice(&at.to_le_bytes());
                    out.push(*len);
                    out.extend_from_slice(&base.to_le_bytes());
                    out.extend_from_slice(&(lapses_ms.len() as u32).to_le_bytes());
                    for lapse in lapses_ms {
                        out.extend_from_slice(&lapse.to_le_bytes());
                    }
                }
            }
        }
        out
    }

    /// `None` for anything that is not a well-formed entry (treated as a miss).
    pub fn decode(raw: Bytes) -> Option<Entry> {
        let mut cursor = Cursor { raw: &raw, at: 0 };
        if cursor.take(3)? != MAGIC {
            return None;
        }
        let flags = cursor.u8()?;
        let version = cursor.take(8)?.try_into().ok()?;
        let fresh_until_ms = cursor.i64()?;
        let delta_ms = cursor.u32()?;
        let lapse_at_ms = cursor.i64()?;
        let owner = if flags & OWNED != 0 {
            Some(Uuid::from_slice(cursor.take(16)?).ok()?)
        } else {
            None
        };
        let body_len = cursor.u32()? as usize;
        let body_start = cursor.at;
        cursor.take(body_len)?;
        let body_end = cursor.at;
        Some(Entry {
            not_found: flags & NOT_FOUND != 0,
            pending: flags & PENDING != 0,
            version,
            fresh_until_ms,
            delta_ms,
            lapse_at_ms,
            owner,
            body: raw.slice(body_start..body_end),
            patches: raw.slice(body_end..),
        })
    }

    /// The answer as of `now_ms`: lapsed holds read as lapsed.
    pub fn serve(&self, now_ms: i64) -> Served {
        if self.not_found {
            return Served::NotFound;
        }
        if now_ms < self.lapse_at_ms {
            return Served::Found(self.body.clone());
        }
        match self.render(now_ms) {
            Some(body) => Served::Found(body),
            // Unreadable patches: the body as loaded is the best answer.
            None => Served::Found(self.body.clone()),
        }
    }

    /// The answer for `caller`: someone else's entry does not exist for them.
    pub fn serve_to(&self, caller: Uuid, now_ms: i64) -> Served {
        match self.owner {
            Some(owner) if owner != caller => Served::NotFound,
            _ => self.serve(now_ms),
        }
    }

    fn render(&self, now_ms: i64) -> Option<Bytes> {
        let patches = decode_patches(&self.patches)?;
        let body = &self.body[..];
        let mut out = Vec::with_capacity(body.len() + patches.len() * 4);
        let mut copied = 0;
        for patch in &patches {
            let at = patch.at();
            if at < copied || at > body.len() {
                return None;
            }
            match patch {
                Patch::Flip {
                    lapses_at_ms, to, ..
                } => {
                    if *lapses_at_ms > now_ms || body.get(at..at + HELD.len())? != HELD {
                        continue;
                    }
                    out.extend_from_slice(&body[copied..at]);
                    out.extend_from_slice(to.token());
                    copied = at + HELD.len();
                }
                Patch::Count {
                    len,
                    base,
                    lapses_ms,
                    ..
                } => {
                    let end = at + *len as usize;
                    body.get(at..end)?;
                    let lapsed = lapses_ms.partition_point(|lapse| *lapse <= now_ms);
                    out.extend_from_slice(&body[copied..at]);
                    out.extend_from_slice((*base as usize + lapsed).to_string().as_bytes());
                    copied = end;
                }
            }
        }
        out.extend_from_slice(&body[copied..]);
        Some(Bytes::from(out))
    }
}

fn decode_patches(raw: &[u8]) -> Option<Vec<Patch>> {
    let mut cursor = Cursor { raw, at: 0 };
    let count = cursor.u32()? as usize;
    let mut patches = Vec::with_capacity(count.min(raw.len()));
    for _ in 0..count {
        let patch = match cursor.u8()? {
            FLIP => Patch::Flip {
                at: cursor.u32()?,
                lapses_at_ms: cursor.i64()?,
                to: if cursor.u8()? == 0 {
                    Lapsed::Available
                } else {
                    Lapsed::Expired
                },
            },
            COUNT => {
                let at = cursor.u32()?;
                let len = cursor.u8()?;
                let base = cursor.u32()?;
                let n = cursor.u32()? as usize;
                let mut lapses_ms = Vec::with_capacity(n.min(raw.len() / 8));
                for _ in 0..n {
                    lapses_ms.push(cursor.i64()?);
                }
                Patch::Count {
                    at,
                    len,
                    base,
                    lapses_ms,
                }
            }
            _ => return None,
        };
        patches.push(patch);
    }
    Some(patches)
}

struct Cursor<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.raw.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(view: &View) -> Entry {
        Entry::decode(Bytes::from(Entry::encode(view, 1_000, 7))).unwrap()
    }

    #[test]
    fn a_body_without_patches_is_served_as_stored() {
        let owner = Uuid::now_v7();
        let e = entry(&View::found(b"{\"balance\":5}".to_vec()).owned_by(owner));
        assert_eq!((e.fresh_until_ms, e.delta_ms), (1_000, 7));
        assert_eq!(
            e.serve(i64::MAX - 1),
            Served::Found(Bytes::from_static(b"{\"balance\":5}"))
        );
        assert_eq!(e.serve_to(Uuid::now_v7(), 0), Served::NotFound);
        assert!(matches!(e.serve_to(owner, 0), Served::Found(_)));
    }

    #[test]
    fn holds_flip_and_counts_grow_once_their_time_has_come() {
        let body = br#"[{"s":"HELD"},{"s":"HELD"},{"n":10}]"#.to_vec();
        let first = body.windows(6).position(|w| w == HELD).unwrap() as u32;
        let second = first + 13;
        let count = body.windows(2).position(|w| w == b"10").unwrap() as u32;
        let view = View {
            body: Some(body),
            patches: vec![
                Patch::Flip {
                    at: first,
                    lapses_at_ms: 100,
                    to: Lapsed::Available,
                },
                Patch::Flip {
                    at: second,
                    lapses_at_ms: 200,
                    to: Lapsed::Expired,
                },
                Patch::Count {
                    at: count,
                    len: 2,
                    base: 10,
                    lapses_ms: vec![100, 200],
                },
            ],
            owner: None,
            hot_until_ms: None,
        };
        let e = entry(&view);
        assert_eq!(e.lapse_at_ms, 100);
        let at = |now| match e.serve(now) {
            Served::Found(b) => String::from_utf8(b.to_vec()).unwrap(),
            Served::NotFound => unreachable!(),
        };
        assert_eq!(at(99), r#"[{"s":"HELD"},{"s":"HELD"},{"n":10}]"#);
        assert_eq!(at(100), r#"[{"s":"AVAILABLE"},{"s":"HELD"},{"n":11}]"#);
        assert_eq!(at(250), r#"[{"s":"AVAILABLE"},{"s":"EXPIRED"},{"n":12}]"#);
    }

    #[test]
    fn a_pending_entry_decodes_as_pending_and_serves_only_its_owner() {
        let owner = Uuid::now_v7();
        let view = View::found(b"{\"status\":\"PENDING\"}".to_vec()).owned_by(owner);
        let e = Entry::decode(Bytes::from(Entry::encode_pending(&view, 5))).unwrap();
        assert!(e.pending && !e.not_found);
        assert_eq!(e.fresh_until_ms, 5);
        assert_eq!(e.serve_to(Uuid::now_v7(), 0), Served::NotFound);
        assert_eq!(
            e.serve_to(owner, 0),
            Served::Found(Bytes::from_static(b"{\"status\":\"PENDING\"}"))
        );
        assert!(!entry(&view).pending);
    }

    #[test]
    fn absence_and_garbage_decode_as_such() {
        assert!(entry(&View::not_found()).not_found);
        assert!(Entry::decode(Bytes::from_static(b"{\"legacy\":1}")).is_none());
        assert!(Entry::decode(Bytes::from_static(b"TF\x01\x00")).is_none());
    }
}
