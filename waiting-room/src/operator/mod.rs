//! Operator controls of the waiting room: pause and resume admission of a
//! room, queue everyone, narrow a room's rate and cap, read a room's state.
//! Every action is recorded with who and when (`controls` list, newest
//! first, and the log). The admin endpoints that call these live in
//! command-api, behind its admin key.

mod actions;
mod journal;
mod view;

pub(crate) use actions::{act, set_limits};
pub use actions::{Limits, OperatorAction};
pub(crate) use journal::recent;
pub use journal::ControlEntry;
pub(crate) use view::view;
pub use view::RoomView;
