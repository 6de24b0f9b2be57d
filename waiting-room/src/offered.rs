//! The queue token a request offers, for checks that do not fit
//! `ActiveQueuePass`: a command that may still replay an earlier answer
//! for a lapsed token, or a read that sends the ACTIVE check in its own
//! Redis round trip (`ActiveCheck`, an extractor here). Either way the
//! header is read in an extractor, never in a handler.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use infra::problem::Problem;

use super::active::ActiveCheck;
use super::pass::{caller_id, mounted_queue, QUEUE_TOKEN_HEADER};

/// `X-Queue-Token` as sent, unchecked; `None` when the header is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedToken(Option<String>);

impl OfferedToken {
    pub fn of(request: &HttpRequest) -> OfferedToken {
        // As `ActiveQueuePass` reads it: a header that is not even text
        // cannot be a token, and an empty string is refused as malformed
        // by verification.
        OfferedToken(
            request
                .headers()
                .get(QUEUE_TOKEN_HEADER)
                .map(|value| value.to_str().unwrap_or_default().trim().to_owned()),
        )
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The caller's token verified (`X-User-Id`, then the signature: 401
/// before Redis is asked) and its ACTIVE check ready to send, so the
/// handler can pipeline it with its own Redis command and hand the reply
/// to `Queue::settle`.
impl FromRequest for ActiveCheck {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let check = || {
            let user_id = caller_id(request)?;
            let queue = mounted_queue(request)?;
            queue.active_check(user_id, OfferedToken::of(request).as_deref())
        };
        ready(check().map_err(Problem::from))
    }
}
