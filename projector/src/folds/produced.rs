//! What folding leaves for the pipeline: rows to commit, records to append,
//! payers to let go.

use schemas::Envelope;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changes::Changes;
use infra::kafka::Topic;
use infra::telemetry::TraceContext;

/// A record the projector appends because of the record it folded.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub kind: Topic,
    pub key: String,
    pub envelope: Envelope,
    /// The fold that produced it: its append continues that trace.
    pub trace: TraceContext,
    /// Whether a caller's answer waits on its fold. One that does is folded
    /// in the batch that appended it, before the answer; one that does not
    /// is appended beside the batch's writes and folded after it (see
    /// `Projection::fold_own_follow_ups`).
    pub answer_waits: bool,
}

/// What folding records produced besides the new state.
#[derive(Debug, Default)]
pub struct Produced {
    pub changes: Changes,
    /// To append (acknowledged) before the batch that caused them commits.
    pub follow_ups: Vec<FollowUp>,
    /// Payers whose payment completed: their queue token ends after the
    /// commit, before the answer is announced.
    pub completed_payers: Vec<Payer>,
    /// Set where follow-ups are on the log already (a replay, a rebuild, an
    /// export): they are not even built.
    skip_follow_ups: bool,
}

impl Produced {
    /// For folds of records whose follow-ups are in the log already.
    pub fn without_follow_ups() -> Self {
        Self {
            skip_follow_ups: true,
            ..Self::default()
        }
    }

    pub(super) fn wants_follow_ups(&self) -> bool {
        !self.skip_follow_ups
    }
}

/// A payer, and the schedule they paid for: their place ends in the global
/// room and in that schedule's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    pub user_id: Uuid,
    pub schedule_id: Uuid,
}
