//! Waiting queue: admission control in Redis, signed tokens, enforcement.
//!
//! Fans join a line in arrival order; an admitter moves them into a capped
//! active set at a controlled rate; guarded endpoints demand an ACTIVE token.
//! State lives in Redis (see `keys` for the layout), not in the event log:
//! it is ephemeral admission control, and every multi-step change is one Lua
//! script so several instances can never admit past the cap or lose a place.
//!
//! Mounting it in a service (`use waiting_room::{self, Queue, QueueSettings}`):
//! ```ignore
//! let settings = QueueSettings::new(active_max, admit_per_second, active_ttl, secret);
//! let queue = Queue::new(redis::Client::open(url)?, &key_prefix, settings, &registry)?;
//! let admitter = Admitter::new(queue.clone()).spawn(); // on every instance; one admits at a time
//! App::new()
//!     .app_data(web::Data::new(queue.clone()))
//!     .route("/v1/queue/tokens", web::post().to(waiting_room::issue_token)) // command-api
//!     .route("/v1/queue/tokens/current", web::get().to(waiting_room::current_token)); // query-api
//! // Guarded handlers take `ActiveQueuePass` (or `QueuePass`) as an argument,
//! // or take `ActiveCheck`, send its `command()` in their own round trip and
//! // hand the reply to `queue.settle`; `OfferedToken` is the raw header.
//! admitter.shutdown().await; // on graceful shutdown: releases the lease
//! ```
//! OpenAPI: merge `IssueTokenApi::openapi()` / `CurrentTokenApi::openapi()`,
//! or list `waiting_room::issue_token` / `waiting_room::current_token` in `paths(...)`.

mod active;
mod admission;
mod admit;
mod admitter;
mod challenge;
mod control;
mod control_record;
mod error;
mod eta;
mod expire;
mod extract;
mod handle;
mod inspect;
mod join;
mod keep;
mod keys;
mod lease;
mod metrics;
mod offered;
mod operator;
mod pacing;
mod pass;
mod poll;
mod proof;
mod room;
mod routes;
mod scripts;
mod settings;
mod shuffle;
mod signal;
mod state;
mod store;
mod stretch;
mod token;
mod token_keys;
mod windows;

pub use active::ActiveCheck;
pub use admission::{Admission, Admitted};
pub use admitter::{Admitter, AdmitterHandle};
pub use challenge::{issue_challenge, require_proof, ChallengeApi, IssuedChallenge, PROOF_HEADER};
pub use control::{
    ControlRecord, ControlTargets, RateControl, RateController, SignalReading, Verdict,
    CONTROL_PERIOD, IDLE_PERIODS, PROVING_PERIODS, SIGNAL_WINDOW,
};
pub use error::QueueError;
pub use expire::Departures;
pub use extract::caller_id;
pub use handle::Queue;
pub use join::Ticket;
pub use offered::OfferedToken;
pub use operator::{ControlEntry, Limits, OperatorAction, RoomView};
pub use pass::{ActiveQueuePass, QueuePass, QUEUE_TOKEN_HEADER, USER_ID_HEADER};
pub use poll::{poll_after_seconds, LONGEST_INTERVAL, POLLS_PER_GRACE};
pub use proof::{leading_zero_bits, solve, Challenge, ChallengeSigner, ProofRejected};
pub use room::{Entry, Room};
pub use routes::{
    __path_current_token, __path_issue_token, current_token, issue_token, CurrentTokenApi,
    IssueTokenApi, IssuedToken, JoinRoom,
};
pub use settings::QueueSettings;
pub use shuffle::fair_order;
pub use signal::{report_signal, BookingSignal, Flight, LagReport, SignalReporter};
pub use state::{TokenState, TokenStatus};
pub use token::{
    TokenClaims, TokenRejected, TokenSigner, MAX_TOKEN_LEN, ROOM_TOKEN_LEN, TOKEN_LEN,
};
pub use token_keys::{TokenKey, TokenKeys, MIN_SECRET_BYTES};
pub use windows::BookingWindows;
