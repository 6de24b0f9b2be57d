//! The answers waiting commands get: the contract's success body, or the
//! domain's refusal under its contract code.

use chrono::{DateTime, Utc};
use domain::DomainError;
use infra::decision::{CommandType, Decision, Refusal, Verdict};
use infra::problem::ErrorCode;
use infra::telemetry::TraceContext;
use read_model::Accepted;
use schemas::LogEvent;
use serde_json::Value;
use uuid::Uuid;

/// The request a command id names, and who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub command_id: Uuid,
    pub command_type: CommandType,
    pub user_id: Option<Uuid>,
    /// Event time: the decision is stamped with it, never with the clock.
    pub at: DateTime<Utc>,
}

impl Asked {
    pub fn accepted(self, body: Accepted) -> Decision {
        debug_assert_eq!(body.command_type(), self.command_type, "{body:?}");
        self.decision(Verdict::Accepted, body.to_value())
    }

    pub fn refused(self, error: &DomainError) -> Decision {
        self.refused_with(error.code(), error.to_string())
    }

    pub fn refused_with(self, code: ErrorCode, detail: impl Into<String>) -> Decision {
        let refusal = Refusal {
            detail: detail.into(),
        };
        self.decision(Verdict::Refused(code), refusal.to_value())
    }

    fn decision(self, verdict: Verdict, body: Value) -> Decision {
        Decision {
            command_id: self.command_id,
            command_type: self.command_type,
            user_id: self.user_id,
            verdict,
            body,
            decided_at: self.at,
            // Decided inside the record's `fold` span.
            trace: TraceContext::current(),
        }
    }
}

/// The command a user request asks for; `None` for saga follow-ups.
pub(super) fn request_of(event: &LogEvent) -> Option<(CommandType, Option<Uuid>)> {
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
        | LogEvent::PaymentRefundRequested(_)
        | LogEvent::CatalogRequestWithdrawn(_)
        | LogEvent::ReservationRequestWithdrawn(_)
        | LogEvent::WalletRequestWithdrawn(_) => None,
    }
}
