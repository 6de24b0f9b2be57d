//! The catalog of one concert: its title, venue and schedules.
//! Partition key: `concert_id`.

mod command;
mod decide;
mod event;
mod state;

pub use command::CatalogCommand;
pub use event::CatalogEvent;
pub use state::{Catalog, Concert, Schedule};
