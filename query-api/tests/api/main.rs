mod health;
mod helpers;
mod operations;
mod queue;
