//! Whom a command is submitted under: a caller (`Caller`), a caller past
//! the waiting queue (`GuardedCaller`), or the holder of the admin key
//! (`AdminKey`). Each is an extractor refusing on its own terms; a
//! `Submission` runs it after the body is read, as the contract orders.

use actix_web::FromRequest;

use super::idempotency::Scope;
use super::lapse::Lapse;
use crate::error::ApiError;

pub trait Principal: FromRequest<Error = ApiError> + 'static {
    /// Whose `Idempotency-Key`s the command's key is among.
    fn scope(&self) -> Scope;

    /// The queue's refusal of a token that is no longer ACTIVE, held back
    /// because an earlier use of the same key may still be answered (see
    /// `queue_gate`). Taken once; `None` for principals the queue does not
    /// guard, or whose token is ACTIVE.
    fn lapse(&mut self) -> Option<Lapse> {
        None
    }
}
