//! Which stretch of each partition an export covers: `--from` and
//! `--until`, each an offset (`offset:<n>`) or an RFC 3339 time (the
//! broker's record timestamp). Both ends are inclusive.
//!
//! A time cuts the partition in log order, as `projector replay --until`
//! does: the window opens at the first record stamped at or after `--from`
//! and closes before the first record stamped after `--until`, whatever
//! the timestamps of the records around them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::record::Record;

/// One end of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// An offset, the same in every partition exported.
    Offset(i64),
    /// A broker timestamp.
    Time(DateTime<Utc>),
}

impl FromStr for Position {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(offset) = text.strip_prefix("offset:") {
            return match offset.parse::<i64>() {
                Ok(offset) if offset >= 0 => Ok(Position::Offset(offset)),
                _ => Err(format!(
                    "{offset:?} is not an offset (a whole number of at least 0)"
                )),
            };
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| Position::Time(t.with_timezone(&Utc)))
            .map_err(|_| {
                "expected offset:<n> (e.g. offset:1234) or an RFC 3339 time \
                 (e.g. 2026-12-01T11:00:00Z)"
                    .to_owned()
            })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Offset(offset) => write!(f, "offset:{offset}"),
            Position::Time(time) => write!(f, "{}", time.to_rfc3339()),
        }
    }
}

/// Where a record stands against the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Before,
    Inside,
    /// Past the end: so is everything after it in its partition.
    Past,
}

/// The window of one partition, walked in offset order.
#[derive(Debug, Clone)]
pub struct Window {
    from: Option<Position>,
    until: Option<Position>,
    opened: bool,
    closed: bool,
}

impl Window {
    pub fn new(from: Option<Position>, until: Option<Position>) -> Self {
        Self {
            from,
            until,
            opened: from.is_none(),
            closed: false,
        }
    }

    /// Places the partition's next record.
    pub fn place(&mut self, record: &Record) -> Place {
        let past = match self.until {
            Some(Position::Offset(until)) => record.offset > until,
            Some(Position::Time(until)) => record
                .timestamp_ms
                .is_some_and(|t| t > until.timestamp_millis()),
            None => false,
        };
        self.closed |= past;
        if self.closed {
            return Place::Past;
        }
        if !self.opened {
            self.opened = match self.from {
                Some(Position::Offset(from)) => record.offset >= from,
                Some(Position::Time(from)) => record
                    .timestamp_ms
                    .is_some_and(|t| t >= from.timestamp_millis()),
                None => true,
            };
        }
        if self.opened {
            Place::Inside
        } else {
            Place::Before
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(offset: i64, timestamp_ms: i64) -> Record {
        Record {
            topic: "t".into(),
            partition: 0,
            offset,
            timestamp_ms: Some(timestamp_ms),
            key: None,
            payload: None,
            trace: Default::default(),
        }
    }

    fn places(from: Option<&str>, until: Option<&str>, log: &[(i64, i64)]) -> Vec<Place> {
        let mut window = Window::new(
            from.map(|p| p.parse().unwrap()),
            until.map(|p| p.parse().unwrap()),
        );
        log.iter()
            .map(|(offset, ms)| window.place(&record(*offset, *ms)))
            .collect()
    }

    #[test]
    fn positions_are_offsets_or_times() {
        assert_eq!("offset:0".parse(), Ok(Position::Offset(0)));
        assert_eq!(
            "2026-12-01T11:00:00+09:00".parse::<Position>().unwrap(),
            Position::Time("2026-12-01T02:00:00Z".parse().unwrap())
        );
        for bad in ["offset:-1", "offset:", "1234", "offset:1.5", "yesterday"] {
            assert!(bad.parse::<Position>().is_err(), "{bad}");
        }
        assert_eq!(Position::Offset(7).to_string(), "offset:7");
    }

    #[test]
    fn offsets_bound_the_window_inclusively() {
        use Place::*;
        let log = [(0, 0), (1, 0), (2, 0), (3, 0)];
        assert_eq!(
            places(Some("offset:1"), Some("offset:2"), &log),
            [Before, Inside, Inside, Past]
        );
        assert_eq!(places(None, None, &log), [Inside; 4]);
    }

    #[test]
    fn times_cut_the_partition_in_log_order() {
        use Place::*;
        // Timestamps need not rise with offsets: the cut is where the log
        // first crosses the time, and nothing after it counts.
        let t = |s: i64| 1_764_547_200_000 + s * 1000;
        let log = [(0, t(0)), (1, t(5)), (2, t(3)), (3, t(11)), (4, t(9))];
        assert_eq!(
            places(
                Some("2025-12-01T00:00:04Z"),
                Some("2025-12-01T00:00:10Z"),
                &log
            ),
            [Before, Inside, Inside, Past, Past]
        );
    }
}
