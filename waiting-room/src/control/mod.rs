//! Admission control: how many fans a second the admitter lets in.

mod controller;
mod record;
mod settings;

pub use controller::{RateController, Verdict};
pub use record::ControlRecord;
pub(crate) use record::{load_record, save_record};
pub use settings::{ControlTargets, RateControl, CONTROL_PERIOD, SIGNAL_WINDOW};
