#![doc = include_str!("../README.md")]
//!
//! # The stream
//!
//! A [`Gateway`] is a [`Stream`] of `Result<Incoming, Error>`:
//!
//! * `Ok(Incoming::Ready { .. })` starts every session: the first
//!   connection's (`session == 0`) and every reconnect's. There is no
//!   resume, so each `Ready` **replaces** whatever state was built before.
//! * `Ok(Incoming::Event(..))`: an event the filter wants, `Bulk`s
//!   flattened in order; events of unknown types come as `Event::Unknown`
//!   with their whole payload.
//! * `Ok(Incoming::Reconnecting(..))`: the connection was lost or an
//!   attempt failed; says why, which attempt comes next and after what delay.
//! * `Err(error)` with `!error.is_terminal()`: a frame that did not decode
//!   ([`ErrorKind::Decode`], naming the event type and keeping the
//!   payload). The connection goes on.
//! * `Err(error)` with `error.is_terminal()`: the token was refused, the
//!   session logged out, or the attempts ran out. The stream ends after it.
//!
//! The stream ends without an error after [`Handle::close`].
//!
//! # Backpressure
//!
//! All the work (reading, pinging, sending commands, reconnecting) happens
//! while the stream is polled, and at most one frame's events are held:
//! a consumer that stops polling stops the reading, and the server's
//! frames wait in the kernel's socket buffers. A consumer that pauses for
//! longer than the ping timeout is not taken for a dead connection: the
//! frames already received (the `Pong` among them) are read before a
//! deadline is checked.
//!
//! # States and transitions, and the test that covers each
//!
//! | from | to | when | test |
//! |---|---|---|---|
//! | Connecting | Open | `Ready` received (`session` 0, then +1) | `happy::json_session_*`, `happy::msgpack_session_*` |
//! | Connecting | Connecting | upgrade answered 502; attempt + 1 after a backoff delay | `endings::a_502_on_upgrade_*` |
//! | Connecting | Connecting | TCP connect refused | `endings::refused_tcp_connects_*` (paused time) |
//! | Connecting | Connecting | upgrade or `Ready` not in time | `endings::a_server_that_never_upgrades_or_never_sends_ready_*` |
//! | Connecting | Connecting | server `Error` 5xx before `Ready` | `endings::a_server_error_during_the_handshake_*` |
//! | Connecting | Done | token refused (`Error` before `Ready`) | `endings::a_refused_token_*` |
//! | Connecting | Done | `max_attempts` failed in a row | `endings::refused_tcp_connects_*`, `endings::a_server_that_never_*` |
//! | Connecting | Done | [`Handle::close`] while waiting | `endings::close_while_reconnecting_*` |
//! | Open | Connecting (attempt 1, no delay) | socket dropped without a close frame, after a `Pong` | `endings::a_dropped_socket_*` |
//! | Open | Connecting (attempt + 1, backoff delay) | lost before its first `Pong` | `endings::a_server_that_drops_every_connection_*`, `load::soak_*` |
//! | Open | Connecting | no `Pong` within the timeout | `endings::a_silent_server_*` |
//! | Open | Connecting | a write stuck past the timeout | `endings::a_server_that_stops_reading_*` |
//! | Open | Connecting | a frame over the size cap | `endings::frames_over_the_cap_*` |
//! | Open | Connecting | server restart | `endings::a_server_restart_*` |
//! | Open | Open | undecodable frame: non-fatal error | `endings::a_malformed_frame_*` |
//! | Open | Open | every handle dropped: no more commands, events go on | `endings::the_stream_goes_on_*` |
//! | Open | Open | the consumer pauses: reading stops, nothing is lost | `load::a_slow_consumer_*` |
//! | Open | Done | lost before its first `Pong`, the `max_attempts`th failure in a row | `endings::a_server_that_drops_every_connection_*` |
//! | Open | Done | `Logout` | `endings::logout_*` |
//! | Open | Done | `Error` 401 after `Ready` | `endings::an_auth_error_after_ready_*` |
//! | Open | Done | [`Handle::close`] (close frame sent) | `happy::close_*` |
//!
//! The heartbeat's own branches (ping due, pong matched, stale pong,
//! deadline, no second ping in flight) and the backoff schedule are unit
//! tests under paused time, in `heartbeat.rs` and `stoat_model::backoff`.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod driver;
mod endpoint;
mod error;
mod frame;
mod handle;
mod handshake;
mod heartbeat;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use stoat_model::Secret;
use stoat_model::event::{Event, Ready};
use tokio::sync::mpsc;

