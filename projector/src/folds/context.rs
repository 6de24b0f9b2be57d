//! What the fold of one record hands each topic's decider: the record and
//! where its consequences go. Apart from the engine, so the deciders'
//! folds depend on it and the engine on them, not both ways.

use chrono::{DateTime, Utc};
use infra::decision::{CommandType, Decision};
use infra::telemetry::TraceContext;
use schemas::{Envelope, EventMeta, LogEvent};
use uuid::Uuid;

use super::decisions::Asked;
use super::produced::{FollowUp, Produced};
use crate::changes::Changes;

/// The record being folded and where its consequences go.
pub(crate) struct Context<'a> {
    pub envelope: &'a Envelope,
    pub event: &'a LogEvent,
    pub produced: &'a mut Produced,
}

impl Context<'_> {
    /// Event time: when the request was accepted.
    pub fn at(&self) -> DateTime<Utc> {
        self.envelope.occurred_at
    }

    pub fn asked(&self, command_type: CommandType, user_id: Option<Uuid>) -> Asked {
        Asked {
            command_id: self.envelope.event_id,
            command_type,
            user_id,
            at: self.at(),
        }
    }

    pub fn changes(&mut self) -> &mut Changes {
        &mut self.produced.changes
    }

    pub fn answer(&mut self, decision: Decision) {
        self.produced.changes.outcome(decision);
    }

    /// Queues `event` for its topic, with an id derived from this record
    /// and `step`, so folding this record again appends the same record.
    /// `answer_waits`: see `FollowUp`.
    pub fn follow_up(&mut self, event: LogEvent, step: &str, answer_waits: bool) {
        if !self.produced.wants_follow_ups() {
            return;
        }
        let kind = event.topic();
        let envelope = Envelope::wrap(&event, EventMeta::follow_up(self.envelope, step));
        self.produced.follow_ups.push(FollowUp {
            kind,
            key: event.key(),
            envelope,
            trace: TraceContext::current(),
            answer_waits,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fold_whose_follow_ups_are_on_the_log_already_builds_none() {
        let event: LogEvent = schemas::v1::ConcertRegistered {
            concert_id: Uuid::now_v7(),
            title: "Title".into(),
            venue: "Hall".into(),
        }
        .into();
        let envelope = Envelope::wrap(
            &event,
            EventMeta {
                event_id: Uuid::now_v7(),
                occurred_at: chrono::Utc::now(),
                correlation_id: Uuid::now_v7(),
                causation_id: None,
            },
        );
        for (mut produced, built) in [
            (Produced::default(), 1),
            (Produced::without_follow_ups(), 0),
        ] {
            let mut ctx = Context {
                envelope: &envelope,
                event: &event,
                produced: &mut produced,
            };
            ctx.follow_up(event.clone(), "step", true);
            assert_eq!(produced.follow_ups.len(), built);
        }
    }
}
