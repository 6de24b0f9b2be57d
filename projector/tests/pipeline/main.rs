mod dead_letters;
mod exactly_once;
mod helpers;
mod operations;
mod resume;
