//! The queue token a request offers, for checks that do not fit
//! `ActiveQueuePass`: a command that may still replay an earlier answer
//! for a lapsed token, or a read that sends the ACTIVE check in its own
//! Redis round trip (`ActiveCheck`, an extractor in `extract`). Either way the
//! header is read in an extractor, never in a handler.

use actix_web::HttpRequest;

use super::pass::QUEUE_TOKEN_HEADER;

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
