//! What a command answers: its decision, `202 PENDING` while undecided, or
//! a stored answer replayed for an `Idempotency-Key`.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use infra::decision::{Decision, Refusal, Verdict};
use infra::http::QueryLinks;
use infra::problem::{status_of, ErrorCode, Problem, RETRY_AFTER_SECONDS};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::idempotency::StoredAnswer;
use super::record::CommandRecord;

const JSON: &str = "application/json";
const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Decided,
    Pending,
    Replayed,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub kind: AnswerKind,
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Value,
    pub location: Option<String>,
    /// The `outcome` label of `ticketfold_commands_total`.
    pub outcome: &'static str,
}

impl Answer {
    /// The decision in the contract's terms: the command type's success
    /// status and body, or problem+json with the refusal's code.
    pub fn decided(decision: &Decision, location: &str) -> Answer {
        match decision.verdict {
            Verdict::Accepted => {
                let status = StatusCode::from_u16(decision.command_type.success_status())
                    .unwrap_or(StatusCode::OK);
                Answer {
                    kind: AnswerKind::Decided,
                    status,
                    content_type: JSON,
                    body: decision.body.clone(),
                    location: created_at(status, location),
                    outcome: "accepted",
                }
            }
            Verdict::Refused(code) => {
                let detail = Refusal::deserialize(&decision.body)
                    .map(|refusal| refusal.detail)
                    .unwrap_or_else(|_| code.as_str().to_owned());
                let problem = Problem::new(code, detail);
                Answer {
                    kind: AnswerKind::Decided,
                    status: status_of(code),
                    content_type: PROBLEM_JSON,
                    // Plain fields: this cannot fail.
                    body: serde_json::to_value(problem.body()).unwrap_or_default(),
                    location: None,
                    outcome: refusal_outcome(code),
                }
            }
        }
    }

    /// `202 {"status":"PENDING", ...ids}` with where to follow it.
    pub fn pending(record: &CommandRecord) -> Answer {
        Answer {
            kind: AnswerKind::Pending,
            status: StatusCode::ACCEPTED,
            content_type: JSON,
            body: record.pending_body.clone(),
            location: Some(record.location.clone()),
            outcome: "pending",
        }
    }

    pub fn replayed(stored: &StoredAnswer, location: &str) -> Answer {
        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
        Answer {
            kind: AnswerKind::Replayed,
            status,
            content_type: if stored.content_type == PROBLEM_JSON {
                PROBLEM_JSON
            } else {
                JSON
            },
            body: stored.body.clone(),
            location: created_at(status, location),
            outcome: "replayed",
        }
    }

    /// Final answers of decided commands (2xx or 409) are what an
    /// `Idempotency-Key` replays.
    pub fn is_kept(&self) -> bool {
        self.kind == AnswerKind::Decided
            && ((self.status.is_success() && self.status != StatusCode::ACCEPTED)
                || self.status == StatusCode::CONFLICT)
    }

    pub fn to_stored(&self) -> StoredAnswer {
        StoredAnswer {
            status: self.status.as_u16(),
            content_type: self.content_type.to_owned(),
            body: self.body.clone(),
        }
    }

    /// The HTTP answer; its `Location` (a query-api path, as stored with
    /// the command) becomes an absolute URL of query-api.
    pub fn into_response(
        self,
        preference_applied: Option<String>,
        correlation_id: Uuid,
        links: &QueryLinks,
    ) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .content_type(self.content_type)
            .insert_header(("X-Correlation-Id", correlation_id.to_string()));
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, links.absolute(&location)));
        }
        if let Some(applied) = preference_applied {
            response.insert_header(("Preference-Applied", applied));
        }
        if self.kind == AnswerKind::Replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        // A withdrawn command (refused UNAVAILABLE) may be sent again.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        response.body(self.body.to_string())
    }
}

/// 409s by their code; other refusals (404, 403) as `rejected_4xx`.
fn refusal_outcome(code: ErrorCode) -> &'static str {
    match status_of(code) {
        StatusCode::CONFLICT => code.as_str(),
        // Withdrawn: it never takes effect, as a 503 before the append.
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        status if status.is_client_error() => "rejected_4xx",
        _ => "internal",
    }
}

fn created_at(status: StatusCode, location: &str) -> Option<String> {
    (status == StatusCode::CREATED).then(|| location.to_owned())
}

#[cfg(test)]
// Fixtures, not stamps.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use chrono::Utc;
    use infra::decision::CommandType;

    fn decision(verdict: Verdict, body: Value) -> Decision {
        Decision {
            command_id: Uuid::now_v7(),
            command_type: CommandType::Hold,
            user_id: None,
            verdict,
            body,
            decided_at: Utc::now(),
            trace: Default::default(),
        }
    }

    #[test]
    fn an_accepted_hold_is_201_with_its_body_and_location() {
        let body = serde_json::json!({"reservation_id": "r", "status": "HELD"});
        let answer = Answer::decided(
            &decision(Verdict::Accepted, body.clone()),
            "/v1/reservations/r",
        );
        assert_eq!(answer.status, StatusCode::CREATED);
        assert_eq!(answer.body, body);
        assert_eq!(answer.location.as_deref(), Some("/v1/reservations/r"));
        assert!(answer.is_kept());
    }

    #[test]
    fn a_refusal_is_a_problem_with_its_code_and_is_kept_when_409() {
        let answer = Answer::decided(
            &decision(
                Verdict::Refused(ErrorCode::SeatUnavailable),
                Refusal {
                    detail: "seat 7 is held".into(),
                }
                .to_value(),
            ),
            "/x",
        );
        assert_eq!(answer.status, StatusCode::CONFLICT);
        assert_eq!(answer.content_type, PROBLEM_JSON);
        assert_eq!(answer.body["code"], "SEAT_UNAVAILABLE");
        assert_eq!(answer.body["detail"], "seat 7 is held");
        assert_eq!(answer.body["status"], 409);
        assert_eq!(answer.outcome, "SEAT_UNAVAILABLE");
        assert!(answer.is_kept());

        let missing = Answer::decided(
            &decision(Verdict::Refused(ErrorCode::NotFound), serde_json::json!({})),
            "/x",
        );
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.outcome, "rejected_4xx");
        assert!(!missing.is_kept());
    }
}
