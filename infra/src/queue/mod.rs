//! Waiting queue: admission control in Redis, signed tokens, enforcement.
