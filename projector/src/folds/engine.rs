//! Which decider a record goes to, and what becomes of a record that none
//! can take.

use infra::kafka::{Topic, Topics};
use infra::problem::ErrorCode;
use schemas::Command;
use tracing::field::{display, Empty};
use tracing::Span;

use super::context::Context;
use super::decisions::{request_of, Asked};
use super::decode::{decode, Decoded, MAX_RECORD_BYTES};
use super::poison;
use super::produced::Produced;
use super::state::PartitionState;
use super::{catalog, reservations, wallets, withdrawal};
use crate::changes::{readable, DeadLetter};
use crate::record::Record;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Decided,
    /// Its event id was folded before; dropped unseen.
    Duplicate,
    /// Unreadable, invalid, or on the wrong topic.
    DeadLettered,
}

impl Fate {
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Decided => "decided",
            Fate::Duplicate => "duplicate",
            Fate::DeadLettered => "dead_lettered",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Folded {
    /// `None` when the record could not even be read.
    pub event_type: Option<&'static str>,
    pub fate: Fate,
    /// The record's `fold` span: where it is in the log and, once read,
    /// its `correlation_id` and its `command_id` (a request) or `event_id`
    /// and `causation_id` (a follow-up). Everything logged while folding
    /// it is inside; the live pipeline logs the fold itself there too.
    pub span: Span,
}

/// Decides records of the three topics.
#[derive(Debug, Clone)]
pub struct Engine {
    topics: Topics,
    /// Whether each fold gets its span in the request's trace.
    traced: bool,
}

impl Engine {
    pub fn new(topics: &Topics) -> Self {
        Self {
            topics: topics.clone(),
            traced: true,
        }
    }

