//! How the projector tells a waiting command what became of it.
//!
//! The projector records each [`Decision`] in `command_outcomes` inside the
//! transaction that applies the command's effects, then publishes it on the
//! decisions channel. The command-api wakes on the message, or reads the
//! table when the message was missed (pub/sub is fire-and-forget), so the
//! answer is always the durable one.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::problem::ErrorCode;
use crate::redis::KeySpace;
use crate::telemetry::TraceContext;

/// The command a decision answers; fixes the success status of its reply.
/// Serde and `as_str` both spell it from the variant name (one owner).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum CommandType {
    RegisterConcert,
    AddSchedule,
    Hold,
    Release,
    Charge,
    Payment,
}

impl CommandType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The contract's status for an accepted command of this type.
    pub fn success_status(self) -> u16 {
        match self {
            CommandType::Release | CommandType::Charge => 200,
            CommandType::RegisterConcert
            | CommandType::AddSchedule
            | CommandType::Hold
            | CommandType::Payment => 201,
        }
    }
}

/// A `command_outcomes` row that no longer reads as a decision: a code or
/// command type this build does not know. Surfaced, never defaulted.
#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    #[error("command_outcomes: {0}")]
    Database(#[from] sqlx::Error),
    #[error("command_outcomes row {command_id}: unknown {what} {value:?}")]
    Unknown {
        command_id: Uuid,
        what: &'static str,
        value: String,
    },
}

/// Accepted, or refused with the contract's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Accepted,
    Refused(ErrorCode),
}

impl Verdict {
    /// As `command_outcomes.outcome` stores it: `ACCEPTED` or the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => ACCEPTED,
            Verdict::Refused(code) => code.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The event id of the request record that carried the command.
    pub command_id: Uuid,
    pub command_type: CommandType,
    pub user_id: Option<Uuid>,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The contract's success body (typed by `read_model::Accepted`), or a
    /// [`Refusal`].
    pub body: serde_json::Value,
    pub decided_at: DateTime<Utc>,
    /// Where in a trace it was decided (the fold of its record), so its
    /// announcement joins the request's trace. Never stored or announced:
    /// empty when read back.
    #[serde(skip)]
    pub trace: TraceContext,
}

/// The body of a refused decision: the problem+json `detail` the command
/// is answered with (its code is the verdict's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub detail: String,
}

impl Refusal {
    /// The body as the decision carries it.
    pub fn to_value(&self) -> serde_json::Value {
        // One string field: this cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The `outcome` column of an accepted command; a refusal stores its code.
const ACCEPTED: &str = "ACCEPTED";

/// A `command_outcomes` row: id, type, user, outcome, body, decided at.
type OutcomeRow = (
    Uuid,
    String,
    Option<Uuid>,
    String,
    serde_json::Value,
    DateTime<Utc>,
);

/// The Redis pub/sub channel decisions are announced on.
pub fn channel(keys: &KeySpace) -> String {
    keys.key(&["decisions"])
}

impl Decision {
    /// Records the decision inside the caller's transaction. A repeat of the
    /// same command id keeps the first answer: decisions are final.
    pub async fn record(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let outcome = self.verdict.as_str();
        sqlx::query(
            "INSERT INTO command_outcomes (command_id, command_type, user_id, outcome, body, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (command_id) DO NOTHING",
        )
        .bind(self.command_id)
        .bind(self.command_type.as_str())
        .bind(self.user_id)
        .bind(outcome)
        .bind(&self.body)
        .bind(self.decided_at)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The recorded decision for a command, if it has been decided and
    /// what it promises is readable: while the batch that decided it still
    /// owes Redis (its read-model entries, its payers' queue places; see
    /// `projector_owed_entries`), it reads as undecided, as its
    /// announcement is held back.
    pub async fn load(
        conn: &mut PgConnection,
        command_id: Uuid,
    ) -> Result<Option<Decision>, OutcomeError> {
        let row: Option<OutcomeRow> = sqlx::query_as(
            "SELECT command_id, command_type, user_id, outcome, body, decided_at \
                 FROM command_outcomes WHERE command_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM projector_owed_entries \
                                 WHERE commands @> ARRAY[$1::uuid])",
        )
        .bind(command_id)
        .fetch_optional(conn)
        .await?;
        let Some((command_id, kind, user_id, outcome, body, decided_at)) = row else {
            return Ok(None);
        };
        let unknown = |what: &'static str, value: String| OutcomeError::Unknown {
            command_id,
            what,
            value,
        };
        let verdict = if outcome == ACCEPTED {
            Verdict::Accepted
        } else {
            Verdict::Refused(ErrorCode::from_str(&outcome).map_err(|_| unknown("code", outcome))?)
        };
        let command_type =
            CommandType::from_str(&kind).map_err(|_| unknown("command type", kind))?;
        Ok(Some(Decision {
            command_id,
            command_type,
            user_id,
            verdict,
            body,
            decided_at,
            trace: TraceContext::default(),
        }))
    }

    pub fn to_message(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_message(text: &str) -> Option<Decision> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_survives_the_channel() {
        let decision = Decision {
            command_id: Uuid::now_v7(),
            command_type: CommandType::Hold,
            user_id: Some(Uuid::now_v7()),
            verdict: Verdict::Refused(ErrorCode::SeatUnavailable),
            body: Refusal {
                detail: "seat 7 is held".into(),
            }
            .to_value(),
            decided_at: Utc::now(),
            trace: TraceContext::default(),
        };
        let text = decision.to_message();
        assert!(text.contains("\"outcome\":\"REFUSED\""), "{text}");
        assert!(text.contains("\"code\":\"SEAT_UNAVAILABLE\""), "{text}");
        assert!(
            text.contains("\"body\":{\"detail\":\"seat 7 is held\"}"),
            "{text}"
        );
        assert_eq!(Decision::from_message(&text), Some(decision));
    }

    #[test]
    fn command_types_are_spelled_one_way() {
        use strum::IntoEnumIterator;
        for kind in CommandType::iter() {
            let wire = serde_json::to_value(kind).unwrap();
            assert_eq!(wire, serde_json::Value::String(kind.as_str().to_owned()));
            assert_eq!(CommandType::from_str(kind.as_str()).ok(), Some(kind));
        }
        assert_eq!(CommandType::RegisterConcert.as_str(), "REGISTER_CONCERT");
        assert!(CommandType::from_str("REFUND").is_err());
    }

    #[test]
    fn success_statuses_follow_the_contract() {
        assert_eq!(CommandType::Hold.success_status(), 201);
        assert_eq!(CommandType::Release.success_status(), 200);
        assert_eq!(CommandType::Charge.success_status(), 200);
        assert_eq!(CommandType::Payment.success_status(), 201);
    }
}