pub use config::GatewayBuilder;
pub use error::{Error, ErrorKind};
pub use handle::{Handle, TypingGuard};
/// The TLS library of `wss://` connections, for
/// [`GatewayBuilder::tls_config`].
#[cfg(feature = "rustls")]
pub use rustls;

/// The official events URL. The authoritative value is the `ws` field of
/// the API's `GET /`.
pub const DEFAULT_URL: &str = "wss://events.stoat.chat";

/// What the stream yields besides errors.
#[derive(Debug)]
#[non_exhaustive]
pub enum Incoming {
    /// A session began. Everything known from earlier sessions is stale:
    /// replace it with this.
    Ready {
        /// The initial state.
        ready: Box<Ready>,
        /// 0 for the first connection, then one more for every reconnect.
        session: u64,
    },
    /// An event the filter wants.
    Event(Event),
    /// The connection is down and will be tried again.
    Reconnecting(Reconnect),
}

/// Why and when the next attempt is made.
#[derive(Debug)]
pub struct Reconnect {
    /// The attempt about to be made, counted since the last connection
    /// whose heartbeat was answered: 1 right after losing such a connection
    /// (made at once), more after failed attempts. A connection lost before
    /// its first `Pong` counts as a failed attempt.
    pub attempt: u32,
    /// The wait before it.
    pub delay: Duration,
    /// What ended the connection or failed the previous attempt.
    pub cause: Error,
}

/// An events connection that reconnects by itself: a stream of
/// [`Incoming`] items (see the crate docs), with a [`Handle`] for commands.
pub struct Gateway {
    inner: Pin<Box<dyn Stream<Item = Result<Incoming, Error>> + Send>>,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

impl Gateway {
    /// A connection to `url` (`ws://` or `wss://`) with a session or bot
    /// token, to configure.
    pub fn builder(url: impl Into<String>, token: Secret) -> GatewayBuilder {
        GatewayBuilder::new(url.into(), token)
    }

    fn start(
        config: Arc<config::Config>,
        jitter: stoat_model::backoff::Jitter,
        capacity: usize,
    ) -> (Self, Handle) {
        let shared = Arc::new(handle::Shared::new());
        let (sender, receiver) = mpsc::channel(capacity);
        let driver = driver::Driver::new(config, Arc::clone(&shared), receiver, jitter);
        let inner = futures_util::stream::unfold(driver, |mut driver| async move {
            let item = driver.next().await?;
            Some((item, driver))
        });
        // Fused: after its end, the stream keeps answering `None`.
        let gateway = Self {
            inner: Box::pin(futures_util::StreamExt::fuse(inner)),
        };
        (gateway, Handle::new(sender, shared))
    }
}

impl Stream for Gateway {
    type Item = Result<Incoming, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

// Compile-time promises: the stream may be moved to any task and polled
// there (being `Unpin`, with `StreamExt::next`); it is not `Sync`, as one
// task owns it. The handle is shared between tasks.
const _: () = {
    const fn send_unpin<T: Send + Unpin>() {}
    const fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_unpin::<Gateway>();
    send_sync_unpin::<GatewayBuilder>();
    send_sync_unpin::<Handle>();
    send_sync_unpin::<TypingGuard>();
    send_sync_unpin::<Error>();
    send_sync_unpin::<Incoming>();
    send_sync_unpin::<Reconnect>();
};
