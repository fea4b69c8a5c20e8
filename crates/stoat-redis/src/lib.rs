//! Stoat (formerly Revolt) bots across processes and hosts, on Redis.
//!
//! * [`RedisRateLimiter`]: the server's rate-limit windows kept in Redis,
//!   so that every process of a bot behind one address (or of one user
//!   session) shares one count and none earns a 429.
//! * [`Publisher`]: holds the one events connection and publishes every
//!   event, as received, to a bounded Redis stream; it keeps events in a
//!   bounded buffer while Redis is away.
//! * [`Worker`]: reads the stream into a [`stoat::Client`]'s cache (every
//!   worker sees every event) and runs the same [`stoat::EventHandler`] a
//!   single-process bot runs, each event in exactly one worker, the events
//!   of a channel in order; a worker that dies is taken over.
//!
//! `docs/scaling.md` in the repository says what each piece guarantees and
//! what a bot sees when something fails.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod keys;
mod publisher;
mod ratelimit;
mod stage;
mod worker;

pub use error::Error;
pub use publisher::{Publisher, PublisherBuilder, PublisherStats};
pub use ratelimit::{RateLimiterBuilder, RedisRateLimiter};
pub use stage::stage;
pub use worker::{Notice, Worker, WorkerBuilder, WorkerStats};
