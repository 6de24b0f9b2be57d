//! The event contract, checked from the outside.

mod commands;
mod envelope;
mod golden;
mod json_files;
mod samples;
