//! Withdrawals: the command API appends one when it cannot tell whether a
//! request reached the log (the broker took it but never acknowledged it).
//! Of a request and its withdrawal, the one its partition holds first
//! decides: a request folded first stands and the withdrawal changes
//! nothing; a withdrawal folded first refuses the request `UNAVAILABLE`,
//! and a copy of the request that lands later is dropped as already seen.
//! Either way every replay decides the same, and the caller's `Location`
//! reaches a final outcome.
//!
//! One type per topic (event types are named across topics), because a
//! withdrawal must land in the partition of the request it withdraws: it
//! carries the same key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payload::payload;
use crate::topic::Topic;

macro_rules! withdrawn {
    ($(#[$doc:meta])* $name:ident, $topic:expr, key = $key:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub $key: Uuid,
            /// The withdrawn request's event id: its command id.
            pub command_id: Uuid,
            /// The request's record value (an envelope), as it was sent: it
            /// may be in the log as well, or not. Plain JSON here, read by
            /// `schemas::withdrawn_request`, so the payloads stay apart from
            /// the envelope that opens them.
            pub request: serde_json::Value,
        }
        payload!($name, stringify!($name), version = 1, $topic, key = $key);
    };
}

withdrawn!(
    /// A catalog request (a concert or a schedule) withdrawn.
    CatalogRequestWithdrawn,
    Topic::Catalog,
    key = concert_id
);
withdrawn!(
    /// A seat request (a hold, a release or a payment) withdrawn.
    ReservationRequestWithdrawn,
    Topic::Reservations,
    key = schedule_id
);
withdrawn!(
    /// A wallet request (a top-up) withdrawn.
    WalletRequestWithdrawn,
    Topic::Wallets,
    key = user_id
);
