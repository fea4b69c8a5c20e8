//! The REST client of the Stoat (formerly Revolt) chat API.
//!
//! One builder per route: set what the route takes, then `.await` it. Input
//! is checked against the server's rules before anything is sent, a rate
//! limiter that knows the server's buckets waits instead of earning a 429,
//! and every failure is one [`Error`] that carries the server's answer in
//! whichever shape it came.
//!
//! ```no_run
//! # async fn run() -> Result<(), stoat_http::Error> {
//! use stoat_http::{Client, Token};
//!
//! let client = Client::new(Token::Bot("…".into()));
//! let me = client.current_user().await?;
//! println!("{}", me.tag());
//! # Ok(())
//! # }
//! ```
//!
//! * Routes: the `/users` routes, the DM routes (`send_message`,
//!   `messages`, `message`, `search_messages`, `acknowledge`, `join_call`,
//!   `end_ring`, `close_dm`), `report_user`, `node_info` (`GET /`),
//!   `default_avatar` and `upload`.
//! * Each builder has `into_request` (the [`Request`] without sending it,
//!   for tests and custom transports) and `overrides` (per-call
//!   [`Overrides`]).
//! * [`ratelimit`] has the limiter trait, for a limiter shared between
//!   processes.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
pub mod ratelimit;
mod request;
mod route;
mod routes;
mod send;
mod upload;

use std::future::Future;
use std::pin::Pin;

pub use client::{Client, ClientBuilder, DEFAULT_API_URL, DEFAULT_CDN_URL, RetryPolicy, Token};
pub use error::{Error, ErrorKind};
pub use hyper::header::{HeaderName, HeaderValue};
pub use request::{Base, Body, Overrides, Request};
pub use route::{Method, Repeat, Route};
pub use routes::Upload;
pub use routes::channels::*;
pub use routes::message::*;
pub use routes::misc::*;
pub use routes::users::*;
/// The TLS library of `https://` connections, for
/// [`ClientBuilder::tls_config`].
pub use rustls;
pub use upload::Resource;

/// The future a builder becomes when awaited.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// Compile-time promises: the client is shared between tasks, and what it
// hands out may cross threads.
const _: () = {
    const fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    const fn send_unpin<T: Send + Unpin>() {}
    send_sync_unpin::<Client>();
    send_sync_unpin::<ClientBuilder>();
    send_sync_unpin::<Error>();
    send_sync_unpin::<Request>();
    send_sync_unpin::<Route>();
    send_sync_unpin::<Overrides>();
    send_sync_unpin::<Resource>();
    send_sync_unpin::<GetUser<'static>>();
    send_sync_unpin::<SendMessageRequest<'static>>();
    send_sync_unpin::<ratelimit::LocalRateLimiter>();
    send_sync_unpin::<ratelimit::BucketKey>();
    send_unpin::<Pending<'static, ()>>();
};
