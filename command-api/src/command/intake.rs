//! What every command notes as it is taken in, before any check: where it
//! was sent, the wait budget, the correlation id and the time it was
//! received (by the clock every command is stamped by: see
//! `infra::clock`).

use std::time::Instant;

use actix_web::HttpRequest;
use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::budget::WaitBudget;
use super::record::Origin;

/// Correlates a request with every record it causes; taken from the
/// caller when it sends one, minted otherwise.
pub const CORRELATION_HEADER: &str = "X-Correlation-Id";

pub struct Intake {
    /// With `path`, part of an `Idempotency-Key`'s scope.
    pub method: String,
    pub path: String,
    pub budget: WaitBudget,
    pub origin: Origin,
    pub received: Instant,
}

impl Intake {
    pub fn new(request: &HttpRequest, now: DateTime<Utc>) -> Intake {
        let headers = request.headers();
        let correlation_id = headers
            .get(CORRELATION_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Uuid::parse_str(value.trim()).ok())
            .unwrap_or_else(|| {
                let minted = Uuid::now_v7();
                // The request span has the caller's id; name this one there.
                tracing::Span::current().record("correlation_id", tracing::field::display(minted));
                minted
            });
        Intake {
            method: request.method().as_str().to_owned(),
            path: request.path().to_owned(),
            budget: WaitBudget::from_headers(headers),
            origin: Origin {
                // Postgres keeps microseconds: a time the 201 states must
                // read back identically from the query side.
                at: now.trunc_subsecs(6),
                correlation_id,
            },
            received: Instant::now(),
        }
    }
}
