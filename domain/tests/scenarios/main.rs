//! Given/when/then scenarios, one per business rule.

mod catalog;
mod fixtures;
mod hold;
mod payment;
mod payment_process;
mod reads;
mod release;
mod values;
mod wallet;
