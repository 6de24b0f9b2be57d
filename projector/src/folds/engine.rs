//! Which decider a record goes to, and what becomes of a record that none
//! can take.

use infra::decision::CommandType;
use infra::kafka::{Topic, Topics};
use infra::problem::ErrorCode;
use schemas::{Command, LogEvent};
use uuid::Uuid;

use super::context::Context;
use super::decisions::Asked;
use super::decode::{decode, Decoded};
use super::produced::Produced;
use super::state::PartitionState;
use super::{catalog, reservations, wallets};
use crate::changes::DeadLetter;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folded {
    /// `None` when the record could not even be read.
    pub event_type: Option<&'static str>,
    pub fate: Fate,
}

/// Decides records of the three topics.
#[derive(Debug, Clone)]
pub struct Engine {
    topics: Topics,
}

impl Engine {
    pub fn new(topics: &Topics) -> Self {
        Self {
            topics: topics.clone(),
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
        state.advance_past(record.offset);
        let decoded = match decode(record) {
            Ok(decoded) => decoded,
            Err(reason) => {
                dead_letter(produced, record, reason);
                return Folded {
                    event_type: None,
                    fate: Fate::DeadLettered,
                };
            }
        };
        let event_type = decoded.event.event_type();
        if !state.first_sighting(decoded.envelope.event_id) {
            tracing::debug!(event_id = %decoded.envelope.event_id, event_type, "record seen before; dropped");
            return Folded {
                event_type: Some(event_type),
                fate: Fate::Duplicate,
            };
        }
        let kind = self.topics.topic_of(&record.topic);
        let command = match command_of(&decoded, kind) {
            Ok(command) => command,
            Err(reason) => {
                refuse_invalid(produced, &decoded, &reason);
                dead_letter(produced, record, reason);
                return Folded {
                    event_type: Some(event_type),
                    fate: Fate::DeadLettered,
                };
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
        Folded {
            event_type: Some(event_type),
            fate: Fate::Decided,
        }
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
        payload: record.payload.clone(),
        reason,
    });
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
            .outcome(asked.refused_with(ErrorCode::ValidationFailed, reason));
    }
}

/// The command a user request asks for; `None` for saga follow-ups.
fn request_of(event: &LogEvent) -> Option<(CommandType, Option<Uuid>)> {
    match event {
        LogEvent::ConcertRegistered(_) => Some((CommandType::RegisterConcert, None)),
        LogEvent::ScheduleAdded(_) => Some((CommandType::AddSchedule, None)),
        LogEvent::SeatHoldRequested(e) => Some((CommandType::Hold, Some(e.user_id))),
        LogEvent::SeatReleaseRequested(e) => Some((CommandType::Release, Some(e.user_id))),
        LogEvent::PaymentRequested(e) => Some((CommandType::Payment, Some(e.user_id))),
        LogEvent::BalanceChargeRequested(e) => Some((CommandType::Charge, Some(e.user_id))),
        LogEvent::SeatInventoryOpened(_)
        | LogEvent::PaymentDebitSettled(_)
        | LogEvent::PaymentDebitRequested(_)
        | LogEvent::PaymentDebitCommitted(_)
        | LogEvent::PaymentRefundRequested(_) => None,
    }
}
