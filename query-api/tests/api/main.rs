mod health;
mod helpers;
mod operations;
