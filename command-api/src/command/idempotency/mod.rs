//! `Idempotency-Key`: the same key from the same caller with the same body
//! within 24 hours gets the first final answer and appends nothing new.
//!
//! Keys are scoped to (user, or a hash of the admin key; method; path).
//! Bodies compare as JSON values through a canonical hash. The key is
//! claimed in Postgres before the record is appended, atomically, so two
//! instances racing on one key append once; whoever loses the race follows
//! the winner's command id. Only final answers (2xx or 409) are stored; a
//! command decided otherwise (e.g. 404) gives its key back, and 4xx
//! refusals from validation or authentication never claim one.

mod fingerprint;
mod key;
mod store;

pub use fingerprint::Fingerprint;
pub use key::{IdempotencyKey, KeyClaim, Scope, MAX_KEY_CHARS};
pub use store::{Claimed, IdempotencyStore, StoredAnswer, StoredCommand, KEY_LIFETIME};
