//! Admission control: how many fans a second the admitter lets in.

mod controller;
mod proven;
mod reading;
mod record;

pub use crate::pacing::{ControlTargets, RateControl, CONTROL_PERIOD, SIGNAL_WINDOW};
pub use controller::{RateController, Verdict, IDLE_PERIODS};
pub use proven::PROVING_PERIODS;
pub use reading::{Demand, SignalReading};
pub use record::ControlRecord;
