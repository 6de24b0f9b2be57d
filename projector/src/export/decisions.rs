//! `--kind decisions`: one line per decision, written at the record whose
//! fold made it.
//!
//! ```json
//! {"topic":"concert.reservations.v1","partition":0,"offset":42,
//!  "timestamp":"2026-12-01T11:00:03.412Z","key":"<schedule_id>",
//!  "event_type":"SeatHoldRequested","command_id":"...","command_type":"HOLD",
//!  "user_id":"...","outcome":"ACCEPTED","body":{...},
//!  "decided_at":"2026-12-01T11:00:03.401Z"}
//! ```
//!
//! `outcome` is `ACCEPTED` or `REFUSED`, a refusal with its contract `code`
//! and `body.detail`; `body` is otherwise the answer the command's caller
//! got. These are the rows of `command_outcomes`, found by folding the log
//! with the projector's deciders (as `projector replay` does, writing
//! nothing). A payment is decided by a saga step on another partition,
//! so its line names that step's record; `command_id` names the request.
//! The window chooses which lines are written; the fold always starts at
//! offset 0, since every decision depends on the records before it.

use std::io::Write;

use infra::decision::Decision;
use infra::kafka::Topics;
use serde::Serialize;

use super::lines::{write_line, ExportError, Origin};
use super::window::{Place, Window};
use crate::folds::{Engine, PartitionState, Produced};
use crate::reader::LogReader;

#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    origin: Origin<'a>,
    /// The event type of the record whose fold decided.
    event_type: Option<&'static str>,
    #[serde(flatten)]
    decision: &'a Decision,
}

/// Folds the partition `reader` reads from offset 0 and writes the
/// decisions of the records inside the window.
pub(super) async fn write(
    mut reader: LogReader,
    topics: &Topics,
    window: &mut Window,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let engine = Engine::new(topics).untraced();
    let mut state = PartitionState::default();
    let mut written = 0;
    while let Some(record) = reader.next().await? {
        let place = window.place(&record);
        if place == Place::Past {
            break;
        }
        let mut produced = Produced::without_follow_ups();
        let folded = engine.fold(&mut state, &record, &mut produced);
        if place == Place::Before {
            continue;
        }
        for decision in produced.changes.outcomes.values() {
            let line = Line {
                origin: Origin::of(&record),
                event_type: folded.event_type,
                decision,
            };
            write_line(out, &line)?;
            written += 1;
        }
    }
    Ok(written)
}