    /// The same deciders without a span per record, for folds that decide
    /// again what was decided before (a replay, a rebuild, an export): they
    /// belong to no request's trace, and the span was a tenth of their time.
    pub fn untraced(&self) -> Self {
        Self {
            topics: self.topics.clone(),
            traced: false,
        }
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// Folds `record`, the next record of the partition `state` belongs to.
    pub fn fold(
        &self,
        state: &mut PartitionState,
        record: &Record,
        produced: &mut Produced,
    ) -> Folded {
        let span = if self.traced {
            let span = tracing::info_span!(
                "fold",
                topic = %record.topic,
                partition = record.partition,
                offset = record.offset,
                event_type = Empty,
                command_id = Empty,
                event_id = Empty,
                causation_id = Empty,
                correlation_id = Empty,
            );
            // A child of the append that put the record in the log (its
            // `traceparent`), so the request's trace goes on through the fold.
            record.trace.adopt(&span);
            span
        } else {
            Span::none()
        };
        let _entered = span.enter();
        let folded = |event_type, fate| Folded {
            event_type,
            fate,
            span: span.clone(),
        };
        state.advance_past(record.offset);
        let decoded = match decode(record) {
            Ok(decoded) => decoded,
            Err(reason) => {
                refuse_unreadable(state, produced, record, &reason);
                dead_letter(produced, record, reason);
                return folded(None, Fate::DeadLettered);
            }
        };
        let event_type = decoded.event.event_type();
        name_in_span(&span, &decoded);
        // A record's key is its payload's aggregate id (`decode` checks).
        let key = Some(decoded.event.key_id());
        if !state.first_sighting(key, decoded.envelope.event_id) {
            tracing::debug!("record seen before; dropped");
            return folded(Some(event_type), Fate::Duplicate);
        }
        let kind = self.topics.topic_of(&record.topic);
        if let Some(request) = schemas::withdrawn_request(&decoded.event) {
            let checked = on_its_topic(&decoded, kind)
                .and_then(|()| request.map_err(|error| error.to_string()));
            return match checked {
                Ok(request) => {
                    withdrawal::fold(state, produced, &decoded.envelope, &request);
                    folded(Some(event_type), Fate::Decided)
                }
                Err(reason) => {
                    dead_letter(produced, record, reason);
                    folded(Some(event_type), Fate::DeadLettered)
                }
            };
        }
        let command = match command_of(&decoded, kind) {
            Ok(command) => command,
            Err(reason) => {
                refuse_invalid(produced, &decoded, &reason);
                dead_letter(produced, record, reason);
                return folded(Some(event_type), Fate::DeadLettered);
            }
        };
        let mut ctx = Context {
            envelope: &decoded.envelope,
            event: &decoded.event,
            produced,
        };
        match command {
            Command::Catalog {
                concert_id,
                command,
            } => catalog::fold(&mut ctx, state, concert_id, command),
            Command::Inventory {
                schedule_id,
                command,
            } => reservations::fold(&mut ctx, state, schedule_id, command),
            Command::Wallet { user_id, command } => {
                wallets::fold(&mut ctx, state, user_id, command)
            }
        }
        folded(Some(event_type), Fate::Decided)
    }
}

/// Names the record in its `fold` span: a request by its command id, a
/// follow-up by its own id and its cause's; both by the correlation id the
/// request came with (command-api's request span has the same).
fn name_in_span(span: &Span, decoded: &Decoded) {
    let envelope = &decoded.envelope;
    span.record("event_type", display(decoded.event.event_type()));
    if request_of(&decoded.event).is_some() {
        span.record("command_id", display(envelope.event_id));
    } else {
        span.record("event_id", display(envelope.event_id));
        if let Some(cause) = envelope.causation_id {
            span.record("causation_id", display(cause));
        }
    }
    span.record("correlation_id", display(envelope.correlation_id));
}

/// Whether a record that is no command (a withdrawal) is on its topic.
fn on_its_topic(decoded: &Decoded, kind: Option<Topic>) -> Result<(), String> {
    if kind == Some(decoded.event.topic()) {
        Ok(())
    } else {
        Err(format!(
            "{} does not belong on this topic",
            decoded.event.event_type()
        ))
    }
}

/// The record's command, if its values are valid and it is on its topic.
fn command_of(decoded: &Decoded, kind: Option<Topic>) -> Result<Command, String> {
    catalog::storable(&decoded.event)?;
    let command = Command::try_from(decoded.event.clone()).map_err(|e| e.to_string())?;
    let on_its_topic = matches!(
        (kind, &command),
        (Some(Topic::Catalog), Command::Catalog { .. })
            | (Some(Topic::Reservations), Command::Inventory { .. })
            | (Some(Topic::Wallets), Command::Wallet { .. })
    );
    if !on_its_topic {
        return Err(format!(
            "{} does not belong on this topic",
            decoded.event.event_type()
        ));
    }
    Ok(command)
}

fn dead_letter(produced: &mut Produced, record: &Record, reason: String) {
    produced.changes.dead_letters.push(DeadLetter {
        topic: record.topic.clone(),
        partition: record.partition,
        offset: record.offset,
        key: record.key.clone(),
        // An oversized value is kept only as far as a record may go; its
        // reason says how large it was.
        payload: record
            .payload
            .as_deref()
            .map(|payload| payload[..payload.len().min(MAX_RECORD_BYTES)].to_vec()),
        reason: readable(&reason),
    });
}

/// A request whose record cannot be decoded is still answered, when its
/// command id can be read: a refusal, so its caller stops waiting. The id
/// counts as seen, so a later readable copy of the same command cannot
/// take effect after its caller was told it was refused.
fn refuse_unreadable(
    state: &mut PartitionState,
    produced: &mut Produced,
    record: &Record,
    reason: &str,
) {
    let Some(asked) = poison::asked_of(record) else {
        return;
    };
    if !state.first_sighting(record_key(record), asked.command_id) {
        return;
    }
    let detail = readable(&format!("the command's record cannot be read: {reason}"));
    produced
        .changes
        .outcome(asked.refused_with(ErrorCode::ValidationFailed, detail));
}

/// The aggregate a record's key names, when it names one: the id its
/// readable copies are filed under.
pub fn record_key(record: &Record) -> Option<uuid::Uuid> {
    let key = std::str::from_utf8(record.key.as_deref()?).ok()?;
    uuid::Uuid::parse_str(key).ok()
}

/// A request the command API should never have appended still gets an
/// answer, so whoever waits for it is not left waiting.
fn refuse_invalid(produced: &mut Produced, decoded: &Decoded, reason: &str) {
    if let Some((command_type, user_id)) = request_of(&decoded.event) {
        let asked = Asked {
            command_id: decoded.envelope.event_id,
            command_type,
            user_id,
            at: decoded.envelope.occurred_at,
        };
        produced
            .changes
            .outcome(asked.refused_with(ErrorCode::ValidationFailed, readable(reason)));
    }
}
