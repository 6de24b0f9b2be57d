//! Admission control: how many fans a second the admitter lets in.

mod controller;
mod reading;
mod record;

pub use crate::pacing::{ControlTargets, RateControl, CONTROL_PERIOD, SIGNAL_WINDOW};
pub use controller::{RateController, Verdict};
pub use reading::{Demand, SignalReading};
pub use record::ControlRecord;
pub(crate) use record::{load_record, save_record};
