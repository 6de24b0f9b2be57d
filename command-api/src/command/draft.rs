//! What a route makes of a valid request: the request event to append, the
//! body of its `202` while it is undecided, and where to follow it. The
//! submission wraps it into the record, so every command's envelope is
//! built the same way.

use chrono::{DateTime, Utc};
use infra::decision::CommandType;
use infra::kafka::Topics;
use schemas::LogEvent;
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::record::{CommandRecord, Origin};

pub struct Draft {
    command_id: Option<Uuid>,
    event: LogEvent,
    pending: Value,
    location: String,
}

/// What a route may consult while drafting.
pub struct Context<'a> {
    /// When the request was taken in: the time its event states.
    pub at: DateTime<Utc>,
    /// The read tables (whose a reservation is, and where it lives).
    pub pool: &'a PgPool,
}

impl Draft {
    /// `pending` is the `{"status":"PENDING", ...ids}` a `202` answers;
    /// `location` the query-api path to follow the command at.
    pub fn new(event: impl Into<LogEvent>, pending: impl Serialize, location: String) -> Draft {
        Draft {
            command_id: None,
            event: event.into(),
            pending: serde_json::to_value(pending).unwrap_or_default(),
            location,
        }
    }

    /// For a command whose entity shares its id (a charge), so its poll can
    /// read the decision, a refusal included, by command id. Otherwise the
    /// command id is a fresh UUID v7.
    pub fn with_id(self, command_id: Uuid) -> Draft {
        Draft {
            command_id: Some(command_id),
            ..self
        }
    }

    pub(super) fn into_record(
        self,
        command_type: CommandType,
        origin: Origin,
        topics: &Topics,
    ) -> CommandRecord {
        let Draft {
            command_id,
            event,
            pending,
            location,
        } = self;
        match command_id {
            Some(id) => {
                CommandRecord::with_id(id, command_type, event, origin, topics, pending, location)
            }
            None => CommandRecord::new(command_type, event, origin, topics, pending, location),
        }
    }
}
